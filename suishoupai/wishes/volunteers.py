"""双报到 registrations: registering, review by the home community, the staff list with claim churn."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from suishoupai import crypto, registrations
from suishoupai.auth.models import ADMIN_ROLES, Role, User
from suishoupai.database import utcnow
from suishoupai.errors import Conflict, Forbidden, InvalidInput, NotFound
from suishoupai.extensions import db
from suishoupai.org.actor import Actor
from suishoupai.org.models import OrgUnit
from suishoupai.org.scope import visible
from suishoupai.pagination import keyset_page
from suishoupai.wishes.models import Volunteer, Wish, WishEvent

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
#: the window the claim/release churn is counted over, in the staff list and for the release limit
CHURN_WINDOW = timedelta(days=7)


def register(actor: Actor, data: dict) -> Volunteer:
    """双报到: a party member or volunteer reports to their home community, pending its review."""
    community = db.session.get(OrgUnit, data["community_id"])
    if community is None or community.kind != "community":
        raise NotFound("社区不存在", code="org.community_not_found")
    if data["kind"] in ("party_member", "unit") and not data.get("work_unit"):
        raise InvalidInput("在职党员和共建单位请填写单位名称", code="wish.work_unit_required",
                           details={"fields": {"work_unit": ["必填项"]}})
    user = actor.user
    if user.role not in (Role.RESIDENT, Role.VOLUNTEER, Role.RIDER):
        raise Conflict("工作人员无需登记志愿者", code="wish.staff_cannot_register")
    volunteer = db.session.scalars(select(Volunteer).where(Volunteer.user_id == user.id)).first()
    wanted = (community.id, data["kind"], data.get("work_unit"))
    if volunteer is not None and (volunteer.home_community_id, volunteer.kind, volunteer.work_unit) == wanted:
        if data.get("real_name"):
            user.real_name = data["real_name"]
        return volunteer  # the same registration again: its review stands
    if volunteer is None:
        volunteer = Volunteer(user_id=user.id)
        db.session.add(volunteer)
    # a new or changed registration (another community, kind or unit) is reviewed by that community
    volunteer.home_community_id, volunteer.kind, volunteer.work_unit = wanted
    if data.get("real_name"):
        user.real_name = data["real_name"]  # the name staff see, masked on public boards
    volunteer.status, volunteer.reject_reason = PENDING, None
    volunteer.reviewed_by_id = volunteer.reviewed_at = None
    volunteer.registered_at = utcnow()
    if user.role == Role.RESIDENT:
        user.role = Role.VOLUNTEER
        user.token_version += 1  # the new role is in the next token
    db.session.flush()
    return volunteer


def own(actor: Actor) -> Volunteer:
    """The caller's registration; 404 when there is none."""
    volunteer = db.session.scalars(select(Volunteer).where(Volunteer.user_id == actor.user_id)).first()
    if volunteer is None:
        raise NotFound("尚未登记", code="wish.volunteer_not_found")
    return volunteer


def _in_reach(actor: Actor):
    """Registrations whose home community lies in the admin's reach (a select to narrow further)."""
    if actor.role not in ADMIN_ROLES:
        raise Forbidden("只有社区及以上管理员可以审核志愿者登记", code="wish.volunteer_review_forbidden")
    return (select(Volunteer).join(OrgUnit, OrgUnit.id == Volunteer.home_community_id)
            .where(visible(actor, OrgUnit.path)))


def review(actor: Actor, volunteer_id: int, decision: str, reason: str | None) -> Volunteer:
    """The home community's admins (or above) approve a pending registration or reject it with a reason."""
    volunteer = db.session.scalars(_in_reach(actor).where(Volunteer.id == volunteer_id)
                                   .with_for_update(of=Volunteer)).first()
    if volunteer is None:
        raise NotFound("登记记录不存在", code="wish.volunteer_not_found")
    registrations.check_decision(volunteer.status, PENDING, decision, reason,
                                 domain="wish", subject="volunteer")
    if decision == "reject":
        volunteer.status, volunteer.reject_reason = REJECTED, reason
    else:
        volunteer.status = APPROVED
    volunteer.reviewed_by_id, volunteer.reviewed_at = actor.user_id, utcnow()
    db.session.flush()
    return volunteer


def churn(user_ids: list[int], since: datetime) -> dict[int, dict[str, int]]:
    """Claims and own releases of each user since a time."""
    out = {uid: {"claims": 0, "releases": 0} for uid in user_ids}
    rows = db.session.execute(
        select(WishEvent.actor_id, WishEvent.action, func.count())
        .where(WishEvent.actor_id.in_(user_ids), WishEvent.action.in_(("claim", "release")),
               WishEvent.created_at >= since).group_by(WishEvent.actor_id, WishEvent.action))
    for uid, action, n in rows:
        out[uid]["claims" if action == "claim" else "releases"] = n
    return out


def list_registrations(actor: Actor, args: dict) -> dict:
    """Registrations in the admin's reach, newest first, each with the last week's claims and releases."""
    stmt = _in_reach(actor)
    if args.get("status"):
        stmt = stmt.where(Volunteer.status == args["status"])
    if args.get("community"):
        stmt = stmt.where(Volunteer.home_community_id == args["community"])
    page = keyset_page(stmt, [Volunteer.id], args["limit"], args.get("cursor"))
    users = [v.user_id for v in page["items"]]
    counts = churn(users, utcnow() - CHURN_WINDOW)
    done = fulfilled(users)
    page["items"] = [card(v, counts[v.user_id]) | done.get(v.user_id, {"fulfilled": 0, "hours": 0.0})
                     for v in page["items"]]
    return page


def fulfilled(user_ids: list[int]) -> dict[int, dict]:
    """Wishes each user fulfilled (confirmed or awaiting confirmation) and the hours they gave."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(Wish.claimant_id, func.count(), func.coalesce(func.sum(Wish.service_hours), 0.0))
        .where(Wish.claimant_id.in_(user_ids), Wish.status.in_(("fulfilled", "confirmed")))
        .group_by(Wish.claimant_id))
    return {uid: {"fulfilled": n, "hours": round(float(hours), 1)} for uid, n, hours in rows}


def card(volunteer: Volunteer, counts: dict[str, int] | None = None) -> dict:
    """A registration as its volunteer and their community's admins see it (phone masked)."""
    user = db.session.get(User, volunteer.user_id)
    community = db.session.get(OrgUnit, volunteer.home_community_id)
    phone = crypto.decrypt(user.phone_enc) if user.phone_enc else None
    out = {"id": volunteer.id, "user_id": volunteer.user_id, "name": user.display_name,
           "phone": crypto.mask_phone(phone), "home_community_id": volunteer.home_community_id,
           "home_community": community.name, "kind": volunteer.kind, "work_unit": volunteer.work_unit,
           "status": volunteer.status, "reject_reason": volunteer.reject_reason,
           "reviewed_at": volunteer.reviewed_at, "registered_at": volunteer.registered_at}
    if counts is not None:
        out["churn"] = {**counts, "days": CHURN_WINDOW.days}
    return out
