"""Sign-in tickets of the console and the filters staff keep."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from suishoupai.database import UTCDateTime, utcnow
from suishoupai.extensions import db


class TicketStatus(StrEnum):
    """Where a sign-in ticket stands; expiry is read off its clock, never written."""

    PENDING = "pending"
    APPROVED = "approved"
    USED = "used"
    EXPIRED = "expired"


class LoginTicket(db.Model):
    """A one-time sign-in ticket: the console shows it as a QR, a staff member's mini-program approves
    it, the browser that opened it collects a token once."""

    __tablename__ = "console_tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: what the QR carries (WeChat's scene takes at most 32 characters)
    ticket: Mapped[str] = mapped_column(String(32), unique=True)
    #: sha256 of the secret only the opening browser holds; the ticket alone collects nothing
    key_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=TicketStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: the staff member who approved it: the console signs in as them
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SavedFilter(db.Model):
    """A queue filter a staff member named and keeps."""

    __tablename__ = "console_saved_filters"
    __table_args__ = (Index("ix_console_saved_filters_user", "user_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(40))
    tab: Mapped[str] = mapped_column(String(16))
    #: JSON object of the queue's query arguments, checked by the queue's schema when saved
    filters: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
