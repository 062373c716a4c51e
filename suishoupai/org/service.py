"""Org operations: importing boundaries, locating a point, grid members."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from sqlalchemy import ColumnElement, Row, Select, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from suishoupai import crypto
from suishoupai.auth import grants
from suishoupai.auth.grants import Way
from suishoupai.auth.models import Role, User
from suishoupai.database import utcnow
from suishoupai.errors import Conflict, Forbidden, NotFound
from suishoupai.extensions import db
from suishoupai.org import geo
from suishoupai.org.actor import Actor
from suishoupai.org.index import grid_index, parents
from suishoupai.org.models import GRID_KINDS, Department, Duty, GridMember, Kind, OrgUnit
from suishoupai.org.routing import Candidate, choose_member
from suishoupai.org.scope import one_visible, reaches, visible

#: other domains count the open cases each member holds (reports does), as a correlated count
#: given the member's user id column, so that the members and their loads come in one query
load_providers: list[Callable[[ColumnElement[int]], ColumnElement[int]]] = []


@dataclass(frozen=True)
class Routed:
    """Where a point goes: a grid and its member, or a community's queue."""

    grid_id: int | None
    community_id: int
    assignee_id: int | None
    inside: bool
    #: the assignee's `CARD_COLUMNS`, read with the members (an answer may show the card)
    assignee_card: Row | None = None
    #: the boundary revision that routed the point (None before any was recorded)
    revision: int | None = None


@cache
def _members_query(loads: tuple[Callable[[ColumnElement[int]], ColumnElement[int]], ...]) -> Select:
    """A grid's members as routing needs them, each with their open load and the columns of their
    card (built once per set of load providers, on the tables past the ORM's statement handling:
    every filing asks)."""
    members, users = GridMember.__table__, User.__table__
    return (select(members.c.user_id, members.c.duty, members.c.last_assigned_at,
                   *(users.c[column.key] for column in CARD_COLUMNS),
                   *(load(members.c.user_id).label(f"load_{n}") for n, load in enumerate(loads)))
            .join(users, users.c.id == members.c.user_id)
            .where(members.c.grid_id == bindparam("grid_id")))


@cache
def _note_assigned_statement():
    """Move one member's round-robin clock (built once, on the table: no GridMember object of the
    session needs the new time, so the ORM's statement handling is skipped)."""
    members = GridMember.__table__
    return (update(members).where(members.c.grid_id == bindparam("member_grid"),
                                  members.c.user_id == bindparam("member_user"))
            .values(last_assigned_at=bindparam("assigned_at")))


def _members(grid_id: int) -> list[Row]:
    """The grid's members with their current load and card columns, in one query."""
    loads = tuple(load_providers)
    return db.session.execute(_members_query(loads), {"grid_id": grid_id}).all()


def _candidate(member: Row) -> Candidate:
    """What routing weighs of a member row."""
    load = sum(getattr(member, f"load_{n}") for n in range(len(load_providers)))
    return Candidate(user_id=member.user_id, on_duty=member.duty == Duty.ON_DUTY, open_load=load,
                     last_assigned_at=member.last_assigned_at)


def route(lat: float, lng: float, policy: str = "least_loaded", record: bool = False) -> Routed | None:
    """Route a WGS-84 point: innermost grid → its member; outside every grid → nearest community.

    With ``record`` the chosen member's round-robin clock moves (when a case is really assigned).
    """
    index = grid_index()
    found = index.locate(lat, lng)
    if found is None:
        return None
    assignee, card = None, None
    if found.grid_id is not None:
        members = _members(found.grid_id)
        assignee = choose_member([_candidate(m) for m in members], policy)
        card = next((m for m in members if m.user_id == assignee), None)
        if assignee is not None and record:
            note_assigned(found.grid_id, assignee)
    return Routed(found.grid_id, found.community_id, assignee, found.inside, card, index.revision or None)


def note_assigned(grid_id: int, user_id: int) -> None:
    """Move a member's round-robin clock; callers do it last, as it locks the member's row."""
    db.session.execute(_note_assigned_statement(),
                       {"member_grid": grid_id, "member_user": user_id, "assigned_at": utcnow()})


@cache
def _ancestry_query() -> Select:
    """A community's parent and grandparent ids (built once: aliases are dear to build)."""
    street = aliased(OrgUnit, name="street")
    return (select(OrgUnit.parent_id, street.parent_id).outerjoin(street, street.id == OrgUnit.parent_id)
            .where(OrgUnit.id == bindparam("community_id")))


def ancestry(community_id: int) -> tuple[int | None, int | None]:
    """The street and district above a community, from this process's copy of the tree (one
    light query for a unit the copy does not know yet)."""
    tree = parents()
    if community_id in tree:
        street_id = tree[community_id]
        return street_id, tree.get(street_id) if street_id is not None else None
    row = db.session.execute(_ancestry_query(), {"community_id": community_id}).one()
    return row[0], row[1]


def _ref(unit: OrgUnit | None) -> dict | None:
    """A short reference to a unit."""
    return {"id": unit.id, "kind": unit.kind, "name": unit.name, "code": unit.code} if unit else None


def member_card(user_id: int | None) -> dict | None:
    """What a resident may see of a grid member: name and masked phone."""
    user = db.session.get(User, user_id) if user_id else None
    return card_of(user) if user is not None else None


def card_of(user) -> dict:
    """The card of a user row, or of any row with the columns of `CARD_COLUMNS`."""
    phone = crypto.decrypt(user.phone_enc) if user.phone_enc else None
    # display_name only reads real_name and nickname, which a light row has too
    return {"name": User.display_name.fget(user), "phone": crypto.mask_phone(phone)}


#: what a card and a name need of a user, without the rest of the row
CARD_COLUMNS = (User.id, User.real_name, User.nickname, User.phone_enc)


def community_in_reach(actor: Actor, community_id: int) -> None:
    """404 unless the caller's scope touches the community (covers it, or covers grids in it)."""
    community = db.session.get(OrgUnit, community_id)
    if community is None or community.kind != Kind.COMMUNITY or not (
            actor.covers(community.path) or any(p.startswith(community.path) for p in actor.scope_paths)):
        raise NotFound("社区不存在", code="org.community_not_found")


def locate(lat: float, lng: float, coord_type: str, policy: str = "least_loaded") -> dict:
    """Who will handle a spot: grid, community, street and on-duty member."""
    wlat, wlng = geo.to_wgs84(lat, lng, coord_type)
    routed = route(wlat, wlng, policy)
    if routed is None:
        raise NotFound("尚未配置网格，无法定位", code="org.no_grids")
    grid = db.session.get(OrgUnit, routed.grid_id) if routed.grid_id else None
    community = db.session.get(OrgUnit, routed.community_id)
    street = community.parent if community else None
    return {"inside": routed.inside, "grid": _ref(grid), "community": _ref(community),
            "street": _ref(street), "member": member_card(routed.assignee_id)}


def org_tree(actor: Actor) -> list[dict]:
    """The units the caller may see, nested; each caller's roots are their own units."""
    units = db.session.scalars(
        select(OrgUnit).where(visible(actor, OrgUnit.path)).order_by(OrgUnit.path)).all()
    nodes = {u.id: {**_ref(u), "children": []} for u in units}
    roots = []
    for unit in units:
        node = nodes[unit.id]
        if unit.parent_id in nodes:
            nodes[unit.parent_id]["children"].append(node)
        else:
            roots.append(node)
    return roots


def grids_stmt(actor: Actor, community_id: int | None):
    """Grids and micro-grids the caller may see, optionally within one community."""
    stmt = select(OrgUnit).where(OrgUnit.kind.in_(GRID_KINDS), visible(actor, OrgUnit.path))
    if community_id is not None:
        stmt = stmt.where(OrgUnit.community_id == community_id)
    return stmt


def outline(unit: OrgUnit, coord_type: str) -> dict | None:
    """A unit's GeoJSON boundary in the requested datum (None when it has none)."""
    geometry = json.loads(unit.geometry) if unit.geometry else None
    if geometry and coord_type != "wgs84":
        geometry = geo.transform_geometry(geometry, lambda la, ln: geo.from_wgs84(la, ln, coord_type))
    return geometry


def grid_view(unit: OrgUnit, coord_type: str) -> dict:
    """A grid with its geometry in the requested datum and its members."""
    geometry = outline(unit, coord_type)
    members = db.session.execute(
        select(GridMember.duty, User).join(User, User.id == GridMember.user_id)
        .where(GridMember.grid_id == unit.id).order_by(GridMember.id)
    ).all()
    return {**_ref(unit), "parent_id": unit.parent_id, "community_id": unit.community_id,
            "area_m2": unit.area_m2, "coord_type": coord_type, "geometry": geometry,
            "members": [{"user_id": user.id, "duty": duty, "name": user.display_name}
                        for duty, user in members]}


def grid_in_scope(actor: Actor, grid_id: int) -> OrgUnit:
    """A grid the caller administers; 404 otherwise."""
    return one_visible(select(OrgUnit).where(OrgUnit.id == grid_id, OrgUnit.kind.in_(GRID_KINDS)),
                       actor, OrgUnit.path, error=NotFound("网格不存在", code="org.grid_not_found"))


def may_set_members(actor: Actor) -> None:
    """403 unless the grant table lets the caller put people on grids."""
    if grants.way(actor.role, Role.GRID_MEMBER) != Way.GRID:
        raise Forbidden("您无权设置网格员", code="auth.role_not_grantable", details={"role": "grid_member"})


def member_candidate(actor: Actor, user_id: int) -> User:
    """A user the caller may put on a grid: in their reach (404 otherwise) and holding no role
    that a grid member's would replace (409)."""
    user = db.session.get(User, user_id)
    if user is None or not reaches(actor, user):
        raise NotFound("用户不存在", code="org.user_not_found")
    if user.role not in (Role.RESIDENT, Role.VOLUNTEER, Role.GRID_MEMBER):
        raise Conflict(f"该用户已是 {user.role}，不能设为网格员", code="org.member_role_conflict")
    return user


def set_member(actor: Actor, grid_id: int, user_id: int, duty: str) -> OrgUnit:
    """Put a user on a grid (on duty or backup); they become a grid member (as the grant table allows)."""
    may_set_members(actor)
    grid = grid_in_scope(actor, grid_id)
    user = member_candidate(actor, user_id)
    if user.role != Role.GRID_MEMBER:
        user.role = Role.GRID_MEMBER
        user.token_version += 1
    member = db.session.scalars(select(GridMember).where(
        GridMember.grid_id == grid.id, GridMember.user_id == user_id)).first()
    if member is None:
        try:
            with db.session.begin_nested():
                member = GridMember(grid_id=grid.id, user_id=user_id, duty=duty)
                db.session.add(member)
        except IntegrityError as exc:
            raise Conflict("该用户刚被他人加入此网格，请刷新", code="org.member_exists") from exc
    member.duty = duty
    db.session.flush()
    return grid


def remove_member(actor: Actor, grid_id: int, user_id: int) -> OrgUnit:
    """Take a user off a grid."""
    grid = grid_in_scope(actor, grid_id)
    member = db.session.scalars(select(GridMember).where(
        GridMember.grid_id == grid.id, GridMember.user_id == user_id)).first()
    if member is None:
        raise NotFound("该用户不是此网格的网格员", code="org.member_not_found")
    db.session.delete(member)
    db.session.flush()
    others = db.session.scalar(select(func.count()).where(GridMember.user_id == user_id))
    if not others:
        user = db.session.get(User, user_id)
        user.role = Role.RESIDENT
        user.token_version += 1
    return grid


def departments(actor: Actor) -> list[Department]:
    """Departments of the districts the caller works in (all of them for department staff's own)."""
    district_ids = {int(p.split("/")[1]) for p in actor.scope_paths}
    stmt = select(Department).order_by(Department.id)
    if actor.department_id:
        own = db.session.get(Department, actor.department_id)
        district_ids.add(own.district_id)
    return list(db.session.scalars(stmt.where(Department.district_id.in_(district_ids))))
