"""The current actor: who is calling, in which role, over which part of the org tree."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from flask import current_app, g, request
from sqlalchemy import Select, bindparam, select

from suishoupai import versioned
from suishoupai.auth import tokens
from suishoupai.auth.models import STAFF_ROLES, Role, User
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


@cache
def _actor_query() -> Select:
    """The caller with a row per grid they work, the unit they run and the cache counters (built
    once; on the tables, past the ORM's statement handling: every request runs it)."""
    users, members = User.__table__, GridMember.__table__
    grid, home = OrgUnit.__table__.alias("grid_unit"), OrgUnit.__table__.alias("home_unit")
    return (select(users.c.role, users.c.token_version, users.c.department_id, grid.c.path, home.c.path,
                   versioned.in_one_column().label("versions"))
            .select_from(users)
            .outerjoin(members, members.c.user_id == users.c.id)
            .outerjoin(grid, grid.c.id == members.c.grid_id)
            .outerjoin(home, home.c.id == users.c.org_unit_id)
            .where(users.c.id == bindparam("user_id")).order_by(members.c.id))


def _load_actor(user_id: int, version: int) -> Actor | None:
    """The caller and their scope in one query, None if the user is gone or the token's version
    was revoked; nothing is cached, so a revocation holds from the next request on."""
    rows = db.session.execute(_actor_query(), {"user_id": user_id}).all()
    if not rows or rows[0].token_version != version:
        return None
    versioned.note(rows[0].versions)
    role = Role(rows[0].role)
    if role == Role.GRID_MEMBER:
        paths = tuple(row[3] for row in rows if row[3] is not None)
    elif role in (Role.COMMUNITY_ADMIN, Role.STREET_ADMIN, Role.DISTRICT_ADMIN):
        paths = (rows[0][4],) if rows[0][4] else ()
    else:
        paths = ()
    return Actor(user_id=user_id, role=role, scope_paths=paths, department_id=rows[0].department_id)


def actor_of(user_id: int) -> Actor:
    """The actor a user is when signed in now, for a command acting as them (the demo history)."""
    user = db.session.get(User, user_id)
    return _load_actor(user_id, user.token_version)


def current_actor() -> Actor:
    """The authenticated caller; 401 without a valid, unrevoked token."""
    if "actor" in g:
        return g.actor
    token = _bearer()
    if token is None:
        raise Unauthorized()
    actor = _load_actor(*tokens.verify(token, current_app.config["SECRET_KEY"]))
    if actor is None:
        raise Unauthorized("登录已失效，请重新登录", code="auth.token_revoked")
    g.actor = actor
    return g.actor


def admit(staff_only: bool) -> Actor:
    """The caller of an operation, checked before its body is read: signed in, and staff where the
    operation serves only staff (every /admin/ write)."""
    return require_role(*STAFF_ROLES) if staff_only else current_actor()


def require_role(*roles: Role) -> Actor:
    """The caller, who must hold one of these roles."""
    actor = current_actor()
    if actor.role not in roles:
        raise Forbidden()
    return actor
