"""Pure rules of content security: the worst verdict wins, WeChat's answers read."""

from __future__ import annotations

from suishoupai.moderation.models import Verdict

#: an owning row shows the worst verdict among its checks
SEVERITY = {Verdict.PASS: 0, Verdict.PENDING: 1, Verdict.REVIEW: 2, Verdict.RISKY: 3}
#: WeChat's suggest → our verdict
SUGGESTIONS = {"pass": Verdict.PASS, "review": Verdict.REVIEW, "risky": Verdict.RISKY}
#: errcodes worth asking again later (system busy, API quota or frequency); any other refusal
#: (invalid openid, a user not seen lately, content too long …) will not change by retrying
TRANSIENT_ERRCODES = frozenset({-1, 45009, 45011, 44991})
#: retries back off from half a minute up to an hour
BACKOFF_BASE, BACKOFF_CAP = 30, 3600


def worst(statuses) -> Verdict:
    """The verdict an owning row shows: pass only when every check passed (and when it has none)."""
    return max((Verdict(s) for s in statuses), key=SEVERITY.__getitem__, default=Verdict.PASS)


def read_result(result) -> tuple[Verdict, int | None]:
    """(verdict, label) from WeChat's ``result`` object; anything unreadable goes to a person."""
    if not isinstance(result, dict):
        return Verdict.REVIEW, None
    label = result.get("label")
    label = label if isinstance(label, int) and not isinstance(label, bool) else None
    return SUGGESTIONS.get(result.get("suggest"), Verdict.REVIEW), label


def backoff_seconds(attempts: int) -> int:
    """Wait before the next try after ``attempts`` failed ones."""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP)
