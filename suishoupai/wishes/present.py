"""What each viewer sees of a wish; the beneficiary is shown only to those entitled to it, masked but to
the wisher (the full contact is a recorded reveal, wishes/contacts.py)."""

from __future__ import annotations

from sqlalchemy import select

from suishoupai.auth import names
from suishoupai.auth.models import ROLE_LABELS, User
from suishoupai.extensions import db
from suishoupai.media import service as media
from suishoupai.media.models import Media
from suishoupai.org.actor import Actor
from suishoupai.org.models import OrgUnit
from suishoupai.wishes import contacts
from suishoupai.wishes.eligibility import AREA_LABELS
from suishoupai.wishes.lifecycle import CLAIM_HELD, STATUS_LABELS, available_actions
from suishoupai.wishes.models import Wish, WishEvent, WishPhoto
from suishoupai.wishes.queries import parties, staff_party

ACTION_LABELS = {"submit": "提交心愿", "publish": "审核通过", "reject": "审核未通过", "claim": "认领",
                 "release": "放弃认领", "expire": "认领超时", "fulfil": "完成心愿", "confirm": "确认"}


def sees_beneficiary(actor: Actor, wish: Wish) -> bool:
    """The wisher, whoever entered it, the place's staff, and the claimant while their claim stands."""
    return (actor.user_id in (wish.wisher_id, wish.submitted_by_id)
            or staff_party(actor, wish) is not None
            or (wish.claimant_id == actor.user_id and wish.status in CLAIM_HELD))


def _photos(wish_ids: list[int], stages: tuple[str, ...]) -> dict[int, list[dict]]:
    """Photos of wishes by stage, with URLs fit for their visibility."""
    out: dict[int, list[dict]] = {}
    rows = db.session.execute(
        select(WishPhoto.wish_id, WishPhoto.stage, Media).join(Media, Media.id == WishPhoto.media_id)
        .where(WishPhoto.wish_id.in_(wish_ids), WishPhoto.stage.in_(stages)).order_by(WishPhoto.position))
    for wish_id, stage, photo in rows:
        out.setdefault(wish_id, []).append({
            "id": photo.id, "stage": stage, "url": media.url(photo.display_key, photo.public),
            "thumb_url": media.url(photo.thumb_key, photo.public)})
    return out


def present(wishes: list[Wish], actor: Actor) -> list[dict]:
    """Wish cards; beneficiary details and wish photos only for those entitled."""
    if not wishes:
        return []
    people = {u.id: u for u in db.session.scalars(select(User).where(
        User.id.in_({w.claimant_id for w in wishes if w.claimant_id})))}
    units = {u.id: u for u in db.session.scalars(select(OrgUnit).where(
        OrgUnit.id.in_({w.community_id for w in wishes})))}
    private_ids = [w.id for w in wishes if sees_beneficiary(actor, w)]
    grid_members = contacts.grid_members([w for w in wishes if w.id in private_ids])
    photos = _photos([w.id for w in wishes], ("fulfilment",))
    for wish_id, items in _photos(private_ids, ("wish",)).items():
        photos[wish_id] = items + photos.get(wish_id, [])
    out = []
    for w in wishes:
        private = w.id in private_ids
        claimant = people.get(w.claimant_id)
        out.append({
            "id": w.id, "category": w.category, "title": w.title, "description": w.description,
            "estimated_value": w.estimated_value, "wish_by": w.wish_by, "status": w.status,
            "status_label": STATUS_LABELS[w.status], "moderation": w.moderation, "on_behalf": w.on_behalf,
            "community": {"id": w.community_id, "name": units[w.community_id].name},
            "campaign_id": w.campaign_id, "board_at": w.board_at, "claimed_at": w.claimed_at,
            "claim_due_at": w.claim_due_at if private else None,
            "fulfilled_at": w.fulfilled_at, "fulfil_note": w.fulfil_note, "confirmed_at": w.confirmed_at,
            "confirmed_by_sweep": w.confirmed_by_sweep, "thanks": w.thanks,
            "reject_reason": w.reject_reason if private else None,
            # the board names a claimant by surname only; the wisher and staff see the name
            "claimant": {"name": claimant.display_name if private or claimant.id == actor.user_id
                         else names.public(claimant.real_name, claimant.nickname)} if claimant else None,
            "open_to": w.open_to, "open_to_label": AREA_LABELS[w.open_to],
            "beneficiary": _beneficiary(w, actor) if private else None,
            "grid_member": grid_members.get(w.id) if private else None,
            "photos": photos.get(w.id, []), "created_at": w.created_at,
        })
    return out


def _beneficiary(wish: Wish, actor: Actor) -> dict:
    """The wisher sees their own details; everyone else entitled sees them masked."""
    return contacts.full(wish) if actor.user_id == wish.wisher_id else contacts.masked(wish)


def detail(wish: Wish, actor: Actor) -> dict:
    """One wish with its progress and the steps open to the caller."""
    view = present([wish], actor)[0]
    private = view["beneficiary"] is not None
    events = db.session.scalars(select(WishEvent).where(WishEvent.wish_id == wish.id).order_by(WishEvent.id))
    view["timeline"] = [{"action": e.action, "label": ACTION_LABELS.get(e.action, e.action),
                         "actor_role": ROLE_LABELS.get(e.actor_role, e.actor_role),
                         "note": e.note if private or e.action in ("fulfil", "confirm") else None,
                         "at": e.created_at} for e in events]
    view["actions"] = _actions(wish, actor)
    return view


def _actions(wish: Wish, actor: Actor) -> list[str]:
    """Buttons for the caller: the steps the state machine lets their relations take now."""
    return [action.value for action in available_actions(wish.status, parties(actor, wish, claiming=True))]
