"""The outbox that is also the in-app inbox, and the per-user count of refused subscribe messages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from suishoupai.database import UTCDateTime, utcnow
from suishoupai.extensions import db
from suishoupai.notify.policy import State


class Notification(db.Model):
    """One message to one user about one event: an inbox item and a WeChat outbox entry."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_inbox", "user_id", "created_at", "id"),
        Index("ix_notifications_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: what happened, e.g. report_assigned; picks the WeChat template
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(String(500))
    #: mini-program page the message opens, e.g. pages/report/detail?id=12
    page: Mapped[str | None] = mapped_column(String(200))
    #: JSON object of values the template's fields are filled from (category, due_at, …)
    data: Mapped[str] = mapped_column(Text, default="{}")
    #: one row per event and recipient: a repeated event inserts nothing
    dedupe_key: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16), default=State.PENDING)
    #: calls made to subscribe/send for this row
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(300))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the worker holding the row, until when; an expired lease lets another worker take it
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class QuotaMiss(db.Model):
    """Sends of one kind refused for want of subscription credit since the user last subscribed."""

    __tablename__ = "notify_quota_misses"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    last_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: when the client last reported a fresh subscription (wx.requestSubscribeMessage accepted)
    reset_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
