"""Process-wide copies of the org tree: the spatial index of grids, and the names of units and
departments that every list shows; rebuilt only when their version counter moves."""

from __future__ import annotations

from shapely import from_geojson
from sqlalchemy import func, select

from suishoupai import versioned
from suishoupai.extensions import db
from suishoupai.org.models import GRID_KINDS, BoundaryRevision, Department, OrgUnit
from suishoupai.org.routing import GridIndex, GridShape

#: the version counter (suishoupai.versioned) of grid boundaries
BOUNDARIES = "boundaries"
#: the version counter of unit and department names (moved by every import and department change)
NAMES = "org_names"
#: the copy of every unit's parent, which follows the boundaries' counter (imports move both)
PARENTS = "org_parents"


def current_revision() -> int:
    """The newest boundary revision (one cheap primary-key lookup)."""
    return db.session.scalar(select(func.max(BoundaryRevision.id))) or 0


def bump_revision(note: str) -> BoundaryRevision:
    """Record that boundaries changed, so every worker rebuilds its index."""
    revision = BoundaryRevision(note=note[:200])
    db.session.add(revision)
    db.session.flush()
    versioned.bump(BOUNDARIES)
    versioned.bump(NAMES)
    return revision


def departments_changed() -> None:
    """Record that departments were added or renamed, so every worker reads their names again."""
    versioned.bump(NAMES)


def _build() -> GridIndex:
    """Read every grid polygon and build the STRtree once."""
    rows = db.session.execute(
        select(OrgUnit.id, OrgUnit.community_id, OrgUnit.path, OrgUnit.geometry)
        .where(OrgUnit.kind.in_(GRID_KINDS), OrgUnit.geometry.is_not(None))
    ).all()
    index = GridIndex(
        GridShape(id=r.id, community_id=r.community_id, depth=r.path.count("/"),
                  geometry=from_geojson(r.geometry))
        for r in rows
    )
    index.revision = current_revision()  # each report records the revision that routed it
    return index


def grid_index() -> GridIndex:
    """This process's index, rebuilt if another process or request changed boundaries."""
    return versioned.cached(BOUNDARIES, _build)


def _read_names() -> tuple[dict[int, str], dict[int, str]]:
    """Every unit's and department's name (a few columns: no polygons)."""
    units = dict(db.session.execute(select(OrgUnit.id, OrgUnit.name)).all())
    return units, dict(db.session.execute(select(Department.id, Department.name)).all())


def unit_names() -> dict[int, str]:
    """Names of org units by id, this process's copy."""
    return versioned.cached(NAMES, _read_names)[0]


def department_names() -> dict[int, str]:
    """Names of departments by id, this process's copy."""
    return versioned.cached(NAMES, _read_names)[1]


def _read_parents() -> dict[int, int | None]:
    """Every unit's parent id (two narrow columns)."""
    return dict(db.session.execute(select(OrgUnit.id, OrgUnit.parent_id)).all())


def parents() -> dict[int, int | None]:
    """Parent ids of org units by id, this process's copy (rebuilt with every import)."""
    return versioned.cached(PARENTS, _read_parents, counter=BOUNDARIES)
