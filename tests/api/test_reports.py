"""随手拍 over HTTP: filing, routing, every lifecycle path, scopes, lists, sweep, concurrency."""

import io
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from suishoupai.auth.models import User
from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.media.models import Media
from suishoupai.org.models import OrgUnit
from suishoupai.reports.models import Report, ReportEvent, ReportHandling
from tests.helpers.concurrency import at_once
from tests.helpers.reports import CENTRE, OTHER_STREET, Case, department_id, state


@pytest.fixture
def case(client, auth, demo):
    """Helpers over the seeded demo district."""
    return Case(client, auth)


def test_file_is_routed_to_the_on_duty_member_with_deadlines(case, app):
    """Filing answers the grid, its on-duty member and both deadlines; photos are attached."""
    resp = case.file()
    assert resp.status_code == 201, resp.json
    body = resp.json
    assert resp.headers["Location"].endswith(f"/api/v1/reports/{body['id']}")
    assert body["status"] == "assigned" and body["status_label"]
    assert body["grid"]["name"] == "凤起社区第1网格" and body["community"]["name"] == "凤起社区"
    assert body["assignee"] == {"name": "王网格", "phone": "138****1005"}
    assert body["accept_due_at"] < body["resolve_due_at"]
    assert len(body["photos"]) == 1 and body["urgency"] == "green" and body["overdue"] is False
    assert [e["action"] for e in body["timeline"]] == ["file", "assign"]
    assert body["location"]["lat"] == pytest.approx(CENTRE["lat"], abs=1e-6)
    with app.app_context():
        media = db.session.get(Media, body["photos"][0]["id"])
        assert media.attached_to == "report" and media.public


def test_path_accept_transfer_department_resolves_resident_rates(case, app):
    """file → assigned → accepted → transferred → department accepts and resolves → rated, closed."""
    rid = case.file().json["id"]
    assert case.step("demo-grid-member", rid, "accept", note="马上去看").json["status"] == "accepted"
    dept = department_id(app)
    resp = case.step("demo-grid-member", rid, "transfer", department_id=dept, note="需要城管清运")
    assert resp.json["status"] == "transferred" and resp.json["department"]["name"] == "区城管局"
    # the department now sees it: it may accept, or report it upwards
    assert case.get("demo-department", rid).json["actions"] == ["accept", "escalate"]
    assert case.step("demo-department", rid, "accept").json["status"] == "accepted"
    resp = case.step("demo-department", rid, "resolve", media_ids=[case.photo("demo-department")],
                     note="已清运完毕")
    assert resp.json["status"] == "resolved" and resp.json["resolved_at"]
    resolve_event = resp.json["timeline"][-1]
    assert resolve_event["action"] == "resolve" and len(resolve_event["photos"]) == 1
    resp = case.step("demo-resident", rid, "rate", rating=5, comment="处理很快")
    assert resp.json["status"] == "closed" and resp.json["rating"] == 5
    # each party's clock is its own: the grid's stint ended at the transfer, the department's began
    with app.app_context():
        stints = list(db.session.scalars(select(ReportHandling).where(
            ReportHandling.report_id == rid).order_by(ReportHandling.id)))
    assert [s.party for s in stints] == ["grid", "department"]
    assert stints[0].ended_at == stints[1].started_at
    assert stints[1].accepted_at and stints[1].resolved_at and stints[0].accepted_at
    # the reporter sees role and surname; staff see names
    reporter_view = [e["actor"] for e in case.get("demo-resident", rid).json["timeline"]]
    assert reporter_view == ["居民", "系统", "网格员 王", "网格员 王", "部门 孙", "部门 孙", "居民"]
    staff_view = case.get("demo-community-admin", rid).json["timeline"]
    assert {"网格员 王网格", "居民 张晓梅"} <= {e["actor"] for e in staff_view}
    # every change is an event: its step, the statuses it moved between, its note, in time order
    assert [(e["action"], e["from_status"], e["to_status"], e["note"]) for e in staff_view] == [
        ("file", None, "submitted", None), ("assign", "submitted", "assigned", None),
        ("accept", "assigned", "accepted", "马上去看"),
        ("transfer", "accepted", "transferred", "需要城管清运"),
        ("accept", "transferred", "accepted", None), ("resolve", "accepted", "resolved", "已清运完毕"),
        ("rate", "resolved", "closed", "处理很快")]
    assert [e["at"] for e in staff_view] == sorted(e["at"] for e in staff_view)
    assert staff_view[3]["data"] == {"department_id": dept, "department": "区城管局"}
    assert staff_view[-1]["data"] == {"rating": 5}


def test_the_public_never_learns_who_filed(case):
    """Another resident reading a public case sees every step, with the filer reduced to a role, even
    when the filer is staff; staff who acted appear by role and surname."""
    by_staff = case.file("demo-grid-member", location=OTHER_STREET).json["id"]
    seen = case.get("demo-resident-2", by_staff).json
    assert "reporter" not in seen and seen["timeline"][0]["actor"] == "网格员"
    by_resident = case.file().json["id"]
    case.step("demo-grid-member", by_resident, "accept", note="马上去看")
    timeline = case.get("demo-resident-2", by_resident).json["timeline"]
    assert [(e["action"], e["actor"], e["note"]) for e in timeline] == [
        ("file", "居民", None), ("assign", "系统", None), ("accept", "网格员 王", "马上去看")]
    assert "张" not in json.dumps(timeline, ensure_ascii=False)


def test_rejected_as_duplicate_links_the_original(case, app):
    """A duplicate is rejected with a reason and a link; the reporter sees why."""
    original = case.file().json["id"]
    dup = case.file("demo-resident-2").json["id"]
    resp = case.step("demo-grid-member", dup, "reject", reason="与已有案件重复", duplicate_of=original)
    assert resp.status_code == 200
    assert resp.json["status"] == "rejected" and resp.json["duplicate_of"] == original
    seen = case.get("demo-resident-2", dup).json
    assert seen["reject_reason"] == "与已有案件重复" and seen["duplicate_of"] == original
    # rejected cases leave the public board
    public = case.client.get("/api/v1/reports?scope=public", headers=case.h("demo-resident")).json
    assert dup not in [i["id"] for i in public["items"]] and original in [i["id"] for i in public["items"]]
    bad = case.step("demo-grid-member", original, "reject", reason="重复", duplicate_of=original)
    assert bad.status_code == 422 and bad.json["error"]["code"] == "report.duplicate_of_self"


def test_resolve_reopen_resolve_confirm(case):
    """A dissatisfied reporter reopens; the member resolves again; the reporter confirms."""
    rid = case.file().json["id"]
    case.step("demo-grid-member", rid, "accept")
    case.step("demo-grid-member", rid, "resolve", media_ids=[case.photo("demo-grid-member")])
    resp = case.step("demo-resident", rid, "reopen", note="垃圾又堆起来了")
    assert resp.json["status"] == "assigned" and resp.json["reopen_count"] == 1
    assert resp.json["assignee"]["name"] == "王网格" and resp.json["resolved_at"] is None
    case.step("demo-grid-member", rid, "accept")
    case.step("demo-grid-member", rid, "resolve", media_ids=[case.photo("demo-grid-member")])
    resp = case.step("demo-resident", rid, "confirm")
    assert resp.json["status"] == "closed"
    actions = [e["action"] for e in resp.json["timeline"]]
    assert actions == ["file", "assign", "accept", "resolve", "reopen", "accept", "resolve", "confirm"]


def test_reopen_window_and_single_rating(case, app):
    """Reopening after the window → 409; rating twice → 409; nothing changes."""
    rid = case.file().json["id"]
    case.step("demo-grid-member", rid, "accept")
    case.step("demo-grid-member", rid, "resolve", media_ids=[case.photo("demo-grid-member")])
    with app.app_context():
        db.session.execute(update(Report).where(Report.id == rid)
                           .values(resolved_at=utcnow() - timedelta(days=30)))
        db.session.commit()
    before = state(app, rid)
    resp = case.step("demo-resident", rid, "reopen")
    assert resp.status_code == 409 and resp.json["error"]["code"] == "report.reopen_window_passed"
    assert state(app, rid) == before
    assert case.step("demo-resident", rid, "rate", rating=4).status_code == 200
    again = case.step("demo-resident", rid, "rate", rating=1)
    assert again.status_code == 409 and again.json["error"]["code"] == "report.already_rated"


def test_resolving_needs_an_after_photo_of_ones_own(case, app):
    """No after-photo → 422; someone else's photo → 422; the case stays accepted."""
    rid = case.file().json["id"]
    case.step("demo-grid-member", rid, "accept")
    resp = case.step("demo-grid-member", rid, "resolve", note="好了")
    assert resp.status_code == 422 and resp.json["error"]["code"] == "report.after_photo_required"
    resp = case.step("demo-grid-member", rid, "resolve", media_ids=[case.photo("demo-resident")])
    assert resp.status_code == 422 and resp.json["error"]["code"] == "media.not_owned"
    assert state(app, rid)[0] == "accepted"


def test_overdue_sweep_escalates_then_changes_nothing(case, app):
    """Past the accept deadline the sweep marks, then escalates at 1× and 2×; reruns are no-ops."""
    from suishoupai.reports.sweep import sweep

    rid = case.file(category="fire_lane").json["id"]  # accept within 1 hour
    with app.app_context():
        report = db.session.get(Report, rid)
        started, due = report.created_at, report.accept_due_at
        allowed = due - started
        assert sweep(now=started + allowed * 0.5) == {"overdue": 0, "escalated": 0, "closed": 0}
        first = sweep(now=started + allowed * 1.2)
        assert first == {"overdue": 1, "escalated": 1, "closed": 0}
        assert sweep(now=started + allowed * 1.3) == {"overdue": 0, "escalated": 0, "closed": 0}
        assert sweep(now=started + allowed * 2.5) == {"overdue": 0, "escalated": 1, "closed": 0}
        assert sweep(now=started + allowed * 2.6) == {"overdue": 0, "escalated": 0, "closed": 0}
        db.session.expire_all()
        report = db.session.get(Report, rid)
        assert report.status == "escalated" and report.escalation_level == 2 and report.overdue
    body = case.get("demo-street-admin", rid).json
    assert [e["action"] for e in body["timeline"]][-3:] == ["overdue", "escalate", "escalate"]
    assert body["urgency"] == "red"
    listed = case.client.get("/api/v1/reports?scope=assigned", headers=case.h("demo-street-admin")).json
    assert [i["id"] for i in listed["items"]] == [rid]
    # the street admin takes charge and resolves it
    assert case.step("demo-street-admin", rid, "accept").json["status"] == "accepted"


def test_sweep_cli_closes_unanswered_resolved_cases(case, app):
    """Resolved cases left unconfirmed past the configured days are closed by `flask reports sweep`."""
    rid = case.file().json["id"]
    case.step("demo-grid-member", rid, "accept")
    case.step("demo-grid-member", rid, "resolve", media_ids=[case.photo("demo-grid-member")])
    with app.app_context():
        db.session.execute(update(Report).where(Report.id == rid)
                           .values(resolved_at=utcnow() - timedelta(days=8)))
        db.session.commit()
    runner = app.test_cli_runner()
    assert "自动结案 1 件" in runner.invoke(args=["reports", "sweep"]).output
    assert "超时 0 件，自动上报 0 件，自动结案 0 件" in runner.invoke(args=["reports", "sweep"]).output
    assert case.get("demo-resident", rid).json["status"] == "closed"


#: same community, another grid; another street's grid; a department the case is never sent to
SAME_COMMUNITY_MEMBER, OTHER_STREET_MEMBER, OTHER_DEPARTMENT = (
    "demo-gm-demo-s2-c2-g02", "another street's member", "zj-inspector")
ROLES = ["demo-resident", "demo-resident-2", "demo-grid-member", SAME_COMMUNITY_MEMBER, OTHER_STREET_MEMBER,
         "demo-department", OTHER_DEPARTMENT, "demo-community-admin", "demo-street-admin",
         "demo-district-admin"]
STEPS = {"accept": {}, "transfer": {"department_id": "DEPT"}, "escalate": {"reason": "需要协调"},
         "resolve": {"media_ids": "PHOTO"}, "reject": {"reason": "无效"}, "reopen": {},
         "confirm": {}, "rate": {"rating": 3}}
#: (role, status) → the steps that succeed; every other combination must fail and change nothing
ALLOWED = {
    **{(staff, "assigned"): {"accept", "transfer", "escalate", "reject"}
       for staff in ("demo-grid-member", "demo-community-admin", "demo-street-admin")},
    ("demo-district-admin", "assigned"): {"accept", "transfer", "reject"},  # nobody above to escalate to
    **{(staff, "accepted"): {"transfer", "escalate", "resolve", "reject"}
       for staff in ("demo-grid-member", "demo-community-admin", "demo-street-admin")},
    ("demo-district-admin", "accepted"): {"transfer", "resolve", "reject"},
    **{(staff, "transferred"): {"escalate"}
       for staff in ("demo-grid-member", "demo-community-admin", "demo-street-admin")},
    ("demo-grid-member", "escalated"): {"accept"},
    **{(admin, "escalated"): {"accept", "transfer", "escalate", "reject"}
       for admin in ("demo-community-admin", "demo-street-admin")},
    ("demo-district-admin", "escalated"): {"accept", "transfer", "reject"},
    ("demo-department", "transferred"): {"accept", "escalate"},
    ("demo-resident", "resolved"): {"reopen", "confirm", "rate"},
    ("demo-resident", "closed"): {"reopen", "rate"},
}


def outside(role: str, status: str) -> bool:
    """Whether the case is outside the role's working scope, so any step on it is a 404."""
    return role in ("demo-resident-2", SAME_COMMUNITY_MEMBER, OTHER_STREET_MEMBER, OTHER_DEPARTMENT) or (
        role == "demo-department" and status != "transferred")


def _case_in(case, app, status):
    """A fresh report driven to a status."""
    rid = case.file().json["id"]
    if status in ("accepted", "resolved", "closed"):
        case.step("demo-grid-member", rid, "accept")
    if status == "transferred":
        case.step("demo-grid-member", rid, "transfer", department_id=department_id(app))
    if status in ("resolved", "closed"):
        case.step("demo-grid-member", rid, "resolve", media_ids=[case.photo("demo-grid-member")])
    if status == "closed":
        case.step("demo-resident", rid, "confirm")
    if status == "rejected":
        case.step("demo-grid-member", rid, "reject", reason="无效")
    if status == "escalated":
        case.step("demo-grid-member", rid, "escalate", reason="需要社区协调")
    assert state(app, rid)[0] == status
    return rid


@pytest.mark.parametrize("status", ["assigned", "accepted", "transferred", "escalated", "resolved", "closed",
                                    "rejected"])
def test_every_role_every_step(case, app, status):
    """Each step by each role: allowed ones work; on a case outside the role's scope every step is a
    404; inside it, a refused step is a 409 naming the current status. Refusals change nothing,
    and a refused resolve leaves its photo free. One case serves a role until a step succeeds."""
    with app.app_context():
        db.session.add(User(openid=OTHER_DEPARTMENT, role="department", real_name="钱督查",
                            department_id=department_id(app, "DEMO-ZJ")))
        db.session.commit()
        other_street = db.session.scalar(select(User.openid).where(User.openid.like("demo-gm-demo-s1-%")))
    case.headers[OTHER_STREET_MEMBER] = case.h(other_street)
    for role in ROLES:
        rid = None
        for name, template in STEPS.items():
            rid = rid or _case_in(case, app, status)
            body = dict(template)
            if body.get("department_id") == "DEPT":
                body["department_id"] = department_id(app)
            if body.get("media_ids") == "PHOTO":
                body["media_ids"] = [case.photo(role)]
            before = state(app, rid)
            resp = case.step(role, rid, name, **body)
            if name in ALLOWED.get((role, status), set()):
                assert resp.status_code == 200, (role, status, name, resp.json)
                rid = None  # the case moved on: the next step gets a fresh one
                continue
            where = (role, status, name, resp.json)
            assert state(app, rid) == before, where
            if outside(role, status):
                assert resp.status_code == 404 and resp.json["error"]["code"] == "report.not_found", where
            else:
                assert resp.status_code == 409, where
                assert resp.json["error"]["details"]["status"] == status, where
                refusals = ("report.illegal_transition", "report.not_allowed")
                assert resp.json["error"]["code"] in refusals, where
            if "media_ids" in body:
                with app.app_context():
                    assert db.session.get(Media, body["media_ids"][0]).attached_at is None, where


def test_private_reports_are_not_found_for_others(case):
    """A non-public report is 404 to other residents; a public one hides who filed it."""
    private = case.file(public=False).json["id"]
    public = case.file().json["id"]
    resp = case.get("demo-resident-2", private)
    assert resp.status_code == 404 and resp.json["error"]["code"] == "report.not_found"
    seen = case.get("demo-resident-2", public).json
    assert "reporter" not in seen and seen["address"] is None and seen["assignee"] is None
    assert seen["actions"] == [] and seen["location"]["lat"] == round(seen["location"]["lat"], 3)
    assert case.get("demo-resident", private).status_code == 200
    assert case.get("demo-grid-member", private).status_code == 200
    board = case.client.get("/api/v1/reports?scope=public", headers=case.h("demo-resident-2")).json
    assert [i["id"] for i in board["items"]] == [public]
    staffs = case.client.get("/api/v1/reports?scope=grid", headers=case.h("demo-grid-member")).json
    assert [i["id"] for i in staffs["items"]] == [public, private]


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


@pytest.mark.slow
def test_concurrent_accepts_exactly_one_wins(case, app):
    """Many grid staff accepting one report at the same instant: exactly one 200, the rest 409."""
    rid = case.file().json["id"]
    headers = case.h("demo-grid-member")
    admin = case.h("demo-community-admin")
    client = app.test_client()

    def accept(h):
        """One accept: its status."""
        return client.post(f"/api/v1/reports/{rid}/accept", json={}, headers=h).status_code

    codes = at_once(None, accept, args=[(headers if i % 2 else admin,) for i in range(50)])
    assert sorted(codes) == [200] + [409] * 49
    with app.app_context():
        accepts = db.session.scalar(select(func.count()).where(
            ReportEvent.report_id == rid, ReportEvent.action == "accept"))
    assert accepts == 1


def test_rejected_report_photos_leave_the_board(case, app):
    """A public report's photo is served openly until the report is rejected."""
    body = case.file().json
    path = "/" + body["photos"][0]["url"].split("://", 1)[1].split("/", 1)[1]
    assert case.client.get(path).status_code == 200
    case.step("demo-grid-member", body["id"], "reject", reason="含他人隐私")
    assert case.client.get(path).status_code == 404


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


def test_reopen_returns_a_department_case_to_the_department(case, app):
    """违章搭建 resolved by 住建局 and reopened goes back to 住建局, not to nobody."""
    rid = case.file(category="illegal_building").json["id"]
    with app.app_context():
        inspector = User(openid="zj-inspector", role="department", real_name="钱督查",
                         department_id=department_id(app, "DEMO-ZJ"))
        db.session.add(inspector)
        db.session.commit()
    case.step("zj-inspector", rid, "accept")
    case.step("zj-inspector", rid, "resolve", media_ids=[case.photo("zj-inspector")])
    resp = case.step("demo-resident", rid, "reopen", note="违建还在")
    assert resp.json["status"] == "transferred" and resp.json["department"]["name"] == "区住建局"
    assert case.get("zj-inspector", rid).json["actions"] == ["accept", "escalate"]


def test_step_photos_distinct_and_reused_photo_files_again(case, app):
    """The same photo twice in a step → 422; a photo used before can be uploaded and used again."""
    rid = case.file().json["id"]
    case.step("demo-grid-member", rid, "accept")
    photo = case.photo("demo-grid-member")
    resp = case.step("demo-grid-member", rid, "resolve", media_ids=[photo, photo])
    assert resp.status_code == 422 and "media_ids" in resp.json["error"]["details"]["fields"]
    first = case.file().json
    with app.app_context():
        media = db.session.get(Media, first["photos"][0]["id"])
        data = storage_bytes(media)
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), filename="again.jpg")})
    again = case.client.post("/api/v1/media", data=body, headers=case.h("demo-resident"),
                             content_type=f"multipart/form-data; boundary={boundary}").json["id"]
    assert again != first["photos"][0]["id"]


def storage_bytes(media):
    """The stored display variant of a photo (a JPEG any upload would accept)."""
    from suishoupai.media import storage

    return storage().get(media.display_key)


def test_duplicate_of_must_stand(case):
    """A case cannot be rejected as a duplicate of a rejected one (no chains)."""
    first = case.file().json["id"]
    second = case.file().json["id"]
    third = case.file().json["id"]
    case.step("demo-grid-member", second, "reject", reason="重复", duplicate_of=first)
    resp = case.step("demo-grid-member", third, "reject", reason="重复", duplicate_of=second)
    assert resp.status_code == 422 and resp.json["error"]["code"] == "report.bad_duplicate_of"


def test_staff_cannot_handle_their_own_report(case):
    """A grid member who files in their own grid is its reporter, not its handler."""
    rid = case.file("demo-grid-member").json["id"]
    resp = case.step("demo-grid-member", rid, "accept")
    assert resp.status_code == 409 and resp.json["error"]["code"] == "report.not_allowed"
    assert case.step("demo-community-admin", rid, "accept").status_code == 200


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
