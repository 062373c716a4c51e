"""Grid boundaries with a history: each grid's polygon per revision, the revisions listed, and what an
import would change (grids added and changed, open cases whose grid would move) before it is applied."""

from __future__ import annotations

import json

from shapely import from_geojson
from sqlalchemy import func, select, update

from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.org.importer import UnitSpec
from suishoupai.org.models import GRID_KINDS, BoundaryRevision, GridGeometry, OrgUnit
from suishoupai.org.routing import GridIndex, GridShape
from suishoupai.pagination import keyset_page

#: open cases named one by one in an import's effect (the count is always whole)
MOVED_LISTED = 200


def as_text(geometry: dict) -> str:
    """The stored form of a GeoJSON geometry (compact, so equal drawings compare equal)."""
    return json.dumps(geometry, separators=(",", ":"))


def keep(changed: list[OrgUnit], revision: BoundaryRevision) -> None:
    """Close the boundaries in force of the grids an import redrew and keep their new ones."""
    if not changed:
        return
    now = utcnow()
    db.session.execute(update(GridGeometry).where(
        GridGeometry.grid_id.in_([g.id for g in changed]), GridGeometry.valid_to.is_(None))
        .values(valid_to=now))
    db.session.add_all(GridGeometry(grid_id=g.id, revision_id=revision.id, geometry=g.geometry,
                                    valid_from=now) for g in changed)
    db.session.flush()


def _grid_specs(specs: list[UnitSpec]) -> list[UnitSpec]:
    """The grids and micro-grids of a file."""
    return [s for s in specs if s.kind in GRID_KINDS]


def effect(specs: list[UnitSpec], by_code: dict[str, OrgUnit]) -> dict:
    """What importing the specs would do to grids and to open cases, without changing anything.

    An import never removes a grid (``removed`` stays empty); ``unlisted`` names the grids under the
    same parents that the file leaves out, which keep their boundary."""
    reports = db.metadata.tables["reports"]  # the table, not the model: reports depend on org, not back
    grids = _grid_specs(specs)
    added = [s.code for s in grids if s.code not in by_code]
    changed = [s.code for s in grids if s.code in by_code and (
        by_code[s.code].geometry != as_text(s.geometry) or by_code[s.code].name != s.name
        or (by_code[s.code].parent_id != getattr(by_code.get(s.parent_code), "id", None)))]
    redrawn = {s.code for s in grids if s.code in by_code and by_code[s.code].geometry != as_text(s.geometry)}
    parents = {by_code[s.parent_code].id for s in grids if s.parent_code in by_code}
    listed = {s.code for s in grids}
    unlisted = list(db.session.scalars(select(OrgUnit.code).where(
        OrgUnit.parent_id.in_(parents), OrgUnit.kind.in_(GRID_KINDS), OrgUnit.code.not_in(listed))
        .order_by(OrgUnit.code))) if parents else []
    moved: list[dict] = []
    count = 0
    if added or redrawn:
        codes, index = _index_after(grids, by_code)
        touched = [from_geojson(as_text(s.geometry)) for s in grids if s.code in redrawn or s.code in added]
        touched += [from_geojson(by_code[c].geometry) for c in redrawn]
        west, south = min(t.bounds[0] for t in touched), min(t.bounds[1] for t in touched)
        east, north = max(t.bounds[2] for t in touched), max(t.bounds[3] for t in touched)
        r = reports.c
        rows = db.session.execute(select(r.id, r.lat, r.lng, r.grid_id).where(
            r.is_open.is_(True), r.lat.between(south, north), r.lng.between(west, east)).order_by(r.id))
        for report_id, lat, lng, grid_id in rows:
            found = index.locate(lat, lng)
            now_in = found.grid_id if found is not None and found.inside else None
            if now_in != grid_id:
                count += 1
                if len(moved) < MOVED_LISTED:
                    moved.append({"report_id": report_id, "from": codes.get(grid_id),
                                  "to": codes.get(now_in)})
    return {"added": added, "changed": changed, "removed": [], "unlisted": unlisted,
            "open_cases_moved": count, "moved": moved}


def _index_after(grids: list[UnitSpec], by_code: dict[str, OrgUnit]) -> tuple[dict, GridIndex]:
    """Codes by grid id, and the routing index as it would stand after the import (new grids get
    negative ids of their own)."""
    rows = db.session.execute(select(OrgUnit.id, OrgUnit.code, OrgUnit.community_id, OrgUnit.path,
                                     OrgUnit.geometry).where(OrgUnit.kind.in_(GRID_KINDS),
                                                             OrgUnit.geometry.is_not(None))).all()
    shapes = {r.code: GridShape(id=r.id, community_id=r.community_id, depth=r.path.count("/"),
                                geometry=from_geojson(r.geometry)) for r in rows}
    codes = {r.id: r.code for r in rows}
    for n, spec in enumerate(grids, 1):
        old = shapes.get(spec.code)
        parent = by_code.get(spec.parent_code)
        grid_id = old.id if old else -n
        codes[grid_id] = spec.code
        depth = old.depth if old else (parent.path.count("/") + 1 if parent else 5)
        community = old.community_id if old else (parent.community_id if parent else 0)
        shapes[spec.code] = GridShape(id=grid_id, community_id=community, depth=depth,
                                      geometry=from_geojson(as_text(spec.geometry)))
    return codes, GridIndex(shapes.values())


def list_revisions(args: dict) -> dict:
    """Boundary revisions, newest first, each with how many grids it redrew."""
    redrawn = (select(func.count()).where(GridGeometry.revision_id == BoundaryRevision.id)
               .correlate(BoundaryRevision).scalar_subquery())
    page = keyset_page(select(BoundaryRevision), [BoundaryRevision.id], args["limit"], args.get("cursor"))
    counts = dict(db.session.execute(select(BoundaryRevision.id, redrawn).where(
        BoundaryRevision.id.in_([r.id for r in page["items"]]))).all()) if page["items"] else {}
    page["items"] = [{"id": r.id, "note": r.note, "created_at": r.created_at,
                      "grids_redrawn": counts.get(r.id, 0)} for r in page["items"]]
    return page


def history(grid_id: int) -> list[dict]:
    """A grid's boundaries, oldest first, each with its revision and validity."""
    return [{"revision_id": g.revision_id, "valid_from": g.valid_from, "valid_to": g.valid_to,
             "geometry": json.loads(g.geometry)}
            for g in db.session.scalars(select(GridGeometry).where(GridGeometry.grid_id == grid_id)
                                        .order_by(GridGeometry.valid_from, GridGeometry.id))]
