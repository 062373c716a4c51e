"""Duty months, claim windows and pickup codes, without a database."""

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from suishoupai.offers import rules as r


def test_month_bounds_are_beijing_months():
    """November 2026 starts at 16:00 UTC on 31 October; December rolls into the next year."""
    start, end = r.month_bounds("2026-11")
    assert start == datetime(2026, 10, 31, 16, tzinfo=UTC)
    assert end == datetime(2026, 11, 30, 16, tzinfo=UTC)
    assert r.month_bounds("2026-12")[1] == datetime(2026, 12, 31, 16, tzinfo=UTC)


@pytest.mark.parametrize("bad", ["2026-13", "2026-00", "26-11", "0000-01", "9999-12", "2026-1", ""])
def test_malformed_months_refused(bad):
    """Only YYYY-MM of this century is a month."""
    with pytest.raises(ValueError):
        r.month_bounds(bad)


def test_month_of_uses_beijing_time():
    """23:30 UTC on 30 November is already December in Beijing."""
    assert r.month_of(datetime(2026, 11, 30, 23, 30, tzinfo=UTC)) == "2026-12"
    assert r.month_of(datetime(2026, 11, 30, 15, 59, tzinfo=UTC)) == "2026-11"


def test_held_during():
    """A claim counts for a month when it stood at any moment of it."""
    claimed = datetime(2026, 10, 20, tzinfo=UTC)
    assert r.held_during(claimed, None, "2026-11")
    assert r.held_during(claimed, datetime(2026, 11, 2, tzinfo=UTC), "2026-11")
    assert not r.held_during(claimed, datetime(2026, 10, 25, tzinfo=UTC), "2026-11")
    assert not r.held_during(datetime(2026, 12, 5, tzinfo=UTC), None, "2026-11")


def test_not_after():
    """A month may be confirmed once it has begun, not ahead of time."""
    now = datetime(2026, 11, 22, tzinfo=UTC)
    assert r.not_after("2026-11", now) and r.not_after("2026-10", now)
    assert not r.not_after("2026-12", now)


@given(st.integers(0, 10_000), st.integers(0, 10_000))
def test_remaining_never_negative(limit, taken):
    """Places left are the difference, floored at zero."""
    assert r.remaining(limit, taken) == max(limit - taken, 0) >= 0


def test_pickup_codes():
    """Six digits, compared exactly (surrounding spaces forgiven)."""
    codes = {r.pickup_code() for _ in range(200)}
    assert all(len(c) == 6 and c.isdigit() for c in codes) and len(codes) > 150
    assert r.code_matches("012345", " 012345 ") and not r.code_matches("012345", "012346")
