"""Org operations: importing boundaries, locating a point, grid members."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from shapely import STRtree, from_geojson, union_all
from shapely.geometry import Polygon
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from suishoupai import crypto
from suishoupai.auth.actor import Actor
from suishoupai.auth.models import Role, User
from suishoupai.auth.scope import one_visible, reaches, visible
from suishoupai.database import utcnow
from suishoupai.errors import Conflict, InvalidInput, NotFound
from suishoupai.extensions import db
from suishoupai.org import geo
from suishoupai.org.importer import ImportProblems, UnitSpec, read_collection
from suishoupai.org.index import bump_revision, grid_index
from suishoupai.org.models import GRID_KINDS, Department, Duty, GridMember, Kind, OrgUnit
from suishoupai.org.routing import Candidate, choose_member

#: overlaps and gaps smaller than this are drawing noise, not findings
TOLERANCE_M2 = 1.0

#: other domains register how many open cases each member holds (reports does)
load_providers: list[Callable[[list[int]], dict[int, int]]] = []


def _existing_codes() -> dict[str, Kind]:
    """Codes already in the tree, with their kind."""
    return {code: Kind(kind) for code, kind in db.session.execute(select(OrgUnit.code, OrgUnit.kind))}


def import_units(doc, coord_type: str, under: Actor | None = None,
                 progress: Callable[[int], None] | None = None) -> dict:
    """Create or update org units from a FeatureCollection, all or nothing; returns a summary."""
    try:
        specs = read_collection(doc, coord_type, _existing_codes())
    except ImportProblems as exc:
        raise InvalidInput("导入文件有误，未导入任何内容", code="org.import_invalid",
                           details={"problems": exc.problems}) from exc
    by_code = {u.code: u for u in db.session.scalars(
        select(OrgUnit).where(OrgUnit.code.in_([s.code for s in specs]
                                               + [s.parent_code for s in specs if s.parent_code])))}
    created = updated = 0
    counts: dict[str, int] = defaultdict(int)
    touched_parents: set[int] = set()
    for spec in specs:
        if under is not None:
            _check_import_scope(under, spec, by_code)
        unit = by_code.get(spec.code)
        if unit is not None and unit.kind != spec.kind:
            raise InvalidInput(f"{spec.code} 已存在且层级为 {unit.kind}，不能改为 {spec.kind}",
                               code="org.import_invalid")
    for n, spec in enumerate(specs, 1):
        parent = by_code.get(spec.parent_code) if spec.parent_code else None
        unit = by_code.get(spec.code)
        if unit is None:
            unit = OrgUnit(code=spec.code, kind=spec.kind)
            db.session.add(unit)
            created += 1
        else:
            updated += 1
            if unit.parent_id:
                touched_parents.add(unit.parent_id)  # a unit moved away leaves its old parent a gap
        _apply(unit, spec, parent)
        by_code[spec.code] = unit
        counts[spec.kind.value] += 1
        if unit.parent_id:
            touched_parents.add(unit.parent_id)
        if progress:
            progress(n)
    bump_revision(f"import {len(specs)} units ({coord_type})")
    return {"created": created, "updated": updated, "by_kind": dict(counts),
            "repaired": [s.code for s in specs if s.repaired], **check_coverage(touched_parents)}


def _check_import_scope(actor: Actor, spec: UnitSpec, existing: dict[str, OrgUnit]) -> None:
    """An administrator creates and changes units only below the units they administer."""
    unit = existing.get(spec.code)
    parent = existing.get(spec.parent_code) if spec.parent_code else None
    if unit is not None and not actor.covers(unit.path):
        # an existing code elsewhere is "not found", without telling what or where it is
        raise NotFound(f"单位 {spec.code} 不在您的管辖范围内", code="org.unit_not_found")
    if parent is None and spec.parent_code is not None:
        return  # the parent comes from the same file and is checked itself
    if parent is None or not actor.covers(parent.path):
        raise NotFound(f"上级单位 {spec.parent_code or spec.code} 不在您的管辖范围内",
                       code="org.parent_not_found")


def _apply(unit: OrgUnit, spec: UnitSpec, parent: OrgUnit | None) -> None:
    """Write a spec onto a unit and keep the materialised paths of its subtree right."""
    unit.name = spec.name
    if spec.geometry is not None:
        unit.geometry = json.dumps(spec.geometry, separators=(",", ":"))
        unit.area_m2 = geo.area_m2(spec.shape)
    unit.parent_id = parent.id if parent else None
    db.session.flush()
    old_path = unit.path
    unit.path = (parent.path if parent else "/") + f"{unit.id}/"
    if spec.kind == Kind.COMMUNITY:
        unit.community_id = unit.id
    elif parent is not None:
        unit.community_id = parent.community_id
    if old_path and old_path != unit.path:
        for child in db.session.scalars(select(OrgUnit).where(
                OrgUnit.path.startswith(old_path, autoescape=True), OrgUnit.id != unit.id)):
            child.path = unit.path + child.path[len(old_path):]
            if spec.kind == Kind.COMMUNITY:
                child.community_id = unit.id
    db.session.flush()


def check_coverage(parent_ids: set[int]) -> dict:
    """Overlaps between sibling grids and gaps they leave, under the given parents."""
    overlaps, gaps = [], []
    for parent_id in sorted(parent_ids):
        parent = db.session.get(OrgUnit, parent_id)
        children = db.session.execute(
            select(OrgUnit.code, OrgUnit.geometry)
            .where(OrgUnit.parent_id == parent_id, OrgUnit.geometry.is_not(None))
        ).all()
        if len(children) == 0:
            continue
        shapes = [from_geojson(c.geometry) for c in children]
        tree = STRtree(shapes)
        left, right = tree.query(shapes, predicate="intersects")
        for a, b in zip(left.tolist(), right.tolist(), strict=True):
            if a < b:
                area = geo.area_m2(shapes[a].intersection(shapes[b]))
                if area > TOLERANCE_M2:
                    overlaps.append({"a": children[a].code, "b": children[b].code,
                                     "area_m2": round(area, 1)})
        union = union_all(shapes)
        if parent.geometry:
            missing = from_geojson(parent.geometry).difference(union)
        else:
            # no outline for the parent: the holes enclosed by its children are the gaps
            polys = getattr(union, "geoms", [union])
            missing = union_all([Polygon(ring) for p in polys for ring in p.interiors])
        area = geo.area_m2(missing) if not missing.is_empty else 0.0
        if area > TOLERANCE_M2:
            gaps.append({"parent": parent.code, "area_m2": round(area, 1)})
    return {"overlaps": overlaps, "gaps": gaps}


@dataclass(frozen=True)
class Routed:
    """Where a point goes: a grid and its member, or a community's queue."""

    grid_id: int | None
    community_id: int
    assignee_id: int | None
    inside: bool


def _candidates(grid_id: int) -> list[Candidate]:
    """The grid's members with their current load."""
    members = db.session.scalars(select(GridMember).where(GridMember.grid_id == grid_id)).all()
    loads: dict[int, int] = defaultdict(int)
    for provider in load_providers:
        for user_id, n in provider([m.user_id for m in members]).items():
            loads[user_id] += n
    return [Candidate(user_id=m.user_id, on_duty=m.duty == Duty.ON_DUTY, open_load=loads[m.user_id],
                      last_assigned_at=m.last_assigned_at) for m in members]


def route(lat: float, lng: float, policy: str = "least_loaded", record: bool = False) -> Routed | None:
    """Route a WGS-84 point: innermost grid → its member; outside every grid → nearest community.

    With ``record`` the chosen member's round-robin clock moves (when a case is really assigned).
    """
    found = grid_index().locate(lat, lng)
    if found is None:
        return None
    assignee = None
    if found.grid_id is not None:
        assignee = choose_member(_candidates(found.grid_id), policy)
        if assignee is not None and record:
            member = db.session.scalars(select(GridMember).where(
                GridMember.grid_id == found.grid_id, GridMember.user_id == assignee)).one()
            member.last_assigned_at = utcnow()
    return Routed(found.grid_id, found.community_id, assignee, found.inside)


def _ref(unit: OrgUnit | None) -> dict | None:
    """A short reference to a unit."""
    return {"id": unit.id, "kind": unit.kind, "name": unit.name, "code": unit.code} if unit else None


def _member_card(user_id: int | None) -> dict | None:
    """What a resident may see of a grid member: name and masked phone."""
    user = db.session.get(User, user_id) if user_id else None
    if user is None:
        return None
    phone = crypto.decrypt(user.phone_enc) if user.phone_enc else None
    return {"name": user.display_name, "phone": crypto.mask_phone(phone)}


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
            "street": _ref(street), "member": _member_card(routed.assignee_id)}


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


def grid_view(unit: OrgUnit, coord_type: str) -> dict:
    """A grid with its geometry in the requested datum and its members."""
    geometry = json.loads(unit.geometry) if unit.geometry else None
    if geometry and coord_type != "wgs84":
        geometry = geo.transform_geometry(geometry, lambda la, ln: geo.from_wgs84(la, ln, coord_type))
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


def set_member(actor: Actor, grid_id: int, user_id: int, duty: str) -> OrgUnit:
    """Put a user on a grid (on duty or backup); they become a grid member."""
    grid = grid_in_scope(actor, grid_id)
    user = db.session.get(User, user_id)
    if user is None or not reaches(actor, user):
        raise NotFound("用户不存在", code="org.user_not_found")
    if user.role not in (Role.RESIDENT, Role.VOLUNTEER, Role.GRID_MEMBER):
        raise Conflict(f"该用户已是 {user.role}，不能设为网格员", code="org.member_role_conflict")
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
