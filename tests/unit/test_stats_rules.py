"""Stats rules without a database: rates, nearest-rank p90, ranks, the roll-up and the file formats."""

import csv
import io
from collections import namedtuple
from datetime import UTC, datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook

from suishoupai.stats import days, definitions, tables
from suishoupai.stats.figures import Partial, Rollup

#: a clock row as `queries.run` reads it
Clock = namedtuple("Clock", "party party_id category_id accept_on_time accept_counted accept_due "
                            "resolve_on_time resolve_counted resolve_due accept_hours resolve_hours")


def test_rate_is_null_on_an_empty_denominator_and_four_places_otherwise():
    """0/0 is no 100 %; values are rounded, not truncated."""
    assert definitions.rate(0, 0) is None
    assert definitions.rate(2, 3) == 0.6667 and definitions.rate(0, 5) == 0.0


@pytest.mark.parametrize("values, expected", [
    ([], None), ([7.0], 7.0), (list(range(1, 11)), 9), ([1, 1, 1, 2, 2, 6], 6),
    ([10, 80, 20, 5, 30, 8], 80), (list(range(1, 21)), 18),
])
def test_nearest_rank_p90(values, expected):
    """The ⌈0.9 n⌉-th smallest value, no interpolation."""
    assert definitions.p90(values) == expected


def row(**rates):
    """A breakdown row with the given (value, denominator) per rate; others empty."""
    out = {"rates": {k: {"value": None, "numerator": 0, "denominator": 0, "rank": None}
                     for k in definitions.RATE_KEYS}}
    for key, (value, den) in rates.items():
        out["rates"][key] = {"value": value, "numerator": 0, "denominator": den, "rank": None}
    return out


def test_competition_ranks_skip_small_samples_and_reopens_rank_low_first():
    """1, 2, 2, 4 among rows with enough sample; below it no rank; a lower reopened share ranks higher."""
    rows = [row(closure_rate=(0.9, 40), reopened_share=(0.1, 40)),
            row(closure_rate=(0.8, 40), reopened_share=(0.3, 40)),
            row(closure_rate=(0.8, 30), reopened_share=(0.2, 30)),
            row(closure_rate=(1.0, 5), reopened_share=(0.0, 5)),
            row(closure_rate=(0.5, 30))]
    definitions.rank(rows, min_sample=30)
    assert [r["rates"]["closure_rate"]["rank"] for r in rows] == [1, 2, 2, None, 4]
    assert [r["rates"]["reopened_share"]["rank"] for r in rows] == [1, 3, 2, None, None]


def test_every_rate_has_its_wording():
    """Numerator, denominator, exclusions and unrated handling are spelled out for each rate."""
    for d in definitions.RATES:
        described = d.as_dict(30)
        assert all(described[k] for k in ("name", "numerator", "denominator", "exclusions", "unrated"))
        assert described["min_sample"] == 30 and described["basis"] in ("case", "clock")


def test_rollup_counts_cases_ratings_and_clocks_where_they_belong():
    """Rejected cases count as cases only; reopened open cases were resolved once; clocks go to owners."""
    roll = Rollup()
    none = {"ratings": 0, "satisfied": 0}
    # transferred: to a department at least once; direct: never handed on (transfer, 改派, handover)
    groups = [
        {"grid_id": 1, "department_id": None, "status": "closed", "cases": 3, "reopened": 1,
         "overdue_open": 0, "ratings": 3, "satisfied": 2, "transferred": 1, "direct": 2},
        {"grid_id": 1, "department_id": None, "status": "assigned", "cases": 2, "reopened": 1,
         "overdue_open": 1, "transferred": 0, "direct": 2} | none,
        # a rejected case's ratings are left out with it
        {"grid_id": 1, "department_id": None, "status": "rejected", "cases": 4, "reopened": 0,
         "overdue_open": 0, "ratings": 2, "satisfied": 0, "transferred": 0, "direct": 4},
        {"grid_id": 2, "department_id": 7, "status": "resolved", "cases": 1, "reopened": 0,
         "overdue_open": 0, "transferred": 1, "direct": 0} | none]
    # what the SQL returns: the same cases grouped once per dimension
    for dimension, key in (("category", None), ("grid", "grid_id"), ("department", "department_id")):
        roll.add_cases([{k: v for k, v in g.items() if not k.endswith("_id")}
                        | {"dimension": dimension, "key": 10 if key is None else g[key]}
                        for g in groups if key is None or g[key] is not None])
    partial = Partial(rollup=roll)
    for party, party_id in (("grid", 1), ("department", 7), ("community", 99)):
        # two clocks each: one answered and resolved on time, one accepted late and still open
        partial.add_clocks([Clock(party, party_id, 10, 1, 1, None, 1, 1, None, 1.0, 10.0),
                            Clock(party, party_id, 10, 0, 1, None, 0, 0, None, 2.0, None)])
    total = roll.total.figures({"to_accept": 2.0})
    assert (total["cases"], total["rejected"], total["valid"], total["open"], total["overdue_open"]) == (
        10, 4, 6, 2, 1)
    assert total["rates"]["closure_rate"]["value"] == 0.6667  # 4 of 6
    assert total["rates"]["reopened_share"]["numerator"] == 2
    assert total["rates"]["reopened_share"]["denominator"] == 5  # 4 done + 1 reopened and open
    assert total["rates"]["satisfaction_rate"]["value"] == 0.6667
    assert total["rates"]["response_rate"]["denominator"] == 6  # every clock, the community's too
    assert total["hours"]["to_accept"] == {"mean": 1.5, "median": None, "p90": 2.0, "n": 6}
    assert total["rates"]["transfer_rate"] | {"rank": 0} == {
        "value": 0.3333, "numerator": 2, "denominator": 6, "rank": 0}
    # done: 3 closed (2 never handed on) and 1 resolved (transferred)
    assert total["rates"]["first_contact_rate"]["numerator"] == 2
    assert total["rates"]["first_contact_rate"]["denominator"] == 4
    assert roll.grids[1].figures()["rates"]["response_rate"]["denominator"] == 2
    assert roll.departments[7].figures()["cases"] == 1
    assert 99 not in roll.grids and 99 not in roll.departments


def _stretch(clocks: list[Clock], status: str = "closed") -> Partial:
    """A partial of one case group and the given clocks."""
    partial = Partial()
    partial.rollup.add_cases([{"dimension": d, "key": k, "status": status, "cases": 1, "reopened": 0,
                               "overdue_open": 0, "ratings": 1, "satisfied": 1, "transferred": 0, "direct": 1}
                              for d, k in (("category", 10), ("grid", 1))])
    partial.add_clocks(clocks)
    return partial


def test_partials_merge_to_the_partial_of_the_union_and_survive_json():
    """Adding up two stretches (one of them kept as JSON) gives the figures of counting both at once,
    the p90 included: it is taken over the hours of both, never from the two p90s."""
    first = [Clock("grid", 1, 10, 1, 1, None, 1, 1, None, h, h * 10) for h in (1.0, 2.0, 3.0)]
    second = [Clock("grid", 1, 11, 0, 1, None, 0, 1, None, h, None) for h in (7.25, 9.5)]
    together = _stretch(first + second)
    together.rollup.add_cases([{"dimension": d, "key": k, "status": "closed", "cases": 1, "reopened": 0,
                                "overdue_open": 0, "ratings": 1, "satisfied": 1, "transferred": 0,
                                "direct": 1} for d, k in (("category", 10), ("grid", 1))])
    merged = Partial.load([_stretch(first).dump()])
    merged.merge(_stretch(second))
    now = datetime(2026, 11, 1, tzinfo=UTC)
    (roll_a, p90_a), (roll_b, p90_b) = together.finish(now), merged.finish(now)
    assert p90_a == p90_b and p90_b[("grid", 1)] == {"to_accept": 9.5, "to_resolve": 30.0,
                                                     "to_accept_median": 3.0, "to_resolve_median": 20.0}
    for dimension, key in (("total", None), ("category", 10), ("category", 11), ("grid", 1)):
        assert roll_a.tally(dimension, key).figures() == roll_b.tally(dimension, key).figures()
    assert roll_b.total.figures()["hours"]["to_accept"]["mean"] == 4.55  # 22.75 / 5
    assert roll_b.total.by_status == {"closed": 2}


def test_a_deadline_still_ahead_when_counted_is_judged_when_asked():
    """A kept day's unanswered clock whose deadline was ahead counts in the denominators once the
    summary is asked after that deadline, and not before; its row, category and total alike."""
    due = datetime(2026, 11, 1, 12, tzinfo=UTC)
    waiting = Clock("department", 7, 10, 0, 0, due, 0, 0, due + timedelta(hours=72), None, None)
    kept = _stretch([waiting]).dump()
    for now, counted in ((due - timedelta(microseconds=1), 0), (due, 0), (due + timedelta(seconds=1), 1),
                         (due + timedelta(hours=73), 1)):
        roll, _ = Partial.load([kept]).finish(now)
        for tally in (roll.total, roll.categories[10], roll.departments[7]):
            assert tally.accept_counted == counted, now
        assert roll.total.resolve_counted == (1 if now > due + timedelta(hours=72) else 0)


def test_a_window_is_whole_beijing_days_and_its_part_day_edges():
    """Beijing midnights bound the kept days; what is left at either edge is counted afresh."""
    bj = timezone(timedelta(hours=8))
    start, end = datetime(2026, 11, 1, 15, 30, tzinfo=bj), datetime(2026, 11, 4, 9, 0, tzinfo=bj)
    whole, edges = days.split(start.astimezone(UTC), end.astimezone(UTC))
    assert [d.isoformat() for d in whole] == ["2026-11-02", "2026-11-03"]
    assert edges == [(start, datetime(2026, 11, 2, tzinfo=bj)), (datetime(2026, 11, 4, tzinfo=bj), end)]
    midnight = datetime(2026, 11, 2, tzinfo=bj)
    assert days.split(midnight, midnight + timedelta(days=2)) == (
        [midnight.date(), midnight.date() + timedelta(days=1)], [])
    assert days.split(start, start + timedelta(hours=20)) == ([], [(start, start + timedelta(hours=20))])


def summary() -> dict:
    """A tiny summary as the service shapes it."""
    figures = Rollup().total.figures()
    figures["rates"]["closure_rate"] = {"value": 0.625, "numerator": 5, "denominator": 8, "rank": 1}
    at = datetime(2026, 11, 1, tzinfo=UTC)
    return {"scope": {"kind": "grid", "id": 3, "name": "=第1网格"}, "from": at, "to": at, "as_of": at,
            "min_sample": 30, "definitions": [d.as_dict(30) for d in definitions.RATES],
            "hours_definitions": [{"key": k} | v for k, v in definitions.HOURS.items()],
            "notes": list(definitions.NOTES), "totals": figures,
            "by_status": [{"status": "closed", "label": "已结案", "count": 5}], "by_category": [],
            "by_grid": [{"id": 3, "name": "=第1网格"} | figures], "by_department": []}


def test_csv_has_bom_percentages_and_no_formulas():
    """Excel opens it as Chinese text, reads rates as numbers and never runs a cell as a formula."""
    grids = next(t for t in tables.tables(summary()) if t.key == "grids")
    data = tables.to_csv(grids)
    assert data.startswith("\ufeff".encode()) and b"\r\n" in data
    header, first = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    values = dict(zip(header, first, strict=True))
    assert values["网格"] == "'=第1网格" and values["办结率"] == "62.50%" and values["响应率"] == ""


def test_xlsx_sheets_in_order_with_percent_cells():
    """One sheet per table; rates are numbers shown as percentages; text stays text."""
    book = load_workbook(io.BytesIO(tables.to_xlsx(tables.tables(summary()))))
    assert book.sheetnames == list(tables.TABLES.values())
    sheet = book["按网格"]
    headers = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=headers.index("办结率") + 1)
    assert cell.value == 0.625 and cell.number_format == "0.00%"
    assert sheet["A2"].value == "'=第1网格" and sheet["A2"].data_type == "s"


def test_summary_cache_expires_evicts_and_can_be_off(monkeypatch):
    """A fresh entry is served again; an expired one, an evicted one and a disabled cache count anew."""
    from suishoupai.stats import cache

    clock = [100.0]
    monkeypatch.setattr(cache.time, "monotonic", lambda: clock[0])
    calls = []

    def compute(tag):
        return lambda: calls.append(tag) or {"tag": tag, "n": len(calls)}

    store = cache.SummaryCache(60, size=2)
    assert store.get_or_compute("a", compute("a")) == store.get_or_compute("a", compute("a"))
    store.get_or_compute("b", compute("b"))
    store.get_or_compute("c", compute("c"))  # evicts "a", the least recently used
    store.get_or_compute("a", compute("a"))
    assert calls == ["a", "b", "c", "a"]
    clock[0] += 61
    store.get_or_compute("a", compute("a"))
    assert calls[-1] == "a" and len(calls) == 5
    off = cache.SummaryCache(0)
    off.get_or_compute("x", compute("x")), off.get_or_compute("x", compute("x"))
    assert calls[-2:] == ["x", "x"]
