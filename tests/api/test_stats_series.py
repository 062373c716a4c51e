"""The trend and the per-unit figures over HTTP: each bucket and unit recounted from the raw report rows,
first-contact resolution through a reassignment and a transfer, exports, bad levels and buckets."""

import csv
import io
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.org.models import GridMember, OrgUnit
from suishoupai.reports.models import Report, ReportEvent
from tests.helpers.reports import department_id
from tests.helpers.stats import DIST, GM, get
from tests.helpers.stats import case as case  # noqa: F401 - fixtures shared with the summary tests
from tests.helpers.stats import dataset as dataset  # noqa: F401

TREND, UNITS = "/api/v1/stats/trend", "/api/v1/stats/units"
DONE = ("resolved", "closed")


@pytest.fixture
def app(app_factory):
    """Ranks from two samples up."""
    return app_factory(STATS_MIN_SAMPLE=2)


def recount(app, start, end, **place) -> dict:
    """The case figures of [start, end) counted straight from reports and their timelines."""
    with app.app_context():
        reports = db.session.scalars(select(Report).where(
            Report.created_at >= start, Report.created_at < end,
            *(getattr(Report, k) == v for k, v in place.items()))).all()
        events = db.session.execute(select(ReportEvent.report_id, ReportEvent.action, ReportEvent.from_status)
                                    .where(ReportEvent.report_id.in_([r.id for r in reports]))).all()
    valid = [r for r in reports if r.status != "rejected"]
    transferred = {e.report_id for e in events if e.action == "transfer"}
    handed = transferred | {e.report_id for e in events if e.action == "handover"
                            or (e.action == "assign" and e.from_status != "submitted")}
    done = [r for r in valid if r.status in DONE]
    return {"cases": len(reports), "valid": len(valid), "done": len(done),
            "transferred": len([r for r in valid if r.id in transferred]),
            "first_contact": len([r for r in done if r.id not in handed])}


def shown(figures: dict) -> dict:
    """The same counts as the answer gives them."""
    rates = figures["rates"]
    return {"cases": figures["cases"], "valid": figures["valid"],
            "done": rates["closure_rate"]["numerator"],
            "transferred": rates["transfer_rate"]["numerator"],
            "first_contact": rates["first_contact_rate"]["numerator"]}


def unranked(figures: dict) -> dict:
    """Figures without the ranks (a unit is ranked among its level, a scope's totals never)."""
    return figures | {"rates": {k: r | {"rank": None} for k, r in figures["rates"].items()}}


def test_each_day_of_the_trend_equals_a_recount_of_its_reports(case, app, dataset):
    """Day buckets over the dataset's week: labels in order, every bucket equal to the raw rows of its
    window, and the buckets adding up to the summary."""
    end = utcnow().replace(microsecond=0) + timedelta(minutes=1)
    start = end - timedelta(days=7)
    args = {"scope": f"district:{dataset['district']}", "from": start.isoformat(), "to": end.isoformat()}
    resp = get(case, DIST, TREND, bucket="day", **args)
    assert resp.status_code == 200, resp.json
    body = resp.json
    points = body["points"]
    assert body["bucket"] == "day" and len(points) == 8  # a part-day at each end and 6 whole days
    assert [p["name"] for p in points] == sorted(p["name"] for p in points)
    for p in points:
        counted = recount(app, datetime.fromisoformat(p["from"]), datetime.fromisoformat(p["to"]),
                          district_id=dataset["district"])
        assert shown(p) == counted, p["name"]
    assert sum(p["cases"] for p in points) == 9
    summary = get(case, DIST, **args).json["totals"]
    for key in ("cases", "valid", "open", "overdue_open"):
        assert sum(p[key] for p in points) == summary[key], key
    weekly = get(case, DIST, TREND, bucket="week", **args).json["points"]
    monthly = get(case, DIST, TREND, bucket="month", **args).json["points"]
    assert weekly[0]["name"].endswith("起一周") and len(monthly[0]["name"]) == 7
    assert sum(p["cases"] for p in weekly) == sum(p["cases"] for p in monthly) == 9


def test_first_contact_and_transfer_rates_through_reassignment_and_transfer(case, app):
    """Three cases resolved: one by the first grid member, one after 改派, one after 转办; the first is
    the only first-contact resolution, the third the only transfer."""
    s = case.step
    direct, moved, sent = (case.file().json["id"] for _ in range(3))
    with app.app_context():
        report = db.session.get(Report, moved)
        other = db.session.scalar(select(GridMember.user_id).join(OrgUnit, OrgUnit.id == GridMember.grid_id)
                                  .where(OrgUnit.community_id == report.community_id,
                                         OrgUnit.id != report.grid_id).order_by(GridMember.id))
        district = report.district_id
    s(GM, direct, "accept"), s(GM, direct, "resolve", media_ids=[case.photo(GM)])
    resp = case.client.post(f"/api/v1/admin/reports/{moved}/reassign", json={"assignee_id": other},
                            headers=case.h("demo-community-admin"))
    assert resp.status_code == 200, resp.json
    s(DIST, moved, "accept"), s(DIST, moved, "resolve", media_ids=[case.photo(DIST)])
    s(GM, sent, "accept"), s(GM, sent, "transfer", department_id=department_id(app))
    s("demo-department", sent, "accept")
    s("demo-department", sent, "resolve", media_ids=[case.photo("demo-department")])
    case.file()  # still open: a valid case, not done
    # the window ends at the next minute: the default ends at the current one, before these filings
    now = utcnow()
    window = {"scope": f"district:{district}", "from": (now - timedelta(days=1)).isoformat(),
              "to": (now + timedelta(minutes=1)).isoformat()}
    t = get(case, DIST, **window).json["totals"]
    fcr, transfer = t["rates"]["first_contact_rate"], t["rates"]["transfer_rate"]
    assert (fcr["value"], fcr["numerator"], fcr["denominator"]) == (0.3333, 1, 3)
    assert (transfer["value"], transfer["numerator"], transfer["denominator"]) == (0.25, 1, 4)
    assert shown(t) == recount(app, now - timedelta(days=1), now + timedelta(minutes=1), district_id=district)
    assert t["hours"]["to_accept"]["median"] is not None
    defs = {d["key"]: d for d in get(case, DIST, **window).json["definitions"]}
    assert defs["first_contact_rate"]["name"] == "首接办结率"
    assert "改派" in defs["first_contact_rate"]["numerator"]
    assert defs["transfer_rate"]["higher_is_better"] is False


def test_units_of_a_level_each_equal_their_own_summary(case, app, dataset):
    """Communities of the district: one row each in code order, each equal to the community's own
    summary; grid and department levels are the summary's rows."""
    scope = f"district:{dataset['district']}"
    body = get(case, DIST, UNITS, scope=scope, level="community").json
    with app.app_context():
        codes = db.session.execute(select(OrgUnit.id).where(OrgUnit.kind == "community")
                                   .order_by(OrgUnit.code)).scalars().all()
    assert [r["id"] for r in body["rows"]] == codes and body["level"] == "community"
    mine = next(r for r in body["rows"] if r["id"] == dataset["community"])
    own = get(case, DIST, scope=f"community:{dataset['community']}").json["totals"]
    assert unranked({k: mine[k] for k in own}) == unranked(own)
    assert sum(r["cases"] for r in body["rows"]) == 9
    streets = get(case, DIST, UNITS, scope=scope, level="street").json["rows"]
    assert sorted(r["cases"] for r in streets)[-2:] == [1, 8]
    summary = get(case, DIST, scope=scope).json
    assert get(case, DIST, UNITS, scope=scope, level="grid").json["rows"] == summary["by_grid"]
    assert get(case, DIST, UNITS, scope=scope, level="department").json["rows"] == summary["by_department"]


@pytest.mark.parametrize("args, field, code", [
    ({"level": "street", "scope": "street"}, "level", "stats.bad_level"),
    ({"level": "district", "scope": "district"}, "level", "validation_error"),
    ({"scope": "district"}, "level", "validation_error"),
])
def test_bad_levels_are_422_in_chinese(case, dataset, args, field, code):
    """A level at or above the scope, or none: 422 naming the field."""
    args = args | {"scope": f"{args['scope']}:{dataset[args['scope']]}"}
    resp = get(case, DIST, UNITS, **args)
    assert resp.status_code == 422, resp.json
    assert resp.json["error"]["code"] == code and field in resp.json["error"]["details"]["fields"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in resp.json["error"]["message"])
    bad = get(case, DIST, TREND, scope=f"district:{dataset['district']}", bucket="year")
    assert bad.status_code == 422 and "bucket" in bad.json["error"]["details"]["fields"]


def test_exports_hold_what_the_page_shows(case, dataset):
    """The trend as CSV and the communities as xlsx: one row per bucket or unit, the same numbers."""
    scope = f"district:{dataset['district']}"
    trend = get(case, DIST, TREND, scope=scope, bucket="week").json
    resp = get(case, DIST, "/api/v1/stats/trend.csv", scope=scope, bucket="week")
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/csv")
    assert "trend.csv" in resp.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["时段", "案件数", "驳回（不计入）"] and "首接办结率" in rows[0]
    assert [(r[0], int(r[1])) for r in rows[1:]] == [(p["name"], p["cases"]) for p in trend["points"]]
    units = get(case, DIST, UNITS, scope=scope, level="community").json
    resp = get(case, DIST, "/api/v1/stats/units.xlsx", scope=scope, level="community")
    book = load_workbook(io.BytesIO(resp.data))
    assert book.sheetnames == ["按社区", "口径说明"]
    sheet = list(book["按社区"].values)
    assert sheet[0][0] == "社区" and [(r[0], r[1]) for r in sheet[1:]] == [
        (u["name"], u["cases"]) for u in units["rows"]]
    definitions = [r[0] for r in book["口径说明"].values]
    assert "转办率" in definitions and "首接办结率" in definitions
