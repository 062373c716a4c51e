"""The 随手拍 case state machine: which action moves a report from which status, and who may do it.

The one place that answers "may this caller take this step on this case now?": the step asks it
before acting, the detail's ``actions`` list asks it to offer the steps. Pure: facts about the case
(`Case`) and the caller's parties in, the allowed actions (or the refusal) out.

Rating and closing follow one rule: a resolved case closes only when its reporter confirms
(``confirm``) or when nobody answered within the configured number of days (``close``, the sweep).
Rating (网上评) judges the work and never moves the case: a low mark leaves the reporter free to
confirm or to ask for the work to be redone, and a case is rated once per round of work.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from types import MappingProxyType

from suishoupai.errors import Conflict


class Status(StrEnum):
    """Where a report stands."""

    SUBMITTED = "submitted"
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    TRANSFERRED = "transferred"
    #: a department handed it back (退回): its dispatcher must pass it on again
    RETURNED = "returned"
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REJECTED = "rejected"


#: statuses in which somebody still has to act on the report
OPEN: frozenset[Status] = frozenset(
    {Status.SUBMITTED, Status.ASSIGNED, Status.ACCEPTED, Status.TRANSFERRED, Status.RETURNED,
     Status.ESCALATED}
)


class Action(StrEnum):
    """What can be done to a report; the order is the order buttons are shown in."""

    ASSIGN = "assign"
    ACCEPT = "accept"
    TRANSFER = "transfer"
    RETURN = "return"
    ESCALATE = "escalate"
    RESOLVE = "resolve"
    REJECT = "reject"
    REOPEN = "reopen"
    CONFIRM = "confirm"
    RATE = "rate"
    CLOSE = "close"
    # steps beside the state machine, offered on what the case carries (see `_beside`)
    MERGE = "merge"
    REVIEW_FLAGS = "review_flags"
    MODERATE = "moderate"


class Party(StrEnum):
    """How the actor relates to this particular report (the service computes the set)."""

    REPORTER = "reporter"
    GRID = "grid"
    DEPARTMENT = "department"
    COMMUNITY = "community"
    STREET = "street"
    DISTRICT = "district"
    SYSTEM = "system"


STATUS_LABELS: dict[Status, str] = {
    Status.SUBMITTED: "待派单",
    Status.ASSIGNED: "已派单",
    Status.ACCEPTED: "已受理",
    Status.TRANSFERRED: "已转办",
    Status.RETURNED: "已退回",
    Status.ESCALATED: "已上报",
    Status.RESOLVED: "已办结",
    Status.CLOSED: "已结案",
    Status.REJECTED: "已驳回",
}

ACTION_LABELS: dict[Action, str] = {
    Action.ASSIGN: "派单",
    Action.ACCEPT: "受理",
    Action.TRANSFER: "转办",
    Action.RETURN: "退回",
    Action.ESCALATE: "上报",
    Action.RESOLVE: "办结",
    Action.REJECT: "驳回",
    Action.REOPEN: "重新办理",
    Action.CONFIRM: "确认",
    Action.RATE: "评价",
    Action.CLOSE: "结案",
    Action.MERGE: "合并重复",
    Action.REVIEW_FLAGS: "核查照片",
    Action.MODERATE: "内容审核",
}


class IllegalTransition(Conflict):
    """The action exists but cannot be taken from the report's current status."""

    code = "report.illegal_transition"

    def __init__(self, action: Action | str, current: Status | str):
        """Name the status and the refused action."""
        self.action = Action(action)
        self.current = Status(current)
        super().__init__(
            f"当前状态（{STATUS_LABELS[self.current]}）不能执行此操作",
            details={"status": self.current.value, "action": self.action.value},
        )


class NotAllowed(Conflict):
    """None of the actor's relations to the report entitles them to the action (409:
    the caller can see the case, and its current state does not admit this step from them)."""

    code = "report.not_allowed"
    message = "您无权对该案件执行此操作"

    def __init__(self, action: Action | str, current: Status | str | None = None):
        """Name the refused action and, where known, the current status."""
        self.action = Action(action)
        details = {"action": self.action.value}
        if current is not None:
            details["status"] = Status(current).value
        super().__init__(details=details)


class AlreadyRated(Conflict):
    """The reporter has rated this round of work already."""

    code = "report.already_rated"
    message = "已评价过该案件"

    def __init__(self, current: Status | str):
        """Name the current status."""
        super().__init__(details={"status": Status(current).value})


class AlreadyEscalated(Conflict):
    """The case already stands at the level asked for (or at the top)."""

    code = "report.already_escalated"
    message = "案件已上报到该层级"

    def __init__(self, current: Status | str, level: int):
        """Name the status and the level reached."""
        super().__init__(details={"status": Status(current).value, "escalation_level": level})


class ReopenWindowPassed(Conflict):
    """The work was resolved longer ago than the reporter may ask for it to be redone."""

    code = "report.reopen_window_passed"

    def __init__(self, current: Status | str, window: timedelta):
        """Name the window in days."""
        super().__init__(f"办结超过 {window.days} 天，不能再要求重新办理",
                         details={"status": Status(current).value})


#: the highest escalation level (the street): there is nobody above it to report to
TOP_LEVEL = 2


@dataclass(frozen=True)
class Case:
    """What the rules read of a report besides its status; a bare status leaves nothing in the way."""

    status: Status
    #: a department holds the case (it was transferred there): the department resolves it, not the grid
    department_holds: bool = False
    #: 0 none, 1 the community, 2 the street
    escalation_level: int = 0
    #: the reporter has rated the current round of work
    rated: bool = False
    #: how long the reporter may ask for resolved work to be redone (None: no limit to check)
    reopen_window: timedelta | None = None
    #: how long ago the current round was resolved (None: it was not)
    resolved_for: timedelta | None = None
    #: the caller works on another case that may be the same problem (a merge has somewhere to go)
    has_suspects: bool = False
    #: after-photo flags nobody has reviewed yet
    open_flags: bool = False
    #: content security of the reporter's texts and photos (pending | pass | review | risky)
    moderation: str = "pass"


_S, _A, _P = Status, Action, Party
_ADMINS = frozenset({_P.COMMUNITY, _P.STREET, _P.DISTRICT})
#: who reviews after-photo flags and decides content in review: the administrators over the case
REVIEWERS = _ADMINS
#: content security states a person may still decide
UNDECIDED_CONTENT = frozenset({"pending", "review"})

# (action, from-statuses, to-status, parties allowed for those from-statuses)
_RULES: tuple[tuple[Action, tuple[Status, ...], Status, frozenset[Party]], ...] = (
    (_A.ASSIGN, (_S.SUBMITTED, _S.ASSIGNED, _S.ACCEPTED, _S.RETURNED, _S.ESCALATED), _S.ASSIGNED,
     _ADMINS | {_P.SYSTEM}),
    # the community's queue (no grid, or nobody on it) is taken or passed on by the admins
    (_A.ACCEPT, (_S.SUBMITTED, _S.RETURNED), _S.ACCEPTED, _ADMINS),
    (_A.ACCEPT, (_S.ASSIGNED,), _S.ACCEPTED, _ADMINS | {_P.GRID}),
    (_A.ACCEPT, (_S.TRANSFERRED,), _S.ACCEPTED, frozenset({_P.DEPARTMENT})),
    # 督办 does not take the case away: whoever holds it may still take it up, under supervision
    (_A.ACCEPT, (_S.ESCALATED,), _S.ACCEPTED, _ADMINS | {_P.GRID, _P.DEPARTMENT}),
    (_A.TRANSFER, (_S.SUBMITTED,), _S.TRANSFERRED, _ADMINS),
    (_A.TRANSFER, (_S.ASSIGNED, _S.ACCEPTED), _S.TRANSFERRED, _ADMINS | {_P.GRID}),
    # onward transfer is the dispatcher's: a department never passes a case on itself, it hands it back;
    # once supervised, only the supervisors may pass the case on or drop it
    (_A.TRANSFER, (_S.TRANSFERRED, _S.RETURNED, _S.ESCALATED), _S.TRANSFERRED, _ADMINS),
    # 退回: the department holding a case that is not its own hands it back to whoever dispatched it
    (_A.RETURN, (_S.TRANSFERRED, _S.ACCEPTED, _S.ESCALATED), _S.RETURNED, frozenset({_P.DEPARTMENT})),
    (_A.ESCALATE, (_S.SUBMITTED, _S.ASSIGNED, _S.ACCEPTED, _S.TRANSFERRED), _S.ESCALATED,
     frozenset({_P.GRID, _P.DEPARTMENT, _P.COMMUNITY, _P.STREET, _P.SYSTEM})),
    # the district is the top level: it has nobody above it to escalate to
    (_A.ESCALATE, (_S.RETURNED, _S.ESCALATED), _S.ESCALATED, frozenset({_P.COMMUNITY, _P.STREET, _P.SYSTEM})),
    (_A.RESOLVE, (_S.ACCEPTED,), _S.RESOLVED, _ADMINS | {_P.GRID, _P.DEPARTMENT}),
    (_A.REJECT, (_S.SUBMITTED, _S.ASSIGNED, _S.ACCEPTED), _S.REJECTED, _ADMINS | {_P.GRID}),
    (_A.REJECT, (_S.RETURNED, _S.ESCALATED), _S.REJECTED, _ADMINS),
    (_A.REOPEN, (_S.RESOLVED, _S.CLOSED), _S.ASSIGNED, frozenset({_P.REPORTER})),
    (_A.CONFIRM, (_S.RESOLVED,), _S.CLOSED, frozenset({_P.REPORTER})),
    (_A.CLOSE, (_S.RESOLVED,), _S.CLOSED, frozenset({_P.SYSTEM})),
    # rating leaves the case where it stands (see the module's docstring)
    (_A.RATE, (_S.RESOLVED,), _S.RESOLVED, frozenset({_P.REPORTER})),
    (_A.RATE, (_S.CLOSED,), _S.CLOSED, frozenset({_P.REPORTER})),
)


def _build() -> tuple[Mapping[tuple[Action, Status], tuple[Status, frozenset[Party]]],
                      Mapping[Action, frozenset[Party]]]:
    """Index the rules by (action, from-status), and collect who may ever take each action."""
    table: dict[tuple[Action, Status], tuple[Status, frozenset[Party]]] = {}
    ever: dict[Action, frozenset[Party]] = {action: frozenset() for action in Action}
    for action, sources, target, parties in _RULES:
        for source in sources:
            if (action, source) in table:
                raise AssertionError(f"duplicate rule for {action} from {source}")
            table[action, source] = (target, parties)
        ever[action] |= parties
    return MappingProxyType(table), MappingProxyType(ever)


_TABLE, _EVER = _build()


def next_status(action: Action | str, current: Status | str) -> Status:
    """The status `action` leads to from `current`; IllegalTransition if it cannot be taken from there."""
    action, current = Action(action), Status(current)
    try:
        return _TABLE[action, current][0]
    except KeyError:
        raise IllegalTransition(action, current) from None


def _as_case(current: Status | str | Case) -> Case:
    """A case from a bare status, or the case itself."""
    return current if isinstance(current, Case) else Case(Status(current))


def _beside(action: Action, case: Case, parties: set[Party]) -> Status:
    """The steps beside the state machine: merging a duplicate is rejecting it (so whoever may reject,
    when there is a suspect to merge into), reviewing flags and deciding content are the
    administrators' while there is something to review. The status stays, except a merge's."""
    if action == Action.MERGE:
        target = check(Action.REJECT, case, parties)
        if not case.has_suspects:
            raise Conflict("没有可合并的疑似重复案件", code="report.no_suspects",
                           details={"action": action.value})
        return target
    if not parties & REVIEWERS:
        raise NotAllowed(action, case.status)
    if action == Action.REVIEW_FLAGS and not case.open_flags:
        raise Conflict("没有待核查的标记", code="report.no_open_flags", details={"action": action.value})
    if action == Action.MODERATE and case.moderation not in UNDECIDED_CONTENT:
        raise Conflict("没有待审核的内容", code="moderation.nothing_to_decide",
                       details={"action": action.value, "moderation": case.moderation})
    return case.status


def check(action: Action | str, current: Status | str | Case, parties: Iterable[Party | str]) -> Status:
    """The next status if any of `parties` may take `action` on the case now; otherwise NotAllowed,
    IllegalTransition, or the refusal its facts give (AlreadyRated, AlreadyEscalated, ReopenWindowPassed)."""
    action, case = Action(action), _as_case(current)
    current = case.status
    parties = {Party(p) for p in parties}
    if action in (Action.MERGE, Action.REVIEW_FLAGS, Action.MODERATE):
        return _beside(action, case, parties)
    if action == Action.RESOLVE and case.department_holds:
        parties.discard(Party.GRID)  # a transferred case is resolved by the department
    # who-never-may comes first; callers outside the report's scope got a 404 before this point
    if not parties & _EVER[action]:
        raise NotAllowed(action, current)
    rule = _TABLE.get((action, current))
    if rule is None:
        raise IllegalTransition(action, current)
    target, allowed = rule
    if not parties & allowed:
        raise NotAllowed(action, current)
    if action == Action.RATE and case.rated:
        raise AlreadyRated(current)
    if action == Action.ESCALATE and case.escalation_level >= TOP_LEVEL:
        raise AlreadyEscalated(current, case.escalation_level)
    if action == Action.REOPEN and case.reopen_window is not None and (
            case.resolved_for is None or case.resolved_for > case.reopen_window):
        raise ReopenWindowPassed(current, case.reopen_window)
    return target


def may(action: Action | str, current: Status | str | Case, parties: Iterable[Party | str]) -> bool:
    """Whether check() would succeed."""
    try:
        check(action, current, parties)
    except Conflict:
        return False
    return True


def available_actions(current: Status | str | Case, parties: Iterable[Party | str]) -> list[Action]:
    """The actions `parties` may take on the case now, in Action declaration order."""
    case = _as_case(current)
    parties = {Party(p) for p in parties}
    return [action for action in Action if may(action, case, parties)]
