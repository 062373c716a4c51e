"""The process-wide spatial index of grids, rebuilt only when boundaries change."""

from __future__ import annotations

from shapely import from_geojson
from sqlalchemy import func, select

from suishoupai import versioned
from suishoupai.extensions import db
from suishoupai.org.models import GRID_KINDS, BoundaryRevision, OrgUnit
from suishoupai.org.routing import GridIndex, GridShape

#: the version counter (suishoupai.versioned) of grid boundaries
BOUNDARIES = "boundaries"


def current_revision() -> int:
    """The newest boundary revision (one cheap primary-key lookup)."""
    return db.session.scalar(select(func.max(BoundaryRevision.id))) or 0


def bump_revision(note: str) -> None:
    """Record that boundaries changed, so every worker rebuilds its index."""
    db.session.add(BoundaryRevision(note=note[:200]))
    db.session.flush()
    versioned.bump(BOUNDARIES)


def _build() -> GridIndex:
    """Read every grid polygon and build the STRtree once."""
    rows = db.session.execute(
        select(OrgUnit.id, OrgUnit.community_id, OrgUnit.path, OrgUnit.geometry)
        .where(OrgUnit.kind.in_(GRID_KINDS), OrgUnit.geometry.is_not(None))
    ).all()
    return GridIndex(
        GridShape(id=r.id, community_id=r.community_id, depth=r.path.count("/"),
                  geometry=from_geojson(r.geometry))
        for r in rows
    )


def grid_index() -> GridIndex:
    """This process's index, rebuilt if another process or request changed boundaries."""
    return versioned.cached(BOUNDARIES, _build)
