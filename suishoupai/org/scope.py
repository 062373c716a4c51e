"""The one scope mechanism: what lies outside the caller's part of the tree is "not found"."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, bindparam, false, or_, select

from suishoupai.auth.models import Role, User
from suishoupai.errors import NotFound
from suishoupai.extensions import db
from suishoupai.org.actor import Actor
from suishoupai.org.models import Department, GridMember, OrgUnit

#: the registrations that place a user at a home community (riders, 双报到 volunteers): models with
#: ``user_id`` and ``home_community_id``, added by their own domains at start-up
registration_models: list[type] = []


def places_by_registration(model: type) -> None:
    """Count a domain's registrations among the places a user holds (once, whatever the apps)."""
    if model not in registration_models:
        registration_models.append(model)


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


def registration_paths(user_id: int) -> list[str]:
    """The home communities of a user's rider and 双报到 registrations."""
    return [path for model in registration_models for path in db.session.scalars(
        select(OrgUnit.path).join(model, model.home_community_id == OrgUnit.id)
        .where(model.user_id == user_id))]


def placement_paths(user: User) -> list[str]:
    """Every org path a user is placed at: home or administered unit, grids, department's district,
    the home communities of their rider and volunteer registrations."""
    paths = registration_paths(user.id)
    paths += list(db.session.scalars(
        select(OrgUnit.path).join(GridMember, GridMember.grid_id == OrgUnit.id)
        .where(GridMember.user_id == user.id)))
    if user.org_unit_id:
        paths.append(db.session.get(OrgUnit, user.org_unit_id).path)
    if user.department_id:
        dept = db.session.get(Department, user.department_id)
        paths.append(db.session.get(OrgUnit, dept.district_id).path)
    return paths


def reaches(actor: Actor, user: User) -> bool:
    """Whether an administrator may manage a user: placed wholly within their scope, or nowhere yet."""
    return all(actor.covers(p) for p in placement_paths(user))


def unit_ids(actor: Actor) -> list[int]:
    """The org unit ids the caller's scope paths end in (their grids, or the unit they run)."""
    return [int(p.rstrip("/").rsplit("/", 1)[1]) for p in actor.scope_paths]


def placed_within(actor: Actor, grid, community, street, district) -> ColumnElement[bool]:
    """SQL condition for rows carrying grid/community/street/district columns: in the caller's part.

    Grid members reach their grids, administrators their unit; plain columns keep lists indexed.
    """
    if not actor.scope_paths:
        return false()
    if actor.role == Role.GRID_MEMBER:
        return grid.in_(unit_ids(actor))
    column = {Role.COMMUNITY_ADMIN: community, Role.STREET_ADMIN: street,
              Role.DISTRICT_ADMIN: district}.get(actor.role)
    return column == unit_ids(actor)[0] if column is not None else false()


def placed_within_bound(actor: Actor, grid, community, street,
                        district) -> tuple[str, ColumnElement[bool], dict]:
    """`placed_within` with the caller's units as named parameters (``scope_units``, ``scope_unit``),
    for statements built once and reused: returns a key of the condition's shape, the condition and
    the parameters' values."""
    if not actor.scope_paths:
        return "nowhere", false(), {}
    if actor.role == Role.GRID_MEMBER:
        return "grids", grid.in_(bindparam("scope_units", expanding=True)), {"scope_units": unit_ids(actor)}
    column = {Role.COMMUNITY_ADMIN: community, Role.STREET_ADMIN: street,
              Role.DISTRICT_ADMIN: district}.get(actor.role)
    if column is None:
        return "nowhere", false(), {}
    return f"unit:{column.key}", column == bindparam("scope_unit"), {"scope_unit": unit_ids(actor)[0]}


def placed_party(actor: Actor, grid_id, community_id, street_id, district_id) -> str | None:
    """How the caller's org role reaches one row: "grid", "community", "street", "district" or None."""
    if not actor.scope_paths:
        return None
    if actor.role == Role.GRID_MEMBER:
        return "grid" if grid_id in unit_ids(actor) else None
    own = unit_ids(actor)[0]
    for role, value, name in ((Role.COMMUNITY_ADMIN, community_id, "community"),
                              (Role.STREET_ADMIN, street_id, "street"),
                              (Role.DISTRICT_ADMIN, district_id, "district")):
        if actor.role == role and value == own:
            return name
    return None


def community_ids(actor: Actor) -> list[int]:
    """The communities the caller's scope paths run through (a grid member's communities)."""
    return [int(p.strip("/").split("/")[2]) for p in actor.scope_paths if p.count("/") >= 4]


def placed_in_reach(actor: Actor, user_id_column) -> ColumnElement[bool]:
    """SQL condition: the user of the column is placed somewhere in the caller's scope (home or
    administered unit, a grid, a rider or 双报到 registration, their department's district); the
    set-wide counterpart of `reaches` for read-only lists."""
    if not actor.scope_paths:
        return false()
    in_scope = visible(actor, OrgUnit.path)
    terms = [
        select(OrgUnit.id).join(User, User.org_unit_id == OrgUnit.id)
        .where(User.id == user_id_column, in_scope).exists(),
        select(OrgUnit.id).join(GridMember, GridMember.grid_id == OrgUnit.id)
        .where(GridMember.user_id == user_id_column, in_scope).exists(),
        select(OrgUnit.id).join(Department, Department.district_id == OrgUnit.id)
        .join(User, User.department_id == Department.id)
        .where(User.id == user_id_column, in_scope).exists(),
    ]
    terms += [select(OrgUnit.id).join(model, model.home_community_id == OrgUnit.id)
              .where(model.user_id == user_id_column, in_scope).exists() for model in registration_models]
    return or_(*terms)
