"""Demo points: the rule book, and demo-rider registered and verified in the demo community."""

from __future__ import annotations

from sqlalchemy import select

from suishoupai import crypto
from suishoupai.auth.models import User
from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.points import rulebook
from suishoupai.points.models import Platform, Rider, RiderStatus


def seed_points(rider_user: User, community_id: int, verifier_id: int) -> dict:
    """Seed the rule book and make demo-rider a verified 美团 rider (re-running updates)."""
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
    return {"rules_added": added, "rider_id": rider.id}
