"""Campaigns, public progress and the rankings by wishes fulfilled."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from suishoupai.auth import names
from suishoupai.auth.models import User
from suishoupai.errors import InvalidInput, NotFound
from suishoupai.extensions import db
from suishoupai.org.actor import Actor
from suishoupai.org.models import OrgUnit
from suishoupai.org.scope import visible
from suishoupai.pagination import keyset_page
from suishoupai.wishes.lifecycle import Status
from suishoupai.wishes.models import Campaign, Volunteer, Wish


def create_campaign(actor: Actor, data: dict) -> Campaign:
    """An administrator opens a collection campaign for their community, street or district."""
    unit = db.session.get(OrgUnit, data["unit_id"])
    if unit is None or not actor.covers(unit.path) or unit.kind not in ("community", "street", "district"):
        raise NotFound("组织单位不存在", code="org.unit_not_found")
    if data["ends_on"] < data["starts_on"]:
        raise InvalidInput("结束日期不能早于开始日期", code="wish.campaign_dates",
                           details={"fields": {"ends_on": ["早于开始日期"]}})
    campaign = Campaign(unit_id=unit.id, name=data["name"], starts_on=data["starts_on"],
                        ends_on=data["ends_on"], created_by_id=actor.user_id)
    db.session.add(campaign)
    db.session.flush()
    return campaign


def campaigns_for(community_id: int | None) -> list[Campaign]:
    """Campaigns covering a community (all campaigns when none is given), newest first."""
    stmt = select(Campaign).order_by(Campaign.starts_on.desc(), Campaign.id.desc())
    if community_id is not None:
        community = db.session.get(OrgUnit, community_id)
        if community is None:
            raise NotFound("社区不存在", code="org.community_not_found")
        ancestors = [int(i) for i in community.path.strip("/").split("/")]
        stmt = stmt.where(Campaign.unit_id.in_(ancestors))
    return list(db.session.scalars(stmt))


def campaigns_in_reach(actor: Actor, limit: int, cursor: str | None) -> dict:
    """A page of the campaigns an administrator deals with, newest opened first: those of the units
    in their reach, and those of the units above it (a district's campaign runs in its streets)."""
    above = {int(i) for p in actor.scope_paths for i in p.strip("/").split("/")[:-1]}
    stmt = (select(Campaign).join(OrgUnit, OrgUnit.id == Campaign.unit_id)
            .where(or_(visible(actor, OrgUnit.path), Campaign.unit_id.in_(above))))
    return keyset_page(stmt, [Campaign.id], limit, cursor)


def _filtered(stmt, community_id: int | None, campaign_id: int | None):
    """Narrow a wish query to a community and/or campaign."""
    if community_id is not None:
        stmt = stmt.where(Wish.community_id == community_id)
    if campaign_id is not None:
        stmt = stmt.where(Wish.campaign_id == campaign_id)
    return stmt


def progress(community_id: int | None, campaign_id: int | None) -> dict:
    """Public progress: how many wishes reached each stage (a wish counts at every stage it passed)."""
    rows = dict(db.session.execute(_filtered(
        select(Wish.status, func.count()).group_by(Wish.status), community_id, campaign_id)).all())
    order = [Status.SUBMITTED, Status.PUBLISHED, Status.CLAIMED, Status.FULFILLED, Status.CONFIRMED]
    reached = {status: sum(rows.get(s, 0) for s in order[i:]) for i, status in enumerate(order)}
    reached[Status.SUBMITTED] += rows.get(Status.REJECTED, 0)
    return {**reached, "rejected": rows.get(Status.REJECTED, 0), "waiting": rows.get(Status.PUBLISHED, 0)}


def rankings(community_id: int | None, campaign_id: int | None, limit: int) -> dict:
    """Volunteers and work units ranked by wishes fulfilled (not merely claimed); ties by earliest."""
    done = _filtered(select(Wish.claimant_id, func.count().label("n"), func.min(Wish.fulfilled_at)
                            .label("first")).where(Wish.status.in_((Status.FULFILLED, Status.CONFIRMED)))
                     .group_by(Wish.claimant_id), community_id, campaign_id).subquery()
    people = db.session.execute(
        select(User, done.c.n).join(done, done.c.claimant_id == User.id)
        .order_by(done.c.n.desc(), done.c.first, User.id).limit(limit)).all()
    units = db.session.execute(
        select(Volunteer.work_unit, func.sum(done.c.n).label("n"))
        .join(done, done.c.claimant_id == Volunteer.user_id)
        .where(Volunteer.work_unit.is_not(None)).group_by(Volunteer.work_unit)
        .order_by(func.sum(done.c.n).desc(), Volunteer.work_unit).limit(limit)).all()
    # a public ranking: real names masked to the surname
    return {"volunteers": [{"name": names.public(u.real_name, u.nickname), "fulfilled": n}
                           for u, n in people],
            "units": [{"name": unit, "fulfilled": int(n)} for unit, n in units]}
