"""What riders take on and spend on: governance posts (治理岗), bounties (揭榜挂帅), rewards (积分超市)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from suishoupai.database import UTCDateTime, utcnow
from suishoupai.extensions import db


class PostClaimStatus(StrEnum):
    """Whether a rider still holds a post."""

    ACTIVE = "active"
    LEFT = "left"


class BountyStatus(StrEnum):
    """Whether a bounty still takes claims."""

    OPEN = "open"
    CLOSED = "closed"


class BountyClaimStatus(StrEnum):
    """Where a take on a bounty stands; claimed, submitted and approved hold a place."""

    CLAIMED = "claimed"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"


class RedemptionStatus(StrEnum):
    """Where a redeemed item stands."""

    PENDING = "pending"
    PICKED_UP = "picked_up"
    CANCELLED = "cancelled"


class Post(db.Model):
    """A governance post of a community (楼道巡查岗, 文明劝导岗) riders claim within its capacity."""

    __tablename__ = "governance_posts"
    __table_args__ = (
        CheckConstraint("taken >= 0 AND taken <= capacity", name="taken_within_capacity"),
        Index("ix_governance_posts_board", "community_id", "active", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    title: Mapped[str] = mapped_column(String(40))
    duties: Mapped[str] = mapped_column(Text)
    capacity: Mapped[int]
    #: active claims; moved only by conditional UPDATEs, so capacity holds under concurrency
    taken: Mapped[int] = mapped_column(default=0)
    monthly_points: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PostClaim(db.Model):
    """A rider holding (or having held) a post; at most one active claim per rider and post."""

    __tablename__ = "post_claims"
    __table_args__ = (
        Index("ix_post_claims_one_active", "post_id", "user_id", unique=True,
              sqlite_where=text("status = 'active'"), postgresql_where=text("status = 'active'")),
        Index("ix_post_claims_user", "user_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("governance_posts.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default=PostClaimStatus.ACTIVE)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PostDuty(db.Model):
    """A month of duty on a post confirmed by staff; the award's source, so it earns once."""

    __tablename__ = "post_duties"
    __table_args__ = (UniqueConstraint("post_id", "user_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("governance_posts.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("post_claims.id"))
    #: "2026-11"
    month: Mapped[str] = mapped_column(String(7))
    confirmed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Bounty(db.Model):
    """A published problem (揭榜挂帅) with points, a deadline and how many may take it."""

    __tablename__ = "bounties"
    __table_args__ = (
        CheckConstraint("taken >= 0 AND taken <= max_takers", name="taken_within_max"),
        Index("ix_bounties_board", "community_id", "status", "id"),
        Index("ix_bounties_due", "status", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    title: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text)
    points: Mapped[int]
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    max_takers: Mapped[int]
    #: standing claims (claimed, submitted, approved); moved only by conditional UPDATEs
    taken: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(16), default=BountyStatus.OPEN)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class BountyClaim(db.Model):
    """A rider's take on a bounty, from claim through evidence to staff verification."""

    __tablename__ = "bounty_claims"
    __table_args__ = (
        UniqueConstraint("bounty_id", "user_id"),
        Index("ix_bounty_claims_user", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bounty_id: Mapped[int] = mapped_column(ForeignKey("bounties.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default=BountyClaimStatus.CLAIMED)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(String(500))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reject_reason: Mapped[str | None] = mapped_column(String(200))


class BountyEvidence(db.Model):
    """A photo a claimant sent as evidence of completion."""

    __tablename__ = "bounty_evidence"
    __table_args__ = (UniqueConstraint("media_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("bounty_claims.id"), index=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"))
    position: Mapped[int] = mapped_column(default=0)


class Reward(db.Model):
    """An item of a community's rewards shop (积分超市)."""

    __tablename__ = "rewards"
    __table_args__ = (
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        Index("ix_rewards_shop", "community_id", "active", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    name: Mapped[str] = mapped_column(String(40))
    description: Mapped[str | None] = mapped_column(String(500))
    cost: Mapped[int]
    #: items left; moved only by conditional UPDATEs, so the last one goes to exactly one person
    stock: Mapped[int]
    #: redemptions one person may hold (picked up or waiting, not cancelled)
    per_user_limit: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Redemption(db.Model):
    """A reward redeemed: points spent on the ledger, one item held for pickup with a code."""

    __tablename__ = "redemptions"
    __table_args__ = (
        Index("ix_redemptions_user", "user_id", "id"),
        Index("ix_redemptions_community", "community_id", "status", "id"),
        Index("ix_redemptions_reward_user", "reward_id", "user_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reward_id: Mapped[int] = mapped_column(ForeignKey("rewards.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    #: the price paid, kept as it was when redeemed
    cost: Mapped[int]
    #: shown to the redeemer, told to staff at the counter
    pickup_code: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default=RedemptionStatus.PENDING)
    #: the ledger transaction that paid, and the reversal that refunded it
    spend_txn_id: Mapped[int | None] = mapped_column(ForeignKey("points_txns.id"))
    refund_txn_id: Mapped[int | None] = mapped_column(ForeignKey("points_txns.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    picked_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    picked_up_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
