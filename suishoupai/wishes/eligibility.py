"""Who may claim a wish now: approved 双报到 registrations and verified riders of the wish's area,
within the release limit. The claim step and the detail's ``actions`` both ask here."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from suishoupai.auth.models import Role
from suishoupai.database import utcnow
from suishoupai.errors import DomainError, Forbidden, TooManyRequests
from suishoupai.extensions import db
from suishoupai.org.actor import Actor
from suishoupai.org.models import OrgUnit
from suishoupai.wishes import events, lifecycle
from suishoupai.wishes.lifecycle import Action
from suishoupai.wishes.models import Volunteer, Wish, WishEvent
from suishoupai.wishes.volunteers import APPROVED, CHURN_WINDOW

#: who may claim at all: party members, volunteers, partner units (volunteer role) and riders
CLAIMERS = (Role.VOLUNTEER, Role.RIDER)
#: how wide a wish is open: its community, or its street or district when staff opened it wider
AREAS = ("community", "street", "district")
AREA_LABELS = {"community": "本社区", "street": "本街道", "district": "全区"}


def area_unit_id(wish: Wish) -> int:
    """The org unit whose communities' volunteers may claim the wish."""
    unit = {"street": wish.street_id, "district": wish.district_id}.get(wish.open_to)
    return unit or wish.community_id


def home_communities(user_id: int) -> list[int]:
    """The communities a user claims from: an approved registration's, and what other domains answer."""
    homes = list(db.session.scalars(select(Volunteer.home_community_id).where(
        Volunteer.user_id == user_id, Volunteer.status == APPROVED)))
    homes += [home for _, home in events.claimant_home.send(user_id) if home is not None]
    return homes


def releases_this_week(user_id: int) -> int:
    """How many claims the user gave back in the churn window."""
    return db.session.scalar(select(func.count()).where(
        WishEvent.actor_id == user_id, WishEvent.action == "release",
        WishEvent.created_at >= utcnow() - CHURN_WINDOW))


def role_refusal(actor: Actor) -> DomainError | None:
    """Why the caller's role may claim no wish at all, or None."""
    if actor.role not in CLAIMERS:
        return lifecycle.NotAllowed(Action.CLAIM)
    return None


def claim_refusal(actor: Actor, wish: Wish) -> DomainError | None:
    """Why the caller may not claim this wish now, or None when they may."""
    refusal = role_refusal(actor)
    if refusal is not None:
        return refusal
    homes = home_communities(actor.user_id)
    if not homes:
        return Forbidden("志愿者登记通过社区审核后才能认领心愿", code="wish.volunteer_unapproved")
    area = db.session.get(OrgUnit, area_unit_id(wish))
    paths = db.session.scalars(select(OrgUnit.path).where(OrgUnit.id.in_(homes)))
    if not any(path.startswith(area.path) for path in paths):
        return Forbidden(f"该心愿仅限{AREA_LABELS[wish.open_to]}登记的志愿者认领", code="wish.outside_area",
                         details={"open_to": wish.open_to})
    limit = current_app.config["WISH_RELEASE_WEEKLY_LIMIT"]
    released = releases_this_week(actor.user_id)
    if released >= limit:
        return TooManyRequests(f"近 {CHURN_WINDOW.days} 天已放弃认领 {released} 次，暂时不能认领新的心愿",
                               code="wish.release_limit",
                               details={"limit": limit, "released": released, "days": CHURN_WINDOW.days})
    return None
