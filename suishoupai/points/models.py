"""The points ledger (accounts, transactions, postings, chain head), the rule book, awards,
manual adjustments, riders and the per-period totals the leaderboards read."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from suishoupai.database import UTCDateTime, utcnow
from suishoupai.extensions import db


class AccountKind(StrEnum):
    """Who an account belongs to."""

    HOLDER = "holder"
    ISSUING = "issuing"
    SINK = "sink"


class Account(db.Model):
    """A ledger account: one per holder, an issuing and a sink account per community."""

    __tablename__ = "points_accounts"
    __table_args__ = (
        UniqueConstraint("user_id"),
        UniqueConstraint("kind", "community_id"),
        # a holder balance never goes below zero; issuing accounts run negative by design
        CheckConstraint("kind != 'holder' OR balance >= 0", name="holder_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    #: cached sum of the account's postings, changed in the posting's transaction
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChainHead(db.Model):
    """The single row every ledger write locks: the chain's last sequence number and hash."""

    __tablename__ = "points_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64))


class LedgerTxn(db.Model):
    """A ledger transaction: postings summing to zero, hash-chained to the one before. Append-only."""

    __tablename__ = "points_txns"
    __table_args__ = (
        UniqueConstraint("seq"),
        # a transaction is reversed at most once
        UniqueConstraint("reverses_id"),
        Index("ix_points_txns_source", "source_type", "source_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: position in the hash chain (1, 2, …), given under the chain-head lock
    seq: Mapped[int] = mapped_column(BigInteger)
    #: award | adjustment | spend | reversal
    kind: Mapped[str] = mapped_column(String(16))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    source_type: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[int] = mapped_column(BigInteger)
    memo: Mapped[str] = mapped_column(String(200))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("points_txns.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    prev_hash: Mapped[str] = mapped_column(String(64))
    #: sha256(prev_hash ‖ canonical content), hex
    hash: Mapped[str] = mapped_column(String(64))


class Posting(db.Model):
    """One leg of a transaction: a signed integer amount on one account. Append-only."""

    __tablename__ = "points_postings"
    __table_args__ = (
        Index("ix_points_postings_account", "account_id", "txn_id"),
        CheckConstraint("amount != 0", name="amount_nonzero"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    txn_id: Mapped[int] = mapped_column(ForeignKey("points_txns.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("points_accounts.id"))
    amount: Mapped[int] = mapped_column(BigInteger)


class Rule(db.Model):
    """One version of a rule of the 贡献积分细则; editing a rule adds a version and closes the last."""

    __tablename__ = "points_rules"
    __table_args__ = (
        UniqueConstraint("code", "version"),
        CheckConstraint("points >= 0", name="points_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(60))
    description: Mapped[str | None] = mapped_column(String(500))
    #: points per award; rules whose points are set per post or bounty use it as the default
    points: Mapped[int] = mapped_column(Integer)
    #: most points one holder may earn under this rule per local (Asia/Shanghai) day / month
    daily_cap: Mapped[int | None] = mapped_column(Integer)
    monthly_cap: Mapped[int | None] = mapped_column(Integer)
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime)
    #: set when a newer version takes over (or the rule is retired)
    effective_to: Mapped[datetime | None] = mapped_column(UTCDateTime)
    needs_review: Mapped[bool] = mapped_column(default=False)
    #: only verified riders earn it
    riders_only: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AwardStatus(StrEnum):
    """What became of an award."""

    AWARDED = "awarded"
    CAPPED = "capped"
    PENDING_REVIEW = "pending_review"
    INELIGIBLE = "ineligible"
    DENIED = "denied"
    REVERSED = "reversed"


class Award(db.Model):
    """A source earning under a rule: once per (rule, source, holder), whatever the retries."""

    __tablename__ = "points_awards"
    __table_args__ = (
        UniqueConstraint("rule_code", "source_type", "source_id", "user_id"),
        Index("ix_points_awards_user_rule", "user_id", "rule_code", "created_at"),
        Index("ix_points_awards_user", "user_id", "id"),
        Index("ix_points_awards_source", "source_type", "source_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    rule_id: Mapped[int] = mapped_column(ForeignKey("points_rules.id"))
    rule_code: Mapped[str] = mapped_column(String(32))
    rule_version: Mapped[int] = mapped_column(Integer)
    source_type: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[int] = mapped_column(BigInteger)
    community_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    #: what the source would earn before caps
    requested: Mapped[int] = mapped_column(Integer)
    #: what was credited (0 when capped, pending or ineligible)
    points: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16))
    #: why fewer points than requested, in words the rider reads
    reason: Mapped[str | None] = mapped_column(String(200))
    memo: Mapped[str] = mapped_column(String(200))
    txn_id: Mapped[int | None] = mapped_column(ForeignKey("points_txns.id"))
    reversal_txn_id: Mapped[int | None] = mapped_column(ForeignKey("points_txns.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Adjustment(db.Model):
    """A manual award (+) or deduction (−) by a community admin, with the reason."""

    __tablename__ = "points_adjustments"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    amount: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    txn_id: Mapped[int | None] = mapped_column(ForeignKey("points_txns.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PeriodTotal(db.Model):
    """Points earned by a holder in one community or street in one month ("2026-11") or year ("2026").

    Kept in the posting's transaction, so rankings never aggregate postings per request.
    """

    __tablename__ = "points_period_totals"
    __table_args__ = (
        UniqueConstraint("period", "unit_id", "user_id"),
        # the ranking's own order (points high to low, then who got there first), read top-down
        Index("ix_points_period_totals_rank", "period", "unit_id", text("points DESC"), "reached_at",
              "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(7))
    #: a community or a street
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    points: Mapped[int] = mapped_column(BigInteger, default=0)
    #: when the total last changed: among equal totals, who got there first ranks first
    reached_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Platform(StrEnum):
    """Delivery and courier platforms."""

    MEITUAN = "美团"
    ELEME = "饿了么"
    SF = "顺丰"
    JD = "京东"
    SHANSONG = "闪送"
    OTHER = "其他"


class RiderStatus(StrEnum):
    """Where a rider's registration stands."""

    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


class Rider(db.Model):
    """A delivery rider or courier registered to a home community; earns rider rules once verified."""

    __tablename__ = "riders"
    __table_args__ = (
        UniqueConstraint("user_id"),
        Index("ix_riders_community", "home_community_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(8))
    courier_id: Mapped[str] = mapped_column(String(40))
    #: Fernet-encrypted; shown masked
    phone_enc: Mapped[str] = mapped_column(Text)
    home_community_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    status: Mapped[str] = mapped_column(String(16), default=RiderStatus.PENDING)
    reject_reason: Mapped[str | None] = mapped_column(String(200))
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
