"""Wishes (微心愿), campaigns, their timeline and photos, and 双报到 volunteer registrations."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from suishoupai.database import UTCDateTime, utcnow
from suishoupai.extensions import db


class Campaign(db.Model):
    """An annual collection campaign (每年年初集中征集) of a community, street or district."""

    __tablename__ = "wish_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Wish(db.Model):
    """A small wish of a resident, posted by them or by a grid member on their behalf."""

    __tablename__ = "wishes"
    __table_args__ = (
        Index("ix_wishes_board", "status", "board_at", "id"),
        Index("ix_wishes_community_board", "community_id", "status", "board_at", "id"),
        Index("ix_wishes_wisher", "wisher_id", "created_at", "id"),
        Index("ix_wishes_submitter", "submitted_by_id", "created_at", "id"),
        Index("ix_wishes_claimant", "claimant_id", "status"),
        Index("ix_wishes_grid", "grid_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the resident the wish is for when they posted it themselves; None when posted on behalf
    wisher_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: who entered it: the wisher, or the grid member acting for someone without a smartphone
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    on_behalf: Mapped[bool] = mapped_column(default=False)
    #: the beneficiary's name, contact and address, encrypted; never on the board
    beneficiary_name_enc: Mapped[str] = mapped_column(Text)
    beneficiary_contact_enc: Mapped[str | None] = mapped_column(Text)
    beneficiary_address_enc: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)
    #: yuan
    estimated_value: Mapped[int | None]
    wish_by: Mapped[date | None] = mapped_column(Date)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("wish_campaigns.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    status: Mapped[str] = mapped_column(String(16))
    #: who may claim: approved volunteers and verified riders of this community, or of its street or
    #: district when the reviewing staff opened it wider (community | street | district)
    open_to: Mapped[str] = mapped_column(String(16), default="community", server_default="community")
    #: content security of the wish's texts and photos: pending | pass | review | risky, the worst of
    #: its checks (kept by moderation/); the board shows only pass. Nothing to check is pass.
    moderation: Mapped[str] = mapped_column(String(8), default="pass", server_default="pass")
    reject_reason: Mapped[str | None] = mapped_column(String(200))
    #: first publication: the board lists the longest-waiting first, so a released wish
    #: returns ahead of newer ones
    board_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimant_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fulfilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fulfil_note: Mapped[str | None] = mapped_column(String(500))
    #: the hours the claimant gave, as they said when fulfilling (the volunteer roster adds them up)
    service_hours: Mapped[float | None] = mapped_column(Float)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_sweep: Mapped[bool] = mapped_column(default=False)
    #: the wisher's thanks, shown on the board
    thanks: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class WishEvent(db.Model):
    """One step of a wish, shown as its public progress."""

    __tablename__ = "wish_events"
    #: a claimant's claims and releases of the last days (churn), without scanning every wish's steps
    __table_args__ = (Index("ix_wish_events_actor", "actor_id", "action", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    wish_id: Mapped[int] = mapped_column(ForeignKey("wishes.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WishPhoto(db.Model):
    """A photo of the wish (what is needed) or of its fulfilment (evidence)."""

    __tablename__ = "wish_photos"
    __table_args__ = (UniqueConstraint("media_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    wish_id: Mapped[int] = mapped_column(ForeignKey("wishes.id", ondelete="CASCADE"), index=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"))
    #: wish | fulfilment
    stage: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(default=0)


class Volunteer(db.Model):
    """A 双报到 registration: a party member or volunteer reporting to their home community."""

    __tablename__ = "volunteers"
    __table_args__ = (Index("ix_volunteers_review", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    home_community_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    #: party_member | volunteer | unit (a partner unit's contact person)
    kind: Mapped[str] = mapped_column(String(16))
    #: the work unit an in-service party member belongs to (在职党员所在单位), or the partner unit
    work_unit: Mapped[str | None] = mapped_column(String(60))
    #: pending → approved | rejected, decided by the home community's admins (or above); a changed
    #: registration is reviewed again. Only approved registrations may claim wishes.
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    reject_reason: Mapped[str | None] = mapped_column(String(200))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
