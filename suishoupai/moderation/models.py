"""One content-security check per piece of user content that others may see."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from suishoupai.database import UTCDateTime, utcnow
from suishoupai.extensions import db


class Verdict(StrEnum):
    """pending → pass | review | risky; owning rows carry the worst of their checks."""

    PENDING = "pending"
    PASS = "pass"
    REVIEW = "review"
    RISKY = "risky"


class ModerationCheck(db.Model):
    """A text or photo of a report or wish, its provider's verdict and the retry bookkeeping."""

    __tablename__ = "moderation_checks"
    __table_args__ = (
        UniqueConstraint("subject_type", "subject_id", "field"),
        Index("ix_moderation_checks_queue", "status", "created_at", "id"),
        Index("ix_moderation_checks_due", "status", "next_attempt_at"),
        Index("ix_moderation_checks_trace_id", "trace_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: report | wish
    subject_type: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int]
    #: text, note:<event id>, fulfil_note, thanks, photo:<media id>
    field: Mapped[str] = mapped_column(String(32))
    #: text | image
    kind: Mapped[str] = mapped_column(String(8))
    #: whose content it is: they always see it, and are told when it is found risky
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: the text as submitted (what staff decide on); None for photos
    content: Mapped[str | None] = mapped_column(Text)
    media_id: Mapped[int | None] = mapped_column(ForeignKey("media.id", ondelete="CASCADE"))
    #: WeChat's scene: 1 profile, 2 comment, 3 forum, 4 social log
    scene: Mapped[int]
    #: where the subject lies, so the review queue is scoped like everything else
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    status: Mapped[str] = mapped_column(String(8), default=Verdict.PENDING)
    #: none | wechat | staff: who gave the verdict
    provider: Mapped[str | None] = mapped_column(String(16))
    #: WeChat's id of the check; a photo's verdict arrives at the callback carrying it
    trace_id: Mapped[str | None] = mapped_column(String(64))
    #: WeChat's label (100 normal, 10001 ads, 20001 politics, …)
    label: Mapped[int | None]
    #: a photo handed to WeChat, its verdict awaited at the callback
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(300))
    #: the worker holding the row, until when (as in notify)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PushNonce(db.Model):
    """A message push already taken, remembered while its timestamp is inside the window, so a
    replay of it is refused (in the database, so every worker and machine sees it)."""

    __tablename__ = "push_nonces"

    #: the push's own timestamp (Unix seconds, signed with the nonce): rows older than the window go
    timestamp: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
