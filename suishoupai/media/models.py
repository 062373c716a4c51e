"""Uploaded photos: one row per owner and content, variants stored once per content."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from suishoupai import crypto
from suishoupai.database import UTCDateTime, utcnow
from suishoupai.extensions import db


class Media(db.Model):
    """A photo someone uploaded, and what it is attached to."""

    __tablename__ = "media"
    __table_args__ = (
        #: an owner may hold the same content more than once (re-used photo on a new report)
        Index("ix_media_owner_sha256", "owner_id", "sha256"),
        Index("ix_media_orphans", "attached_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: sha256 of the uploaded bytes: the storage key, so the same bytes are stored once
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    #: 64-bit perceptual hash (hex), for near-duplicate checks; never served
    phash: Mapped[str] = mapped_column(String(16))
    source_format: Mapped[str] = mapped_column(String(8))
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    #: what the client said the photo is for (report, resolution, wish, avatar, other)
    purpose: Mapped[str] = mapped_column(String(16), default="other")
    #: capture time from EXIF, camera-local (EXIF has no zone); private, dropped with the GPS
    taken_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))
    #: EXIF GPS as the phone wrote it (WGS-84, "lat,lng"), Fernet-encrypted; private, kept only while
    #: a check needs it (an after-photo until its case closed PRIVACY_AFTER_PHOTO_EXIF_DAYS ago)
    gps_enc: Mapped[str | None] = mapped_column(Text)
    #: set when a report, wish or other record takes the photo; unattached rows are collected
    attached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attached_to: Mapped[str | None] = mapped_column(String(32))
    #: shown on public boards: served without a signature
    public: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def gps(self) -> tuple[float, float] | None:
        """The EXIF position (lat, lng), decrypted; None when there is none (or it was dropped)."""
        plain = crypto.decrypt(self.gps_enc) if self.gps_enc else None
        if not plain:
            return None
        lat, lng = plain.split(",")
        return float(lat), float(lng)

    @property
    def display_key(self) -> str:
        """Storage key of the display variant."""
        return display_key(self.sha256)

    @property
    def thumb_key(self) -> str:
        """Storage key of the thumbnail."""
        return thumb_key(self.sha256)


def seal_gps(lat: float | None, lng: float | None) -> str | None:
    """The EXIF position as stored: encrypted, or None without one."""
    return crypto.encrypt(f"{lat!r},{lng!r}") if lat is not None and lng is not None else None


def display_key(sha256: str) -> str:
    """Where the display variant of some content lives."""
    return f"display/{sha256[:2]}/{sha256}.jpg"


def thumb_key(sha256: str) -> str:
    """Where the thumbnail of some content lives."""
    return f"thumb/{sha256[:2]}/{sha256}.jpg"
