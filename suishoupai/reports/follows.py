"""附议: a resident backs an open report instead of filing it again, once, and hears of its steps."""

from __future__ import annotations

from sqlalchemy import case, delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from suishoupai.database import utcnow
from suishoupai.errors import Conflict
from suishoupai.extensions import db
from suishoupai.org.actor import Actor
from suishoupai.reports.models import Report, ReportFollow
from suishoupai.reports.queries import get_visible


def _add(report_id: int, user_ids: set[int]) -> None:
    """Insert follows, skipping any that exist: a repeated or concurrent follow leaves one row."""
    if not user_ids:
        return
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    now = utcnow()
    db.session.execute(insert(ReportFollow).values(
        [{"report_id": report_id, "user_id": u, "created_at": now} for u in sorted(user_ids)])
        .on_conflict_do_nothing())


def follow(actor: Actor, report_id: int) -> dict:
    """Back a report the caller can see; following it again answers the same state."""
    report = get_visible(actor, report_id)
    if report.reporter_id == actor.user_id:
        raise Conflict("不能附议自己提交的案件", code="report.follow_own")
    if not report.is_open:
        raise Conflict("案件已办结或已驳回，无需附议", code="report.follow_closed",
                       details={"status": report.status})
    _add(report.id, {actor.user_id})
    return state(report.id, actor.user_id)


def unfollow(actor: Actor, report_id: int) -> dict:
    """Stop backing a report; not following it is no error."""
    report = get_visible(actor, report_id)
    db.session.execute(delete(ReportFollow).where(ReportFollow.report_id == report.id,
                                                  ReportFollow.user_id == actor.user_id))
    return state(report.id, actor.user_id)


def counts(report_ids: list[int], user_id: int) -> dict[int, tuple[int, bool]]:
    """Per report: how many follow it and whether the caller does, in one query."""
    if not report_ids:
        return {}
    mine = func.max(case((ReportFollow.user_id == user_id, 1), else_=0))
    rows = db.session.execute(
        select(ReportFollow.report_id, func.count(), mine)
        .where(ReportFollow.report_id.in_(report_ids)).group_by(ReportFollow.report_id))
    return {report_id: (count, bool(following)) for report_id, count, following in rows}


def state(report_id: int, user_id: int) -> dict:
    """The follow state a follow or unfollow answers."""
    count, following = counts([report_id], user_id).get(report_id, (0, False))
    return {"report_id": report_id, "follower_count": count, "following": following}


def followers(report_id: int) -> list[int]:
    """Who follows a report, oldest follow first."""
    return list(db.session.scalars(select(ReportFollow.user_id).where(
        ReportFollow.report_id == report_id).order_by(ReportFollow.created_at, ReportFollow.user_id)))


def move(duplicate: Report, original: Report) -> int:
    """A duplicate's followers and its reporter follow the original from now on; returns how many."""
    users = set(followers(duplicate.id)) | {duplicate.reporter_id}
    users.discard(original.reporter_id)  # the original's reporter hears of it anyway
    db.session.execute(delete(ReportFollow).where(ReportFollow.report_id == duplicate.id))
    _add(original.id, users)
    return len(users)
