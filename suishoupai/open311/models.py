"""Partner API keys and the requests partners filed through Open311."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from suishoupai.database import UTCDateTime, utcnow
from suishoupai.extensions import db


class PartnerKey(db.Model):
    """A partner system's api_key: bound to a unit it may file in and to a rate limit; only its hash is
    kept. Cases it files are filed by its own account (``user_id``), as a resident's are."""

    __tablename__ = "open311_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: sha256 of the key: a leaked table files nothing
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: the key's first characters, so staff can tell keys apart in the list
    key_prefix: Mapped[str] = mapped_column(String(16))
    #: like "100 per hour;1000 per day" (the limits library's notation)
    rate_limit: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PartnerRequest(db.Model):
    """One accepted POST requests: filed at once (``report_id``), or waiting under its token for staff
    to place it on the map (no point was given). The contact fields stay here, encrypted, like a
    resident's phone: no public answer names them."""

    __tablename__ = "open311_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("open311_keys.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="SET NULL"), index=True)
    service_code: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    address_string: Mapped[str | None] = mapped_column(String(200))
    #: the photo fetched from media_url, held for the case until it is placed
    media_id: Mapped[int | None] = mapped_column(ForeignKey("media.id", ondelete="SET NULL"))
    #: Fernet-encrypted JSON of email, phone, first/last name, device and account ids
    contact_enc: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    placed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    placed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
