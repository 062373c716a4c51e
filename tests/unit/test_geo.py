"""Unit tests for suishoupai.org.geo: GCJ-02 conversion, GeoJSON transforms, distance, area."""

import copy
import random

import pytest
from shapely.geometry import Polygon, box

from suishoupai.org.geo import (
    COORD_TYPES,
    area_m2,
    distance_m,
    from_wgs84,
    gcj02_to_wgs84,
    to_wgs84,
    transform_geometry,
    wgs84_to_gcj02,
)

# (WGS-84, GCJ-02) pairs, (lat, lng). The GCJ-02 values were produced by the coordtransform 0.2.1
# and prcoords 1.0.2 packages, which agree with each other to the last digit.
REFERENCE_POINTS = [
    ((39.9087, 116.3975), (39.91010349934476, 116.40374357265176)),  # Tiananmen, Beijing
    ((30.27, 120.16), (30.267661992154537, 120.16467985180141)),  # Hangzhou
    ((43.825, 87.617), (43.82620589832293, 87.61985012461774)),  # Urumqi
]

CITY_CENTRES = {
    "beijing": (39.9042, 116.4074),
    "shanghai": (31.2304, 121.4737),
    "hangzhou": (30.2741, 120.1551),
    "chengdu": (30.5728, 104.0668),
    "guangzhou": (23.1291, 113.2644),
    "urumqi": (43.8256, 87.6168),
    "harbin": (45.8038, 126.5350),
    "lhasa": (29.6520, 91.1721),
}

OUTSIDE_CHINA = [
    (35.6812, 139.7671),  # Tokyo
    (51.5007, -0.1246),  # London
    (-33.8568, 151.2153),  # Sydney
    (0.0, 0.0),
    (60.0, 100.0),  # north of the box
]


def _sample_points(per_city: int = 40, spread: float = 0.3) -> list[tuple[float, float]]:
    """Seeded random points scattered around each city centre."""
    rng = random.Random(20240601)
    return [
        (lat + rng.uniform(-spread, spread), lng + rng.uniform(-spread, spread))
        for lat, lng in CITY_CENTRES.values()
        for _ in range(per_city)
    ]


@pytest.mark.parametrize(("wgs", "gcj"), REFERENCE_POINTS)
def test_wgs84_to_gcj02_matches_reference(wgs, gcj):
    """The forward transform reproduces the reference libraries' output."""
    lat, lng = wgs84_to_gcj02(*wgs)
    assert lat == pytest.approx(gcj[0], abs=1e-9)
    assert lng == pytest.approx(gcj[1], abs=1e-9)


@pytest.mark.parametrize(("wgs", "gcj"), REFERENCE_POINTS)
def test_gcj02_to_wgs84_inverts_reference(wgs, gcj):
    """The inverse recovers the WGS-84 reference point to within a millimetre."""
    assert distance_m(*gcj02_to_wgs84(*gcj), *wgs) < 1e-3


def test_gcj02_offset_is_hundreds_of_metres_in_china():
    """Sanity check on the size of the obfuscation in Beijing."""
    wgs = REFERENCE_POINTS[0][0]
    assert 300 < distance_m(*wgs, *wgs84_to_gcj02(*wgs)) < 800


@pytest.mark.parametrize("point", OUTSIDE_CHINA)
def test_identity_outside_china(point):
    """Both directions leave points outside mainland China's box unchanged."""
    assert wgs84_to_gcj02(*point) == point
    assert gcj02_to_wgs84(*point) == point


def test_round_trip_wgs_gcj_wgs_under_a_millimetre():
    """WGS-84 -> GCJ-02 -> WGS-84 over 320 points in eight cities."""
    points = _sample_points()
    assert len(points) >= 200
    worst = max(distance_m(*p, *gcj02_to_wgs84(*wgs84_to_gcj02(*p))) for p in points)
    assert worst < 1e-3


def test_round_trip_gcj_wgs_gcj_under_a_millimetre():
    """GCJ-02 -> WGS-84 -> GCJ-02 over 320 points in eight cities."""
    points = _sample_points()
    worst = max(distance_m(*p, *wgs84_to_gcj02(*gcj02_to_wgs84(*p))) for p in points)
    assert worst < 1e-3


def test_dispatch_by_coord_type():
    """to_wgs84/from_wgs84 pick the converter by name; wgs84 is the identity."""
    wgs, gcj = REFERENCE_POINTS[0]
    assert COORD_TYPES == ("wgs84", "gcj02")
    assert to_wgs84(*wgs, "wgs84") == wgs
    assert from_wgs84(*wgs, "wgs84") == wgs
    assert from_wgs84(*wgs, "gcj02") == wgs84_to_gcj02(*wgs)
    assert to_wgs84(*gcj, "gcj02") == gcj02_to_wgs84(*gcj)


@pytest.mark.parametrize("coord_type", ["bd09", "WGS84", "", None])
def test_unknown_coord_type_raises(coord_type):
    """Anything but the listed coordinate types is a ValueError."""
    with pytest.raises(ValueError, match="coord_type"):
        to_wgs84(30.0, 120.0, coord_type)
    with pytest.raises(ValueError, match="coord_type"):
        from_wgs84(30.0, 120.0, coord_type)


def _shift(lat: float, lng: float) -> tuple[float, float]:
    """A transform whose effect on each axis is easy to recognise."""
    return lat + 1.0, lng + 2.0


def test_transform_polygon_keeps_lng_lat_order_and_holes():
    """Positions stay [lng, lat]; holes and extra dimensions survive; the input is untouched."""
    polygon = {
        "type": "Polygon",
        "coordinates": [
            [[120.0, 30.0], [120.1, 30.0], [120.1, 30.1], [120.0, 30.1], [120.0, 30.0]],
            [
                [120.02, 30.02, 5.0],
                [120.03, 30.02, 5.0],
                [120.03, 30.03, 5.0],
                [120.02, 30.02, 5.0],
            ],
        ],
    }
    original = copy.deepcopy(polygon)
    out = transform_geometry(polygon, _shift)
    assert polygon == original
    assert out["type"] == "Polygon"
    assert out["coordinates"][0][1] == pytest.approx([122.1, 31.0])
    assert out["coordinates"][1][0] == pytest.approx([122.02, 31.02, 5.0])
    assert [len(ring) for ring in out["coordinates"]] == [5, 4]


def test_transform_multipolygon_with_gcj_keeps_rings_closed():
    """Each ring stays closed, and the result converts back to the original within a mm."""
    lat0, lng0 = CITY_CENTRES["hangzhou"]
    square = [[lng0, lat0], [lng0 + 0.01, lat0], [lng0 + 0.01, lat0 + 0.01], [lng0, lat0]]
    geometry = {
        "type": "MultiPolygon",
        "coordinates": [[square], [[[x + 0.05, y] for x, y in square]]],
        "bbox": [lng0, lat0, lng0 + 0.06, lat0 + 0.01],
    }
    out = transform_geometry(geometry, wgs84_to_gcj02)
    assert "bbox" not in out
    for polygon in out["coordinates"]:
        for ring in polygon:
            assert ring[0] == ring[-1]
    first = out["coordinates"][0][0][0]
    assert first == list(wgs84_to_gcj02(lat0, lng0))[::-1]
    back = transform_geometry(out, gcj02_to_wgs84)
    for got, want in zip(back["coordinates"][1][0], geometry["coordinates"][1][0], strict=True):
        assert distance_m(got[1], got[0], want[1], want[0]) < 1e-3


@pytest.mark.parametrize("kind", ["Point", "LineString", "GeometryCollection", None])
def test_transform_rejects_other_geometry_types(kind):
    """Only Polygon and MultiPolygon are grid boundaries."""
    with pytest.raises(ValueError, match="unsupported"):
        transform_geometry({"type": kind, "coordinates": [120.0, 30.0]}, _shift)


def test_distance_known_values():
    """A degree of latitude, Beijing-Shanghai, and the degenerate cases."""
    assert distance_m(30.0, 120.0, 31.0, 120.0) == pytest.approx(111_195, rel=1e-4)
    beijing, shanghai = CITY_CENTRES["beijing"], CITY_CENTRES["shanghai"]
    assert distance_m(*beijing, *shanghai) == pytest.approx(1_067_000, rel=0.01)
    assert distance_m(*beijing, *shanghai) == distance_m(*shanghai, *beijing)
    assert distance_m(*beijing, *beijing) == 0.0


def test_area_of_small_squares():
    """A 0.01-degree square is ~1.236 km² at the equator and shrinks with cos(latitude)."""
    at_equator = area_m2(box(0.0, 0.0, 0.01, 0.01))
    assert at_equator == pytest.approx(1_236_431, rel=1e-3)
    at_sixty = area_m2(box(120.0, 59.995, 120.01, 60.005))
    assert at_sixty == pytest.approx(at_equator / 2, rel=1e-3)


def test_area_of_empty_geometry_is_zero():
    """Empty geometries have no centroid, so they are special-cased."""
    assert area_m2(Polygon()) == 0.0
