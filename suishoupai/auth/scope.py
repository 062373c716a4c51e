"""The one scope mechanism: what lies outside the caller's part of the tree is "not found"."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, false, or_

from suishoupai.auth.actor import Actor
from suishoupai.errors import NotFound
from suishoupai.extensions import db


def visible(actor: Actor, path_column, owner_column=None) -> ColumnElement[bool]:
    """SQL condition: the row's org path lies in the caller's scope, or the caller owns it."""
    terms = [path_column.startswith(p, autoescape=True) for p in actor.scope_paths]
    if owner_column is not None:
        terms.append(owner_column == actor.user_id)
    return or_(*terms) if terms else false()


def one_visible(stmt: Select, actor: Actor, path_column, owner_column=None,
                error: NotFound | None = None):
    """The single row the statement selects, if the caller may see it; 404 otherwise."""
    row = db.session.scalars(stmt.where(visible(actor, path_column, owner_column))).first()
    if row is None:
        raise error or NotFound()
    return row
