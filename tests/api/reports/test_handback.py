"""吹哨报到 both ways: a department hands back (退回) a case that is not its own, the dispatcher passes it
on, each party's stint shows with its clock, and the sweep tells every level it escalates through."""

from datetime import timedelta

from sqlalchemy import select

from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.org.models import OrgUnit
from suishoupai.reports.models import Report
from suishoupai.reports.sweep import sweep
from tests.helpers.notify import inbox
from tests.helpers.reports import department_id, state

GM, DEPT, CA, SA = "demo-grid-member", "demo-department", "demo-community-admin", "demo-street-admin"


def _transferred(case, app, by=GM) -> int:
    """A case the grid member accepted and the caller passed to 区城管局."""
    rid = case.file().json["id"]
    assert case.step(GM, rid, "accept").status_code == 200
    resp = case.step(by, rid, "transfer", department_id=department_id(app))
    assert resp.status_code == 200, resp.json
    return rid


def test_department_hands_back_with_a_reason_and_the_community_passes_it_on(case, app):
    """退回 needs a reason; the case goes back to the community (not dropped), the department no longer
    holds it, the community admin hears of it and finds it in their queue, then transfers it onward."""
    rid = _transferred(case, app)
    detail = case.get(GM, rid).json
    # after a transfer the detail names the department as the handler; the grid member coordinates
    assert detail["handler"]["party"] == "department" and detail["handler"]["name"] == "区城管局"
    assert detail["assignee"]["name"] == "王网格"
    assert "return" in case.get(DEPT, rid).json["actions"]

    before = state(app, rid)
    missing = case.step(DEPT, rid, "return")
    assert missing.status_code == 422 and missing.json["error"]["code"] == "report.reason_required"
    assert state(app, rid) == before
    # the department never passes a case on itself; the grid member does not either, once it is there
    for who in (DEPT, GM):
        refused = case.step(who, rid, "transfer", department_id=department_id(app, "DEMO-SJ"))
        assert refused.status_code == 409 and refused.json["error"]["code"] == "report.not_allowed"
    assert state(app, rid) == before

    back = case.step(DEPT, rid, "return", reason="占道经营不属本局职责，请转市场监管")
    assert back.status_code == 200, back.json
    assert (back.json["status"], back.json["actions"]) == ("returned", [])
    # no longer the department's work: nothing offered, out of its queue
    assert case.get(DEPT, rid).json["actions"] == []
    held = case.client.get("/api/v1/reports", query_string={"scope": "assigned"}, headers=case.h(DEPT)).json
    assert rid not in [item["id"] for item in held["items"]]
    body = case.get(CA, rid).json
    assert (body["status"], body["status_label"], body["department"]) == ("returned", "已退回", None)
    assert body["handler"]["party"] == "community" and body["handler"]["name"] == "凤起社区"
    event = body["timeline"][-1]
    assert (event["action"], event["label"]) == ("return", "退回")
    assert event["note"] == "占道经营不属本局职责，请转市场监管"
    assert event["data"] == {"department_id": department_id(app), "department": "区城管局", "to": "community"}
    assert body["actions"] == ["assign", "accept", "transfer", "escalate", "reject"]
    assert case.get(GM, rid).json["actions"] == []
    news = inbox(case, CA)["items"][0]
    assert news["kind"] == "report_returned" and "请转市场监管" in news["body"]
    queue = case.client.get("/api/v1/reports", query_string={"scope": "assigned"}, headers=case.h(CA)).json
    assert rid in [item["id"] for item in queue["items"]]
    # in the console it waits under 待派单 with the new filings, not under 待受理
    tabs = {tab: [item["id"] for item in case.client.get(
        "/api/v1/admin/queue", query_string={"tab": tab}, headers=case.h(CA)).json["items"]]
        for tab in ("dispatch", "accept")}
    assert rid in tabs["dispatch"] and rid not in tabs["accept"]

    onward = case.step(CA, rid, "transfer", department_id=department_id(app, "DEMO-SJ"))
    assert onward.status_code == 200, onward.json
    assert onward.json["handler"]["name"] == "区市场监管局" and onward.json["status"] == "transferred"
    again = case.step(CA, rid, "transfer", department_id=department_id(app, "DEMO-SJ"))
    assert again.status_code == 409 and again.json["error"]["code"] == "report.same_department"


def test_each_stint_shows_its_own_clock(case, app):
    """grid → 区城管局 → back to the community → 区市场监管局: four stints, each with its party and its
    deadlines judged; the reporter sees who holds the case, never the stints."""
    rid = _transferred(case, app)
    case.step(DEPT, rid, "return", reason="不属本局职责")
    case.step(CA, rid, "transfer", department_id=department_id(app, "DEMO-SJ"))
    stints = case.get(CA, rid).json["stints"]
    assert [(s["party"], s["name"]) for s in stints] == [
        ("grid", "凤起社区第1网格"), ("department", "区城管局"), ("community", "凤起社区"),
        ("department", "区市场监管局")]
    grid, first, community, second = stints
    assert grid["assignee"]["name"] == "王网格" and grid["accepted_at"] and grid["ended_at"]
    # accepting, handing back and passing on all answered their clocks in time; nobody owed a resolution
    assert (grid["accept"], first["accept"], community["accept"]) == ("met", "met", "met")
    assert (grid["resolve"], first["resolve"], community["resolve"]) == (None, None, None)
    assert first["accepted_at"] is None and first["ended_at"]
    assert (second["accept"], second["resolve"], second["ended_at"]) == ("pending", "pending", None)
    resident = case.get("demo-resident", rid).json
    assert resident["handler"] == {"party": "department", "party_label": "部门",
                                   "id": department_id(app, "DEMO-SJ"), "name": "区市场监管局"}
    assert "stints" not in resident


def test_a_street_dispatch_goes_back_to_the_street(case, app):
    """What the street sent to a department comes back to the street, whose admins hear of it."""
    rid = _transferred(case, app, by=SA)
    case.step(DEPT, rid, "return", reason="非本部门职责")
    body = case.get(SA, rid).json
    assert body["handler"]["party"] == "street" and body["timeline"][-1]["data"]["to"] == "street"
    assert inbox(case, SA)["items"][0]["kind"] == "report_returned"


def _answered(row: dict) -> tuple[int, int]:
    """(clocks answered in time, clocks counted) of a stats row."""
    rate = row["rates"]["response_rate"]
    return rate["numerator"], rate["denominator"]


def test_stats_count_the_departments_clock_apart_from_the_grids(case, app):
    """双考核: the department that handed the case back answered its own clock; the grid's clock is the
    grid's, counted in its row, not the department's."""
    rid = _transferred(case, app)
    case.step(DEPT, rid, "return", reason="不属本局职责")
    with app.app_context():
        district = db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == "DEMO-D"))
        grid = db.session.get(Report, rid).grid_id
    # the window ends after the case was filed (by default it ends at the current whole minute)
    end = (utcnow() + timedelta(hours=1)).isoformat()
    resp = case.client.get("/api/v1/stats/summary", query_string={"scope": f"district:{district}", "to": end},
                           headers=case.h("demo-district-admin"))
    assert resp.status_code == 200, resp.json
    body = resp.json
    (dept,) = body["by_department"]
    assert dept["name"] == "区城管局"
    assert _answered(dept) == (1, 1)
    mine = next(g for g in body["by_grid"] if g["id"] == grid)
    assert _answered(mine) == (1, 1)
    assert {s["status"]: s["count"] for s in body["by_status"]}["returned"] == 1


def test_the_sweep_tells_every_level_it_escalates_through(case, app):
    """A case first swept at twice its allowed time goes up through the community to the street: two
    escalations on the timeline, and both the community's and the street's admins hear."""
    rid = case.file(category="fire_lane").json["id"]
    with app.app_context():
        report = db.session.get(Report, rid)
        assert sweep(now=report.created_at + (report.accept_due_at - report.created_at) * 2.1) == {
            "overdue": 1, "escalated": 2, "closed": 0}
    body = case.get(SA, rid).json
    ups = [e["data"]["level"] for e in body["timeline"] if e["action"] == "escalate"]
    assert ups == [1, 2] and body["escalation_level"] == 2
    assert inbox(case, CA)["items"][0]["kind"] == "report_escalated"
    assert inbox(case, SA)["items"][0]["kind"] == "report_escalated"
    assert "街道" in inbox(case, SA)["items"][0]["title"]
