"""随手拍 over HTTP: who may take which step, who may see what."""

import json

import pytest
from sqlalchemy import select

from suishoupai.auth.models import User
from suishoupai.extensions import db
from suishoupai.media.models import Media
from tests.helpers.reports import OTHER_STREET, department_id, state


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


#: same community, another grid; another street's grid; a department the case is never sent to
SAME_COMMUNITY_MEMBER, OTHER_STREET_MEMBER, OTHER_DEPARTMENT = (
    "demo-gm-demo-s2-c2-g02", "another street's member", "zj-inspector")


ROLES = ["demo-resident", "demo-resident-2", "demo-grid-member", SAME_COMMUNITY_MEMBER, OTHER_STREET_MEMBER,
         "demo-department", OTHER_DEPARTMENT, "demo-community-admin", "demo-street-admin",
         "demo-district-admin"]


STEPS = {"accept": {}, "transfer": {"department_id": "DEPT"}, "return": {"reason": "不属本部门职责"},
         "escalate": {"reason": "需要协调"},
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
    # a department's case is passed on by the dispatcher's admins only (onward transfer)
    ("demo-grid-member", "transferred"): {"escalate"},
    **{(admin, "transferred"): {"transfer", "escalate"}
       for admin in ("demo-community-admin", "demo-street-admin")},
    ("demo-district-admin", "transferred"): {"transfer"},
    ("demo-grid-member", "escalated"): {"accept"},
    **{(admin, "escalated"): {"accept", "transfer", "escalate", "reject"}
       for admin in ("demo-community-admin", "demo-street-admin")},
    ("demo-district-admin", "escalated"): {"accept", "transfer", "reject"},
    ("demo-department", "transferred"): {"accept", "return", "escalate"},
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
                # onward from a department's case goes to another department
                onward = "DEMO-SJ" if status == "transferred" else "DEMO-CG"
                body["department_id"] = department_id(app, onward)
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


def test_staff_cannot_handle_their_own_report(case):
    """A grid member who files in their own grid is its reporter, not its handler."""
    rid = case.file("demo-grid-member").json["id"]
    resp = case.step("demo-grid-member", rid, "accept")
    assert resp.status_code == 409 and resp.json["error"]["code"] == "report.not_allowed"
    assert case.step("demo-community-admin", rid, "accept").status_code == 200
