"""Flood sense for 随手拍: one account filing the same problem again and again makes one case."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from suishoupai.auth.models import User
from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.reports.models import Report
from tests.helpers.app import Auth
from tests.helpers.concurrency import at_once
from tests.helpers.reports import CENTRE, Case

#: metres → degrees of latitude
M = 1 / 111_195


@pytest.fixture
def app(app_factory):
    """The app with the repeat rule on: 50 m, 10 minutes."""
    return app_factory(REPORT_REPEAT_MINUTES=10, REPORT_REPEAT_RADIUS_M=50.0)


@pytest.fixture
def case(client, auth, demo):
    """HTTP helpers over the seeded demo district."""
    return Case(client, auth)


def north(metres: float) -> dict:
    """A spot this many metres north of the demo centre."""
    return CENTRE | {"lat": CENTRE["lat"] + metres * M}


def reports_of(app, openid: str) -> list[tuple[int, str, int | None]]:
    """(id, category, assignee) of every report an account filed."""
    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            select(Report.id, Report.category_id, Report.assignee_id)
            .join(User, User.id == Report.reporter_id).where(User.openid == openid).order_by(Report.id))]


def test_a_repeat_filing_is_refused_naming_the_report_and_stores_nothing(case, app):
    """The same account, category and spot (20 m off) minutes later: 409 report.repeat naming the first
    report; no second case, so the grid member holds one."""
    first = case.file()
    assert first.status_code == 201
    again = case.file(location=north(20))
    assert again.status_code == 409
    assert again.json["error"]["code"] == "report.repeat"
    assert again.json["error"]["message"] == "您刚在附近提交过同类问题，请勿重复提交"
    assert again.json["error"]["details"] == {"report_id": first.json["id"], "distance_m": 20}
    rows = reports_of(app, "demo-resident")
    assert [r[0] for r in rows] == [first.json["id"]]
    with app.app_context():
        assigned = db.session.scalar(select(func.count()).select_from(Report).where(
            Report.assignee_id == rows[0][2]))
    assert assigned == 1


def test_other_categories_spots_accounts_and_older_or_closed_reports_file_anew(case, app):
    """Only the same account, category, radius and window repeat: another category, 80 m away, another
    resident, a report older than the window or no longer open all file a new case."""
    first = case.file().json["id"]
    assert case.file(category="noise").status_code == 201
    assert case.file(location=north(80)).status_code == 201
    assert case.file(openid="demo-resident-2").status_code == 201
    with app.app_context():
        db.session.execute(update(Report).where(Report.id == first)
                           .values(created_at=utcnow() - timedelta(minutes=11)))
        db.session.commit()
    later = case.file()
    assert later.status_code == 201
    with app.app_context():
        db.session.execute(update(Report).where(Report.id == later.json["id"]).values(is_open=False))
        db.session.commit()
    assert case.file().status_code == 201
    assert len(reports_of(app, "demo-resident")) == 5


def test_the_rule_has_settings(app_factory, demo):
    """Radius and window are settings; 0 minutes turns the rule off."""
    for n, (overrides, second) in enumerate(((dict(REPORT_REPEAT_RADIUS_M=10.0), 201),
                                              (dict(REPORT_REPEAT_MINUTES=0), 201),
                                              (dict(REPORT_REPEAT_RADIUS_M=30.0), 409))):
        client = app_factory(**(dict(REPORT_REPEAT_MINUTES=10) | overrides)).test_client()
        case, openid = Case(client, Auth(client)), f"flood-{n}"
        assert case.file(openid=openid).status_code == 201
        assert case.file(openid=openid, location=north(20)).status_code == second, overrides


@pytest.mark.slow
def test_a_burst_of_identical_filings_makes_one_case(case, app):
    """Eight identical filings at the same instant from one account: exactly one case, seven 409s
    naming it (the account's filings pass the check one at a time)."""
    headers = case.h("demo-resident")
    photos = [case.photo("demo-resident") for _ in range(8)]
    client = app.test_client()

    def file(media_id):
        """One filing: its status and body."""
        resp = client.post("/api/v1/reports", headers=headers, json={
            "category": "garbage", "description": "小区东门垃圾堆放三天无人清理", "location": CENTRE,
            "media_ids": [media_id]})
        return resp.status_code, resp.json

    outcomes = at_once(None, file, args=[(m,) for m in photos])
    created = [body["id"] for status, body in outcomes if status == 201]
    assert len(created) == 1
    refused = [body["error"] for status, body in outcomes if status == 409]
    assert len(refused) == 7
    assert {(e["code"], e["details"]["report_id"]) for e in refused} == {("report.repeat", created[0])}
    assert [r[0] for r in reports_of(app, "demo-resident")] == created


def test_the_openapi_document_describes_the_repeat_answer(client):
    """POST /reports documents 409 and says when a filing is a repeat."""
    op = client.get("/api/openapi.json").json["paths"]["/api/v1/reports"]["post"]
    assert "409" in op["responses"]
    assert "report.repeat" in op["description"]
