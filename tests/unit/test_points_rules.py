"""The rule book's pure parts: caps, local windows, versions in force, the hash chain."""

import json
from datetime import UTC, datetime

import pytest

from suishoupai.points import chain, rules


@pytest.mark.parametrize(("requested", "today", "month", "daily", "monthly", "points", "named"), [
    (5, 0, 0, 20, 200, 5, None),
    (5, 15, 15, 20, 200, 5, None),
    (5, 18, 18, 20, 200, 2, "每日上限（20 分），本次按 2 分计"),
    (5, 20, 20, 20, 200, 0, "每日上限（20 分）"),
    (5, 0, 198, 20, 200, 2, "每月上限（200 分），本次按 2 分计"),
    (5, 0, 200, 20, 200, 0, "每月上限（200 分）"),
    (30, 0, 0, None, None, 30, None),
])
def test_caps(requested, today, month, daily, monthly, points, named):
    """Credit what fits under both caps, and name the cap that bit."""
    grant = rules.apply_caps(requested, today, month, daily, monthly)
    assert grant.points == points
    assert (grant.reason is None) if named is None else named in grant.reason


def test_windows_are_local_days_and_months():
    """23:30 UTC on 30 Nov is 1 Dec in Beijing: the day and month start there."""
    day, month = rules.windows(datetime(2026, 11, 30, 23, 30, tzinfo=UTC))
    assert day == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert month == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)


def test_version_in_force():
    """From effective_from (inclusive) until effective_to (exclusive)."""
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC)
    assert rules.is_current(start, end, start)
    assert not rules.is_current(start, end, end)
    assert rules.is_current(start, None, end)


def test_seeded_rule_book_is_complete():
    """The seven seeded rules of the 贡献积分细则, with caps."""
    codes = {r[0] for r in rules.RULE_BOOK}
    assert codes == {"report_valid", "report_resolved", "post_month", "bounty_completed", "wish_fulfilled",
                     "volunteer_hour", "civility_persuasion"}


def test_chain_link_covers_every_field_and_posting():
    """Changing any field or posting amount changes the link; posting order does not."""
    at = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)
    base = dict(seq=1, kind="award", community_id=3, source_type="report", source_id=9, memo="m",
                reverses_id=None, actor_id=2, created_at=at, postings=[(1, -5), (2, 5)])
    link = chain.link(chain.GENESIS, chain.canonical(**base))
    assert link == chain.link(chain.GENESIS, chain.canonical(**base | {"postings": [(2, 5), (1, -5)]}))
    for change in ({"postings": [(1, -6), (2, 6)]}, {"memo": "n"}, {"seq": 2}, {"source_id": 10},
                   {"created_at": at.replace(microsecond=1)}):
        assert chain.link(chain.GENESIS, chain.canonical(**base | change)) != link
    assert chain.link("1" * 64, chain.canonical(**base)) != link


def test_canonical_is_compact_json():
    """The hand-spelled canonical form is exactly compact JSON, escapes included."""
    at = datetime(2026, 11, 22, 4, 0, 0, 123456, tzinfo=UTC)
    memo = '引号"与\\反斜杠\n'
    content = chain.canonical(7, "award", None, "report", 9, memo, 3, None, at, [(5, 2), (1, -2)])
    assert json.loads(content) == [7, "award", None, "report", 9, memo, 3, None,
                                   "2026-11-22T04:00:00.123456Z", [[1, -2], [5, 2]]]
    assert content == json.dumps(json.loads(content), ensure_ascii=False, separators=(",", ":")).encode()
