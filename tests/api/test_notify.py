"""Notifications: outbox rows with each report step, the worker against the local WeChat, the inbox API."""

import json
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from suishoupai import notify
from suishoupai.auth.models import User
from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.notify import handlers, models, policy, routes, service, worker
from suishoupai.reports.models import Report
from suishoupai.wechat.client import WeChatClient
from tests.helpers.reports import Case

FIELDS = {"thing1": "title", "thing2": "body", "time3": "created_at", "character_string4": "report_id"}
#: report_confirmed has no template: inbox only
TEMPLATES = {kind: {"template_id": f"tpl-{kind}", "fields": FIELDS} for kind in (
    "report_assigned", "report_accepted", "report_transferred", "report_escalated", "report_resolved",
    "report_rejected", "report_reopened", "report_overdue", "report_rated", "test")}
#: the worker's leases have run out by then
LATER = timedelta(seconds=400)


@pytest.fixture
def nf():
    """The notify package's parts, by short name."""
    return SimpleNamespace(init_app=notify.init_app, handlers=handlers, service=service, worker=worker,
                           routes=routes, Notification=models.Notification, QuotaMiss=models.QuotaMiss,
                           State=policy.State)


@pytest.fixture
def app(app_factory, wechat, nf):
    """An app with subscribe templates configured, the fake WeChat fresh."""
    app = app_factory(NOTIFY_TEMPLATES=json.dumps(TEMPLATES), WECHAT_MINIPROGRAM_STATE="developer",
                      NOTIFY_MAX_ATTEMPTS=3)
    wechat.reset_notify()
    return app


@pytest.fixture
def case(client, auth, demo):
    """HTTP helpers over the seeded demo district."""
    return Case(client, auth)


def user_id(openid: str) -> int:
    """A demo account's id (inside an app context)."""
    return db.session.scalar(select(User.id).where(User.openid == openid))


def inbox(case, openid: str, **args) -> dict:
    """GET /inbox as a user."""
    resp = case.client.get("/api/v1/inbox", query_string=args, headers=case.h(openid))
    assert resp.status_code == 200, resp.json
    return resp.json


def kinds(case, openid: str) -> list[str]:
    """The kinds in a user's inbox, newest first."""
    return [item["kind"] for item in inbox(case, openid)["items"]]


def enqueue(app, nf, openid: str, key: str, kind: str = "test", body: str = "正文") -> int:
    """Write and commit one notification; returns its id."""
    with app.app_context():
        notification_id = nf.service.enqueue(user_id(openid), kind, "标题", body, "pages/index/index",
                                             {"report_id": "7"}, dedupe_key=key)
        db.session.commit()
        return notification_id


def rows(app, nf) -> dict[int, SimpleNamespace]:
    """Every notification's delivery columns, by id."""
    with app.app_context():
        return {r.id: SimpleNamespace(state=r.state, attempts=r.attempts, last_error=r.last_error,
                                      next_attempt_at=r.next_attempt_at, claimed_by=r.claimed_by)
                for r in db.session.scalars(select(nf.Notification))}


def run(app, nf, **kwargs):
    """One worker batch."""
    with app.app_context():
        return nf.worker.run_once(**kwargs)


# --- the outbox is written with the change -------------------------------------------------------


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
    from suishoupai.auth.actor import Actor, _scope_paths
    from suishoupai.auth.models import Role
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


# --- the worker against the local WeChat ----------------------------------------------------------


class Crash(BaseException):
    """The worker process dying (kill -9 cannot be caught either; nothing after it runs)."""


class CrashingClient(WeChatClient):
    """The real client, whose process "dies" right after WeChat accepted a send to one openid."""

    crash_for = "demo-resident-2"

    def send_subscribe(self, openid, *args, **kwargs):
        """Send, then crash before the worker can mark the row."""
        super().send_subscribe(openid, *args, **kwargs)
        if openid == self.crash_for:
            raise Crash()


def test_worker_sends_each_row_once_with_the_template_fields(case, app, nf, wechat):
    """The send carries the template, page, state and fields cut to WeChat's limits; reruns send nothing."""
    rid = case.file(description="小区东门的垃圾已经堆放了整整三天，一直没有人来清理，气味很大").json["id"]
    assert run(app, nf)["sent"] == 1
    (sent,) = wechat.delivered
    assert sent["touser"] == "demo-grid-member" and sent["template_id"] == "tpl-report_assigned"
    assert sent["page"] == f"pages/report/detail?id={rid}" and sent["miniprogram_state"] == "developer"
    assert sent["lang"] == "zh_CN" and sent["data"]["thing1"]["value"] == "新派单：垃圾堆放"
    assert len(sent["data"]["thing2"]["value"]) == 20 and sent["data"]["thing2"]["value"].endswith("…")
    assert sent["data"]["character_string4"]["value"] == str(rid)
    assert "年" in sent["data"]["time3"]["value"]
    (row,) = rows(app, nf).values()
    assert (row.state, row.attempts, row.claimed_by) == ("sent", 1, None)
    assert inbox(case, "demo-grid-member")["items"][0]["delivery"] == "sent"
    assert sum(run(app, nf, now=utcnow() + LATER).values()) == 0
    assert len(wechat.send_calls) == 1


def test_a_worker_killed_between_send_and_mark_never_sends_twice_and_loses_nothing(app, nf, wechat, demo):
    """Killed mid-batch after WeChat took row 3: rows 1–2 stay sent, 3 becomes unconfirmed, 4–5 go later."""
    openids = ["demo-resident", "demo-grid-member", "demo-resident-2", "demo-volunteer", "demo-rider"]
    ids = [enqueue(app, nf, openid, f"k{n}") for n, openid in enumerate(openids)]
    app.extensions["wechat"] = CrashingClient(wechat.url, "wx-test-app", "wx-test-secret", 1.0)
    with pytest.raises(Crash), app.app_context():
        nf.worker.run_once(worker="w1")
    with app.app_context():
        db.session.remove()  # the dead process's session goes with it
    states = {i: r.state for i, r in rows(app, nf).items()}
    assert [states[i] for i in ids] == ["sent", "sent", "sending", "pending", "pending"]
    assert [d["touser"] for d in wechat.delivered] == openids[:3]
    # another worker, at once: the dead one's leases still hold
    assert run(app, nf, worker="w2")["claimed"] == 0 and len(wechat.send_calls) == 3
    # once the leases run out: the row in flight is not sent again, the untouched ones are
    summary = run(app, nf, worker="w2", now=utcnow() + LATER)
    assert (summary["reaped"], summary["sent"]) == (1, 2)
    after = rows(app, nf)
    assert [after[i].state for i in ids] == ["sent", "sent", "unconfirmed", "sent", "sent"]
    assert "maybe delivered" in after[ids[2]].last_error
    assert sorted(d["touser"] for d in wechat.delivered) == sorted(openids)  # each exactly once
    assert sum(run(app, nf, now=utcnow() + LATER * 2).values()) == 0


#: a worker process, as `flask notify run` runs it, on the test's database and fake WeChat
WORKER = """
import sys
from tests.helpers.app import make_app
from suishoupai import notify
from suishoupai.notify.cli import notify_cli

app = make_app(sys.argv[1], sys.argv[2], sys.argv[3], NOTIFY_TEMPLATES=sys.argv[4])
notify.init_app(app)
with app.app_context():
    notify_cli.main(["run", "--interval", "0.2"], prog_name="flask notify", standalone_mode=False)
"""


def test_a_worker_process_killed_mid_send_is_not_resent(app, nf, wechat, demo, tmp_path):
    """kill -9 while WeChat holds a send: that message stays delivered once, the rest go out later."""
    openids = ["demo-resident", "demo-resident-2", "demo-volunteer"]
    ids = [enqueue(app, nf, openid, f"kill{n}") for n, openid in enumerate(openids)]
    wechat.script["demo-resident-2"] = ["timeout"]  # WeChat takes it, then answers two seconds late
    proc = subprocess.Popen([sys.executable, "-c", WORKER, app.config["DATABASE_URL"], str(tmp_path),
                             wechat.url, json.dumps(TEMPLATES)], cwd=str(Path(__file__).parents[2]),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while len(wechat.delivered) < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
        proc.kill()  # SIGKILL: no handler, no finally, no commit
    finally:
        proc.wait(10)
        proc.stderr.close()
    assert [d["touser"] for d in wechat.delivered] == openids[:2]
    assert [r.state for i, r in sorted(rows(app, nf).items())] == ["sent", "sending", "pending"]
    summary = run(app, nf, now=utcnow() + LATER)
    assert (summary["reaped"], summary["sent"]) == (1, 1)
    assert [rows(app, nf)[i].state for i in ids] == ["sent", "unconfirmed", "sent"]
    assert sorted(d["touser"] for d in wechat.delivered) == sorted(openids)


def test_no_subscription_credit_is_recorded_without_retries_and_counted(case, app, nf, wechat):
    """43101 → no_quota at once, never retried; counted per user and kind until the client resets it."""
    wechat.script["demo-resident"] = ["43101", "43101"]
    first = enqueue(app, nf, "demo-resident", "q1")
    enqueue(app, nf, "demo-resident", "q2")
    enqueue(app, nf, "demo-resident", "q3", kind="report_resolved")
    summary = run(app, nf)
    assert (summary["no_quota"], summary["sent"]) == (2, 1)
    assert rows(app, nf)[first].state == "no_quota" and rows(app, nf)[first].attempts == 1
    assert sum(run(app, nf, now=utcnow() + LATER * 10).values()) == 0 and len(wechat.send_calls) == 3
    answer = case.client.get("/api/v1/inbox/quota", headers=case.h("demo-resident"))
    quota = {q["kind"]: q for q in answer.json}
    assert quota["test"]["missed"] == 2 and quota["test"]["template_id"] == "tpl-test"
    assert quota["test"]["last_missed_at"] and quota["report_resolved"]["missed"] == 0
    # the user subscribed again (a send goes through): the count starts again
    enqueue(app, nf, "demo-resident", "q4")
    assert run(app, nf)["sent"] == 1
    answer = case.client.get("/api/v1/inbox/quota", headers=case.h("demo-resident"))
    assert {q["kind"]: q["missed"] for q in answer.json}["test"] == 0
    # … or the client reports that wx.requestSubscribeMessage was accepted
    wechat.script["demo-resident"] = ["43101"]
    enqueue(app, nf, "demo-resident", "q5")
    assert run(app, nf)["no_quota"] == 1
    reset = case.client.post("/api/v1/inbox/quota/test/reset", headers=case.h("demo-resident"))
    assert reset.status_code == 200 and reset.json["missed"] == 0
    missing = case.client.post("/api/v1/inbox/quota/nothing_like_it/reset", headers=case.h("demo-resident"))
    assert missing.status_code == 404 and missing.json["error"]["code"] == "notify.kind_not_found"
    # others' counts are their own
    other = case.client.get("/api/v1/inbox/quota", headers=case.h("demo-resident-2")).json
    assert all(q["missed"] == 0 for q in other)


def test_transient_errors_back_off_then_fail(app, nf, wechat, demo):
    """-1, HTTP 500 and a refused connection are retried later and later, then given up at the limit."""
    row_id = enqueue(app, nf, "demo-resident", "t1")
    wechat.script["demo-resident"] = ["-1", "500", "-1"]
    start = utcnow()
    assert run(app, nf, now=start)["retry"] == 1
    first = rows(app, nf)[row_id]
    assert (first.state, first.attempts) == ("pending", 1) and first.last_error.startswith("-1: system error")
    assert timedelta(seconds=29) <= first.next_attempt_at - start <= timedelta(seconds=61)
    assert run(app, nf, now=start)["claimed"] == 0  # not due yet
    assert run(app, nf, now=start + timedelta(seconds=61))["retry"] == 1
    second = rows(app, nf)[row_id]
    assert second.attempts == 2 and "HTTP 500" in second.last_error
    waited = second.next_attempt_at - (start + timedelta(seconds=61))
    assert timedelta(seconds=59) <= waited <= timedelta(seconds=121)
    assert run(app, nf, now=start + timedelta(hours=1))["failed"] == 1  # NOTIFY_MAX_ATTEMPTS=3
    final = rows(app, nf)[row_id]
    assert final.state == "failed" and "gave up after 3 attempts" in final.last_error
    # nothing listens on port 1: the request never left, so it is retried too
    other = enqueue(app, nf, "demo-resident-2", "t2")
    app.extensions["wechat"] = WeChatClient("http://127.0.0.1:1", "wx-test-app", "wx-test-secret", 1.0)
    assert run(app, nf)["retry"] == 1
    assert rows(app, nf)[other].state == "pending" and "WeChatUnavailable" in rows(app, nf)[other].last_error


def test_rate_limit_stops_the_batch_and_gives_the_rest_back(app, nf, wechat, demo):
    """45009 (the app's daily quota) is retried later, and the run stops instead of burning the batch."""
    wechat.script["demo-resident"] = ["45009"]
    first = enqueue(app, nf, "demo-resident", "r1")
    second = enqueue(app, nf, "demo-resident-2", "r2")
    summary = run(app, nf)
    assert (summary["retry"], summary["stopped"]) == (1, 1)
    after = rows(app, nf)
    assert after[first].state == "pending" and after[first].last_error.startswith("45009")
    assert (after[second].state, after[second].claimed_by, after[second].attempts) == ("pending", None, 0)
    assert run(app, nf)["sent"] == 1  # released: the next run need not wait for the lease


def test_permanent_errors_fail_at_once(app, nf, wechat, demo):
    """47003 (bad data) and 40003 (bad openid) are recorded and never retried."""
    wechat.script["demo-resident"] = ["47003"]
    wechat.script["demo-resident-2"] = ["40003"]
    first = enqueue(app, nf, "demo-resident", "p1")
    second = enqueue(app, nf, "demo-resident-2", "p2")
    assert run(app, nf)["failed"] == 2
    after = rows(app, nf)
    assert after[first].last_error.startswith("47003") and after[second].last_error.startswith("40003")
    assert sum(run(app, nf, now=utcnow() + LATER * 10).values()) == 0


def test_an_answer_that_never_comes_is_not_resent(app, nf, wechat, demo):
    """A read timeout after WeChat took the message: unconfirmed, never sent a second time."""
    wechat.script["demo-resident"] = ["timeout"]
    row_id = enqueue(app, nf, "demo-resident", "n1")
    assert run(app, nf)["unconfirmed"] == 1
    assert rows(app, nf)[row_id].state == "unconfirmed" and "no answer" in rows(app, nf)[row_id].last_error
    assert sum(run(app, nf, now=utcnow() + LATER * 10).values()) == 0
    assert len(wechat.delivered) == 1


def test_token_is_cached_and_replaced_once_when_refused(app, nf, wechat, demo):
    """One token for many sends; a 40001 fetches a new one and repeats the send once."""
    for n in range(3):
        enqueue(app, nf, "demo-resident", f"c{n}")
    assert run(app, nf)["sent"] == 3 and wechat.tokens_issued == 1
    wechat.script["demo-resident-2"] = ["40001"]
    row_id = enqueue(app, nf, "demo-resident-2", "c9")
    assert run(app, nf)["sent"] == 1 and wechat.tokens_issued == 2
    assert [c["touser"] for c in wechat.send_calls[-2:]] == ["demo-resident-2"] * 2
    assert [c["token"] for c in wechat.send_calls[-2:]] == ["token-1", "token-2"]
    assert rows(app, nf)[row_id].attempts == 1 and len(wechat.delivered) == 4


def test_token_fetch_is_thread_safe(app, wechat):
    """Threads asking at once share one fetch."""
    client = WeChatClient(wechat.url, "wx-test-app", "wx-test-secret", 1.0)
    tokens: list[str] = []
    threads = [threading.Thread(target=lambda: tokens.append(client.access_token())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert tokens == ["token-1"] * 8 and wechat.tokens_issued == 1


def test_two_workers_share_the_outbox_without_sending_twice(app, nf, wechat, demo):
    """Concurrent workers each take their own rows; every message goes out once."""
    openids = ["demo-resident", "demo-resident-2", "demo-volunteer", "demo-rider", "demo-grid-member"]
    for n in range(30):
        enqueue(app, nf, openids[n % 5], f"m{n}")
    results: list = []

    def work(name):
        """One worker, batch after batch until nothing is left."""
        with app.app_context():
            while (summary := nf.worker.run_once(batch=4, worker=name))["claimed"]:
                results.append(summary)
            db.session.remove()

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(s["sent"] for s in results) == 30 and len(wechat.delivered) == 30
    assert all(r.state == "sent" for r in rows(app, nf).values())


def test_kinds_without_a_template_and_users_without_openid_are_inbox_only(app, nf, wechat, demo):
    """No template → skipped at once; a template removed from config later → skipped by the worker."""
    row_id = enqueue(app, nf, "demo-resident", "s1", kind="report_confirmed")
    assert rows(app, nf)[row_id].state == "skipped"
    later = enqueue(app, nf, "demo-resident", "s2", kind="report_rated")
    app.extensions["notify_templates"] = {}
    assert run(app, nf)["claimed"] == 1 and rows(app, nf)[later].state == "skipped"
    assert wechat.send_calls == []


def test_cli_runs_one_batch(app, nf, demo):
    """`flask notify run --once` delivers and says what it did."""
    from suishoupai.notify.cli import notify_cli

    enqueue(app, nf, "demo-resident", "cli")
    result = app.test_cli_runner().invoke(notify_cli, ["run", "--once", "--batch", "10"])
    assert result.exit_code == 0, result.output
    assert "发送成功 1 条" in result.output


# --- the inbox over HTTP ---------------------------------------------------------------------------


def test_inbox_pages_filters_and_marks_read_only_ones_own(case, app, nf):
    """Newest first with a cursor, unread filter and badge count; others' ids are not found."""
    mine = [enqueue(app, nf, "demo-resident", f"i{n}", body=f"第{n}条") for n in range(5)]
    theirs = enqueue(app, nf, "demo-resident-2", "other")
    first = inbox(case, "demo-resident", limit=2)
    assert [i["id"] for i in first["items"]] == mine[:-3:-1] and first["unread_count"] == 5
    second = inbox(case, "demo-resident", limit=2, cursor=first["next_cursor"])
    third = inbox(case, "demo-resident", limit=2, cursor=second["next_cursor"])
    assert [i["id"] for i in second["items"] + third["items"]] == mine[2::-1] and third["next_cursor"] is None
    h = case.h("demo-resident")
    read = case.client.post(f"/api/v1/inbox/{mine[0]}/read", headers=h)
    assert read.status_code == 200 and read.json["read_at"] and read.json["body"] == "第0条"
    again = case.client.post(f"/api/v1/inbox/{mine[0]}/read", headers=h)
    assert again.json["read_at"] == read.json["read_at"]
    unread = inbox(case, "demo-resident", unread="true")
    assert len(unread["items"]) == 4 and unread["unread_count"] == 4
    for path in (f"/api/v1/inbox/{theirs}/read", "/api/v1/inbox/2147483647/read"):
        resp = case.client.post(path, headers=h)
        assert resp.status_code == 404 and resp.json["error"]["code"] == "notify.not_found"
    assert case.client.post("/api/v1/inbox/read-all", headers=h).json == {"marked": 4}
    assert case.client.post("/api/v1/inbox/read-all", headers=h).json == {"marked": 0}
    assert inbox(case, "demo-resident-2")["unread_count"] == 1  # untouched


def test_inbox_refuses_bad_requests_clearly(case, app):
    """No token → 401; a forged cursor or an unknown parameter → 422; nothing is a 500."""
    assert case.client.get("/api/v1/inbox").status_code == 401
    h = case.h("demo-resident")
    bad = case.client.get("/api/v1/inbox?cursor=bm90LWEtY3Vyc29y", headers=h)
    assert bad.status_code == 422 and bad.json["error"]["code"] == "pagination.bad_cursor"
    assert case.client.get("/api/v1/inbox?unread=perhaps", headers=h).status_code == 422
    assert case.client.get("/api/v1/inbox?colour=red", headers=h).status_code == 422
    assert case.client.post("/api/v1/inbox/0/read", headers=h).status_code == 404


@pytest.mark.slow
def test_inbox_endpoints_hold_under_fuzzing(app, client, demo):
    """Generated requests to every inbox operation get documented, non-5xx answers."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.generation import GenerationMode

    from tests.helpers.openapi import CHECKS

    token = client.post("/api/v1/auth/dev-login", json={"openid": "demo-resident"}).json["token"]
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app).include(path_regex="^/api/v1/inbox")

    @schema.auth()
    class Resident:
        """Authenticate as the demo resident."""

        def get(self, case, context):
            """The token."""
            return token

        def set(self, case, data, context):
            """As a bearer header."""
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    def fuzz(case):
        """One generated request."""
        case.call_and_validate(checks=CHECKS)

    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 5
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)
            settings(max_examples=30, deadline=None, database=None,
                     suppress_health_check=list(HealthCheck))(given(case=strategy)(fuzz))()
