"""Demo points: the rule book, and demo-rider registered, verified and holding points to spend."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from suishoupai import crypto
from suishoupai.auth.models import User
from suishoupai.database import simulated_clock, utcnow
from suishoupai.extensions import db
from suishoupai.points import awards, rulebook
from suishoupai.points.models import Adjustment, Platform, Rider, RiderStatus

#: demo-rider's opening balance, so the rewards shop can be tried at once
DEMO_POINTS = 120
#: how long ago the demo district adopted its rule book: its past (`flask demo history`) earns under it
RULES_ADOPTED = timedelta(days=365)


def seed_points(rider_user: User, community_id: int, verifier_id: int, opening: int = DEMO_POINTS) -> dict:
    """Seed the rule book, make demo-rider a verified 美团 rider with some points (re-running updates)."""
    with simulated_clock(utcnow() - RULES_ADOPTED):
        added = rulebook.seed_rules()
    rider = db.session.scalars(select(Rider).where(Rider.user_id == rider_user.id)).first()
    if rider is None:
        rider = Rider(user_id=rider_user.id, created_at=utcnow())
        db.session.add(rider)
    rider.platform, rider.courier_id = Platform.MEITUAN, "MT-DEMO-0001"
    rider.phone_enc = crypto.encrypt("13800001003")
    rider.home_community_id, rider.status = community_id, RiderStatus.VERIFIED
    rider.verified_by_id, rider.verified_at = verifier_id, rider.verified_at or utcnow()
    db.session.flush()
    # through the ledger like any manual award, so `flask points verify` holds; once only
    if opening and db.session.scalar(
            select(Adjustment.id).where(Adjustment.user_id == rider_user.id).limit(1)) is None:
        awards.adjust(verifier_id, rider_user.id, community_id, opening, "演示数据：参与社区治理岗值守")
    return {"rules_added": added, "rider_id": rider.id}
