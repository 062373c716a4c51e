"""Unit tests for suishoupai.org.routing: GridIndex.locate and choose_member."""

import functools
import math
import random
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Polygon, box

from suishoupai.org.routing import Candidate, GridIndex, GridShape, Location, choose_member

# Two adjacent 0.01-degree grids sharing the edge lng=120.01, plus a micro-grid inside A.
GRID_A = GridShape(1, 100, 0, box(120.00, 30.00, 120.01, 30.01))
GRID_B = GridShape(2, 200, 0, box(120.01, 30.00, 120.02, 30.01))
MICRO = GridShape(3, 100, 1, box(120.002, 30.002, 120.004, 30.004))
LAYOUT = [GRID_A, GRID_B, MICRO]


@pytest.fixture(scope="module")
def index() -> GridIndex:
    """The hand-made layout."""
    return GridIndex(LAYOUT)


def _inside(shape: GridShape) -> Location:
    """The Location expected for a point inside `shape`."""
    return Location(shape.id, shape.community_id, shape.id, True)


@pytest.mark.parametrize(
    ("lat", "lng", "expected"),
    [
        (30.008, 120.008, GRID_A),
        (30.003, 120.003, MICRO),
        (30.005, 120.015, GRID_B),
        (30.002, 120.003, MICRO),  # on the micro-grid's edge: covered, and deeper than A
        (30.004, 120.004, MICRO),  # on its corner
        (30.00, 120.00, GRID_A),  # on A's outer corner
    ],
)
def test_points_route_to_innermost_grid(index, lat, lng, expected):
    """Each point lands in the innermost grid covering it."""
    assert index.locate(lat, lng) == _inside(expected)


@pytest.mark.parametrize("order", [LAYOUT, LAYOUT[::-1], [MICRO, GRID_B, GRID_A]])
def test_shared_edge_is_deterministic(order):
    """On the A|B edge both cover the point: same depth and area, so the lower id wins."""
    assert GridIndex(order).locate(30.005, 120.01) == _inside(GRID_A)


def test_smaller_grid_wins_at_equal_depth():
    """Overlapping grids of one depth: the smaller area is the more specific."""
    big = GridShape(7, 1, 0, box(0.0, 0.0, 1.0, 1.0))
    small = GridShape(9, 2, 0, box(0.4, 0.4, 0.6, 0.6))
    index = GridIndex([big, small])
    assert index.locate(0.5, 0.5) == _inside(small)
    assert index.locate(0.9, 0.9) == _inside(big)


@pytest.mark.parametrize(
    ("lat", "lng", "nearest"),
    [
        (30.005, 120.03, GRID_B),  # east of B
        (30.005, 119.99, GRID_A),  # west of A
        (29.0, 120.003, GRID_A),  # far south, under A
    ],
)
def test_outside_point_falls_back_to_nearest_community(index, lat, lng, nearest):
    """Outside every grid: no grid, the nearest grid's community, inside=False."""
    assert index.locate(lat, lng) == Location(None, nearest.community_id, nearest.id, False)


def test_empty_index():
    """An empty index locates nothing."""
    index = GridIndex([])
    assert len(index) == 0
    assert index.locate(30.0, 120.0) is None


def test_len(index):
    """len() counts grids."""
    assert len(index) == 3


@pytest.mark.parametrize(("lat", "lng"), [(math.nan, 120.0), (30.0, math.inf)])
def test_non_finite_coordinates_raise(index, lat, lng):
    """NaN or infinite coordinates are a caller bug, not a location."""
    with pytest.raises(ValueError, match="finite"):
        index.locate(lat, lng)


def test_multipolygon_grid():
    """A grid made of two separate parts covers both."""
    two_parts = MultiPolygon([box(0, 0, 1, 1), box(5, 5, 6, 6)])
    index = GridIndex([GridShape(4, 40, 0, two_parts), GridShape(5, 50, 0, box(2, 2, 3, 3))])
    assert index.locate(5.5, 5.5).grid_id == 4
    assert index.locate(0.5, 0.5).grid_id == 4
    assert index.locate(2.5, 2.5).grid_id == 5
    assert index.locate(4.0, 4.0).inside is False


def test_one_huge_grid_among_small_ones():
    """A grid far larger than the rest still covers every point inside it."""
    shapes = [GridShape(i + 1, 1, 1, box(i * 0.01, 0.0, i * 0.01 + 0.01, 0.01)) for i in range(100)]
    shapes.append(GridShape(1000, 2, 0, box(-50.0, -50.0, 50.0, 50.0)))
    index = GridIndex(shapes)
    assert index.locate(0.005, 0.555).grid_id == 56
    assert index.locate(40.0, -40.0).grid_id == 1000
    assert index.locate(60.0, 0.0).nearest_grid_id == 1000


def test_concurrent_lookups_agree_with_serial():
    """Threads sharing one fresh index (detailed polygons, lazy GEOS indexes) get serial answers."""
    shapes = [
        GridShape(i + 1, i // 4 + 1, 0, shapely.Point(i % 10, i // 10).buffer(0.6, quad_segs=128))
        for i in range(100)
    ]
    rng = random.Random(5)
    points = [(rng.uniform(-1, 10), rng.uniform(-1, 10)) for _ in range(2000)]
    index = GridIndex(shapes)
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(lambda p: index.locate(*p), points))
    assert threaded == [GridIndex(shapes).locate(*p) for p in points]


def _naive_locate(shapes: list[GridShape], lat: float, lng: float) -> Location:
    """Reference router: test every polygon, then fall back to the nearest one."""
    point = shapely.Point(lng, lat)
    covering = [s for s in shapes if s.geometry.covers(point)]
    if covering:
        best = min(covering, key=lambda s: (-s.depth, s.geometry.area, s.id))
        return _inside(best)
    nearest = min(shapes, key=lambda s: (s.geometry.distance(point), -s.depth, s.id))
    return Location(None, nearest.community_id, nearest.id, False)


def _random_polygon(rng: random.Random) -> Polygon:
    """A random star-shaped polygon between 0.001 and 0.04 degrees across."""
    cx, cy = rng.uniform(120.0, 120.2), rng.uniform(30.0, 30.2)
    radius = rng.uniform(0.0005, 0.02)
    n = rng.randint(3, 12)
    angles = sorted(rng.uniform(0, 2 * math.pi) for _ in range(n))
    return Polygon(
        [(cx + radius * rng.uniform(0.3, 1) * math.cos(a), cy + radius * math.sin(a)) for a in angles]
    ).buffer(0)


@functools.cache
def _random_layout() -> tuple[tuple[GridShape, ...], GridIndex]:
    """A few hundred overlapping random grids of mixed depths, some with micro-grids inside."""
    rng = random.Random(7)
    shapes: list[GridShape] = []
    for _ in range(300):
        geometry = _random_polygon(rng)
        if geometry.is_empty:
            continue
        shapes.append(GridShape(len(shapes) + 1, rng.randint(1, 20), rng.randint(0, 1), geometry))
        if rng.random() < 0.2:
            micro = shapely.affinity.scale(geometry, 0.3, 0.3, origin="centroid")
            shapes.append(GridShape(len(shapes) + 1, shapes[-1].community_id, 2, micro))
    rng.shuffle(shapes)
    return tuple(shapes), GridIndex(shapes)


def _assert_same_as_naive(lat: float, lng: float) -> None:
    """GridIndex agrees with the naive loop on grid_id, inside and nearest distance."""
    shapes, index = _random_layout()
    got, want = index.locate(lat, lng), _naive_locate(list(shapes), lat, lng)
    assert (got.grid_id, got.inside, got.community_id is not None) == (
        want.grid_id,
        want.inside,
        True,
    )
    if not got.inside:
        # Equidistant grids may be picked differently, so compare the distances themselves.
        by_id = {s.id: s.geometry for s in shapes}
        point = shapely.Point(lng, lat)
        assert by_id[got.nearest_grid_id].distance(point) == by_id[want.nearest_grid_id].distance(point)


@settings(max_examples=300, deadline=None)
@given(
    lat=st.floats(29.98, 30.22, allow_nan=False, allow_infinity=False),
    lng=st.floats(119.98, 120.22, allow_nan=False, allow_infinity=False),
)
def test_locate_matches_naive_loop_hypothesis(lat, lng):
    """Property: the index and the naive loop agree anywhere over the layout and around it."""
    _assert_same_as_naive(lat, lng)


def test_locate_matches_naive_loop_seeded():
    """The same comparison on 1,000 seeded uniform points."""
    rng = random.Random(3)
    for _ in range(1000):
        _assert_same_as_naive(rng.uniform(29.98, 30.22), rng.uniform(119.98, 120.22))


def test_locate_matches_naive_loop_on_vertices():
    """Polygon vertices lie exactly on boundaries: the covers semantics must agree there too."""
    shapes, _ = _random_layout()
    rng = random.Random(11)
    for shape in rng.sample(shapes, 60):
        for lng, lat in shapely.get_coordinates(shape.geometry).tolist()[:3]:
            _assert_same_as_naive(lat, lng)


# Candidates for choose_member.
T0 = datetime(2024, 6, 1, 8, 0)


def _c(user_id: int, on_duty: bool = True, load: int = 0, minutes: int | None = None) -> Candidate:
    """A candidate last assigned `minutes` after T0 (None: never)."""
    last = None if minutes is None else T0 + timedelta(minutes=minutes)
    return Candidate(user_id, on_duty, load, last)


def test_on_duty_beats_less_loaded_backup():
    """Backups are not used while someone is on duty."""
    assert choose_member([_c(1, on_duty=False, load=0), _c(2, load=9)]) == 2


def test_backup_used_when_nobody_is_on_duty():
    """With only backups, the usual rules pick among them."""
    assert choose_member([_c(5, False, load=3), _c(6, False, load=1)]) == 6


def test_least_loaded_prefers_lowest_load():
    """Open load is the first criterion."""
    assert choose_member([_c(1, load=4, minutes=0), _c(2, load=2, minutes=50)]) == 2


def test_least_loaded_tie_broken_by_last_assigned():
    """Equal load: never assigned first, then the least recently assigned, then the lower id."""
    assert choose_member([_c(1, load=1, minutes=30), _c(2, load=1, minutes=10)]) == 2
    assert choose_member([_c(1, load=1, minutes=30), _c(2, load=1)]) == 2
    assert choose_member([_c(3, load=1, minutes=10), _c(2, load=1, minutes=10)]) == 2
    assert choose_member([_c(3, load=1), _c(2, load=1)]) == 2


def test_round_robin_ignores_load():
    """Round robin takes the least recently assigned, whatever their load."""
    people = (_c(1, load=0, minutes=20), _c(2, load=9, minutes=5), _c(3, load=0, minutes=60))
    assert choose_member(people, "round_robin") == 2
    assert choose_member([*people, _c(4, load=9)], "round_robin") == 4
    assert choose_member([_c(8, minutes=5), _c(7, minutes=5)], "round_robin") == 7


def test_round_robin_still_prefers_on_duty():
    """A never-assigned backup does not jump the on-duty queue."""
    assert choose_member([_c(1, on_duty=False), _c(2, minutes=99)], "round_robin") == 2


def test_no_candidates():
    """Nobody to assign."""
    assert choose_member([]) is None
    assert choose_member((), "round_robin") is None


def test_unknown_policy_raises():
    """Policy names are checked even when there is nobody to choose."""
    with pytest.raises(ValueError, match="policy"):
        choose_member([_c(1)], "random")
    with pytest.raises(ValueError, match="policy"):
        choose_member([], "random")
