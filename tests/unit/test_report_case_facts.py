"""Unit tests for suishoupai.reports.lifecycle beyond the status table: the facts of a case (who holds
it, its escalation level, its rating, the reopen window) decide what is offered and what is refused,
and the two always agree."""

from datetime import timedelta

import pytest

from suishoupai.reports.deadlines import past_due, running_due
from suishoupai.reports.lifecycle import (
    Action,
    AlreadyEscalated,
    AlreadyRated,
    Case,
    NotAllowed,
    Party,
    ReopenWindowPassed,
    Status,
    available_actions,
    check,
    may,
)

WEEK = timedelta(days=7)


def test_the_department_resolves_a_case_it_holds_and_the_grid_does_not():
    """On an accepted case a department holds, resolve is the department's and the admins', never the
    grid member's; on a grid case the grid member resolves."""
    held = Case(Status.ACCEPTED, department_holds=True)
    assert Action.RESOLVE not in available_actions(held, {Party.GRID})
    with pytest.raises(NotAllowed):
        check(Action.RESOLVE, held, {Party.GRID})
    assert check(Action.RESOLVE, held, {Party.DEPARTMENT}) == Status.RESOLVED
    assert check(Action.RESOLVE, held, {Party.COMMUNITY}) == Status.RESOLVED
    assert check(Action.RESOLVE, Case(Status.ACCEPTED), {Party.GRID}) == Status.RESOLVED


@pytest.mark.parametrize("status", [Status.RESOLVED, Status.CLOSED])
def test_rating_is_once_a_round_and_never_moves_the_case(status):
    """The reporter rates a resolved or closed case once; the case stays where it stands."""
    assert check(Action.RATE, Case(status), {Party.REPORTER}) == status
    rated = Case(status, rated=True)
    assert Action.RATE not in available_actions(rated, {Party.REPORTER})
    with pytest.raises(AlreadyRated) as refused:
        check(Action.RATE, rated, {Party.REPORTER})
    assert refused.value.code == "report.already_rated" and refused.value.status == 409
    assert refused.value.details == {"status": status.value}


def test_a_rated_resolved_case_closes_only_by_confirming_or_the_sweep():
    """Rating and confirming follow one rule: only confirm (the reporter) and close (the system) lead a
    resolved case to closed, whatever the rating."""
    rated = Case(Status.RESOLVED, rated=True, reopen_window=WEEK, resolved_for=timedelta(days=1))
    assert available_actions(rated, {Party.REPORTER}) == [Action.REOPEN, Action.CONFIRM]
    assert check(Action.CONFIRM, rated, {Party.REPORTER}) == Status.CLOSED
    assert check(Action.CLOSE, rated, {Party.SYSTEM}) == Status.CLOSED
    closing = {a for a in Action for p in Party if may(a, Case(Status.RESOLVED), {p})
               and check(a, Case(Status.RESOLVED), {p}) == Status.CLOSED}
    assert closing == {Action.CONFIRM, Action.CLOSE}


@pytest.mark.parametrize(("resolved_for", "open_"), [
    (timedelta(days=1), True), (WEEK, True), (WEEK + timedelta(seconds=1), False), (None, False)])
def test_reopening_is_offered_only_within_the_window(resolved_for, open_):
    """Past the window (or with no resolution on record) reopen is neither offered nor allowed."""
    case = Case(Status.CLOSED, reopen_window=WEEK, resolved_for=resolved_for)
    assert (Action.REOPEN in available_actions(case, {Party.REPORTER})) is open_
    if open_:
        assert check(Action.REOPEN, case, {Party.REPORTER}) == Status.ASSIGNED
    else:
        with pytest.raises(ReopenWindowPassed) as refused:
            check(Action.REOPEN, case, {Party.REPORTER})
        assert refused.value.code == "report.reopen_window_passed" and "7 天" in refused.value.message


def test_nothing_is_escalated_past_the_street():
    """At the street level escalate is neither offered nor allowed, from any status, to anyone."""
    for status in (Status.ESCALATED, Status.ACCEPTED):
        top = Case(status, escalation_level=2)
        for party in Party:
            assert Action.ESCALATE not in available_actions(top, {party})
        with pytest.raises(AlreadyEscalated) as refused:
            check(Action.ESCALATE, top, {Party.STREET})
        assert refused.value.details == {"status": status.value, "escalation_level": 2}
    assert check(Action.ESCALATE, Case(Status.ESCALATED, escalation_level=1), {Party.COMMUNITY}) \
        == Status.ESCALATED


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("facts", [
    {}, {"department_holds": True}, {"escalation_level": 1}, {"escalation_level": 2}, {"rated": True},
    {"reopen_window": WEEK, "resolved_for": timedelta(days=30)}, {"has_suspects": True},
    {"open_flags": True}, {"moderation": "review"}, {"moderation": "pending"}, {"moderation": "risky"}])
def test_what_is_offered_is_exactly_what_check_allows(status, facts):
    """For every status, fact and party: offered ⟺ check passes (the step and the list ask one rule)."""
    case = Case(status, **facts)
    for party in Party:
        offered = available_actions(case, {party})
        for action in Action:
            assert (action in offered) == may(action, case, {party}), (status, facts, party, action)


def test_a_bare_status_is_a_case_with_nothing_in_the_way():
    """The status-only questions are those of a case without facts."""
    for status in Status:
        for party in Party:
            assert available_actions(status, {party}) == available_actions(Case(status), {party})


def test_the_running_deadline_and_overdue():
    """A case waits on its accept deadline until its holder takes it up, then on its resolve deadline;
    it is overdue strictly after the running one, never without one."""
    from datetime import UTC, datetime

    accept, resolve = datetime(2025, 1, 6, 9, tzinfo=UTC), datetime(2025, 1, 9, 9, tzinfo=UTC)
    assert running_due(False, accept, resolve) == accept
    assert running_due(True, accept, resolve) == resolve
    assert not past_due(accept, accept)
    assert past_due(accept + timedelta(seconds=1), accept)
    assert not past_due(resolve, None)


@pytest.mark.parametrize("status", list(Status))
def test_the_steps_beside_the_state_machine_follow_the_cases_facts(status):
    """Merging is rejecting into a suspect; flags and content in review are the administrators' while
    there is something to review; without the fact none is offered."""
    admins = {Party.COMMUNITY, Party.STREET, Party.DISTRICT}
    for party in Party:
        bare = available_actions(Case(status), {party})
        assert not {Action.MERGE, Action.REVIEW_FLAGS, Action.MODERATE} & set(bare)
        merging = Action.MERGE in available_actions(Case(status, has_suspects=True), {party})
        assert merging == may(Action.REJECT, Case(status), {party})
        assert (Action.REVIEW_FLAGS in available_actions(Case(status, open_flags=True), {party})) \
            == (party in admins)
        for content, open_content in (("review", True), ("pending", True), ("pass", False), ("risky", False)):
            offered = Action.MODERATE in available_actions(Case(status, moderation=content), {party})
            assert offered == (open_content and party in admins), (party, content)
