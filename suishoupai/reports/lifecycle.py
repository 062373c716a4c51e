"""The 随手拍 case state machine: which action moves a report from which status, and who may do it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from types import MappingProxyType

from suishoupai.errors import Conflict


class Status(StrEnum):
    """Where a report stands."""

    SUBMITTED = "submitted"
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    TRANSFERRED = "transferred"
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REJECTED = "rejected"


#: statuses in which somebody still has to act on the report
OPEN: frozenset[Status] = frozenset(
    {Status.SUBMITTED, Status.ASSIGNED, Status.ACCEPTED, Status.TRANSFERRED, Status.ESCALATED}
)


class Action(StrEnum):
    """What can be done to a report; the order is the order buttons are shown in."""

    ASSIGN = "assign"
    ACCEPT = "accept"
    TRANSFER = "transfer"
    ESCALATE = "escalate"
    RESOLVE = "resolve"
    REJECT = "reject"
    REOPEN = "reopen"
    CONFIRM = "confirm"
    RATE = "rate"
    CLOSE = "close"


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
    Status.ESCALATED: "已上报",
    Status.RESOLVED: "已办结",
    Status.CLOSED: "已结案",
    Status.REJECTED: "已驳回",
}

ACTION_LABELS: dict[Action, str] = {
    Action.ASSIGN: "派单",
    Action.ACCEPT: "受理",
    Action.TRANSFER: "转办",
    Action.ESCALATE: "上报",
    Action.RESOLVE: "办结",
    Action.REJECT: "驳回",
    Action.REOPEN: "重新办理",
    Action.CONFIRM: "确认",
    Action.RATE: "评价",
    Action.CLOSE: "结案",
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


_S, _A, _P = Status, Action, Party
_ADMINS = frozenset({_P.COMMUNITY, _P.STREET, _P.DISTRICT})

# (action, from-statuses, to-status, parties allowed for those from-statuses)
_RULES: tuple[tuple[Action, tuple[Status, ...], Status, frozenset[Party]], ...] = (
    (_A.ASSIGN, (_S.SUBMITTED, _S.ASSIGNED, _S.ACCEPTED, _S.ESCALATED), _S.ASSIGNED, _ADMINS | {_P.SYSTEM}),
    # the community's queue (no grid, or nobody on it) is taken or passed on by the admins
    (_A.ACCEPT, (_S.SUBMITTED,), _S.ACCEPTED, _ADMINS),
    (_A.ACCEPT, (_S.ASSIGNED,), _S.ACCEPTED, _ADMINS | {_P.GRID}),
    (_A.ACCEPT, (_S.TRANSFERRED,), _S.ACCEPTED, frozenset({_P.DEPARTMENT})),
    # 督办 does not take the case away: whoever holds it may still take it up, under supervision
    (_A.ACCEPT, (_S.ESCALATED,), _S.ACCEPTED, _ADMINS | {_P.GRID, _P.DEPARTMENT}),
    (_A.TRANSFER, (_S.SUBMITTED,), _S.TRANSFERRED, _ADMINS),
    (_A.TRANSFER, (_S.ASSIGNED, _S.ACCEPTED), _S.TRANSFERRED, _ADMINS | {_P.GRID}),
    # once supervised, only the supervisors may pass the case on or drop it
    (_A.TRANSFER, (_S.ESCALATED,), _S.TRANSFERRED, _ADMINS),
    (_A.ESCALATE, (_S.SUBMITTED, _S.ASSIGNED, _S.ACCEPTED, _S.TRANSFERRED), _S.ESCALATED,
     frozenset({_P.GRID, _P.DEPARTMENT, _P.COMMUNITY, _P.STREET, _P.SYSTEM})),
    # the district is the top level: it has nobody above it to escalate to
    (_A.ESCALATE, (_S.ESCALATED,), _S.ESCALATED, frozenset({_P.COMMUNITY, _P.STREET, _P.SYSTEM})),
    (_A.RESOLVE, (_S.ACCEPTED,), _S.RESOLVED, _ADMINS | {_P.GRID, _P.DEPARTMENT}),
    (_A.REJECT, (_S.SUBMITTED, _S.ASSIGNED, _S.ACCEPTED), _S.REJECTED, _ADMINS | {_P.GRID}),
    (_A.REJECT, (_S.ESCALATED,), _S.REJECTED, _ADMINS),
    (_A.REOPEN, (_S.RESOLVED, _S.CLOSED), _S.ASSIGNED, frozenset({_P.REPORTER})),
    (_A.CONFIRM, (_S.RESOLVED,), _S.CLOSED, frozenset({_P.REPORTER})),
    (_A.CLOSE, (_S.RESOLVED,), _S.CLOSED, frozenset({_P.SYSTEM})),
    (_A.RATE, (_S.RESOLVED, _S.CLOSED), _S.CLOSED, frozenset({_P.REPORTER})),
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


def check(action: Action | str, current: Status | str, parties: Iterable[Party | str]) -> Status:
    """The next status if any of `parties` may take `action` now, else NotAllowed or IllegalTransition."""
    action, current = Action(action), Status(current)
    parties = {Party(p) for p in parties}
    # who-never-may comes first; callers outside the report's scope got a 404 before this point
    if not parties & _EVER[action]:
        raise NotAllowed(action, current)
    rule = _TABLE.get((action, current))
    if rule is None:
        raise IllegalTransition(action, current)
    target, allowed = rule
    if not parties & allowed:
        raise NotAllowed(action, current)
    return target


def may(action: Action | str, current: Status | str, parties: Iterable[Party | str]) -> bool:
    """Whether check() would succeed."""
    try:
        check(action, current, parties)
    except (IllegalTransition, NotAllowed):
        return False
    return True


def available_actions(current: Status | str, parties: Iterable[Party | str]) -> list[Action]:
    """The actions `parties` may take on a report in `current`, in Action declaration order."""
    parties = {Party(p) for p in parties}
    return [action for action in Action if may(action, current, parties)]
