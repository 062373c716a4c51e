"""Wishes from submission to confirmation; exactly one standing claim per wish."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from suishoupai import crypto
from suishoupai.auth.models import ADMIN_ROLES, Role, User
from suishoupai.database import utcnow
from suishoupai.errors import Conflict, Forbidden, InvalidInput, NotFound
from suishoupai.extensions import db
from suishoupai.media import service as media
from suishoupai.org.actor import Actor
from suishoupai.org.models import GRID_KINDS, OrgUnit
from suishoupai.org.scope import unit_ids
from suishoupai.wishes import eligibility, events, lifecycle
from suishoupai.wishes.lifecycle import Action, Status
from suishoupai.wishes.models import Campaign, Wish, WishEvent, WishPhoto
from suishoupai.wishes.queries import get_visible, parties, visible_clause


def _record(wish: Wish, actor: Actor | None, action: str, from_status: str | None,
            note: str | None = None, claimant_id: int | None = None) -> WishEvent:
    """Write the step on the wish's timeline and announce it."""
    event = WishEvent(wish_id=wish.id, actor_id=actor.user_id if actor else None,
                      actor_role=actor.role if actor else "system", action=action,
                      from_status=from_status, to_status=wish.status, note=note, created_at=utcnow())
    db.session.add(event)
    db.session.flush()
    signal = events.BY_ACTION.get(action)
    if signal is not None:
        # the claimant a step concerns, also after a release cleared it from the wish
        signal.send(wish, event=event, claimant_id=claimant_id or wish.claimant_id)
    return event


def _place(wish: Wish, unit: OrgUnit) -> None:
    """Set grid, community, street and district from a grid or community."""
    community = unit if unit.kind == "community" else db.session.get(OrgUnit, unit.community_id)
    street = db.session.get(OrgUnit, community.parent_id) if community.parent_id else None
    wish.grid_id = unit.id if unit.kind in GRID_KINDS else None
    wish.community_id = community.id
    wish.street_id = street.id if street else None
    wish.district_id = street.parent_id if street else None


def _campaign(campaign_id: int | None, community_id: int) -> int | None:
    """A campaign open today that covers the community."""
    if campaign_id is None:
        return None
    campaign = db.session.get(Campaign, campaign_id)
    community = db.session.get(OrgUnit, community_id)
    unit = db.session.get(OrgUnit, campaign.unit_id) if campaign else None
    today = utcnow().date()
    if campaign is None or not community.path.startswith(unit.path):
        raise NotFound("征集活动不存在", code="wish.campaign_not_found")
    if not campaign.starts_on <= today <= campaign.ends_on:
        raise Conflict("该征集活动不在征集期内", code="wish.campaign_closed")
    return campaign.id


def submit(actor: Actor, data: dict) -> Wish:
    """A resident posts a wish, or a grid member enters one for someone without a smartphone."""
    user = actor.user
    beneficiary = data.get("beneficiary")
    wish = Wish(submitted_by_id=actor.user_id, category=data["category"], title=data["title"],
                description=data["description"], estimated_value=data.get("estimated_value"),
                wish_by=data.get("wish_by"), status=Status.SUBMITTED, created_at=utcnow())
    if actor.role == Role.GRID_MEMBER:
        if not beneficiary:
            raise InvalidInput("代为提交时请填写受助人信息", code="wish.beneficiary_required",
                               details={"fields": {"beneficiary": ["必填项"]}})
        grids = unit_ids(actor)
        grid_id = data.get("grid_id") or grids[0]
        if grid_id not in grids:
            raise NotFound("网格不存在", code="org.grid_not_found")
        wish.on_behalf = True
        _place(wish, db.session.get(OrgUnit, grid_id))
        name, contact, address = beneficiary["name"], beneficiary.get("contact"), beneficiary.get("address")
    elif actor.role in (Role.RESIDENT, Role.RIDER, Role.VOLUNTEER):
        if beneficiary:
            raise InvalidInput("居民只能为自己许愿", code="wish.beneficiary_not_allowed",
                               details={"fields": {"beneficiary": ["仅网格员代为提交时填写"]}})
        community = db.session.get(OrgUnit, data.get("community_id") or user.org_unit_id or 0)
        if community is None or community.kind != "community":
            raise InvalidInput("请选择所在社区", code="wish.community_required",
                               details={"fields": {"community_id": ["请选择社区"]}})
        wish.wisher_id = actor.user_id
        _place(wish, community)
        name = user.display_name
        contact = crypto.decrypt(user.phone_enc) if user.phone_enc else None
        address = data.get("address")
    else:
        raise Forbidden("该角色不能提交心愿", code="wish.submit_forbidden")
    wish.beneficiary_name_enc = crypto.encrypt(name)
    wish.beneficiary_contact_enc = crypto.encrypt(contact) if contact else None
    wish.beneficiary_address_enc = crypto.encrypt(address) if address else None
    wish.campaign_id = _campaign(data.get("campaign_id"), wish.community_id)
    db.session.add(wish)
    db.session.flush()
    _attach(actor, wish, data.get("media_ids") or [], "wish")
    _record(wish, actor, "submit", None)
    return wish


def _attach(actor: Actor, wish: Wish, media_ids: list[int], stage: str) -> None:
    """Take the caller's uploads for the wish; they stay private (signed URLs)."""
    for position, photo in enumerate(media.attach(actor.user_id, media_ids, f"wish-{stage}")):
        db.session.add(WishPhoto(wish_id=wish.id, media_id=photo.id, stage=stage, position=position))


def _opened(actor: Actor, wish: Wish, open_to: str) -> None:
    """Open the wish to its community, street or district; wider than the community takes an admin."""
    if open_to != "community" and actor.role not in ADMIN_ROLES:
        raise Forbidden("开放到街道或全区须由社区及以上管理员决定", code="wish.open_forbidden")
    wish.open_to = open_to


def review(actor: Actor, wish_id: int, decision: str, reason: str | None,
           open_to: str = "community") -> Wish:
    """Grid staff or an admin publishes a wish (open to its community, or wider), or rejects it with a
    reason shown to the wisher."""
    wish = get_visible(actor, wish_id, lock=True)
    lifecycle.check(Action.REVIEW, wish.status, parties(actor, wish))
    if decision == "reject":
        if not reason:
            raise InvalidInput("请填写不通过的原因", code="wish.reason_required",
                               details={"fields": {"reason": ["必填项"]}})
        wish.status, wish.reject_reason = Status.REJECTED, reason
    else:
        _opened(actor, wish, open_to)
        wish.status, wish.board_at = Status.PUBLISHED, utcnow()
    _record(wish, actor, "publish" if decision == "publish" else "reject", Status.SUBMITTED, reason)
    return wish


def set_open_to(actor: Actor, wish_id: int, area: str) -> Wish:
    """The place's staff change who may claim a wish still waiting on the board (e.g. none nearby)."""
    wish = get_visible(actor, wish_id, lock=True)
    lifecycle.check(Action.OPEN_TO, wish.status, parties(actor, wish))
    _opened(actor, wish, area)
    db.session.flush()
    return wish


def claim(actor: Actor, wish_id: int) -> Wish:
    """Claim a published wish: one conditional UPDATE decides, so exactly one claim stands."""
    refusal = eligibility.role_refusal(actor)  # before the look-up: the role alone decides, not the wish
    if refusal is not None:
        raise refusal
    wish = db.session.scalars(select(Wish).where(Wish.id == wish_id, visible_clause(actor))).first()
    if wish is None:
        raise NotFound("心愿不存在", code="wish.not_found")
    if wish.wisher_id == actor.user_id:
        raise Conflict("不能认领自己的心愿", code="wish.own_wish")
    # serialise one claimant's claims so the open-claim and release limits hold under concurrency
    db.session.execute(select(User.id).where(User.id == actor.user_id).with_for_update())
    refusal = eligibility.claim_refusal(actor, wish)
    if refusal is not None:
        raise refusal
    limit = current_app.config["WISH_CLAIM_LIMIT"]
    held = db.session.scalar(select(func.count()).where(Wish.claimant_id == actor.user_id,
                                                        Wish.status == Status.CLAIMED))
    if held >= limit:
        raise Conflict(f"同时认领的心愿不能超过 {limit} 个，请先完成已认领的心愿",
                       code="wish.claim_limit", details={"limit": limit})
    now = utcnow()
    won = db.session.execute(
        update(Wish).where(Wish.id == wish_id, Wish.status == Status.PUBLISHED)
        .values(status=Status.CLAIMED, claimant_id=actor.user_id, claimed_at=now, updated_at=now,
                claim_due_at=now + timedelta(days=current_app.config["WISH_CLAIM_DAYS"]))
    ).rowcount
    if not won:
        db.session.refresh(wish)
        raise lifecycle.IllegalTransition(Action.CLAIM, wish.status)
    db.session.refresh(wish)
    _record(wish, actor, "claim", Status.PUBLISHED)
    return wish


def _return_to_board(wish: Wish) -> None:
    """Clear the claim; the wish keeps its first board time, so it lists ahead of newer ones."""
    wish.status, wish.claimant_id, wish.claimed_at, wish.claim_due_at = Status.PUBLISHED, None, None, None


def _own_claim(actor: Actor, wish_id: int, action: Action) -> Wish:
    """Lock a wish the caller has claimed and still holds; others get 403, other states 409."""
    wish = get_visible(actor, wish_id, lock=True)
    lifecycle.check(action, wish.status, parties(actor, wish))
    return wish


def release(actor: Actor, wish_id: int, reason: str | None) -> Wish:
    """The claimant gives a claim back, saying why."""
    wish = _own_claim(actor, wish_id, Action.RELEASE)
    if not reason:
        raise InvalidInput("请说明放弃认领的原因", code="wish.reason_required",
                           details={"fields": {"reason": ["必填项"]}})
    _return_to_board(wish)
    _record(wish, actor, "release", Status.CLAIMED, reason, actor.user_id)
    return wish


def fulfil(actor: Actor, wish_id: int, note: str | None, media_ids: list[int],
           hours: float | None = None) -> Wish:
    """The claimant marks the wish fulfilled with photos, a note and the hours it took."""
    wish = _own_claim(actor, wish_id, Action.FULFIL)
    if not media_ids:
        raise InvalidInput("请上传完成心愿的照片", code="wish.evidence_required",
                           details={"fields": {"media_ids": ["至少一张"]}})
    _attach(actor, wish, media_ids, "fulfilment")
    wish.status, wish.fulfilled_at, wish.fulfil_note = Status.FULFILLED, utcnow(), note
    wish.service_hours = hours
    _record(wish, actor, "fulfil", Status.CLAIMED, note)
    return wish


def confirm(actor: Actor, wish_id: int, thanks: str | None) -> Wish:
    """The wisher, or the grid staff for someone they entered it for, confirms (with thanks)."""
    wish = get_visible(actor, wish_id, lock=True)
    lifecycle.check(Action.CONFIRM, wish.status, parties(actor, wish))
    wish.status, wish.confirmed_at, wish.thanks = Status.CONFIRMED, utcnow(), thanks
    _record(wish, actor, "confirm", Status.FULFILLED, thanks)
    return wish


def sweep(now: datetime | None = None) -> dict:
    """Release claims left unfulfilled too long; confirm fulfilments left unanswered; idempotent."""
    now = now or utcnow()
    released = confirmed = 0
    for wish in db.session.scalars(select(Wish).where(Wish.status == Status.CLAIMED, Wish.claim_due_at < now)
                                   .with_for_update(skip_locked=True)):
        claimant = wish.claimant_id
        _return_to_board(wish)
        _record(wish, None, "expire", Status.CLAIMED, "认领后逾期未完成，心愿重新回到心愿墙", claimant)
        released += 1
    confirm_before = now - timedelta(days=current_app.config["WISH_AUTO_CONFIRM_DAYS"])
    for wish in db.session.scalars(select(Wish).where(Wish.status == Status.FULFILLED,
                                                      Wish.fulfilled_at < confirm_before)
                                   .with_for_update(skip_locked=True)):
        wish.status, wish.confirmed_at, wish.confirmed_by_sweep = Status.CONFIRMED, now, True
        _record(wish, None, "confirm", Status.FULFILLED, "许愿人逾期未确认，系统自动确认")
        confirmed += 1
    return {"released": released, "confirmed": confirmed}
