"""Campaigns, 双报到 registration, public progress and the rankings by wishes fulfilled."""

from __future__ import annotations

from sqlalchemy import func, select

from suishoupai.auth.actor import Actor
from suishoupai.auth.models import Role, User
from suishoupai.errors import Conflict, InvalidInput, NotFound
from suishoupai.extensions import db
from suishoupai.org.models import OrgUnit
from suishoupai.wishes.models import Campaign, Volunteer, Wish
from suishoupai.wishes.service import CLAIMED, CONFIRMED, FULFILLED, PUBLISHED, SUBMITTED


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


def register_volunteer(actor: Actor, data: dict) -> Volunteer:
    """双报到: a party member or volunteer reports to their home community and may claim wishes."""
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
    if volunteer is None:
        volunteer = Volunteer(user_id=user.id)
        db.session.add(volunteer)
    volunteer.home_community_id = community.id
    volunteer.kind, volunteer.work_unit = data["kind"], data.get("work_unit")
    if user.role == Role.RESIDENT:
        user.role = Role.VOLUNTEER
        user.token_version += 1  # the new role is in the next token
    db.session.flush()
    return volunteer


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
    order = [SUBMITTED, PUBLISHED, CLAIMED, FULFILLED, CONFIRMED]
    reached = {status: sum(rows.get(s, 0) for s in order[i:]) for i, status in enumerate(order)}
    reached[SUBMITTED] += rows.get("rejected", 0)
    return {**reached, "rejected": rows.get("rejected", 0), "waiting": rows.get(PUBLISHED, 0)}


def rankings(community_id: int | None, campaign_id: int | None, limit: int) -> dict:
    """Volunteers and work units ranked by wishes fulfilled (not merely claimed); ties by earliest."""
    done = _filtered(select(Wish.claimant_id, func.count().label("n"), func.min(Wish.fulfilled_at)
                            .label("first")).where(Wish.status.in_((FULFILLED, CONFIRMED)))
                     .group_by(Wish.claimant_id), community_id, campaign_id).subquery()
    people = db.session.execute(
        select(User, done.c.n).join(done, done.c.claimant_id == User.id)
        .order_by(done.c.n.desc(), done.c.first, User.id).limit(limit)).all()
    units = db.session.execute(
        select(Volunteer.work_unit, func.sum(done.c.n).label("n"))
        .join(done, done.c.claimant_id == Volunteer.user_id)
        .where(Volunteer.work_unit.is_not(None)).group_by(Volunteer.work_unit)
        .order_by(func.sum(done.c.n).desc(), Volunteer.work_unit).limit(limit)).all()
    return {"volunteers": [{"name": u.display_name, "fulfilled": n} for u, n in people],
            "units": [{"name": unit, "fulfilled": int(n)} for unit, n in units]}
