"""What a community's admins do to points: manual awards and deductions, award reviews."""

from __future__ import annotations

from sqlalchemy import select

from suishoupai.auth.models import ADMIN_ROLES
from suishoupai.errors import Forbidden, NotFound
from suishoupai.extensions import db
from suishoupai.org.actor import Actor
from suishoupai.org.models import OrgUnit
from suishoupai.org.scope import visible
from suishoupai.points import awards, ledger
from suishoupai.points.models import Adjustment, Award, Rider


def _admin(actor: Actor) -> Actor:
    """Community, street and district admins."""
    if actor.role not in ADMIN_ROLES:
        raise Forbidden("仅社区管理员可调整积分", code="points.admin_only")
    return actor


def adjust(actor: Actor, data: dict) -> tuple[Adjustment, int]:
    """Award or deduct points of a rider registered in the admin's part, with the reason."""
    _admin(actor)
    rider = db.session.scalars(
        select(Rider).join(OrgUnit, OrgUnit.id == Rider.home_community_id)
        .where(Rider.user_id == data["user_id"], visible(actor, OrgUnit.path))).first()
    if rider is None:
        raise NotFound("该用户不在本辖区的新就业群体名单中", code="points.holder_not_found")
    entry = awards.adjust(actor.user_id, rider.user_id, rider.home_community_id, data["amount"],
                          data["reason"])
    return entry, ledger.balance(rider.user_id)


def review(actor: Actor, award_id: int, decision: str) -> Award:
    """Approve or deny an award of the admin's communities waiting for review."""
    _admin(actor)
    found = db.session.scalar(select(Award.id).join(OrgUnit, OrgUnit.id == Award.community_id)
                              .where(Award.id == award_id, visible(actor, OrgUnit.path)))
    if found is None:
        raise NotFound("积分记录不存在", code="points.award_not_found")
    return awards.review(award_id, decision == "approve", actor.user_id)
