"""随手拍 over HTTP: each lifecycle path, from filing to closing, and the overdue sweep."""

import io
from datetime import UTC, timedelta

import pytest
from sqlalchemy import func, select, update
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from suishoupai.auth.models import User
from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.media.models import Media
from suishoupai.reports.models import Report, ReportEvent, ReportHandling
from tests.helpers.concurrency import at_once
from tests.helpers.reports import CENTRE, department_id, state


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
    """file → assigned → accepted → transferred → department accepts and resolves → rated."""
    rid = case.file().json["id"]
    assert case.step("demo-grid-member", rid, "accept", note="马上去看").json["status"] == "accepted"
    dept = department_id(app)
    resp = case.step("demo-grid-member", rid, "transfer", department_id=dept, note="需要城管清运")
    assert resp.json["status"] == "transferred" and resp.json["department"]["name"] == "区城管局"
    # the department now sees it: it may accept, or report it upwards
    assert case.get("demo-department", rid).json["actions"] == ["accept", "return", "escalate"]
    assert case.step("demo-department", rid, "accept").json["status"] == "accepted"
    resp = case.step("demo-department", rid, "resolve", media_ids=[case.photo("demo-department")],
                     note="已清运完毕")
    assert resp.json["status"] == "resolved" and resp.json["resolved_at"]
    resolve_event = resp.json["timeline"][-1]
    assert resolve_event["action"] == "resolve" and len(resolve_event["photos"]) == 1
    resp = case.step("demo-resident", rid, "rate", rating=5, comment="处理很快")
    # a rating judges the work and leaves the case resolved: it closes when the reporter confirms
    assert resp.json["status"] == "resolved" and resp.json["rating"] == 5
    assert resp.json["actions"] == ["reopen", "confirm"]
    # each party's clock is its own: the grid's stint ended at the transfer, the department's began
    with app.app_context():
        stints = list(db.session.scalars(select(ReportHandling).where(
            ReportHandling.report_id == rid).order_by(ReportHandling.id)))
    assert [s.party for s in stints] == ["grid", "department"]
    assert stints[0].ended_at == stints[1].started_at
    assert stints[1].accepted_at and stints[1].resolved_at and stints[0].accepted_at
    # the reporter sees role and surname; staff see names
    reporter_view = [e["actor"] for e in case.get("demo-resident", rid).json["timeline"]]
    assert reporter_view == ["居民", "系统", "网格员 王", "网格员 王", "职能部门 孙", "职能部门 孙", "居民"]
    staff_view = case.get("demo-community-admin", rid).json["timeline"]
    assert {"网格员 王网格", "居民 张晓梅"} <= {e["actor"] for e in staff_view}
    # every change is an event: its step, the statuses it moved between, its note, in time order
    assert [(e["action"], e["from_status"], e["to_status"], e["note"]) for e in staff_view] == [
        ("file", None, "submitted", None), ("assign", "submitted", "assigned", None),
        ("accept", "assigned", "accepted", "马上去看"),
        ("transfer", "accepted", "transferred", "需要城管清运"),
        ("accept", "transferred", "accepted", None), ("resolve", "accepted", "resolved", "已清运完毕"),
        ("rate", "resolved", "resolved", "处理很快")]
    assert [e["at"] for e in staff_view] == sorted(e["at"] for e in staff_view)
    assert staff_view[3]["data"] == {"department_id": dept, "department": "区城管局",
                                     "dispatcher": "community"}
    assert staff_view[-1]["data"] == {"rating": 5}


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


def test_sweep_now_lets_time_pass(case, app):
    """`--now` judges the deadlines at a later moment (the SLA demo): a fresh case is late then, and
    nothing is late now; a bad moment is refused with the option named."""
    rid = case.file().json["id"]
    runner = app.test_cli_runner()
    assert "超时 0 件" in runner.invoke(args=["reports", "sweep"]).output
    later = (utcnow() + timedelta(days=3)).astimezone(UTC).isoformat()
    assert "超时 1 件" in runner.invoke(args=["reports", "sweep", "--now", later]).output
    body = case.get("demo-grid-member", rid).json
    assert body["overdue"] is True and "overdue" in [e["action"] for e in body["timeline"]]
    bad = runner.invoke(args=["reports", "sweep", "--now", "next tuesday"])
    assert bad.exit_code == 2 and "--now" in bad.output


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
    assert case.get("zj-inspector", rid).json["actions"] == ["accept", "return", "escalate"]


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
