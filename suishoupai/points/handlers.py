"""Points earned from what reports and wishes announce, in the same transaction as the step."""

from __future__ import annotations

import logging

from suishoupai.points import awards
from suishoupai.points.riders import verified_rider
from suishoupai.reports import events as report_events
from suishoupai.wishes import events as wish_events

log = logging.getLogger("suishoupai.points")


def _earn(user_id: int, code: str, source_type: str, source_id: int, community_id: int, memo: str,
          event) -> None:
    """Award a verified rider; a rule missing from the book is logged, never fails the step."""
    if verified_rider(user_id) is None:
        return
    if awards.in_force(code) is None:
        log.warning("points rule %s is not in force; %s %s earned nothing", code, source_type, source_id)
        return
    awards.award(user_id, code, source_type=source_type, source_id=source_id,
                 community_id=community_id, memo=memo,
                 actor_id=event.actor_id if event is not None else None)


def on_report_accepted(report, event=None, **_):
    """A verified rider's report accepted as a valid problem earns report_valid."""
    _earn(report.reporter_id, "report_valid", "report", report.id, report.community_id,
          f"随手拍 #{report.id} 经受理为有效问题", event)


def on_report_resolved(report, event=None, **_):
    """A verified rider's report resolved earns report_resolved."""
    _earn(report.reporter_id, "report_resolved", "report", report.id, report.community_id,
          f"随手拍 #{report.id} 已办结", event)


def on_report_rejected(report, event=None, **_):
    """A report rejected as invalid or duplicate gives back what it earned."""
    why = "重复问题" if report.duplicate_of_id else "无效问题"
    awards.clawback("report", report.id, f"随手拍 #{report.id} 被驳回为{why}，积分冲回",
                    actor_id=event.actor_id if event is not None else None)


def on_wish_fulfilled(wish, event=None, claimant_id=None, **_):
    """A wish fulfilled by a verified rider earns wish_fulfilled."""
    if claimant_id is not None:
        _earn(claimant_id, "wish_fulfilled", "wish", wish.id, wish.community_id,
              f"完成微心愿 #{wish.id}", event)


def rider_home(user_id, **_):
    """Wishes ask where a claimant comes from: a verified rider claims in their home community's area."""
    rider = verified_rider(user_id)
    return rider.home_community_id if rider else None


def connect() -> None:
    """Subscribe to the domains' signals (idempotent: blinker keeps one of each receiver)."""
    report_events.report_accepted.connect(on_report_accepted)
    report_events.report_resolved.connect(on_report_resolved)
    report_events.report_rejected.connect(on_report_rejected)
    wish_events.wish_fulfilled.connect(on_wish_fulfilled)
    wish_events.claimant_home.connect(rider_home)
