"""Pure geometry and picture matching for nearby reports, duplicates and after-photo checks."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import NamedTuple

from suishoupai.media.pipeline import hamming
from suishoupai.org.geo import distance_m

#: metres per degree of latitude on the sphere geo.distance_m uses, shaved so a box never falls short
_M_PER_DEG_LAT = 6371008.8 * math.pi / 180.0 * 0.999


class Box(NamedTuple):
    """A latitude/longitude rectangle (WGS-84) that holds every point within a radius of its centre."""

    min_lat: float
    max_lat: float
    min_lng: float
    max_lng: float


def bounding_box(lat: float, lng: float, radius_m: float) -> Box:
    """The box around a circle: a cheap, indexable prefilter before the exact distance."""
    dlat = radius_m / _M_PER_DEG_LAT
    # the circle is widest in longitude on its side nearer the pole
    widest = min(89.9, abs(lat) + dlat)
    dlng = min(180.0, dlat / math.cos(math.radians(widest)))
    return Box(lat - dlat, lat + dlat, lng - dlng, lng + dlng)


def nearest(lat: float, lng: float, points: Iterable[tuple[int, float, float]], radius_m: float,
            limit: int) -> list[tuple[int, float]]:
    """(id, metres) of the points within the radius, nearest first (ties by lower id), at most limit."""
    hits = [(distance_m(lat, lng, p_lat, p_lng), key) for key, p_lat, p_lng in points]
    return [(key, metres) for metres, key in sorted(h for h in hits if h[0] <= radius_m)[:limit]]


def similar(phash: str, others: Iterable[tuple[int, str]], max_bits: int) -> tuple[int, int] | None:
    """The (id, bits) of the closest picture whose perceptual hash differs in at most max_bits bits."""
    best = None
    for key, other in others:
        if len(other) != len(phash):
            continue  # a hash of another size cannot be compared
        bits = hamming(phash, other)
        if bits <= max_bits and (best is None or bits < best[1]):
            best = (key, bits)
    return best
