"""Who sees which wishes and how the caller relates to one; one visibility rule serves detail, steps
and lists (the board, my wishes, my claims, my place's)."""

from __future__ import annotations

from sqlalchemy import select

from suishoupai.auth.models import Role
from suishoupai.errors import Forbidden, NotFound
from suishoupai.extensions import db
from suishoupai.org.actor import Actor
from suishoupai.org.scope import community_ids, placed_party, placed_within
from suishoupai.pagination import keyset_page
from suishoupai.wishes import eligibility, lifecycle
from suishoupai.wishes.lifecycle import ON_BOARD, Action, Party, Status
from suishoupai.wishes.models import Wish

REVIEWERS = (Role.GRID_MEMBER, Role.COMMUNITY_ADMIN, Role.STREET_ADMIN, Role.DISTRICT_ADMIN)


def staff_party(actor: Actor, wish: Wish) -> str | None:
    """Whether (and how) the caller is staff over this wish's place."""
    if actor.role == Role.GRID_MEMBER and wish.grid_id is None:
        # a resident's wish is filed to their community: its grid members all see it
        return "grid" if wish.community_id in community_ids(actor) else None
    return placed_party(actor, wish.grid_id, wish.community_id, wish.street_id, wish.district_id)


def staff_clause(actor: Actor):
    """SQL: wishes placed in the caller's part of the tree (grid members: also their communities')."""
    clause = placed_within(actor, Wish.grid_id, Wish.community_id, Wish.street_id, Wish.district_id)
    if actor.role == Role.GRID_MEMBER:
        clause = clause | (Wish.grid_id.is_(None) & Wish.community_id.in_(community_ids(actor)))
    return clause


def visible_clause(actor: Actor):
    """Wishes the caller may open: the board, their own, their claims, their place's."""
    return ((Wish.status.in_(ON_BOARD) & (Wish.moderation == "pass")) | (Wish.wisher_id == actor.user_id)
            | (Wish.submitted_by_id == actor.user_id) | (Wish.claimant_id == actor.user_id)
            | staff_clause(actor))


def get_visible(actor: Actor, wish_id: int, lock: bool = False) -> Wish:
    """A wish the caller may see; anything else is "not found"."""
    stmt = select(Wish).where(Wish.id == wish_id, visible_clause(actor))
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    wish = db.session.scalars(stmt).first()
    if wish is None:
        raise NotFound("心愿不存在", code="wish.not_found")
    return wish


def parties(actor: Actor, wish: Wish, claiming: bool = False) -> set[Party]:
    """How the caller relates to the wish; with `claiming`, also whether they may claim it now (the
    eligibility queries run only where the status admits a claim)."""
    out = set()
    if wish.wisher_id == actor.user_id:
        out.add(Party.WISHER)
    if actor.role in REVIEWERS and staff_party(actor, wish) is not None:
        out.add(Party.STAFF)
        if wish.on_behalf:
            out.add(Party.PROXY)
    if wish.claimant_id == actor.user_id:
        out.add(Party.CLAIMANT)
    if (claiming and Party.WISHER not in out and lifecycle.may(Action.CLAIM, wish.status, {Party.CLAIMER})
            and eligibility.claim_refusal(actor, wish) is None):
        out.add(Party.CLAIMER)
    return out


def list_wishes(actor: Actor, args: dict) -> dict:
    """A page of wishes in a scope: the board (longest waiting first), mine, claimed, grid."""
    scope = args["scope"]
    stmt = select(Wish)
    if scope == "board":
        stmt = stmt.where(Wish.status == args.get("status", Status.PUBLISHED), Wish.moderation == "pass")
        if args.get("status", Status.PUBLISHED) not in ON_BOARD:
            raise Forbidden("心愿墙只展示已发布的心愿", code="wish.board_status")
    elif scope == "mine":
        stmt = stmt.where((Wish.wisher_id == actor.user_id) | (Wish.submitted_by_id == actor.user_id))
    elif scope == "claimed":
        stmt = stmt.where(Wish.claimant_id == actor.user_id)
    elif actor.role in REVIEWERS:
        stmt = stmt.where(staff_clause(actor))
    else:
        raise Forbidden("您的角色不能查看该范围的心愿", code="wish.scope_forbidden")
    if scope != "board" and args.get("status"):
        stmt = stmt.where(Wish.status == args["status"])
    for key, column in (("community", Wish.community_id), ("category", Wish.category),
                        ("campaign", Wish.campaign_id)):
        if args.get(key) is not None:
            stmt = stmt.where(column == args[key])
    if scope == "board":
        page = keyset_page(stmt, [Wish.board_at, Wish.id], args["limit"], args.get("cursor"),
                           descending=False)
    else:
        page = keyset_page(stmt, [Wish.created_at, Wish.id], args["limit"], args.get("cursor"))
    return page
