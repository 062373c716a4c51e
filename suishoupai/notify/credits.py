"""The admins' view of subscription credit: for the people in their reach, per kind, how many sends
WeChat refused with 43101 since the person last subscribed. WeChat never tells how many credits a
user holds, only that there are none left when it refuses a send, so refusals are what is known."""

from __future__ import annotations

from sqlalchemy import select

from suishoupai.auth.models import User
from suishoupai.extensions import db
from suishoupai.notify.models import QuotaMiss
from suishoupai.notify.templates import templates
from suishoupai.org.actor import Actor
from suishoupai.org.scope import placed_in_reach
from suishoupai.pagination import keyset_page


def credits_in_reach(actor: Actor, kind: str | None, refused_only: bool, limit: int,
                     cursor: str | None) -> dict:
    """A page of (person, kind) refusal counts of the people placed in the caller's reach."""
    stmt = select(QuotaMiss).where(placed_in_reach(actor, QuotaMiss.user_id))
    if kind:
        stmt = stmt.where(QuotaMiss.kind == kind)
    if refused_only:
        stmt = stmt.where(QuotaMiss.count > 0)
    page = keyset_page(stmt, [QuotaMiss.user_id, QuotaMiss.kind], limit, cursor)
    users = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_({m.user_id for m in page["items"]})))}
    configured = templates()
    page["items"] = [{
        "user_id": m.user_id, "name": users[m.user_id].display_name, "role": users[m.user_id].role,
        "kind": m.kind, "subscribable": m.kind in configured, "refused": m.count,
        "last_refused_at": m.last_at, "subscribed_at": m.reset_at,
    } for m in page["items"]]
    return page
