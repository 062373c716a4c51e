"""Writing notifications into the outbox, and the inbox a user reads them in. Never commits."""

from __future__ import annotations

import json
import logging
from functools import cache

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from suishoupai.database import utcnow
from suishoupai.errors import NotFound
from suishoupai.extensions import db
from suishoupai.notify.models import Notification, QuotaMiss, State
from suishoupai.notify.templates import template_for, templates
from suishoupai.pagination import keyset_page

log = logging.getLogger("suishoupai.notify")


def enqueue(user_id: int, kind: str, title: str, body: str, page: str | None, fields: dict,
            dedupe_key: str) -> int | None:
    """Add a notification in the caller's transaction and return its id; None when its dedupe_key
    already exists.

    One INSERT … ON CONFLICT DO NOTHING: a duplicate, even one a concurrent transaction commits
    first, is skipped by the database without an error, so the caller's change goes on unharmed.
    """
    now = utcnow()
    notification_id = db.session.scalar(_enqueue_statement(db.session.get_bind().dialect.name), {
        "user_id": user_id, "kind": kind, "title": title[:100], "body": body[:500], "page": page,
        "data": json.dumps(fields, ensure_ascii=False, default=str), "dedupe_key": dedupe_key,
        "created_at": now, "next_attempt_at": now, "attempts": 0,
        # kinds without a WeChat template live in the inbox only
        "state": State.PENDING if template_for(kind) else State.SKIPPED})
    if notification_id is None:
        log.info("notification %s already written", dedupe_key)
    return notification_id


@cache
def _enqueue_statement(dialect: str):
    """The outbox insert that skips a known dedupe_key (built once per dialect)."""
    return (_insert(dialect)(Notification.__table__).on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(Notification.id))


def _insert(dialect: str | None = None):
    """The dialect's INSERT, which has ON CONFLICT."""
    dialect = dialect or db.session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def inbox(user_id: int, unread: bool, limit: int, cursor: str | None) -> dict:
    """A page of the user's notifications, newest first, with the unread count for a badge."""
    stmt = select(Notification).where(Notification.user_id == user_id)
    if unread:
        stmt = stmt.where(Notification.read_at.is_(None))
    page = keyset_page(stmt, [Notification.created_at, Notification.id], limit, cursor)
    page["unread_count"] = db.session.scalar(select(func.count()).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)))
    return page


def mark_read(user_id: int, notification_id: int) -> Notification:
    """Mark one of the user's notifications read (again is fine); others' ids are not found."""
    row = db.session.scalars(select(Notification).where(
        Notification.id == notification_id, Notification.user_id == user_id)).first()
    if row is None:
        raise NotFound("消息不存在", code="notify.not_found")
    row.read_at = row.read_at or utcnow()
    return row


def mark_all_read(user_id: int) -> int:
    """Mark every unread notification of the user read; returns how many."""
    return db.session.execute(
        update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())).rowcount


def quota(user_id: int) -> list[dict]:
    """Per kind with a template (and any kind with misses): its template and refused sends."""
    misses = {m.kind: m for m in db.session.scalars(select(QuotaMiss).where(QuotaMiss.user_id == user_id))}
    configured = templates()
    return [{"kind": kind,
             "template_id": configured[kind].template_id if kind in configured else None,
             "missed": misses[kind].count if kind in misses else 0,
             "last_missed_at": misses[kind].last_at if kind in misses else None}
            for kind in sorted(set(configured) | set(misses))]


def reset_quota(user_id: int, kind: str) -> dict:
    """The user accepted a fresh subscription for this kind: its refusal count starts again."""
    if template_for(kind) is None and db.session.get(QuotaMiss, (user_id, kind)) is None:
        raise NotFound("该消息类型不存在", code="notify.kind_not_found")
    db.session.execute(update(QuotaMiss).where(QuotaMiss.user_id == user_id, QuotaMiss.kind == kind)
                       .values(count=0, reset_at=utcnow()))
    return next(item for item in quota(user_id) if item["kind"] == kind)


def count_miss(user_id: int, kind: str) -> None:
    """Count a send refused for want of subscription credit (43101), atomically under concurrency."""
    now = utcnow()
    db.session.execute(_insert()(QuotaMiss).values(user_id=user_id, kind=kind, count=1, last_at=now)
                       .on_conflict_do_update(index_elements=["user_id", "kind"],
                                              set_={"count": QuotaMiss.count + 1, "last_at": now}))


def clear_misses(user_id: int, kind: str) -> None:
    """A send went through, so the user holds credit again: earlier refusals are stale."""
    db.session.execute(update(QuotaMiss).where(QuotaMiss.user_id == user_id, QuotaMiss.kind == kind,
                                               QuotaMiss.count > 0).values(count=0))
