"""The beneficiary's contact: masked in every view but the wisher's own; in full only through a
reveal step that is allowed to the standing claimant and the place's staff, recorded in the access
log, and limited per claimant per day."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from suishoupai import crypto
from suishoupai.auth.models import User
from suishoupai.database import utcnow
from suishoupai.errors import TooManyRequests
from suishoupai.extensions import db
from suishoupai.org.actor import Actor
from suishoupai.org.models import Duty, GridMember, OrgUnit
from suishoupai.org.service import card_of
from suishoupai.privacy import access
from suishoupai.wishes import lifecycle
from suishoupai.wishes.lifecycle import Action, Party
from suishoupai.wishes.models import Wish
from suishoupai.wishes.queries import get_visible, parties

#: a claimant's reveals are counted over this window
REVEAL_WINDOW = timedelta(days=1)
CLAIMANT_REVEAL, STAFF_REVEAL = "wish.reveal", "wish.staff_reveal"


def _plain(value: str | None) -> str | None:
    """A decrypted field, or None."""
    return crypto.decrypt(value) if value else None


def mask_name(name: str | None) -> str | None:
    """王奶奶 → 王**: the surname, enough to greet, not to look up."""
    if not name:
        return name
    return name[0] + "*" * max(len(name) - 1, 1)


def full(wish: Wish) -> dict:
    """Name, contact and address of the person the wish is for."""
    return {"name": _plain(wish.beneficiary_name_enc), "contact": _plain(wish.beneficiary_contact_enc),
            "address": _plain(wish.beneficiary_address_enc), "masked": False}


def masked(wish: Wish) -> dict:
    """The surname and a masked phone; no address."""
    return {"name": mask_name(_plain(wish.beneficiary_name_enc)),
            "contact": crypto.mask_phone(_plain(wish.beneficiary_contact_enc)), "address": None,
            "masked": True}


def grid_members(wishes: list[Wish]) -> dict[int, dict]:
    """The grid member to go through for each wish: who entered it, else its grid's on-duty member."""
    entered = {w.id: w.submitted_by_id for w in wishes if w.on_behalf}
    grids = {w.grid_id for w in wishes if not w.on_behalf and w.grid_id}
    on_duty: dict[int, int] = {}
    for grid_id, user_id in db.session.execute(
            select(GridMember.grid_id, GridMember.user_id).where(
                GridMember.grid_id.in_(grids), GridMember.duty == Duty.ON_DUTY).order_by(GridMember.id)):
        on_duty.setdefault(grid_id, user_id)
    who = {w.id: entered.get(w.id) or on_duty.get(w.grid_id) for w in wishes}
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(set(who.values()))))}
    return {wish_id: card_of(people[uid]) for wish_id, uid in who.items() if uid in people}


def reveal(actor: Actor, wish_id: int) -> dict:
    """The beneficiary's full contact for the standing claimant or the place's staff, recorded."""
    # the caller's row first, then the wish, as a claim takes them: one claimant's reveals are counted
    # one at a time, and the claim cannot end while it is being revealed
    db.session.execute(select(User.id).where(User.id == actor.user_id).with_for_update())
    wish = get_visible(actor, wish_id, lock=True)
    if actor.user_id == wish.wisher_id:
        return full(wish)  # their own
    relations = parties(actor, wish)
    lifecycle.check(Action.REVEAL, wish.status, relations)
    if Party.CLAIMANT in relations:
        reason = CLAIMANT_REVEAL
        _within_daily_limit(actor, wish)
    else:
        reason = STAFF_REVEAL
    shown = full(wish)
    fields = [f for f, key in (("name", "name"), ("phone", "contact"), ("address", "address")) if shown[key]]
    place = db.session.get(OrgUnit, wish.grid_id or wish.community_id)
    access.record(actor, subject_user_id=wish.wisher_id, subject_kind="wish", subject_id=wish.id,
                  fields=fields, reason=reason, path=place.path)
    return shown


def _within_daily_limit(actor: Actor, wish: Wish) -> None:
    """429 when the claimant already revealed the limit of other wishes in the last day."""
    limit = current_app.config["WISH_REVEAL_DAILY_LIMIT"]
    seen = access.subjects_revealed(actor.user_id, CLAIMANT_REVEAL, "wish", utcnow() - REVEAL_WINDOW)
    if wish.id not in seen and len(seen) >= limit:
        raise TooManyRequests(f"每天最多查看 {limit} 个心愿的受助人联系方式，请明天再试",
                              code="wish.reveal_limit", details={"limit": limit})
