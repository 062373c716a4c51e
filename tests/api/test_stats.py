"""Stats over HTTP: a hand-built set of cases with set clocks, every rate against hand-computed values,
the xlsx and CSV exports holding the same numbers, scopes and bad input."""

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.org.models import OrgUnit
from tests.helpers.stats import DIST, GM, SUMMARY, get
from tests.helpers.stats import case as case  # noqa: F401 - fixtures shared with the facts tests
from tests.helpers.stats import dataset as dataset  # noqa: F401


@pytest.fixture
def app(app_factory):
    """Ranks from two samples up, so the small set below gets ranked."""
    return app_factory(STATS_MIN_SAMPLE=2)


def rate(body: dict, key: str) -> tuple:
    """(value, numerator, denominator, rank) of a rate."""
    r = body["rates"][key]
    return r["value"], r["numerator"], r["denominator"], r["rank"]


def test_district_rates_equal_hand_computed_values(case, dataset):
    """Every rate, count and hours figure of the district matches the hand count in the comments."""
    resp = get(case, DIST, scope=f"district:{dataset['district']}")
    assert resp.status_code == 200, resp.json
    body = resp.json
    t = body["totals"]
    assert (t["cases"], t["rejected"], t["valid"], t["open"], t["overdue_open"]) == (9, 1, 8, 3, 1)
    # 6 of 9 counted clocks on time: A, C-grid, D1, D2, H, I; late B, C-department, F; G pending
    assert rate(t, "response_rate") == (0.6667, 6, 9, None)
    assert rate(t, "closure_rate") == (0.625, 5, 8, None)  # A B C D H of 8 valid
    # A, C-department, D1, D2, H on time; B late; C-grid handed on, F/G/I not yet due
    assert rate(t, "on_time_resolution_rate") == (0.8333, 5, 6, None)
    assert rate(t, "satisfaction_rate") == (0.6, 3, 5, None)  # 5 A, 2 B, 4 C, 3 and 5 D; H unrated
    assert rate(t, "reopened_share") == (0.2, 1, 5, None)
    assert rate(t, "transfer_rate") == (0.125, 1, 8, None)  # C of 8 valid
    assert rate(t, "first_contact_rate") == (0.8, 4, 5, None)  # A B D H of the 5 done; C was transferred
    # accepted after 1, 6, 2, 5, 1, 2, 1, 4 h; resolved after 10, 80, 20, 5, 30, 8 h
    assert t["hours"]["to_accept"] == {"mean": 2.75, "median": 2.0, "p90": 6.0, "n": 8}
    assert t["hours"]["to_resolve"] == {"mean": 25.5, "median": 10.0, "p90": 80.0, "n": 6}
    assert {s["status"]: s["count"] for s in body["by_status"]} == {
        "submitted": 0, "assigned": 2, "accepted": 1, "transferred": 0, "returned": 0, "escalated": 0,
        "resolved": 0,
        "closed": 5, "rejected": 1}
    cats = {c["code"]: c for c in body["by_category"]}
    assert (cats["garbage"]["cases"], cats["noise"]["cases"], cats["fire_lane"]["cases"]) == (8, 1, 0)
    assert rate(cats["noise"], "closure_rate") == (1.0, 1, 1, None)
    assert cats["noise"]["hours"]["to_resolve"] == {"mean": 8.0, "median": None, "p90": None, "n": 1}

    grids = {g["id"]: g for g in body["by_grid"]}
    assert len(grids) == 50 and grids[dataset["grid"]]["name"] == "凤起社区第1网格"
    mine, other = grids[dataset["grid"]], grids[dataset["other_grid"]]
    assert (mine["cases"], mine["valid"]) == (8, 7)
    # the grid's own clocks: A B C-grid D1 D2 F H counted (G pending); the department's are not its own
    assert rate(mine, "response_rate") == (0.7143, 5, 7, 1)
    assert rate(mine, "on_time_resolution_rate") == (0.8, 4, 5, 1)
    assert mine["hours"]["to_accept"] == {"mean": 2.17, "median": 1.0, "p90": 6.0, "n": 6}
    # C went to a department: 1 of the grid's 7 valid cases; 4 of its 5 done cases never left it
    assert rate(mine, "transfer_rate") == (0.1429, 1, 7, 1)
    assert rate(mine, "first_contact_rate") == (0.8, 4, 5, 1)
    assert rate(other, "response_rate") == (1.0, 1, 1, None)  # one sample is below the minimum of 2
    assert rate(other, "closure_rate") == (0.0, 0, 1, None)
    # ranks only among rows with at least 2 behind the rate
    assert rate(mine, "closure_rate") == (0.7143, 5, 7, 1)

    (dept,) = body["by_department"]
    assert dept["name"] == "区城管局" and dept["cases"] == 1
    assert rate(dept, "response_rate") == (0.0, 0, 1, None)  # 5 h into its own 4-hour limit
    assert rate(dept, "on_time_resolution_rate") == (1.0, 1, 1, None)
    assert rate(dept, "satisfaction_rate") == (1.0, 1, 1, None)
    assert dept["hours"] == {"to_accept": {"mean": 5.0, "median": 5.0, "p90": 5.0, "n": 1},
                             "to_resolve": {"mean": 20.0, "median": 20.0, "p90": 20.0, "n": 1}}
    # every rate carries its definition
    defs = {d["key"]: d for d in body["definitions"]}
    assert set(defs) == set(t["rates"]) and defs["satisfaction_rate"]["name"] == "满意率"
    assert "未评价" in defs["satisfaction_rate"]["unrated"] and "驳回" in defs["closure_rate"]["exclusions"]
    assert all(d["min_sample"] == 2 and d["numerator"] and d["denominator"] for d in defs.values())
    assert body["min_sample"] == 2 and body["scope"]["kind"] == "district"


def test_narrower_scopes_and_windows(case, dataset):
    """A street leaves out the other street's case; a grid member sees their grid; the window filters."""
    street = get(case, "demo-street-admin", scope=f"street:{dataset['street']}").json
    assert street["totals"]["cases"] == 8 and rate(street["totals"], "response_rate") == (0.625, 5, 8, None)
    grid = get(case, GM, scope=f"grid:{dataset['grid']}").json
    assert [g["id"] for g in grid["by_grid"]] == [dataset["grid"]] and grid["totals"]["valid"] == 7
    community = get(case, "demo-community-admin", scope=f"community:{dataset['community']}").json
    assert community["totals"]["cases"] == 8
    # only F, G and I were filed in the last 24 hours (100 h and later after a base 120 h ago)
    since = (utcnow() - timedelta(hours=24)).isoformat()
    recent = get(case, DIST, scope=f"district:{dataset['district']}", **{"from": since}).json
    assert recent["totals"]["cases"] == 3 and rate(recent["totals"], "response_rate") == (0.5, 1, 2, None)


def test_xlsx_holds_the_same_numbers(case, dataset):
    """The workbook opens with openpyxl: one sheet per table, Chinese headers, the summary's figures."""
    scope = f"district:{dataset['district']}"
    body = get(case, DIST, scope=scope).json
    resp = get(case, DIST, "/api/v1/stats/export.xlsx", scope=scope)
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and ".xlsx" in disposition
    book = load_workbook(io.BytesIO(resp.data))
    assert book.sheetnames == ["总览", "按网格", "按部门", "按类别", "按状态", "口径说明"]
    overview = {row[0]: row[1:] for row in book["总览"].iter_rows(min_row=2, values_only=True)}
    assert overview["案件数"][0] == 9 and overview["有效案件"][0] == 8
    assert overview["响应率"][:3] == (body["totals"]["rates"]["response_rate"]["value"], 6, 9)
    assert overview["满意率"][:3] == (0.6, 3, 5) and overview["办结用时（小时） p90"][0] == 80.0
    assert book["总览"]["A11"].value == "响应率" and book["总览"]["B11"].number_format == "0.00%"
    grid_sheet = book["按网格"]
    headers = [c.value for c in grid_sheet[1]]
    assert headers[:3] == ["网格", "案件数", "驳回（不计入）"] and "按时办结率排名" in headers
    rows = {r[0]: dict(zip(headers, r, strict=True))
            for r in grid_sheet.iter_rows(min_row=2, values_only=True)}
    mine = rows["凤起社区第1网格"]
    assert (mine["响应率"], mine["响应率分子"], mine["响应率分母"], mine["响应率排名"]) == (0.7143, 5, 7, 1)
    assert book["按部门"]["A2"].value == "区城管局"
    statuses = {r[1]: r[2] for r in book["按状态"].iter_rows(min_row=2, values_only=True)}
    assert statuses["closed"] == 5 and statuses["rejected"] == 1
    definitions = [r[0] for r in book["口径说明"].iter_rows(min_row=2, values_only=True)]
    assert definitions[:5] == ["响应率", "办结率", "按时办结率", "满意率", "重新办理率"]


def test_csv_holds_one_table_with_bom(case, dataset):
    """?table= picks the table; UTF-8 with BOM, rates as percentages Excel reads as numbers."""
    scope = f"district:{dataset['district']}"
    resp = get(case, DIST, "/api/v1/stats/export.csv", scope=scope)
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert resp.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert rows[0] == ["指标", "数值", "分子", "分母", "口径"]
    by_name = {r[0]: r[1:] for r in rows[1:]}
    assert by_name["响应率"][:3] == ["66.67%", "6", "9"] and by_name["办结率"][:3] == ["62.50%", "5", "8"]
    grids = list(csv.reader(io.StringIO(
        get(case, DIST, "/api/v1/stats/export.csv", scope=scope, table="grids").data.decode("utf-8-sig"))))
    mine = dict(zip(grids[0], next(r for r in grids if r[0] == "凤起社区第1网格"), strict=True))
    assert (mine["按时办结率"], mine["按时办结率分子"], mine["按时办结率分母"]) == ("80.00%", "4", "5")
    assert len(grids) == 51


@pytest.mark.parametrize("openid, scope_key, status", [
    ("demo-community-admin", "street", 404), ("demo-community-admin", "district", 404),
    ("demo-street-admin", "district", 404), (GM, "community", 404), (GM, "other_grid", 404),
    ("demo-resident", "district", 403), ("demo-department", "district", 403),
])
def test_scope_outside_reach(case, dataset, openid, scope_key, status):
    """A unit outside the caller's part of the tree is not found; roles without stats are refused."""
    kind = "grid" if scope_key == "other_grid" else scope_key
    for path in (SUMMARY, "/api/v1/stats/export.xlsx", "/api/v1/stats/export.csv"):
        resp = get(case, openid, path, scope=f"{kind}:{dataset[scope_key]}")
        assert resp.status_code == status, resp.json
        assert resp.json["error"]["code"] == ("stats.scope_not_found" if status == 404 else "stats.forbidden")
        assert resp.json["error"]["message"]


def test_unit_of_another_kind_is_not_found(case, dataset, app):
    """grid:<a community's id> is no grid."""
    resp = get(case, DIST, scope=f"grid:{dataset['community']}")
    assert resp.status_code == 404 and resp.json["error"]["message"] == "统计范围不存在"
    with app.app_context():
        missing = db.session.scalar(select(OrgUnit.id).order_by(OrgUnit.id.desc())) + 1
    assert get(case, DIST, scope=f"district:{missing}").status_code == 404


@pytest.mark.parametrize("args, field, code", [
    ({}, "scope", "validation_error"),
    ({"scope": "district"}, "scope", "validation_error"),
    ({"scope": "district:0"}, "scope", "validation_error"),
    ({"scope": "city:1"}, "scope", "validation_error"),
    ({"scope": "district:99999999999"}, "scope", "validation_error"),
    ({"scope": "district:1", "from": "yesterday"}, "from", "validation_error"),
    ({"scope": "district:1", "from": "2026-01-01T00:00:00"}, "from", "validation_error"),
    ({"scope": "district:1", "bogus": "1"}, "bogus", "validation_error"),
    ({"scope": "district:1", "from": "2026-02-01T00:00:00+08:00", "to": "2026-01-01T00:00:00+08:00"},
     "from", "stats.bad_range"),
    ({"scope": "district:1", "from": "2024-01-01T00:00:00+08:00", "to": "2026-01-01T00:00:00+08:00"},
     "to", "stats.range_too_long"),
    ({"scope": "district:1", "to": "0001-01-02T00:00:00+00:00"}, "to", "stats.bad_range"),
    # no UTC equivalent: before year 1 once the offset is taken off
    ({"scope": "district:1", "from": "0001-01-01T00:00:00+00:01"}, "from", "validation_error"),
])
def test_bad_input_is_422_in_chinese(case, dataset, args, field, code):
    """Bad scope syntax, times, unknown args and windows: 422 naming the field, message in Chinese."""
    if args.get("scope") == "district:1":
        args = args | {"scope": f"district:{dataset['district']}"}
    resp = get(case, DIST, **args)
    assert resp.status_code == 422, resp.json
    error = resp.json["error"]
    assert error["code"] == code and field in error["details"]["fields"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])
    bad_table = get(case, DIST, "/api/v1/stats/export.csv", scope=f"district:{dataset['district']}",
                    table="x")
    assert bad_table.status_code == 422 and "table" in bad_table.json["error"]["details"]["fields"]


def test_empty_scope_answers_nulls_not_zero_rates(case, app):
    """No cases: rates are null (no 0/0 = 100 %), counts zero."""
    with app.app_context():
        district = db.session.scalar(select(OrgUnit.id).where(OrgUnit.kind == "district"))
    body = get(case, DIST, scope=f"district:{district}").json
    assert body["totals"]["cases"] == 0
    assert body["totals"]["rates"]["closure_rate"] == {"value": None, "numerator": 0, "denominator": 0,
                                                       "rank": None}
    assert body["totals"]["hours"]["to_accept"] == {"mean": None, "median": None, "p90": None, "n": 0}

