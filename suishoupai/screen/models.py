"""Screen tokens: long-lived, read-only, bound to one unit, revocable."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from suishoupai.database import UTCDateTime, utcnow
from suishoupai.extensions import db


class ScreenToken(db.Model):
    """A wall screen's key to its unit's screen data and nothing else; only its hash is kept."""

    __tablename__ = "screen_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    #: sha256 of the token: a leaked table opens no screen
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the screen's last poll, kept to the minute (staff see which screens are alive)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
