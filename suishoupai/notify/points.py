"""Turn the points domain's announcements into notifications: what a holder earned or gave back,
manual adjustments, and the answer to a rider's registration."""

from __future__ import annotations

from suishoupai.notify.fields import clean
from suishoupai.notify.service import enqueue
from suishoupai.points import events
from suishoupai.points.models import Adjustment, Award, AwardStatus, Rider, RiderStatus

#: the mini-program pages the notifications open
POINTS_PAGE = "pages/points/index"
RIDER_PAGE = "pages/points/rider"


def _award_draft(award: Award) -> tuple[str, str, str] | None:
    """(kind, title, body) of a settled award."""
    memo = clean(award.memo)
    if award.status == AwardStatus.AWARDED:
        short = f"（{award.reason}）" if award.reason else ""
        return "points_awarded", f"积分到账 +{award.points}", f"{memo}，获得 {award.points} 分{short}。"
    if award.status == AwardStatus.CAPPED:
        return "points_awarded", "本次未获得积分", f"{memo}：{award.reason or '已达上限'}。"
    if award.status == AwardStatus.DENIED:
        return "points_denied", "积分未获通过", f"{memo}：{award.reason or '审核未通过'}。"
    if award.status == AwardStatus.REVERSED:
        return "points_reversed", "积分已追回", f"{clean(award.reason or memo)}。"
    return None


def on_award_settled(award: Award, **_extra) -> None:
    """One notification per award and outcome."""
    draft = _award_draft(award)
    if draft is None:
        return
    kind, title, body = draft
    enqueue(award.user_id, kind, title, body, POINTS_PAGE,
            {"points": str(award.points), "memo": clean(award.memo), "reason": award.reason or "",
             "event_at": award.created_at},
            dedupe_key=f"points-award:{award.id}:{award.status}")


def on_adjusted(adjustment: Adjustment, **_extra) -> None:
    """A manual award or deduction, with the admin's reason."""
    amount = adjustment.amount
    title = f"社区加分 +{amount}" if amount > 0 else f"社区扣分 {amount}"
    enqueue(adjustment.user_id, "points_adjusted", title, f"原因：{clean(adjustment.reason)}", POINTS_PAGE,
            {"points": str(amount), "reason": clean(adjustment.reason), "event_at": adjustment.created_at},
            dedupe_key=f"points-adjustment:{adjustment.id}")


def on_rider_reviewed(rider: Rider, **_extra) -> None:
    """The answer to a registration."""
    if rider.status == RiderStatus.VERIFIED:
        title, body = "认证已通过", "您的新就业群体身份已认证，可认领岗位和悬赏、参与积分。"
    else:
        title, body = "认证未通过", f"原因：{clean(rider.reject_reason or '')}。可修改后重新登记。"
    enqueue(rider.user_id, "rider_reviewed", title, body, RIDER_PAGE,
            {"status": rider.status, "reason": rider.reject_reason or "", "event_at": rider.verified_at},
            # a rejected rider may register again (the same row) and be answered again
            dedupe_key=f"points-rider:{rider.id}:{rider.status}:{rider.verified_at.isoformat()}")


def connect() -> None:
    """Listen to the points signals (idempotent)."""
    events.award_settled.connect(on_award_settled, weak=False)
    events.adjusted.connect(on_adjusted, weak=False)
    events.rider_reviewed.connect(on_rider_reviewed, weak=False)
