"""How posts, bounties, claims, rewards and redemptions are shown, loaded in a few queries per page."""

from __future__ import annotations

from sqlalchemy import select

from suishoupai.auth.models import User
from suishoupai.extensions import db
from suishoupai.media import service as media
from suishoupai.offers import bounties, posts, rewards
from suishoupai.offers.models import Bounty, BountyClaim, Post, PostClaim, PostDuty, Redemption, Reward
from suishoupai.offers.rules import remaining
from suishoupai.offers.scope import community_names
from suishoupai.org.actor import Actor
from suishoupai.points import ledger
from suishoupai.points.models import Award


def _names(user_ids) -> dict[int, str]:
    """Display names of people, by id."""
    ids = set(user_ids)
    if not ids:
        return {}
    return {u.id: u.display_name for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


def _community(names: dict[int, str], community_id: int) -> dict:
    """{id, name} of a community."""
    return {"id": community_id, "name": names.get(community_id, "")}


def award_view(award: Award | None) -> dict | None:
    """What an award earned, readable by the rider."""
    if award is None:
        return None
    return {"id": award.id, "status": award.status, "points": award.points, "reason": award.reason}


def post_cards(items: list[Post], actor: Actor) -> list[dict]:
    """Post cards with the caller's standing claim."""
    names = community_names(p.community_id for p in items)
    mine = posts.my_claims(actor.user_id, [p.id for p in items])
    return [{"id": p.id, "community": _community(names, p.community_id), "title": p.title,
             "duties": p.duties, "capacity": p.capacity, "taken": p.taken,
             "remaining": remaining(p.capacity, p.taken), "monthly_points": p.monthly_points,
             "active": p.active, "created_at": p.created_at,
             "my_claim": ({"id": mine[p.id].id, "claimed_at": mine[p.id].claimed_at}
                          if p.id in mine else None)} for p in items]


def post_claim_cards(items: list[PostClaim]) -> list[dict]:
    """Holders of a post, named."""
    names = _names(c.user_id for c in items)
    return [{"id": c.id, "post_id": c.post_id, "user": {"id": c.user_id, "name": names.get(c.user_id, "")},
             "status": c.status, "claimed_at": c.claimed_at, "left_at": c.left_at} for c in items]


def duty_view(duty: PostDuty, award: Award) -> dict:
    """A confirmed month and its award."""
    return {"id": duty.id, "post_id": duty.post_id, "user_id": duty.user_id, "month": duty.month,
            "confirmed_at": duty.confirmed_at, "award": award_view(award)}


def _awards(claim_ids: list[int]) -> dict[int, Award]:
    """The bounty awards of claims, by claim."""
    if not claim_ids:
        return {}
    return {a.source_id: a for a in db.session.scalars(select(Award).where(
        Award.source_type == "bounty_claim", Award.source_id.in_(claim_ids)))}


def claim_cards(items: list[BountyClaim], award_of: dict | None = None) -> list[dict]:
    """Bounty claims with their evidence and award."""
    ids = [c.id for c in items]
    names = _names(c.user_id for c in items)
    photos = bounties.evidence(ids)
    awards = award_of if award_of is not None else _awards(ids)
    return [{"id": c.id, "bounty_id": c.bounty_id,
             "user": {"id": c.user_id, "name": names.get(c.user_id, "")},
             "status": c.status, "claimed_at": c.claimed_at, "note": c.note, "submitted_at": c.submitted_at,
             "verified_at": c.verified_at, "reject_reason": c.reject_reason,
             "evidence": [{"id": m.id, "url": media.url(m.display_key, m.public),
                           "thumb_url": media.url(m.thumb_key, m.public)} for m in photos.get(c.id, [])],
             "award": award_view(awards.get(c.id))} for c in items]


def bounty_cards(items: list[Bounty], actor: Actor) -> list[dict]:
    """Bounty cards with the caller's own claim."""
    names = community_names(b.community_id for b in items)
    mine = bounties.my_claims(actor.user_id, [b.id for b in items])
    claims = {c["bounty_id"]: c for c in claim_cards(list(mine.values()))}
    return [{"id": b.id, "community": _community(names, b.community_id), "title": b.title,
             "description": b.description, "points": b.points, "deadline": b.deadline,
             "max_takers": b.max_takers, "taken": b.taken, "remaining": remaining(b.max_takers, b.taken),
             "status": b.status, "closed_at": b.closed_at, "created_at": b.created_at,
             "my_claim": claims.get(b.id)} for b in items]


def reward_cards(items: list[Reward], actor: Actor) -> list[dict]:
    """Reward cards with how many the caller already holds."""
    names = community_names(r.community_id for r in items)
    held = rewards.held_counts(actor.user_id, [r.id for r in items])
    return [{"id": r.id, "community": _community(names, r.community_id), "name": r.name,
             "description": r.description, "cost": r.cost, "stock": r.stock,
             "per_user_limit": r.per_user_limit, "active": r.active, "my_redeemed": held.get(r.id, 0)}
            for r in items]


def redemption_cards(items: list[Redemption], actor: Actor) -> list[dict]:
    """Redemptions; the code and balance only to the redeemer."""
    names = community_names(r.community_id for r in items)
    people = _names(r.user_id for r in items)
    reward_names = dict(db.session.execute(select(Reward.id, Reward.name).where(
        Reward.id.in_({r.reward_id for r in items}))).all()) if items else {}
    own = any(r.user_id == actor.user_id for r in items)
    balance = ledger.balance(actor.user_id) if own else None
    return [{"id": r.id, "reward": {"id": r.reward_id, "name": reward_names.get(r.reward_id, "")},
             "user": {"id": r.user_id, "name": people.get(r.user_id, "")},
             "community": _community(names, r.community_id), "cost": r.cost, "status": r.status,
             "pickup_code": r.pickup_code if r.user_id == actor.user_id else None,
             "created_at": r.created_at, "picked_up_at": r.picked_up_at, "cancelled_at": r.cancelled_at,
             "balance": balance if r.user_id == actor.user_id else None} for r in items]


def page(result: dict, cards) -> dict:
    """A keyset page with its rows turned into cards."""
    return {"items": cards(result["items"]), "next_cursor": result["next_cursor"]}
