"""What a failed send means for its row, and when to try again: pure rules, unit-tested."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from suishoupai.wechat.client import WeChatBadAnswer, WeChatError, WeChatNoAnswer, WeChatUnavailable

#: the user holds no subscription credit for the template (or withdrew it)
NO_QUOTA = 43101
#: the message itself is wrong (openid, template, data, page, capability): trying again cannot help
PERMANENT = frozenset({40003, 40036, 40037, 41030, 43107, 47003, 48001})
#: the whole app hit WeChat's daily or per-minute API limit: stop the run, the rest would fail too
STOP_RUN = frozenset({45009, 45011})
#: first retry after about this long, doubling, never more than CAP
BASE_SECONDS = 60
CAP_SECONDS = 3600


class State(StrEnum):
    """Where a notification's WeChat delivery stands (the inbox copy exists whatever it says)."""

    PENDING = "pending"
    #: handed to WeChat right now; a row left here by a dead worker becomes UNCONFIRMED
    SENDING = "sending"
    SENT = "sent"
    #: the worker died, or the answer was lost, after the request left: maybe delivered, never resent
    UNCONFIRMED = "unconfirmed"
    FAILED = "failed"
    #: the user holds no subscription credit for this template (43101)
    NO_QUOTA = "no_quota"
    #: inbox only: no template for the kind, or no openid
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Outcome:
    """The state a send leaves its row in, whether it is tried again, and why."""

    state: State
    retry: bool = False
    error: str | None = None
    stop_run: bool = False


def judge(exc: BaseException | None) -> Outcome:
    """Classify a send: None is success; WeChat's errcode, or how the call failed, decides the rest."""
    if exc is None:
        return Outcome(State.SENT)
    if isinstance(exc, WeChatError):
        error = f"{exc.errcode}: {exc.errmsg}"[:300]
        if exc.errcode == NO_QUOTA:
            return Outcome(State.NO_QUOTA, error=error)
        if exc.errcode in PERMANENT:
            return Outcome(State.FAILED, error=error)
        # -1 (busy), 45009/45011 (API quota), a token still refused after the client's refresh, and
        # codes not listed: WeChat said no, so nothing was delivered; retrying is safe and capped
        return Outcome(State.PENDING, retry=True, error=error, stop_run=exc.errcode in STOP_RUN)
    if isinstance(exc, WeChatNoAnswer) or (isinstance(exc, WeChatBadAnswer) and exc.status is None):
        # the request arrived and no readable answer came back: WeChat has no idempotency key, so a
        # resend could deliver twice; the inbox copy stands, the push is not repeated
        return Outcome(State.UNCONFIRMED, error=f"no answer: {exc}"[:300])
    if isinstance(exc, (WeChatUnavailable, WeChatBadAnswer)):
        # never reached WeChat, or a gateway (5xx) answered instead of the API: retried
        return Outcome(State.PENDING, retry=True, error=f"{type(exc).__name__}: {exc}"[:300])
    raise TypeError(f"not a WeChat failure: {exc!r}")


def backoff_seconds(attempt: int, rand: Callable[[], float] = random.random) -> float:
    """Delay before the next try after ``attempt`` failed ones: doubling, capped, half of it jittered.

    Jitter spreads the retries of rows that failed together (one WeChat outage) over time.
    """
    ceiling = min(CAP_SECONDS, BASE_SECONDS * 2 ** max(attempt - 1, 0))
    return ceiling / 2 + rand() * ceiling / 2


def after_failure(outcome: Outcome, attempts: int, max_attempts: int) -> Outcome:
    """A retryable failure becomes final once the attempts are used up."""
    if outcome.retry and attempts >= max_attempts:
        return Outcome(State.FAILED, error=f"gave up after {attempts} attempts; last: {outcome.error}"[:300],
                       stop_run=outcome.stop_run)
    return outcome
