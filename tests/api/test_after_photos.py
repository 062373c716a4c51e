"""Checked after-photos: recycled, copied or far-away resolution photos are flagged for the admin."""

import pytest
from sqlalchemy import func, select

from suishoupai.extensions import db
from suishoupai.org.geo import gcj02_to_wgs84
from suishoupai.reports.models import ReportFlag
from tests.helpers.media import photo_bytes, upload
from tests.helpers.reports import CENTRE, Case

GM, ADMIN = "demo-grid-member", "demo-community-admin"


@pytest.fixture
def case(client, auth, demo):
    """HTTP helpers over the seeded demo district."""
    return Case(client, auth)


def file_with(case: Case, data: bytes) -> int:
    """File a report at the demo centre with this photo; returns its id."""
    resp = case.client.post("/api/v1/reports", headers=case.h("demo-resident"), json={
        "category": "garbage", "description": "小区东门垃圾堆放三天无人清理", "location": CENTRE,
        "media_ids": [upload(case, "demo-resident", data)]})
    assert resp.status_code == 201, resp.json
    return resp.json["id"]


def resolve_with(case: Case, report_id: int, data: bytes):
    """The grid member accepts and resolves the case with an after-photo of these bytes."""
    assert case.step(GM, report_id, "accept").status_code == 200
    resp = case.step(GM, report_id, "resolve", media_ids=[upload(case, GM, data)], note="已清理")
    assert resp.status_code == 200, resp.json
    return resp


def flags(case: Case, report_id: int) -> list[tuple[str, int | None]]:
    """(kind, matched report) of the flags an admin sees on the detail."""
    detail = case.get(ADMIN, report_id).json
    return [(f["kind"], f["matched_report_id"]) for f in detail["flags"]]


def flagged(case: Case, openid: str = ADMIN, **args):
    """The community list filtered by open flags."""
    return case.client.get("/api/v1/reports", headers=case.h(openid),
                           query_string={"scope": "community", "flagged": "true"} | args)


def test_a_genuinely_different_after_photo_is_not_flagged(case, app):
    """A new picture without GPS, or with GPS at the spot, raises nothing."""
    first = file_with(case, photo_bytes(1))
    resolve_with(case, first, photo_bytes(2))
    assert flags(case, first) == []
    lat, lng = gcj02_to_wgs84(CENTRE["lat"], CENTRE["lng"])
    second = file_with(case, photo_bytes(3))
    resolve_with(case, second, photo_bytes(4, gps=(lat + 0.0005, lng)))  # ~55 m away
    assert flags(case, second) == []
    assert flagged(case).json["items"] == []


def test_a_recycled_after_photo_is_flagged_not_refused(case, app):
    """The resolver's earlier closing photo used again: the step succeeds, the case carries a flag
    naming the earlier case, the admins' queue holds it."""
    earlier = file_with(case, photo_bytes(1))
    resolve_with(case, earlier, photo_bytes(2))
    later = file_with(case, photo_bytes(3))
    resp = resolve_with(case, later, photo_bytes(2))
    assert resp.json["status"] == "resolved"
    assert flags(case, later) == [("reused_photo", earlier)]
    detail = case.get(ADMIN, later).json
    flag = detail["flags"][0]
    assert flag["label"] == "办结照片与该处理人以往的办结照片相同" and flag["distance"] == 0
    assert flag["photo"]["url"] and flag["matched_photo"]["url"] and flag["reviewed_at"] is None
    assert [i["id"] for i in flagged(case).json["items"]] == [later]
    assert [i["id"] for i in flagged(case, flagged="false").json["items"]] == [earlier]
    # the grid member who resolved it and the reporter do not see the flags
    assert "flags" not in case.get(GM, later).json
    assert "flags" not in case.get("demo-resident", later).json


def test_an_after_photo_copying_the_before_photo_is_flagged(case, app):
    """Resolving with the reporter's own picture (uploaded again) is flagged as the same as before."""
    rid = file_with(case, photo_bytes(5))
    resolve_with(case, rid, photo_bytes(5))
    assert flags(case, rid) == [("same_as_before", rid)]


def test_an_after_photo_taken_far_away_is_flagged(case, app, app_factory):
    """EXIF GPS 5 km from the report: flagged with the distance; the threshold is a setting."""
    lat, lng = gcj02_to_wgs84(CENTRE["lat"], CENTRE["lng"])
    rid = file_with(case, photo_bytes(6))
    resolve_with(case, rid, photo_bytes(7, gps=(lat + 0.045, lng)))
    detail = case.get(ADMIN, rid).json
    assert [f["kind"] for f in detail["flags"]] == ["far_from_report"]
    assert 4900 < detail["flags"][0]["distance"] < 5100 and detail["flags"][0]["matched_photo"] is None
    # with a 10 km threshold the same distance passes
    wide = Case(app_factory(AFTER_PHOTO_MAX_DISTANCE_M=10_000.0).test_client(), case.auth)
    wide.headers = case.headers
    other = file_with(wide, photo_bytes(8))
    resolve_with(wide, other, photo_bytes(9, gps=(lat + 0.045, lng)))
    assert flags(wide, other) == []


def test_admins_review_flags_out_of_the_queue(case, app):
    """Reviewing keeps the flags with the note and takes the case off the flagged list; residents may
    not filter by flags; a second review or a grid member's review is refused."""
    rid = file_with(case, photo_bytes(5))
    resolve_with(case, rid, photo_bytes(5))
    resp = flagged(case, "demo-resident", scope="mine")
    assert resp.status_code == 403 and resp.json["error"]["code"] == "report.flagged_forbidden"
    resp = case.client.post(f"/api/v1/reports/{rid}/flags/review", json={"note": "现场核实"},
                            headers=case.h(GM))
    assert resp.status_code == 409 and resp.json["error"]["code"] == "report.not_allowed"
    resp = case.client.post(f"/api/v1/reports/{rid}/flags/review", json={"note": "现场核实，确已清理"},
                            headers=case.h(ADMIN))
    assert resp.status_code == 200, resp.json
    reviewed = resp.json["flags"][0]
    assert reviewed["review_note"] == "现场核实，确已清理" and reviewed["reviewed_at"]
    assert flagged(case).json["items"] == []
    resp = case.client.post(f"/api/v1/reports/{rid}/flags/review", json={}, headers=case.h(ADMIN))
    assert resp.status_code == 409 and resp.json["error"]["code"] == "report.no_open_flags"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReportFlag)) == 1
