"""随手拍 over HTTP: reassignment, handover and the community queue."""

from datetime import timedelta

from sqlalchemy import select

from suishoupai.auth.models import User
from suishoupai.extensions import db
from suishoupai.org.models import OrgUnit
from suishoupai.reports.models import Report
from tests.helpers.reports import department_id


def test_reassign_and_handover_keep_deadlines(case, app):
    """An admin reassigns one case, then hands over all open cases; deadlines are unchanged."""
    with app.app_context():
        grid = db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == "DEMO-S2-C2-G02"))
        other = db.session.scalar(select(User.id).where(User.openid == "demo-gm-demo-s2-c2-g02"))
        demo_gm = db.session.scalar(select(User.id).where(User.openid == "demo-grid-member"))
        foreign = db.session.scalar(select(User.id).where(User.openid.like("demo-gm-demo-s1-%")))
    first = case.file().json
    second = case.file().json
    resp = case.client.post(f"/api/v1/admin/reports/{first['id']}/reassign", json={"assignee_id": other},
                            headers=case.h("demo-community-admin"))
    assert resp.status_code == 200
    assert resp.json["grid"]["id"] == grid and resp.json["assignee"]["name"].endswith("网格员")
    assert resp.json["accept_due_at"] == first["accept_due_at"]
    assert resp.json["resolve_due_at"] == first["resolve_due_at"]
    resp = case.client.post(f"/api/v1/admin/reports/{first['id']}/reassign", json={"assignee_id": foreign},
                            headers=case.h("demo-community-admin"))
    assert resp.status_code == 404
    resp = case.client.post(f"/api/v1/admin/grid-members/{demo_gm}/handover", json={"to_user_id": other},
                            headers=case.h("demo-community-admin"))
    assert resp.json == {"moved": 1}
    moved = case.get("demo-community-admin", second["id"]).json
    assert moved["assignee"]["name"].endswith("网格员") and moved["accept_due_at"] == second["accept_due_at"]


def test_reassign_stays_in_the_community_and_takes_the_case_back(case, app):
    """Reassigning across communities is refused; reassigning a transferred case frees it from the
    department, and the grid member can then accept and resolve it."""
    with app.app_context():
        other_community = db.session.scalar(select(User.id).where(User.openid == "demo-gm-demo-s2-c1-g01"))
        same_community = db.session.scalar(select(User.id).where(User.openid == "demo-gm-demo-s2-c2-g02"))
    rid = case.file().json["id"]
    admin = case.h("demo-street-admin")
    url = f"/api/v1/admin/reports/{rid}/reassign"
    assert case.client.post(url, json={"assignee_id": other_community}, headers=admin).status_code == 404
    case.step("demo-grid-member", rid, "transfer", department_id=department_id(app))
    case.step("demo-grid-member", rid, "escalate", reason="部门未响应")
    resp = case.client.post(url, json={"assignee_id": same_community}, headers=admin)
    assert resp.status_code == 200 and resp.json["department"] is None
    other = "demo-gm-demo-s2-c2-g02"
    assert case.step(other, rid, "accept").status_code == 200
    assert case.step(other, rid, "resolve", media_ids=[case.photo(other)]).json["status"] == "resolved"


def test_overdue_survives_reassignment(case, app):
    """A case the sweep marked overdue stays overdue when an admin reassigns it (same clock)."""
    from suishoupai.reports.sweep import sweep

    rid = case.file(category="fire_lane").json["id"]
    with app.app_context():
        report = db.session.get(Report, rid)
        sweep(now=report.accept_due_at + timedelta(minutes=1))
        other = db.session.scalar(select(User.id).where(User.openid == "demo-gm-demo-s2-c2-g02"))
    resp = case.client.post(f"/api/v1/admin/reports/{rid}/reassign", json={"assignee_id": other},
                            headers=case.h("demo-community-admin"))
    assert resp.json["overdue"] is True
    listed = case.client.get("/api/v1/reports?scope=community&status=overdue",
                             headers=case.h("demo-community-admin")).json
    assert [i["id"] for i in listed["items"]] == [rid]


def test_community_queue_is_taken_by_admins(case, app):
    """A report in no grid waits in the community's queue, where its admin accepts it."""
    body = case.file(location={"lat": 30.2500, "lng": 120.1400, "coord_type": "gcj02"}).json
    with app.app_context():
        code = db.session.get(OrgUnit, body["community"]["id"]).code
        admin = User(openid="queue-admin", role="community_admin",
                     org_unit_id=body["community"]["id"])
        db.session.add(admin)
        db.session.commit()
    assert code.startswith("DEMO-")
    assert case.get("queue-admin", body["id"]).json["actions"] == [
        "assign", "accept", "transfer", "escalate", "reject"]
    assert case.step("queue-admin", body["id"], "accept").json["status"] == "accepted"
