"""Notifications: the worker sends each row once, through crashes, errors, limits and tokens."""

import json
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.wechat.client import WeChatClient
from tests.helpers.notify import TEMPLATES, enqueue, inbox

#: the worker's leases have run out by then
LATER = timedelta(seconds=400)


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
                             wechat.url, json.dumps(TEMPLATES)], cwd=str(Path(__file__).parents[3]),
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
