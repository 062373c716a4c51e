"""Pure case routing: which grid a point falls in, and which member of it gets the case."""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

ROUTING_POLICIES = ("least_loaded", "round_robin")
_MAX_ENTRIES_PER_SHAPE = 16
_FALLBACK_CELL_DEG = 0.001  # only used when every grid is degenerate (zero-size bounds)

# Cell (x, y) -> (ranks of the grids whose bounding box touches it, those grids' geometries).
_Buckets = dict[tuple[int, int], tuple[list[int], np.ndarray]]


@dataclass(frozen=True)
class GridShape:
    """A grid polygon to route into; deeper grids (micro-grids) win over the grids around them."""

    id: int
    community_id: int
    depth: int  # grid=0, micro-grid=1, ...: deeper is "more inner"
    geometry: BaseGeometry  # shapely, WGS-84, x=lng, y=lat


@dataclass(frozen=True)
class Location:
    """Where a point routes to: its innermost grid, or the nearest grid when it is in none."""

    grid_id: int | None
    community_id: int
    nearest_grid_id: int
    inside: bool


class GridIndex:
    """Read-only, thread-shareable index answering "which innermost grid covers this point".

    Lookups hash the point into a uniform lng/lat cell whose few candidate grids are tested with
    one vectorised point-in-polygon call (~5-10 µs at 50,000 grids); only points outside every
    grid pay for the STRtree nearest-grid search (~15-30 µs).
    """

    #: the boundary revision the index was built from (0: none recorded)
    revision: int = 0

    def __init__(self, shapes: Iterable[GridShape]):
        """Sort shapes innermost-first, bucket them into cells and build the STRtree once."""
        shapes = list(shapes)
        # Degree areas rank correctly here: they are only compared between polygons that cover
        # the same point, where the lng/lat-to-metre scale is the same for all of them. Rounding
        # to 1e-12 deg² (~0.01 m²) lets the id, not float noise, decide between equal-sized grids.
        areas = np.round(shapely.area([shape.geometry for shape in shapes]), 12).tolist()
        order = sorted(range(len(shapes)), key=lambda i: (-shapes[i].depth, areas[i], shapes[i].id))
        # Priority order everywhere below means the first hit in any candidate list is the winner.
        self._shapes = [shapes[i] for i in order]
        self._inside = [Location(s.id, s.community_id, s.id, True) for s in self._shapes]
        geoms = np.array([shape.geometry for shape in self._shapes], dtype=object)
        # Prepares the callers' geometry objects in place; that only caches an internal index.
        shapely.prepare(geoms)
        bounds = shapely.bounds(geoms)
        _warm_up(geoms, bounds)
        # Only the fallback uses the tree: STRtree.query needs a shapely Point per call, which
        # alone costs about as much as a whole bucket lookup. Nodes of 4 made its nearest-grid
        # queries ~20% faster than the default 10 at 50,000 grids.
        self._tree = shapely.STRtree(geoms, node_capacity=4)
        self._cell, self._buckets = _bucket(geoms, bounds)

    def __len__(self) -> int:
        """Number of grids in the index."""
        return len(self._shapes)

    def locate(self, lat: float, lng: float) -> Location | None:
        """Route a WGS-84 point; None only when the index is empty."""
        if not (math.isfinite(lat) and math.isfinite(lng)):
            raise ValueError(f"coordinates must be finite, got lat={lat!r}, lng={lng!r}")
        bucket = self._buckets.get((math.floor(lng / self._cell), math.floor(lat / self._cell)))
        if bucket is not None:
            ranks, geoms = bucket
            hits = shapely.intersects_xy(geoms, lng, lat).tolist()
            if True in hits:
                return self._inside[ranks[hits.index(True)]]
        return self._nearest(lat, lng)

    def _nearest(self, lat: float, lng: float) -> Location | None:
        """Fallback for a point in no grid: the nearest grid's community, inside=False."""
        nearest = self._tree.query_nearest(shapely.Point(lng, lat))
        if not nearest.size:  # empty index, or only empty geometries
            return None
        shape = self._shapes[nearest.min()]
        return Location(None, shape.community_id, shape.id, False)


def _warm_up(geoms: np.ndarray, bounds: np.ndarray) -> None:
    """Run one point-in-polygon test per prepared geometry so its lazy index gets built now."""
    # GEOS builds a prepared polygon's point index on first use, and that first use is not
    # thread-safe (libgeos/geos#825) while shapely releases the GIL; doing it here, before the
    # index is shared, keeps concurrent requests from racing on it.
    valid = ~np.isnan(bounds).any(axis=1)
    centre_x = (bounds[valid, 0] + bounds[valid, 2]) / 2
    centre_y = (bounds[valid, 1] + bounds[valid, 3]) / 2
    shapely.intersects_xy(geoms[valid], centre_x, centre_y)


def _bucket(geoms: np.ndarray, bounds: np.ndarray) -> tuple[float, _Buckets]:
    """Map each lng/lat cell to the (ascending ranks, geometries) whose bounding box touches it."""
    valid = np.flatnonzero(~np.isnan(bounds).any(axis=1))  # empty geometries have NaN bounds
    if not valid.size:
        return 1.0, {}
    cell = _cell_size(bounds[valid])
    lists: dict[tuple[int, int], list[int]] = {}
    for rank in valid.tolist():
        min_x, min_y, max_x, max_y = bounds[rank].tolist()
        # The same floor(coordinate / cell) as in locate, so boundary points find their bucket.
        for cx in range(math.floor(min_x / cell), math.floor(max_x / cell) + 1):
            for cy in range(math.floor(min_y / cell), math.floor(max_y / cell) + 1):
                lists.setdefault((cx, cy), []).append(rank)
    return cell, {key: (ranks, geoms[ranks]) for key, ranks in lists.items()}


def _cell_size(bounds: np.ndarray) -> float:
    """Cell side in degrees: the median grid's size, coarsened if huge grids would need too many."""
    sides = np.maximum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1])
    # Cells about one typical grid wide measured fastest: smaller ones multiply the entries of
    # every grid, larger ones lengthen every candidate list.
    cell = float(np.median(sides)) or _FALLBACK_CELL_DEG
    # A few huge polygons on fine cells could need millions of entries; coarser cells bound the
    # memory and only cost longer candidate lists.
    while _entry_count(bounds, cell) > _MAX_ENTRIES_PER_SHAPE * len(bounds):
        cell *= 2
    return cell


def _entry_count(bounds: np.ndarray, cell: float) -> int:
    """Total bucket entries needed to register every bounding box on cells of this size."""
    nx = np.floor(bounds[:, 2] / cell) - np.floor(bounds[:, 0] / cell) + 1
    ny = np.floor(bounds[:, 3] / cell) - np.floor(bounds[:, 1] / cell) + 1
    return int((nx * ny).sum())


@dataclass(frozen=True)
class Candidate:
    """A grid member who could be assigned a case."""

    user_id: int
    on_duty: bool  # False = backup member
    open_load: int  # open cases currently assigned
    last_assigned_at: datetime | None


def _recency(candidate: Candidate) -> tuple[bool, datetime | None]:
    """Sort key putting never-assigned members first, then the least recently assigned."""
    return (candidate.last_assigned_at is not None, candidate.last_assigned_at)


def _least_loaded_key(candidate: Candidate) -> tuple[object, ...]:
    """Lowest open load, then least recently assigned, then lowest user id."""
    return (candidate.open_load, _recency(candidate), candidate.user_id)


def _round_robin_key(candidate: Candidate) -> tuple[object, ...]:
    """Least recently assigned, then lowest user id."""
    return (_recency(candidate), candidate.user_id)


_POLICY_KEYS = {"least_loaded": _least_loaded_key, "round_robin": _round_robin_key}


def choose_member(candidates: Sequence[Candidate], policy: str = "least_loaded") -> int | None:
    """Pick the user id to assign: on-duty members first, backups only if none is on duty."""
    key = _POLICY_KEYS.get(policy)
    if key is None:
        raise ValueError(f"unknown routing policy {policy!r}; expected one of {ROUTING_POLICIES}")
    pool = [c for c in candidates if c.on_duty] or list(candidates)
    if not pool:
        return None
    return min(pool, key=key).user_id
