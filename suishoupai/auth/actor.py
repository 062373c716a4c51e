"""The current actor: who is calling, in which role, over which part of the org tree."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app, g, request
from sqlalchemy import select

from suishoupai.auth import tokens
from suishoupai.auth.models import Role, User
from suishoupai.errors import Forbidden, Unauthorized
from suishoupai.extensions import db
from suishoupai.org.models import GridMember, OrgUnit


@dataclass(frozen=True)
class Actor:
    """An authenticated caller and the org paths their scope covers."""

    user_id: int
    role: Role
    #: org paths (materialised, "/1/4/") the caller may act within; empty for residents
    scope_paths: tuple[str, ...] = field(default_factory=tuple)
    department_id: int | None = None

    @property
    def user(self) -> User:
        """The caller's row, loaded in the request's session."""
        return db.session.get(User, self.user_id)

    def covers(self, path: str | None) -> bool:
        """Whether an object at this org path lies within the caller's scope."""
        return bool(path) and any(path.startswith(p) for p in self.scope_paths)


def _scope_paths(user: User) -> tuple[str, ...]:
    """The org paths a user's role gives them."""
    if user.role == Role.GRID_MEMBER:
        rows = db.session.scalars(
            select(OrgUnit.path).join(GridMember, GridMember.grid_id == OrgUnit.id)
            .where(GridMember.user_id == user.id)
        )
        return tuple(rows)
    if user.role in (Role.COMMUNITY_ADMIN, Role.STREET_ADMIN, Role.DISTRICT_ADMIN):
        unit = db.session.get(OrgUnit, user.org_unit_id) if user.org_unit_id else None
        return (unit.path,) if unit else ()
    return ()


def _bearer() -> str | None:
    """The token of the Authorization header, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def current_actor() -> Actor:
    """The authenticated caller; 401 without a valid, unrevoked token."""
    if "actor" in g:
        return g.actor
    token = _bearer()
    if token is None:
        raise Unauthorized()
    user_id, version = tokens.verify(token, current_app.config["SECRET_KEY"])
    user = db.session.get(User, user_id)
    if user is None or user.token_version != version:
        raise Unauthorized("登录已失效，请重新登录", code="auth.token_revoked")
    g.actor = Actor(user_id=user.id, role=Role(user.role), scope_paths=_scope_paths(user),
                    department_id=user.department_id)
    return g.actor


def require_role(*roles: Role) -> Actor:
    """The caller, who must hold one of these roles."""
    actor = current_actor()
    if actor.role not in roles:
        raise Forbidden()
    return actor
