"""Pure geometry and picture matching behind nearby reports, duplicates and after-photo checks."""

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from suishoupai.org.geo import distance_m
from suishoupai.reports.proximity import bounding_box, nearest, similar


@given(lat=st.floats(-80, 80), lng=st.floats(-179, 179), radius=st.floats(1, 5000),
       bearing=st.floats(0, 360), share=st.floats(0, 0.999))
def test_box_holds_every_point_of_the_circle(lat, lng, radius, bearing, share):
    """A point at any bearing within the radius lies inside the box (the prefilter never drops a hit)."""
    # walk `share * radius` metres along the bearing on the sphere
    r = 6371008.8
    d = share * radius / r
    phi, lam, theta = math.radians(lat), math.radians(lng), math.radians(bearing)
    phi2 = math.asin(math.sin(phi) * math.cos(d) + math.cos(phi) * math.sin(d) * math.cos(theta))
    lam2 = lam + math.atan2(math.sin(theta) * math.sin(d) * math.cos(phi),
                            math.cos(d) - math.sin(phi) * math.sin(phi2))
    p_lat, p_lng = math.degrees(phi2), math.degrees(lam2)
    assert distance_m(lat, lng, p_lat, p_lng) <= radius * 1.0001
    box = bounding_box(lat, lng, radius)
    assert box.min_lat <= p_lat <= box.max_lat
    assert box.min_lng <= p_lng <= box.max_lng


def test_box_is_tight():
    """100 m at Hangzhou's latitude: about 0.0009° of latitude and 0.00104° of longitude either side."""
    box = bounding_box(30.27, 120.16, 100)
    assert box.max_lat - 30.27 == pytest.approx(0.0009, rel=0.01)
    assert box.max_lng - 120.16 == pytest.approx(0.00104, rel=0.01)


def test_nearest_orders_by_distance_and_drops_the_far():
    """Within the radius only, nearest first, at most `limit`, ties by lower id."""
    points = [(1, 30.2708, 120.16), (2, 30.27, 120.16), (3, 30.2704, 120.16), (4, 30.2720, 120.16),
              (5, 30.2704, 120.16)]
    hits = nearest(30.27, 120.16, points, radius_m=100, limit=3)
    assert [i for i, _ in hits] == [2, 3, 5]
    assert hits[0][1] == 0 and hits[1][1] == pytest.approx(44.5, abs=0.5)
    assert [i for i, _ in nearest(30.27, 120.16, points, 100, 10)] == [2, 3, 5, 1]


def test_similar_picks_the_closest_within_the_threshold():
    """Hamming distance on 64-bit hex hashes; above the threshold or of another length is no match."""
    base = random.Random(1).getrandbits(64)
    h = f"{base:016x}"
    one_bit, nine_bits = f"{base ^ 1:016x}", f"{base ^ 0x1FF:016x}"
    assert similar(h, [(1, nine_bits), (2, one_bit)], max_bits=8) == (2, 1)
    assert similar(h, [(1, nine_bits)], max_bits=8) is None
    assert similar(h, [(1, h[:8])], max_bits=64) is None
    assert similar(h, [], 8) is None
