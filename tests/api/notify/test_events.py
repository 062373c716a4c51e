"""Notifications: which steps reach whom, written in the step's own transaction, once."""

from sqlalchemy import func, select

from suishoupai.auth.models import User
from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.reports.models import Report
from tests.helpers.notify import inbox, user_id


def kinds(case, openid: str) -> list[str]:
    """The kinds in a user's inbox, newest first."""
    return [item["kind"] for item in inbox(case, openid)["items"]]


def test_report_lifecycle_reaches_the_people_concerned(case, app):
    """Filing tells the assignee; accepting and resolving tell the reporter; rating tells the resolver."""
    rid = case.file().json["id"]
    items = inbox(case, "demo-grid-member")["items"]
    assert [i["kind"] for i in items] == ["report_assigned"]
    assert items[0]["page"] == f"pages/report/detail?id={rid}" and items[0]["title"] == "新派单：垃圾堆放"
    assert "请于" in items[0]["body"] and items[0]["read_at"] is None and items[0]["delivery"] == "pending"
    case.step("demo-grid-member", rid, "accept")
    assert kinds(case, "demo-resident") == ["report_accepted"]
    case.step("demo-grid-member", rid, "resolve", media_ids=[case.photo("demo-grid-member")])
    assert kinds(case, "demo-resident") == ["report_resolved", "report_accepted"]
    case.step("demo-resident", rid, "rate", rating=4, comment="挺快的")
    assert kinds(case, "demo-grid-member") == ["report_rated", "report_assigned"]
    # nobody is told about their own step
    assert "report_rated" not in kinds(case, "demo-resident")
    body = inbox(case, "demo-grid-member")["items"][0]["body"]
    assert body == "居民对“垃圾堆放”的处理结果打了4星。评价：挺快的"


def test_a_case_in_the_community_queue_reaches_the_communitys_admins(case, app):
    """Filed where no grid is, a case is announced to that community's admins, and to nobody else;
    a case routed to a grid member is not announced to the admins at all."""
    assert case.file().status_code == 201
    assert kinds(case, "demo-community-admin") == []
    body = case.file(location={"lat": 30.2500, "lng": 120.1400, "coord_type": "gcj02"}).json
    assert body["assignee"] is None
    with app.app_context():
        db.session.add(User(openid="queue-admin", role="community_admin",
                            org_unit_id=body["community"]["id"]))
        db.session.commit()
    queued = case.file(location={"lat": 30.2500, "lng": 120.1400, "coord_type": "gcj02"}).json
    items = inbox(case, "queue-admin")["items"]
    assert [(i["kind"], i["title"], i["page"]) for i in items] == [
        ("report_assigned", "待派单：垃圾堆放", f"pages/report/detail?id={queued['id']}")]
    assert "暂无网格员" in items[0]["body"] and "请于" in items[0]["body"]
    assert "report_assigned" not in kinds(case, "demo-resident") and kinds(case, "demo-grid-member") == [
        "report_assigned"]  # the first, routed case only


def test_transfer_escalation_rejection_reopening_and_overdue(case, app):
    """Department staff, unit admins, reporter, assignee and the current holder each hear their part."""
    from suishoupai.reports.sweep import sweep
    from tests.helpers.reports import department_id

    rid = case.file().json["id"]
    case.step("demo-grid-member", rid, "accept")
    case.step("demo-grid-member", rid, "transfer", department_id=department_id(app))
    assert kinds(case, "demo-department") == ["report_transferred"]
    case.step("demo-department", rid, "escalate", reason="需要社区协调")
    assert kinds(case, "demo-community-admin") == ["report_escalated"]
    assert "需要社区协调" in inbox(case, "demo-community-admin")["items"][0]["body"]
    other = case.file("demo-resident-2").json["id"]
    case.step("demo-grid-member", other, "reject", reason="不属于受理范围")
    assert inbox(case, "demo-resident-2")["items"][0]["body"].endswith("原因：不属于受理范围")
    third = case.file(category="fire_lane").json["id"]
    with app.app_context():
        report = db.session.get(Report, third)
        sweep(now=report.created_at + (report.accept_due_at - report.created_at) * 1.2)
    assert kinds(case, "demo-grid-member")[:2] == ["report_overdue", "report_assigned"]
    assert kinds(case, "demo-community-admin")[0] == "report_escalated"
    fourth = case.file().json["id"]
    case.step("demo-grid-member", fourth, "accept")
    case.step("demo-grid-member", fourth, "resolve", media_ids=[case.photo("demo-grid-member")])
    case.step("demo-resident", fourth, "reopen", note="又堆起来了")
    assert kinds(case, "demo-grid-member")[0] == "report_reopened"
    case.step("demo-grid-member", fourth, "accept")
    case.step("demo-grid-member", fourth, "resolve", media_ids=[case.photo("demo-grid-member")])
    case.step("demo-resident", fourth, "confirm")
    item = inbox(case, "demo-grid-member")["items"][0]
    assert item["kind"] == "report_confirmed" and item["delivery"] == "skipped"  # no template: inbox only


def test_the_outbox_row_belongs_to_the_callers_transaction(case, app, nf):
    """A step rolled back leaves no notification; committed, it leaves exactly one."""
    from suishoupai.auth.models import Role
    from suishoupai.org.actor import Actor, _scope_paths
    from suishoupai.reports import service

    rid = case.file().json["id"]
    with app.app_context():
        member = db.session.get(User, user_id("demo-grid-member"))
        actor = Actor(member.id, Role.GRID_MEMBER, _scope_paths(member))
        service.accept_report(actor, rid)
        count = select(func.count()).where(nf.Notification.kind == "report_accepted")
        assert db.session.scalar(count) == 1  # flushed inside the transaction
        db.session.rollback()
        assert db.session.scalar(count) == 0
        service.accept_report(actor, rid)
        db.session.commit()
        assert db.session.scalar(count) == 1


def test_a_repeated_event_writes_nothing_and_breaks_nothing(case, app, nf):
    """The same event sent twice is one row; the duplicate never spoils the caller's transaction."""
    from suishoupai.reports import events
    from suishoupai.reports.models import ReportEvent

    rid = case.file().json["id"]
    with app.app_context():
        report = db.session.get(Report, rid)
        event = db.session.scalars(select(ReportEvent).where(
            ReportEvent.report_id == rid, ReportEvent.action == "assign")).one()
        report.description = "描述在同一事务里改过"
        events.report_assigned.send(report, event=event)
        events.report_assigned.send(report, event=event)
        key = f"report-event:{event.id}:report_assigned:{report.assignee_id}"
        assert nf.service.enqueue(report.assignee_id, "x", "t", "b", None, {}, dedupe_key=key) is None
        db.session.commit()
        assert db.session.get(Report, rid).description == "描述在同一事务里改过"
        assert db.session.scalar(select(func.count()).select_from(nf.Notification)) == 1


def test_a_duplicate_another_transaction_committed_is_skipped_alone(case, app, nf, caplog):
    """A key another transaction wrote first is skipped by the insert itself; the caller's change stands."""
    caplog.set_level("INFO", "suishoupai.notify")
    rid = case.file().json["id"]
    with app.app_context():
        with db.engine.begin() as other:  # as if a concurrent request committed the same key first
            reporter_id = other.scalar(select(Report.reporter_id).where(Report.id == rid))
            other.execute(nf.Notification.__table__.insert().values(
                user_id=reporter_id, kind="test", title="t", body="b", data="{}", dedupe_key="race",
                created_at=utcnow(), next_attempt_at=utcnow(), attempts=0, state="skipped"))
        report = db.session.get(Report, rid)
        first = db.session.scalar(select(nf.Notification.id).where(nf.Notification.dedupe_key == "race"))
        report.description = "调用方的修改"
        assert nf.service.enqueue(report.reporter_id, "test", "t", "b", None, {}, "race") is None
        assert "notification race already written" in caplog.text
        db.session.commit()
        assert db.session.get(Report, rid).description == "调用方的修改"
        assert db.session.scalars(select(nf.Notification.id).where(
            nf.Notification.dedupe_key == "race")).all() == [first]


def test_connect_is_idempotent(app, nf):
    """create_app may call connect() for every app: each signal still has the handler once."""
    from suishoupai.reports import events

    nf.handlers.connect()
    before = {action: len(signal.receivers) for action, signal in events.BY_ACTION.items()}
    nf.handlers.connect()
    nf.init_app(app)
    assert {action: len(signal.receivers) for action, signal in events.BY_ACTION.items()} == before
