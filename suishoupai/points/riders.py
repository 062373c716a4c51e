"""Riders (新就业群体): registration, verification by a community admin, and the eligibility check."""

from __future__ import annotations

from sqlalchemy import select

from suishoupai import crypto, registrations
from suishoupai.auth.models import ADMIN_ROLES, Role, User
from suishoupai.database import utcnow
from suishoupai.errors import Conflict, Forbidden, InvalidInput, NotFound
from suishoupai.extensions import db
from suishoupai.org.actor import Actor
from suishoupai.org.models import OrgUnit
from suishoupai.org.scope import visible
from suishoupai.pagination import keyset_page
from suishoupai.points import events
from suishoupai.points.models import Rider, RiderStatus

#: who may register as a rider: residents, and rider accounts not registered yet
REGISTRANTS = (Role.RESIDENT, Role.RIDER)


def verified_rider(user_id: int) -> Rider | None:
    """The user's rider registration if a community has verified it."""
    return db.session.scalars(select(Rider).where(
        Rider.user_id == user_id, Rider.status == RiderStatus.VERIFIED)).first()


def require_verified_rider(actor: Actor) -> Rider:
    """The caller's verified registration; 403 otherwise."""
    rider = verified_rider(actor.user_id)
    if rider is None:
        raise Forbidden("请先完成新就业群体认证（由社区审核）", code="points.rider_unverified")
    return rider


def register(actor: Actor, data: dict) -> Rider:
    """Register the caller as a rider of a home community, pending verification."""
    if actor.role not in REGISTRANTS:
        raise Forbidden("工作人员账号不能登记为新就业群体", code="points.rider_register_forbidden")
    community = db.session.get(OrgUnit, data["home_community_id"])
    if community is None or community.kind != "community":
        raise InvalidInput("请选择所在社区", code="points.community_required",
                           details={"fields": {"home_community_id": ["须为社区"]}})
    rider = db.session.scalars(select(Rider).where(Rider.user_id == actor.user_id)).first()
    if rider is not None and rider.status != RiderStatus.REJECTED:
        raise Conflict("已登记，无需重复登记", code="points.rider_exists",
                       details={"rider_id": rider.id, "status": rider.status})
    if rider is None:
        rider = Rider(user_id=actor.user_id, created_at=utcnow())
        db.session.add(rider)
    # a rejected registration may be corrected and sent again
    rider.platform, rider.courier_id = data["platform"], data["courier_id"]
    rider.phone_enc = crypto.encrypt(data["phone"])
    rider.home_community_id = community.id
    rider.status, rider.reject_reason = RiderStatus.PENDING, None
    rider.verified_by_id = rider.verified_at = None
    if data.get("real_name"):
        actor.user.real_name = data["real_name"]  # the name staff see, masked on the leaderboard
    db.session.flush()
    return rider


def own(actor: Actor) -> Rider:
    """The caller's registration; 404 when there is none."""
    rider = db.session.scalars(select(Rider).where(Rider.user_id == actor.user_id)).first()
    if rider is None:
        raise NotFound("尚未登记", code="points.rider_not_found")
    return rider


def _managed(actor: Actor, rider_id: int) -> Rider:
    """A rider whose home community lies in the admin's scope; 404 otherwise."""
    if actor.role not in ADMIN_ROLES:
        raise Forbidden()
    stmt = (select(Rider).join(OrgUnit, OrgUnit.id == Rider.home_community_id)
            .where(Rider.id == rider_id, visible(actor, OrgUnit.path)))
    rider = db.session.scalars(stmt.with_for_update(of=Rider)).first()
    if rider is None:
        raise NotFound("登记记录不存在", code="points.rider_not_found")
    return rider


def verify(actor: Actor, rider_id: int, decision: str, reason: str | None) -> Rider:
    """Approve or reject a pending registration; approval makes the account a rider account."""
    rider = _managed(actor, rider_id)
    registrations.check_decision(rider.status, RiderStatus.PENDING, decision, reason,
                                 domain="points", subject="rider")
    if decision == "reject":
        rider.status, rider.reject_reason = RiderStatus.REJECTED, reason
    else:
        rider.status = RiderStatus.VERIFIED
        user = db.session.get(User, rider.user_id)
        if user.role == Role.RESIDENT:
            user.role = Role.RIDER
    rider.verified_by_id, rider.verified_at = actor.user_id, utcnow()
    db.session.flush()
    events.rider_reviewed.send(rider)
    return rider


def list_riders(actor: Actor, args: dict) -> dict:
    """Registrations of the communities the admin runs, newest first."""
    if actor.role not in ADMIN_ROLES:
        raise Forbidden()
    stmt = (select(Rider).join(OrgUnit, OrgUnit.id == Rider.home_community_id)
            .where(visible(actor, OrgUnit.path)))
    if args.get("status"):
        stmt = stmt.where(Rider.status == args["status"])
    if args.get("community"):
        stmt = stmt.where(Rider.home_community_id == args["community"])
    return keyset_page(stmt, [Rider.id], args["limit"], args.get("cursor"))


def card(rider: Rider) -> dict:
    """A registration as its rider and the community's admins see it (phone masked)."""
    user = db.session.get(User, rider.user_id)
    community = db.session.get(OrgUnit, rider.home_community_id)
    return {"id": rider.id, "user_id": rider.user_id, "name": user.display_name, "platform": rider.platform,
            "courier_id": rider.courier_id, "phone": crypto.mask_phone(crypto.decrypt(rider.phone_enc)),
            "home_community_id": rider.home_community_id, "home_community": community.name,
            "status": rider.status, "reject_reason": rider.reject_reason,
            "verified_at": rider.verified_at, "created_at": rider.created_at}
