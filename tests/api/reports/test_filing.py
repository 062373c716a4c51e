"""随手拍 over HTTP: filing and its answer, routing, lists, the catalog."""

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from suishoupai.auth.models import User
from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.media.models import Media
from suishoupai.reports.models import Report
from tests.helpers.reports import CENTRE


@pytest.mark.parametrize(("change", "code"), [
    ({"media_ids": []}, "validation_error"),
    ({"media_ids": list(range(1, 11))}, "validation_error"),
    ({"location": {"lat": 95, "lng": 120.1, "coord_type": "gcj02"}}, "validation_error"),
    ({"location": {"lat": 30.2, "lng": 120.1, "coord_type": "bd09"}}, "validation_error"),
    ({"category": "no_such_thing"}, "report.unknown_category"),
    ({"location": {"lat": 30.2, "lng": 181, "coord_type": "gcj02"}}, "validation_error"),
    ({"location": {"lat": 30.2, "lng": 120.1}}, "validation_error"),
    ({"description": "短"}, "validation_error"),
    ({"description": "长" * 501}, "validation_error"),
    ({"reporter_id": 1}, "validation_error"),
    ("FOREIGN", "media.not_owned"),
    ("ATTACHED", "media.already_attached"),
])
def test_bad_filings_store_nothing(case, app, change, code):
    """Every bad filing → a clear 422 on the right field, no report, the photo still free."""
    mine = case.photo("demo-resident")
    body = {"category": "garbage", "description": "楼道里堆满了杂物", "location": CENTRE,
            "media_ids": [mine]}
    # a bad photo comes after a good one of the caller's, which must stay free all the same
    if change == "FOREIGN":
        body["media_ids"] = [mine, case.photo("demo-resident-2")]
    elif change == "ATTACHED":
        case.file()
        with app.app_context():
            used = db.session.scalar(select(Media.id).where(Media.attached_at.is_not(None)))
        body["media_ids"] = [mine, used]
    else:
        body |= change
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Report))
    resp = case.client.post("/api/v1/reports", json=body, headers=case.h("demo-resident"))
    assert resp.status_code == 422, resp.json
    assert resp.json["error"]["code"] == code
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Report)) == before
        assert db.session.get(Media, mine).attached_at is None


def test_filing_is_idempotent(case, app):
    """A retried filing with the same key answers the same report and creates no second one."""
    body = {"category": "garbage", "description": "路边垃圾桶满溢", "location": CENTRE,
            "media_ids": [case.photo("demo-resident")]}
    headers = case.h("demo-resident") | {"Idempotency-Key": "file-1"}
    first = case.client.post("/api/v1/reports", json=body, headers=headers)
    second = case.client.post("/api/v1/reports", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json["id"] == first.json["id"] and second.headers["Idempotent-Replayed"] == "true"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Report)) == 1


def test_outside_every_grid_goes_to_the_community_queue(case):
    """A spot in no grid is filed to the nearest community's queue, unassigned, never dropped."""
    resp = case.file(location={"lat": 30.2500, "lng": 120.1400, "coord_type": "gcj02"})
    assert resp.status_code == 201
    assert resp.json["status"] == "submitted" and resp.json["grid"] is None
    assert resp.json["assignee"] is None and resp.json["community"]
    assert resp.json["accept_due_at"]


def test_category_routes_straight_to_department(case):
    """违章搭建 is filed straight to 区住建局."""
    resp = case.file(category="illegal_building")
    assert resp.json["status"] == "transferred" and resp.json["department"]["name"] == "区住建局"


def test_lists_by_scope_filters_and_pages(case, app):
    """Scopes follow the role; status, category and time filters work; cursor pages are stable."""
    ids = [case.file().json["id"] for _ in range(5)]
    other = case.file(category="noise").json["id"]
    case.step("demo-grid-member", ids[0], "accept")
    mine = case.client.get("/api/v1/reports?scope=mine&limit=4", headers=case.h("demo-resident")).json
    assert [i["id"] for i in mine["items"]] == [other, *reversed(ids)][:4] and mine["next_cursor"]
    rest = case.client.get(f"/api/v1/reports?scope=mine&limit=4&cursor={mine['next_cursor']}",
                           headers=case.h("demo-resident")).json
    assert [i["id"] for i in rest["items"]] == [ids[1], ids[0]] and rest["next_cursor"] is None
    grid = case.client.get("/api/v1/reports?scope=grid&status=accepted",
                           headers=case.h("demo-grid-member")).json
    assert [i["id"] for i in grid["items"]] == [ids[0]] and grid["items"][0]["reporter"]["name"] == "张晓梅"
    noise = case.client.get("/api/v1/reports?scope=community&category=noise",
                            headers=case.h("demo-community-admin")).json
    assert [i["id"] for i in noise["items"]] == [other]
    future = (utcnow() + timedelta(hours=1)).isoformat()
    empty = case.client.get("/api/v1/reports", query_string={"scope": "mine", "from": future},
                            headers=case.h("demo-resident")).json
    assert empty["items"] == []
    past = (utcnow() - timedelta(hours=1)).isoformat()
    for bounds, expected in (({"from": past}, 6), ({"to": past}, 0), ({"from": past, "to": future}, 6)):
        found = case.client.get("/api/v1/reports", query_string={"scope": "mine", **bounds},
                                headers=case.h("demo-resident")).json
        assert len(found["items"]) == expected, bounds
    # a time with no UTC equivalent is refused at the edge (the fuzzer found it answering 500)
    for field in ("from", "to"):
        resp = case.client.get("/api/v1/reports", headers=case.h("demo-resident"),
                               query_string={"scope": "mine", field: "0001-01-01T00:00:00+00:01"})
        assert resp.status_code == 422 and field in resp.json["error"]["details"]["fields"], resp.json
    public = case.client.get("/api/v1/reports?scope=public", headers=case.h("demo-resident-2")).json
    assert len(public["items"]) == 6 and all("reporter" not in i for i in public["items"])
    assigned = case.client.get("/api/v1/reports?scope=assigned", headers=case.h("demo-grid-member")).json
    assert len(assigned["items"]) == 6
    # a department account attached to no department holds nothing (not every case without one)
    with app.app_context():
        db.session.add(User(openid="dept-less", role="department", department_id=None))
        db.session.commit()
    unattached = case.client.get("/api/v1/reports?scope=assigned", headers=case.h("dept-less"))
    assert unattached.status_code == 200 and unattached.json["items"] == []
    for scope, role in (("grid", "demo-resident"), ("community", "demo-grid-member")):
        resp = case.client.get(f"/api/v1/reports?scope={scope}", headers=case.h(role))
        assert resp.status_code == 403 and resp.json["error"]["code"] == "report.scope_forbidden"
    other_street = case.client.get("/api/v1/reports?scope=community",
                                   headers=case.h("demo-street-admin")).json
    assert len(other_street["items"]) == 6


def test_catalog_and_calendar_admin(case, client):
    """Categories list with deadlines; admins edit the catalog and the holiday calendar."""
    cats = client.get("/api/v1/categories", headers=case.h("demo-resident")).json
    assert len(cats) == 14 and {c["name"] for c in cats} >= {"消防通道堵塞", "电动车违规充电", "井盖缺失"}
    admin = case.h("demo-district-admin")
    resp = client.patch("/api/v1/admin/categories/garbage", json={"resolve_amount": 2}, headers=admin)
    assert resp.status_code == 200 and resp.json["resolve_amount"] == 2
    assert client.patch("/api/v1/admin/categories/garbage", json={"resolve_amount": 2},
                        headers=case.h("demo-community-admin")).status_code == 403
    resp = client.post("/api/v1/admin/categories", json={
        "code": "pets", "name": "宠物扰民", "accept_amount": 4, "accept_unit": "hours",
        "resolve_amount": 2, "resolve_unit": "workdays"}, headers=admin)
    assert resp.status_code == 201
    resp = client.put("/api/v1/admin/calendar/2026-10-01", json={"is_workday": False, "note": "国庆"},
                      headers=admin)
    assert resp.json == [{"day": "2026-10-01", "is_workday": False, "note": "国庆"}]
    assert client.put("/api/v1/admin/calendar/2026-02-30", json={"is_workday": False},
                      headers=admin).status_code == 404


@pytest.mark.parametrize("openid, category, extra, query", [
    ("demo-resident", "garbage", {}, ""),  # to the grid member
    ("demo-resident", "illegal_building", {"public": False}, "?coord_type=wgs84"),  # straight to a department
    ("demo-grid-member", "noise", {"address": "体育场路 1 号"}, ""),  # staff filing in their own grid
    ("demo-community-admin", "garbage", {}, "?coord_type=gcj02"),
])
def test_filing_answer_equals_the_detail_read_back(case, openid, category, extra, query):
    """The filing answer is written without the schema's dump; it must be exactly what GET answers
    for the same report and caller (dumped through the documented schema)."""
    body = {"category": category, "description": "小区东门垃圾堆放三天无人清理", "location": CENTRE,
            "media_ids": [case.photo(openid), case.photo(openid)]} | extra
    filed = case.client.post(f"/api/v1/reports{query}", json=body, headers=case.h(openid))
    assert filed.status_code == 201, filed.json
    read = case.client.get(f"/api/v1/reports/{filed.json['id']}{query}", headers=case.h(openid))
    assert read.status_code == 200 and len(filed.json["photos"]) == 2 and filed.json["timeline"]
    assert _unsigned(filed.json) == _unsigned(read.json)


def _unsigned(answer: dict) -> dict:
    """An answer with its signed URLs' expiry and signature masked: they are minted per answer from
    the current second, so two answers a second apart differ there and nowhere else."""
    return json.loads(re.sub(r"\?e=\d+&s=[0-9a-f]+", "?e=…&s=…", json.dumps(answer, ensure_ascii=False)))
