"""The wish lists: the board, my wishes, my claims and my place's."""

from __future__ import annotations

from sqlalchemy import select

from suishoupai.errors import Forbidden
from suishoupai.org.actor import Actor
from suishoupai.pagination import keyset_page
from suishoupai.wishes.lifecycle import ON_BOARD, Status
from suishoupai.wishes.models import Wish
from suishoupai.wishes.service import REVIEWERS, staff_clause


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
