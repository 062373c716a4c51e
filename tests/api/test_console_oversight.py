"""The load board and the grid map over HTTP, scoped as the API."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from suishoupai.extensions import db
from suishoupai.org.models import Department
from suishoupai.reports.models import Report
from tests.helpers.reports import OTHER_STREET, Case, overdue_by


@pytest.fixture
def case(client, auth, demo):
    """Helpers over the seeded demo district."""
    return Case(client, auth)


def get(case, openid: str, path: str) -> dict:
    """GET an /admin/ page as a demo account; its body."""
    resp = case.client.get(f"/api/v1/admin/{path}", headers=case.h(openid))
    assert resp.status_code == 200, resp.json
    return resp.json


def test_the_load_board_counts_each_members_and_departments_cases(case, app):
    """The on-duty member of the centre grid holds two open cases, one overdue; a transferred case
    counts for the department; members of other communities are not on the community's board."""
    with app.app_context():
        dept = db.session.scalar(select(Department.id).where(Department.code == "DEMO-CG"))
    first, second, third = (case.file().json["id"] for _ in range(3))
    overdue_by(app, second, 2)
    case.step("demo-grid-member", third, "transfer", department_id=dept, note="占道经营")
    board = get(case, "demo-community-admin", "load")
    wang = [m for m in board["members"] if m["name"] == "王网格"]
    assert len(wang) == 1 and (wang[0]["open"], wang[0]["overdue"]) == (2, 1)
    assert wang[0]["grid"]["name"] == "凤起社区第1网格"
    with app.app_context():
        community = db.session.get(Report, first).community_id
        own_grids = set(db.session.scalars(select(Report.grid_id).where(Report.community_id == community)))
    assert all(m["grid"]["id"] in own_grids or m["open"] == 0 for m in board["members"])
    assert len(board["members"]) < len(get(case, "demo-district-admin", "load")["members"])
    cg = next(d for d in board["departments"] if d["id"] == dept)
    assert (cg["open"], cg["overdue"]) == (1, 0)
    own = get(case, "demo-department", "load")
    assert own["members"] == [] and [(d["id"], d["open"]) for d in own["departments"]] == [(dept, 1)]


def test_the_map_shows_the_callers_grids_and_open_cases(case, app):
    """Grids of the community with their load; open cases as GCJ-02 points coloured by urgency; the
    other street's case is on the district's map only."""
    mine, late = case.file().json["id"], case.file().json["id"]
    theirs = case.file(location=OTHER_STREET).json["id"]
    overdue_by(app, late, 1)
    body = get(case, "demo-community-admin", "map")
    points = {p["id"]: p for p in body["reports"]}
    assert set(points) == {mine, late} and body["truncated"] is False
    assert points[late]["urgency"] == "red" and points[mine]["urgency"] == "green"
    assert abs(points[mine]["lat"] - 30.272869) < 1e-5 and abs(points[mine]["lng"] - 120.16498) < 1e-5
    centre = next(g for g in body["grids"] if g["name"] == "凤起社区第1网格")
    assert (centre["open"], centre["overdue"]) == (2, 1)
    district = get(case, "demo-district-admin", "map")
    assert theirs in {p["id"] for p in district["reports"]}
    assert len(district["grids"]) > len(body["grids"])


def test_a_department_maps_only_its_cases(case, app):
    """Before a transfer the department's map is empty; after, it shows that case and its grid."""
    with app.app_context():
        dept = db.session.scalar(select(Department.id).where(Department.code == "DEMO-CG"))
    rid = case.file().json["id"]
    assert get(case, "demo-department", "map") == {"grids": [], "reports": [], "truncated": False}
    case.step("demo-grid-member", rid, "transfer", department_id=dept, note="占道经营")
    body = get(case, "demo-department", "map")
    assert [p["id"] for p in body["reports"]] == [rid] and [g["open"] for g in body["grids"]] == [1]


def test_residents_have_no_board_or_map(case):
    """Both are staff pages."""
    for path in ("load", "map"):
        assert case.client.get(f"/api/v1/admin/{path}", headers=case.h("demo-resident")).status_code == 403


def test_a_case_file_draws_its_grids_for_whoever_may_see_it(case, app):
    """The department a case was transferred to lists no grids (GET /admin/grids is the administrators'),
    yet its case file gets the case's grid and its community's outlines (GCJ-02, no members); a stranger
    gets a 404."""
    with app.app_context():
        dept = db.session.scalar(select(Department.id).where(Department.code == "DEMO-CG"))
    rid = case.file(public=False).json["id"]
    assert case.client.get("/api/v1/admin/grids", headers=case.h("demo-department")).json["items"] == []
    case.step("demo-grid-member", rid, "transfer", department_id=dept, note="占道经营")
    resp = case.client.get(f"/api/v1/reports/{rid}/grids", headers=case.h("demo-department"))
    assert resp.status_code == 200, resp.json
    body = resp.json
    with app.app_context():
        report = db.session.get(Report, rid)
        grid_id, community_id = report.grid_id, report.community_id
    assert body["grid_id"] == grid_id and body["coord_type"] == "gcj02"
    names = {g["id"]: g["name"] for g in body["items"]}
    assert names[grid_id] == "凤起社区第1网格" and len(names) > 1
    assert all(g["community_id"] == community_id and "members" not in g for g in body["items"])
    own = next(g for g in body["items"] if g["id"] == grid_id)
    assert own["geometry"]["type"] in ("Polygon", "MultiPolygon")
    lng, lat = own["geometry"]["coordinates"][0][0] if own["geometry"]["type"] == "Polygon" \
        else own["geometry"]["coordinates"][0][0][0]
    assert 120.1 < lng < 120.3 and 30.2 < lat < 30.4
    wgs = case.client.get(f"/api/v1/reports/{rid}/grids?coord_type=wgs84",
                          headers=case.h("demo-department")).json
    assert next(g for g in wgs["items"] if g["id"] == grid_id)["geometry"] != own["geometry"]
    stranger = case.client.get(f"/api/v1/reports/{rid}/grids", headers=case.h("demo-rider"))
    assert stranger.status_code == 404 and stranger.json["error"]["code"] == "report.not_found"
