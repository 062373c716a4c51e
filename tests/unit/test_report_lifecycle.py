"""Unit tests for suishoupai.reports.lifecycle: the case state machine, exhaustively."""

import pytest

from suishoupai.errors import Conflict
from suishoupai.reports.lifecycle import (
    ACTION_LABELS,
    OPEN,
    STATUS_LABELS,
    Action,
    IllegalTransition,
    NotAllowed,
    Party,
    Status,
    available_actions,
    check,
    may,
    next_status,
)

# Written out by hand from the specification, one line per (action, from-status), on purpose not
# derived from the module's own rules: action -> from-status -> (to-status, parties allowed).
EXPECTED: dict[str, dict[str, tuple[str, set[str]]]] = {
    "assign": {
        "submitted": ("assigned", {"community", "street", "district", "system"}),
        "assigned": ("assigned", {"community", "street", "district", "system"}),
        "accepted": ("assigned", {"community", "street", "district", "system"}),
        "returned": ("assigned", {"community", "street", "district", "system"}),
        "escalated": ("assigned", {"community", "street", "district", "system"}),
    },
    "accept": {
        "submitted": ("accepted", {"community", "street", "district"}),
        "assigned": ("accepted", {"grid", "community", "street", "district"}),
        "transferred": ("accepted", {"department"}),
        "returned": ("accepted", {"community", "street", "district"}),
        "escalated": ("accepted", {"grid", "department", "community", "street", "district"}),
    },
    "transfer": {
        "submitted": ("transferred", {"community", "street", "district"}),
        "assigned": ("transferred", {"grid", "community", "street", "district"}),
        "accepted": ("transferred", {"grid", "community", "street", "district"}),
        # onward transfer is the dispatcher's, never the department's
        "transferred": ("transferred", {"community", "street", "district"}),
        "returned": ("transferred", {"community", "street", "district"}),
        "escalated": ("transferred", {"community", "street", "district"}),
    },
    "return": {
        "transferred": ("returned", {"department"}),
        "accepted": ("returned", {"department"}),
        "escalated": ("returned", {"department"}),
    },
    "escalate": {
        "submitted": ("escalated", {"grid", "department", "community", "street", "system"}),
        "assigned": ("escalated", {"grid", "department", "community", "street", "system"}),
        "accepted": ("escalated", {"grid", "department", "community", "street", "system"}),
        "transferred": ("escalated", {"grid", "department", "community", "street", "system"}),
        "returned": ("escalated", {"community", "street", "system"}),
        "escalated": ("escalated", {"community", "street", "system"}),
    },
    "resolve": {
        "accepted": ("resolved", {"grid", "department", "community", "street", "district"}),
    },
    "reject": {
        "submitted": ("rejected", {"grid", "community", "street", "district"}),
        "assigned": ("rejected", {"grid", "community", "street", "district"}),
        "accepted": ("rejected", {"grid", "community", "street", "district"}),
        "returned": ("rejected", {"community", "street", "district"}),
        "escalated": ("rejected", {"community", "street", "district"}),
    },
    "reopen": {
        "resolved": ("assigned", {"reporter"}),
        "closed": ("assigned", {"reporter"}),
    },
    "confirm": {
        "resolved": ("closed", {"reporter"}),
    },
    "close": {
        "resolved": ("closed", {"system"}),
    },
    "rate": {
        "resolved": ("resolved", {"reporter"}),  # rating never closes the case: confirm or the sweep does
        "closed": ("closed", {"reporter"}),
    },
}

ALL_STATUSES = ["submitted", "assigned", "accepted", "transferred", "returned", "escalated", "resolved",
                "closed", "rejected"]
ALL_ACTIONS = ["assign", "accept", "transfer", "return", "escalate", "resolve", "reject", "reopen", "confirm",
               "rate", "close"]
#: the steps beside the state machine, decided by the case's facts (tests/unit/test_report_case_facts.py)
BESIDE = ["merge", "review_flags", "moderate"]
ALL_PARTIES = ["reporter", "grid", "department", "community", "street", "district", "system"]


def _expected(action: str, status: str, party: str) -> str | type[Exception]:
    """What check() must answer for a single party, by the documented decision order."""
    rules = EXPECTED[action]
    if not any(party in parties for _, parties in rules.values()):
        return NotAllowed
    if status not in rules:
        return IllegalTransition
    target, parties = rules[status]
    return target if party in parties else NotAllowed


CASES = [
    pytest.param(action, status, party, _expected(action, status, party), id=f"{action}-{status}-{party}")
    for action in ALL_ACTIONS for status in ALL_STATUSES for party in ALL_PARTIES
]


def test_enums_match_the_specification():
    """The hand-written lists above cover exactly the module's members, in declaration order."""
    assert [s.value for s in Status] == ALL_STATUSES
    assert [a.value for a in Action] == ALL_ACTIONS + BESIDE
    assert [p.value for p in Party] == ALL_PARTIES
    assert set(EXPECTED) == set(ALL_ACTIONS)


def test_open_statuses():
    """Open means somebody still has to act."""
    assert {Status.SUBMITTED, Status.ASSIGNED, Status.ACCEPTED, Status.TRANSFERRED, Status.RETURNED,
            Status.ESCALATED} == OPEN
    assert isinstance(OPEN, frozenset)


@pytest.mark.parametrize(("action", "status", "party", "expected"), CASES)
def test_check_single_party(action, status, party, expected):
    """Every action x status x party gives the right next status or the right error."""
    if isinstance(expected, str):
        result = check(Action(action), Status(status), {Party(party)})
        assert result == Status(expected)
        assert type(result) is Status
        assert may(Action(action), Status(status), {Party(party)})
    else:
        with pytest.raises(expected) as info:
            check(Action(action), Status(status), {Party(party)})
        assert type(info.value) is expected
        assert not may(Action(action), Status(status), {Party(party)})


@pytest.mark.parametrize(("action", "status"), [(a, s) for a in ALL_ACTIONS for s in ALL_STATUSES])
def test_next_status(action, status):
    """next_status follows the table whoever acts, and refuses what is not in it."""
    if status in EXPECTED[action]:
        assert next_status(Action(action), Status(status)) == Status(EXPECTED[action][status][0])
    else:
        with pytest.raises(IllegalTransition):
            next_status(Action(action), Status(status))


@pytest.mark.parametrize(("action", "status"), [(a, s) for a in ALL_ACTIONS for s in ALL_STATUSES])
def test_check_with_several_parties_is_the_best_of_them(action, status):
    """An actor with several relations may act if any one of them may; errors follow the same order."""
    everyone = set(Party)
    if status in EXPECTED[action]:
        assert check(Action(action), Status(status), everyone) == Status(EXPECTED[action][status][0])
    else:
        with pytest.raises(IllegalTransition):
            check(Action(action), Status(status), everyone)


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("status", list(Status))
def test_nobody_may_do_anything(action, status):
    """An empty set of parties never passes, and never learns about the status."""
    with pytest.raises(NotAllowed):
        check(action, status, set())


def test_never_allowed_beats_illegal_status():
    """A party that may never take the action gets 403 even where the status would refuse it too."""
    # the reporter can never assign, and nobody can assign a closed report
    with pytest.raises(NotAllowed):
        check(Action.ASSIGN, Status.CLOSED, {Party.REPORTER})
    # the grid can never close or confirm
    with pytest.raises(NotAllowed):
        check(Action.CLOSE, Status.SUBMITTED, {Party.GRID})


def test_illegal_status_beats_wrong_party_for_other_statuses():
    """A party that may take the action somewhere gets 409 from a status the action is not possible in."""
    with pytest.raises(IllegalTransition):
        check(Action.RESOLVE, Status.RESOLVED, {Party.GRID})
    with pytest.raises(IllegalTransition):
        check(Action.RESOLVE, Status.ASSIGNED, {Party.DEPARTMENT})


def test_possible_from_status_but_not_for_this_party():
    """Possible from the current status, allowed for the party elsewhere, but not here: 403."""
    # the department accepts transferred reports, not assigned ones
    with pytest.raises(NotAllowed):
        check(Action.ACCEPT, Status.ASSIGNED, {Party.DEPARTMENT})
    # the grid accepts assigned reports, not transferred or escalated ones
    with pytest.raises(NotAllowed):
        check(Action.ACCEPT, Status.TRANSFERRED, {Party.GRID})
    with pytest.raises(NotAllowed):
        check(Action.TRANSFER, Status.ESCALATED, {Party.GRID})
    # the grid may escalate an open report, but not re-escalate an escalated one
    with pytest.raises(NotAllowed):
        check(Action.ESCALATE, Status.ESCALATED, {Party.GRID})
    assert check(Action.ESCALATE, Status.ESCALATED, {Party.GRID, Party.STREET}) == Status.ESCALATED


def test_district_cannot_escalate():
    """The district is the top level."""
    for status in Status:
        with pytest.raises(NotAllowed):
            check(Action.ESCALATE, status, {Party.DISTRICT})


def test_illegal_transition_error():
    """409 with a stable code, zh text naming the status, and the status and action as details."""
    with pytest.raises(IllegalTransition) as info:
        check(Action.ACCEPT, Status.ACCEPTED, {Party.GRID})
    err = info.value
    assert isinstance(err, Conflict)
    assert err.status == 409
    assert err.code == "report.illegal_transition"
    assert err.message == "当前状态（已受理）不能执行此操作"
    assert err.details == {"status": "accepted", "action": "accept"}
    assert type(err.details["status"]) is str
    assert type(err.details["action"]) is str
    assert (err.action, err.current) == (Action.ACCEPT, Status.ACCEPTED)


def test_not_allowed_error():
    """409 (a step refused on a visible case) with a stable code, zh text,
    and the action and current status as details."""
    with pytest.raises(NotAllowed) as info:
        check(Action.RESOLVE, Status.ACCEPTED, {Party.REPORTER})
    err = info.value
    assert isinstance(err, Conflict)
    assert err.status == 409
    assert err.code == "report.not_allowed"
    assert err.message == "您无权对该案件执行此操作"
    assert err.details == {"action": "resolve", "status": "accepted"}
    assert type(err.details["action"]) is str
    assert err.action == Action.RESOLVE


def test_plain_strings_are_accepted():
    """Values straight from the database or a request work like the enum members."""
    assert check("accept", "assigned", ["grid"]) == Status.ACCEPTED
    assert next_status("reopen", "closed") == Status.ASSIGNED
    assert available_actions("resolved", ("system",)) == [Action.CLOSE]
    with pytest.raises(ValueError):
        check("fly", "assigned", {"grid"})
    with pytest.raises(ValueError):
        check("accept", "assigned", {"mayor"})


@pytest.mark.parametrize("status", list(Status))
def test_status_labels_complete(status):
    """Every status has non-empty zh text, distinct from the others."""
    assert STATUS_LABELS[status]
    assert len(set(STATUS_LABELS.values())) == len(Status) == len(STATUS_LABELS)


@pytest.mark.parametrize("action", list(Action))
def test_action_labels_complete(action):
    """Every action has non-empty zh text, distinct from the others."""
    assert ACTION_LABELS[action]
    assert len(set(ACTION_LABELS.values())) == len(Action) == len(ACTION_LABELS)


def test_labels_as_specified():
    """The labels the mini-program shows."""
    assert [STATUS_LABELS[s] for s in Status] == ["待派单", "已派单", "已受理", "已转办", "已退回", "已上报",
                                                  "已办结", "已结案", "已驳回"]
    assert [ACTION_LABELS[a] for a in Action] == ["派单", "受理", "转办", "退回", "上报", "办结", "驳回",
                                                  "重新办理", "确认", "评价", "结案", "合并重复", "核查照片",
                                                  "内容审核"]


A = Action


@pytest.mark.parametrize(
    ("status", "parties", "expected"),
    [
        (Status.SUBMITTED, {Party.COMMUNITY}, [A.ASSIGN, A.ACCEPT, A.TRANSFER, A.ESCALATE, A.REJECT]),
        (Status.SUBMITTED, {Party.SYSTEM}, [A.ASSIGN, A.ESCALATE]),
        (Status.SUBMITTED, {Party.REPORTER}, []),
        (Status.ASSIGNED, {Party.GRID}, [A.ACCEPT, A.TRANSFER, A.ESCALATE, A.REJECT]),
        (Status.ACCEPTED, {Party.GRID}, [A.TRANSFER, A.ESCALATE, A.RESOLVE, A.REJECT]),
        (Status.ACCEPTED, {Party.DEPARTMENT}, [A.RETURN, A.ESCALATE, A.RESOLVE]),
        (Status.TRANSFERRED, {Party.DEPARTMENT}, [A.ACCEPT, A.RETURN, A.ESCALATE]),
        # the dispatcher passes a department's case on; the department only hands it back
        (Status.TRANSFERRED, {Party.DISTRICT}, [A.TRANSFER]),
        (Status.TRANSFERRED, {Party.COMMUNITY}, [A.TRANSFER, A.ESCALATE]),
        (Status.RETURNED, {Party.COMMUNITY}, [A.ASSIGN, A.ACCEPT, A.TRANSFER, A.ESCALATE, A.REJECT]),
        (Status.RETURNED, {Party.GRID}, []),
        (Status.RETURNED, {Party.DEPARTMENT}, []),
        (Status.ESCALATED, {Party.STREET}, [A.ASSIGN, A.ACCEPT, A.TRANSFER, A.ESCALATE, A.REJECT]),
        (Status.ESCALATED, {Party.DISTRICT}, [A.ASSIGN, A.ACCEPT, A.TRANSFER, A.REJECT]),
        (Status.RESOLVED, {Party.REPORTER}, [A.REOPEN, A.CONFIRM, A.RATE]),
        (Status.RESOLVED, {Party.SYSTEM}, [A.CLOSE]),
        (Status.RESOLVED, {Party.GRID, Party.COMMUNITY}, []),
        (Status.CLOSED, {Party.REPORTER}, [A.REOPEN, A.RATE]),
        (Status.REJECTED, set(Party), []),
        # a grid member who also filed the report sees both sets, in one stable order
        (Status.RESOLVED, {Party.GRID, Party.REPORTER}, [A.REOPEN, A.CONFIRM, A.RATE]),
        (Status.ASSIGNED, {Party.REPORTER, Party.GRID}, [A.ACCEPT, A.TRANSFER, A.ESCALATE, A.REJECT]),
    ],
)
def test_available_actions(status, parties, expected):
    """The buttons shown, in Action declaration order."""
    assert available_actions(status, parties) == expected
    assert available_actions(status, frozenset(parties)) == expected


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("party", list(Party))
def test_available_actions_agrees_with_may(status, party):
    """Each shown button is exactly an action check() would let through."""
    shown = available_actions(status, {party})
    assert shown == [a for a in ALL_ACTIONS if _expected(a, status.value, party.value) not in
                     (NotAllowed, IllegalTransition)]


def test_closed_and_rejected_are_not_open():
    """Only the reporter can still act on a closed report; nobody on a rejected one."""
    assert all(available_actions(Status.REJECTED, {p}) == [] for p in Party)
    assert {a for p in Party for a in available_actions(Status.CLOSED, {p})} == {A.REOPEN, A.RATE}
