"""The 微心愿 state machine: which step may be taken in which status, and by whom. The steps and the
detail's ``actions`` both ask here, so a button offered is a step allowed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from types import MappingProxyType

from suishoupai.errors import Conflict, Forbidden


class Status(StrEnum):
    """Where a wish stands."""

    SUBMITTED = "submitted"
    PUBLISHED = "published"
    REJECTED = "rejected"
    CLAIMED = "claimed"
    FULFILLED = "fulfilled"
    CONFIRMED = "confirmed"


#: statuses anyone may see on the board and in the public progress
ON_BOARD: tuple[Status, ...] = (Status.PUBLISHED, Status.CLAIMED, Status.FULFILLED, Status.CONFIRMED)
#: statuses in which the claimant is still the wish's helper (and sees whom it is for)
CLAIM_HELD: tuple[Status, ...] = (Status.CLAIMED, Status.FULFILLED, Status.CONFIRMED)

STATUS_LABELS: dict[Status, str] = {
    Status.SUBMITTED: "待审核",
    Status.PUBLISHED: "待认领",
    Status.REJECTED: "未通过",
    Status.CLAIMED: "已认领",
    Status.FULFILLED: "已完成",
    Status.CONFIRMED: "已确认",
}


class Action(StrEnum):
    """What can be done to a wish; the order is the order buttons are shown in."""

    REVIEW = "review"
    OPEN_TO = "open_to"
    CLAIM = "claim"
    RELEASE = "release"
    FULFIL = "fulfil"
    REVEAL = "reveal"
    CONFIRM = "confirm"


class Party(StrEnum):
    """How the caller relates to this particular wish (the service computes the set)."""

    #: posted it for themselves
    WISHER = "wisher"
    #: grid member or admin over the wish's place
    STAFF = "staff"
    #: staff over the place of a wish a grid member entered on someone's behalf
    PROXY = "proxy"
    #: holds (or held, until released) the claim
    CLAIMANT = "claimant"
    #: not the wisher, and eligible to claim it now (approved registration in its area, under the limits)
    CLAIMER = "claimer"


_S, _A, _P = Status, Action, Party

# (action, from-statuses, parties allowed from those statuses)
_RULES: tuple[tuple[Action, tuple[Status, ...], frozenset[Party]], ...] = (
    (_A.REVIEW, (_S.SUBMITTED,), frozenset({_P.STAFF})),
    (_A.OPEN_TO, (_S.PUBLISHED,), frozenset({_P.STAFF})),
    (_A.CLAIM, (_S.PUBLISHED,), frozenset({_P.CLAIMER})),
    (_A.RELEASE, (_S.CLAIMED,), frozenset({_P.CLAIMANT})),
    (_A.FULFIL, (_S.CLAIMED,), frozenset({_P.CLAIMANT})),
    # the claimant sees the beneficiary's contact while the claim stands; the place's staff always
    (_A.REVEAL, (_S.CLAIMED,), frozenset({_P.CLAIMANT, _P.STAFF})),
    (_A.REVEAL, (_S.SUBMITTED, _S.PUBLISHED, _S.REJECTED, _S.FULFILLED, _S.CONFIRMED), frozenset({_P.STAFF})),
    (_A.CONFIRM, (_S.FULFILLED,), frozenset({_P.WISHER, _P.PROXY})),
)

#: the refusal when none of the caller's relations to the wish ever entitles them to the step
_REFUSALS: dict[Action, tuple[str, str]] = {
    _A.REVIEW: ("只有所在网格或社区的工作人员可以审核", "wish.review_forbidden"),
    _A.OPEN_TO: ("只有所在网格或社区的工作人员可以调整认领范围", "wish.review_forbidden"),
    _A.CLAIM: ("请先完成志愿者（双报到）登记再认领心愿", "wish.claim_forbidden"),
    _A.RELEASE: ("只有认领人可以放弃认领", "wish.not_claimant"),
    _A.FULFIL: ("只有认领人可以提交完成情况", "wish.not_claimant"),
    _A.REVEAL: ("只有认领人和所在网格、社区的工作人员可以查看受助人联系方式", "wish.reveal_forbidden"),
    _A.CONFIRM: ("只有许愿人或代办网格员可以确认", "wish.confirm_forbidden"),
}

#: the answer when the step is the caller's but not in this status: (action, status) first, then action
_CONFLICTS: dict[tuple[Action, Status | None], tuple[str, str]] = {
    (_A.CLAIM, _S.CLAIMED): ("该心愿已被认领", "wish.already_claimed"),
    (_A.CLAIM, None): ("心愿当前状态不能认领", "wish.illegal_transition"),
    (_A.REVEAL, None): ("认领已结束，不能再查看受助人联系方式", "wish.claim_not_standing"),
}
_CONFLICT = ("心愿当前状态不能执行此操作", "wish.illegal_transition")


class NotAllowed(Forbidden):
    """None of the caller's relations to the wish entitles them to the step, in any status."""

    def __init__(self, action: Action | str):
        """Say who may take the step instead."""
        self.action = Action(action)
        message, code = _REFUSALS[self.action]
        super().__init__(message, code=code)


class IllegalTransition(Conflict):
    """The step is the caller's to take, but not from the wish's current status."""

    def __init__(self, action: Action | str, current: Status | str):
        """Name the current status."""
        self.action, self.current = Action(action), Status(current)
        message, code = _CONFLICTS.get((self.action, self.current)) or _CONFLICTS.get(
            (self.action, None), _CONFLICT)
        super().__init__(message, code=code, details={"status": self.current.value})


def _build() -> tuple[Mapping[tuple[Action, Status], frozenset[Party]], Mapping[Action, frozenset[Party]]]:
    """Index the rules by (action, from-status), and collect who may ever take each action."""
    table: dict[tuple[Action, Status], frozenset[Party]] = {}
    ever: dict[Action, frozenset[Party]] = {action: frozenset() for action in Action}
    for action, sources, parties in _RULES:
        for source in sources:
            if (action, source) in table:
                raise AssertionError(f"duplicate rule for {action} from {source}")
            table[action, source] = parties
        ever[action] |= parties
    return MappingProxyType(table), MappingProxyType(ever)


_TABLE, _EVER = _build()


def check(action: Action | str, current: Status | str, parties: Iterable[Party | str]) -> None:
    """Pass if any of `parties` may take `action` now; else NotAllowed (403: never theirs) or
    IllegalTransition (409: theirs, but not in this status)."""
    action, current = Action(action), Status(current)
    parties = {Party(p) for p in parties}
    if not parties & _EVER[action]:
        raise NotAllowed(action)
    if not parties & _TABLE.get((action, current), frozenset()):
        raise IllegalTransition(action, current)


def may(action: Action | str, current: Status | str, parties: Iterable[Party | str]) -> bool:
    """Whether check() would pass."""
    try:
        check(action, current, parties)
    except (NotAllowed, IllegalTransition):
        return False
    return True


def available_actions(current: Status | str, parties: Iterable[Party | str]) -> list[Action]:
    """The actions `parties` may take on a wish in `current`, in Action declaration order."""
    parties = {Party(p) for p in parties}
    return [action for action in Action if may(action, current, parties)]
