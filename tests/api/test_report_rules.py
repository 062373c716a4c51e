"""随手拍 rules around the lifecycle paths: what each step's body must hold, resolve races, the sweep on
resolve deadlines and departments, per-category escalation, handover of every kind of open case."""

import pytest
from sqlalchemy import func, select

from suishoupai.auth.models import User
from suishoupai.extensions import db
from suishoupai.media.models import Media
from suishoupai.reports.models import Report, ReportEvent, ReportHandling
from suishoupai.reports.sweep import sweep
from tests.helpers.concurrency import at_once
from tests.helpers.reports import Case, department_id, state

NOTHING = {"overdue": 0, "escalated": 0, "closed": 0}


@pytest.fixture
def case(client, auth, demo):
    """Helpers over the seeded demo district."""
    return Case(client, auth)


def _accepted(case) -> int:
    """A filed case the grid member has accepted."""
    rid = case.file().json["id"]
    assert case.step("demo-grid-member", rid, "accept").status_code == 200
    return rid


def _resolved(case) -> int:
    """A filed case resolved by the grid member."""
    rid = _accepted(case)
    case.step("demo-grid-member", rid, "resolve", media_ids=[case.photo("demo-grid-member")])
    return rid


def _free(app, media_id: int) -> bool:
    """Whether a photo is still unattached."""
    with app.app_context():
        return db.session.get(Media, media_id).attached_at is None


@pytest.mark.parametrize(("setup", "who", "step", "body", "status", "code"), [
    (_accepted, "demo-grid-member", "escalate", {}, 422, "report.reason_required"),
    (_accepted, "demo-grid-member", "escalate", {"reason": "需要协调", "level": "district"}, 422,
     "validation_error"),
    (_accepted, "demo-grid-member", "reject", {}, 422, "report.reason_required"),
    (_accepted, "demo-grid-member", "reject", {"reason": ""}, 422, "validation_error"),
    (_accepted, "demo-grid-member", "transfer", {}, 422, "report.department_required"),
    (_accepted, "demo-grid-member", "transfer", {"department_id": 987654}, 404, "org.department_not_found"),
    (_accepted, "demo-grid-member", "resolve", {"media_ids": "TEN"}, 422, "validation_error"),
    (_accepted, "demo-grid-member", "resolve", {"media_ids": "ATTACHED"}, 422, "media.already_attached"),
    (_accepted, "demo-grid-member", "resolve", {"media_ids": "MINE_AND_FOREIGN"}, 422, "media.not_owned"),
    (_accepted, "demo-grid-member", "accept", {"note": "长" * 501}, 422, "validation_error"),
    (_resolved, "demo-resident", "rate", {}, 422, "report.rating_required"),
    (_resolved, "demo-resident", "rate", {"rating": 0}, 422, "validation_error"),
    (_resolved, "demo-resident", "rate", {"rating": 6}, 422, "validation_error"),
    (_resolved, "demo-resident", "rate", {"rating": "5"}, 422, "validation_error"),
    (_resolved, "demo-resident", "rate", {"rating": 5, "comment": "好" * 201}, 422, "validation_error"),
])
def test_a_step_with_a_bad_body_changes_nothing(case, app, setup, who, step, body, status, code):
    """Each step checks its own body: a clear 4xx with a Chinese message, the case untouched and the
    step's photos left free."""
    rid = setup(case)
    mine = case.photo(who)
    if body.get("media_ids") == "TEN":
        body = {"media_ids": [case.photo(who) for _ in range(10)]}
    elif body.get("media_ids") == "ATTACHED":
        used = case.file(who).json["photos"][0]["id"]  # the resolver's own photo, on another case
        body = {"media_ids": [mine, used]}
    elif body.get("media_ids") == "MINE_AND_FOREIGN":
        body = {"media_ids": [mine, case.photo("demo-resident-2")]}
    before = state(app, rid)
    resp = case.step(who, rid, step, **body)
    assert resp.status_code == status, resp.json
    assert resp.json["error"]["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in resp.json["error"]["message"])
    assert state(app, rid) == before
    assert _free(app, mine)


@pytest.mark.slow
def test_concurrent_resolves_exactly_one_wins(case, app):
    """Grid member and community admin resolving one case at the same instant, each with an
    after-photo of their own: one resolution, one resolve event, the losers' photos stay free."""
    rid = _accepted(case)
    racers = [("demo-grid-member" if i % 2 else "demo-community-admin") for i in range(20)]
    bodies = [{"media_ids": [case.photo(who)], "note": f"第{i}人办结"} for i, who in enumerate(racers)]
    client = app.test_client()

    def resolve(who, body):
        """One resolve: its status."""
        return client.post(f"/api/v1/reports/{rid}/resolve", json=body, headers=case.h(who)).status_code

    codes = at_once(None, resolve, args=list(zip(racers, bodies, strict=True)))
    assert sorted(codes) == [200] + [409] * 19
    winner = codes.index(200)
    with app.app_context():
        events = list(db.session.scalars(select(ReportEvent).where(
            ReportEvent.report_id == rid, ReportEvent.action == "resolve")))
        assert [e.note for e in events] == [bodies[winner]["note"]]
        attached = [b["media_ids"][0] for b in bodies
                    if db.session.get(Media, b["media_ids"][0]).attached_at is not None]
        assert attached == bodies[winner]["media_ids"]
        assert db.session.get(Report, rid).status == "resolved"


def test_manual_escalation_to_the_street_and_not_back_down(case):
    """A grid member may send a case straight to the street; asking for the community after that is a
    409 that names the level reached."""
    rid = _accepted(case)
    resp = case.step("demo-grid-member", rid, "escalate", reason="涉及多个社区", level="street")
    assert resp.status_code == 200 and resp.json["escalation_level"] == 2
    assert resp.json["timeline"][-1]["data"] == {"level": 2}
    street = case.client.get("/api/v1/reports?scope=assigned", headers=case.h("demo-street-admin")).json
    assert [i["id"] for i in street["items"]] == [rid]
    again = case.step("demo-community-admin", rid, "escalate", reason="再报", level="community")
    assert again.status_code == 409 and again.json["error"]["code"] == "report.already_escalated"
    assert again.json["error"]["details"] == {"status": "escalated", "escalation_level": 2}


def _handling(app, rid) -> ReportHandling:
    """The report's current handling stint."""
    with app.app_context():
        return db.session.scalars(select(ReportHandling).where(ReportHandling.report_id == rid)
                                  .order_by(ReportHandling.id.desc())).first()


def test_sweep_on_a_missed_resolve_deadline(case, app):
    """An accepted case past its resolve deadline is marked once and escalated at 1× and 2× of its
    allowed time; the accept deadline it met is never announced."""
    rid = _accepted(case)
    stint = _handling(app, rid)
    start, allowed = stint.started_at, stint.resolve_due_at - stint.started_at
    with app.app_context():
        assert sweep(now=start + allowed * 0.9) == NOTHING
        assert sweep(now=start + allowed * 1.1) == {"overdue": 1, "escalated": 1, "closed": 0}
        assert sweep(now=start + allowed * 1.2) == NOTHING
        assert sweep(now=start + allowed * 2.1) == {"overdue": 0, "escalated": 1, "closed": 0}
        assert sweep(now=start + allowed * 5) == NOTHING
    body = case.get("demo-community-admin", rid).json
    assert body["overdue"] is True and body["escalation_level"] == 2 and body["urgency"] == "red"
    overdue = [e for e in body["timeline"] if e["action"] == "overdue"]
    assert [(e["note"], e["data"]["deadline"]) for e in overdue] == [("超过办结时限", "resolve")]
    # the escalated case keeps the resolve clock it missed: accepting again is not a fresh start
    assert _handling(app, rid).resolve_due_at == stint.resolve_due_at


def test_sweep_holds_the_department_to_its_own_clock(case, app):
    """A transferred case the department leaves unaccepted is marked against the department's
    accept deadline (not the grid's) and escalated; the grid's stint keeps no overdue mark."""
    rid = _accepted(case)
    case.step("demo-grid-member", rid, "transfer", department_id=department_id(app))
    stint = _handling(app, rid)
    assert stint.party == "department"
    with app.app_context():
        assert sweep(now=stint.accept_due_at - (stint.accept_due_at - stint.started_at) * 0.1) == NOTHING
        assert sweep(now=stint.accept_due_at + (stint.accept_due_at - stint.started_at) * 0.1) == {
            "overdue": 1, "escalated": 1, "closed": 0}
        stints = list(db.session.scalars(select(ReportHandling).where(ReportHandling.report_id == rid)
                                         .order_by(ReportHandling.id)))
        marks = [(s.party, s.accept_overdue_marked) for s in stints]
    assert marks[:2] == [("grid", False), ("department", True)]
    body = case.get("demo-department", rid).json
    assert body["status"] == "escalated" and body["overdue"] is True
    # 督办 does not take the case from the department: it may still take it up
    assert "accept" in body["actions"]


def test_escalation_follows_each_categorys_factors(case, app):
    """With 3× and 4× set on a category, the sweep marks the miss at once but escalates only at 3×;
    factors out of order are refused, alone or together, and change nothing."""
    admin = case.h("demo-district-admin")
    url = "/api/v1/admin/categories/fire_lane"
    for bad in ({"escalate_community_factor": 2.5}, {"escalate_street_factor": 0.5},
                {"escalate_community_factor": 3, "escalate_street_factor": 3}):
        resp = case.client.patch(url, json=bad, headers=admin)
        assert resp.status_code == 422 and "escalate_street_factor" in resp.json["error"]["details"]["fields"]
    cats = {c["code"]: c for c in case.client.get("/api/v1/categories", headers=admin).json}
    fire_lane = cats["fire_lane"]
    assert (fire_lane["escalate_community_factor"], fire_lane["escalate_street_factor"]) == (1, 2)
    resp = case.client.patch(url, json={"escalate_street_factor": 4}, headers=admin)
    assert resp.status_code == 200
    resp = case.client.patch(url, json={"escalate_community_factor": 3}, headers=admin)
    assert resp.json["escalate_community_factor"] == 3 and resp.json["escalate_street_factor"] == 4
    rid = case.file(category="fire_lane").json["id"]
    stint = _handling(app, rid)
    start, allowed = stint.started_at, stint.accept_due_at - stint.started_at
    with app.app_context():
        assert sweep(now=start + allowed * 1.1) == {"overdue": 1, "escalated": 0, "closed": 0}
        assert sweep(now=start + allowed * 2.9) == NOTHING
        assert sweep(now=start + allowed * 3.1) == {"overdue": 0, "escalated": 1, "closed": 0}
        assert sweep(now=start + allowed * 3.9) == NOTHING
        assert sweep(now=start + allowed * 4.1) == {"overdue": 0, "escalated": 1, "closed": 0}


def test_categories_carry_their_deadlines_and_an_after_photo_rule(case, app):
    """The catalog answers each category's deadlines; a category that needs no after-photo is
    resolved on a note alone, the others are not."""
    cats = {c["code"]: c for c in case.client.get("/api/v1/categories", headers=case.h("demo-resident")).json}
    deadlines = ("accept_amount", "accept_unit", "resolve_amount", "resolve_unit")
    assert [cats["fire_lane"][k] for k in deadlines] == [1, "hours", 4, "hours"]
    assert cats["garbage"]["resolve_unit"] == "workdays" and cats["garbage"]["needs_after_photo"] is True
    filed = case.file(category="noise").json
    case.step("demo-grid-member", filed["id"], "accept")
    assert case.step("demo-grid-member", filed["id"], "resolve", note="已劝导").status_code == 422
    resp = case.client.patch("/api/v1/admin/categories/noise", json={"needs_after_photo": False},
                             headers=case.h("demo-district-admin"))
    assert resp.status_code == 200 and resp.json["needs_after_photo"] is False
    resp = case.step("demo-grid-member", filed["id"], "resolve", note="已劝导")
    assert resp.status_code == 200 and resp.json["status"] == "resolved"
    assert resp.json["timeline"][-1]["photos"] == [] and resp.json["timeline"][-1]["note"] == "已劝导"


def test_handover_moves_every_open_case_and_leaves_closed_ones(case, app):
    """A member going on leave hands over assigned, accepted, escalated and transferred cases with
    their deadlines and statuses; closed and rejected ones stay on the member's record."""
    with app.app_context():
        gm = db.session.scalar(select(User.id).where(User.openid == "demo-grid-member"))
        other = db.session.scalar(select(User.id).where(User.openid == "demo-gm-demo-s2-c2-g02"))
    assigned = case.file().json["id"]
    accepted = _accepted(case)
    escalated = _accepted(case)
    case.step("demo-grid-member", escalated, "escalate", reason="需要社区协调")
    transferred = _accepted(case)
    case.step("demo-grid-member", transferred, "transfer", department_id=department_id(app))
    closed = _resolved(case)
    case.step("demo-resident", closed, "confirm")
    rejected = case.file().json["id"]
    case.step("demo-grid-member", rejected, "reject", reason="无效")
    open_ids = [assigned, accepted, escalated, transferred]
    before = {rid: case.get("demo-community-admin", rid).json for rid in open_ids}
    resp = case.client.post(f"/api/v1/admin/grid-members/{gm}/handover", json={"to_user_id": other},
                            headers=case.h("demo-community-admin"))
    assert resp.status_code == 200 and resp.json == {"moved": 4}
    with app.app_context():
        holders = dict(db.session.execute(select(Report.id, Report.assignee_id)
                                          .where(Report.id.in_([*open_ids, closed, rejected]))).all())
    assert holders == {**dict.fromkeys(open_ids, other), closed: gm, rejected: gm}
    for rid in open_ids:
        after = case.get("demo-community-admin", rid).json
        assert (after["accept_due_at"], after["resolve_due_at"]) == (
            before[rid]["accept_due_at"], before[rid]["resolve_due_at"]), rid
    assert case.get("demo-community-admin", transferred).json["status"] == "transferred"
    assert case.get("demo-community-admin", transferred).json["department"]["name"] == "区城管局"
    # the new holder works the moved cases; the old one no longer holds any
    mine = case.client.get("/api/v1/reports?scope=assigned", headers=case.h("demo-gm-demo-s2-c2-g02")).json
    assert {i["id"] for i in mine["items"]} >= {assigned, accepted, escalated}
    left = case.client.get("/api/v1/reports?scope=assigned", headers=case.h("demo-grid-member")).json
    assert left["items"] == []


def test_only_admins_reassign_and_hand_over(case, app):
    """A grid member or a resident cannot reassign or hand over (403), and nothing moves."""
    with app.app_context():
        gm = db.session.scalar(select(User.id).where(User.openid == "demo-grid-member"))
        other = db.session.scalar(select(User.id).where(User.openid == "demo-gm-demo-s2-c2-g02"))
    rid = case.file().json["id"]
    before = state(app, rid)
    for who in ("demo-grid-member", "demo-resident", "demo-department"):
        resp = case.client.post(f"/api/v1/admin/reports/{rid}/reassign", json={"assignee_id": other},
                                headers=case.h(who))
        assert resp.status_code == 403 and resp.json["error"]["code"] == "auth.forbidden", (who, resp.json)
        resp = case.client.post(f"/api/v1/admin/grid-members/{gm}/handover", json={"to_user_id": other},
                                headers=case.h(who))
        assert resp.status_code == 403, who
    assert state(app, rid) == before
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Report)
                                 .where(Report.assignee_id == gm)) == 1
