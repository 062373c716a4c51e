"""Writing imported boundaries into the tree: all or nothing, with overlaps and gaps reported."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable

from shapely import STRtree, from_geojson, union_all
from shapely.geometry import Polygon
from sqlalchemy import select

from suishoupai.errors import InvalidInput, NotFound
from suishoupai.extensions import db
from suishoupai.org import geo, revisions
from suishoupai.org.actor import Actor
from suishoupai.org.importer import ImportProblems, UnitSpec, read_collection
from suishoupai.org.index import bump_revision
from suishoupai.org.models import GRID_KINDS, Kind, OrgUnit

#: overlaps and gaps smaller than this are drawing noise, not findings
TOLERANCE_M2 = 1.0

def _existing_codes() -> dict[str, Kind]:
    """Codes already in the tree, with their kind."""
    return {code: Kind(kind) for code, kind in db.session.execute(select(OrgUnit.code, OrgUnit.kind))}


def import_units(doc, coord_type: str, under: Actor | None = None,
                 progress: Callable[[int], None] | None = None, dry_run: bool = False) -> dict:
    """Create or update org units from a FeatureCollection, all or nothing; returns a summary with the
    import's effect on grids and open cases. ``dry_run``: the checks and the effect, nothing written."""
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
    preview = revisions.effect(specs, by_code)
    if dry_run:
        known = sum(1 for s in specs if s.code in by_code)
        return {"dry_run": True, "created": len(specs) - known, "updated": known,
                "by_kind": dict(Counter(s.kind.value for s in specs)),
                "repaired": [s.code for s in specs if s.repaired], "overlaps": [], "gaps": [],
                "effect": preview}
    redrawn: list[str] = []
    for n, spec in enumerate(specs, 1):
        parent = by_code.get(spec.parent_code) if spec.parent_code else None
        unit = by_code.get(spec.code)
        if spec.geometry is not None and spec.kind in GRID_KINDS and (
                unit is None or unit.geometry != revisions.as_text(spec.geometry)):
            redrawn.append(spec.code)
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
    revision = bump_revision(f"import {len(specs)} units ({coord_type})")
    revisions.keep([by_code[code] for code in redrawn], revision)
    return {"dry_run": False, "created": created, "updated": updated, "by_kind": dict(counts),
            "repaired": [s.code for s in specs if s.repaired], **check_coverage(touched_parents),
            "revision_id": revision.id, "effect": preview}


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
