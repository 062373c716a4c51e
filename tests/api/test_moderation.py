"""Content security against the local WeChat: text verdicts, photo callbacks over HTTP, the queue, retries."""

import hashlib
import secrets
import time
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from suishoupai.auth.models import Role, User
from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.media.models import Media
from suishoupai.moderation import worker
from suishoupai.org.models import OrgUnit
from suishoupai.reports.models import Report
from tests.helpers.concurrency import at_once
from tests.helpers.moderation import TOKEN, checks, public_ids, trace_of
from tests.helpers.moderation import web as web  # noqa: F401 - the served app, a fixture
from tests.helpers.reports import Case
from tests.helpers.wishes import Wishes

#: the worker's clock once every backoff and lease has run out
LATER = timedelta(hours=3)


#: the submission's budget for content checks: long enough that a busy machine never runs out of it
#: on a good answer (a text check left pending would keep a case off the board); the tests of the
#: budget itself shrink it with @pytest.mark.sync_budget(seconds), below the fake's slow answers
BUDGET = 30.0


@pytest.fixture
def app(app_factory, web, request):
    """Moderation through WeChat, pushes signed with TOKEN, photos fetched from the served app."""
    marker = request.node.get_closest_marker("sync_budget")
    app = app_factory(MODERATION_PROVIDER="wechat", MODERATION_CALLBACK_TOKEN=TOKEN,
                      MODERATION_MEDIA_BASE_URL=web.url,
                      MODERATION_SYNC_TIMEOUT=marker.args[0] if marker else BUDGET)
    web.holder["app"] = app
    return app


@pytest.fixture
def case(client, auth, demo):
    """Report helpers over the demo district."""
    return Case(client, auth)


def push(web, wechat, event, **kwargs):
    """A message push from WeChat to the served app."""
    return wechat.push(f"{web.url}/wechat/push", TOKEN, event, **kwargs)


def signed_query() -> dict:
    """signature, timestamp and a new nonce as WeChat puts them on a push to us."""
    ts, nonce = str(int(time.time())), secrets.token_hex(5)
    return {"signature": hashlib.sha1("".join(sorted([TOKEN, ts, nonce])).encode()).hexdigest(),
            "timestamp": ts, "nonce": nonce}


def inbox_kinds(case, openid) -> list[str]:
    """The kinds in a user's inbox."""
    return [i["kind"] for i in case.client.get("/api/v1/inbox", headers=case.h(openid)).json["items"]]


def run_worker(app, later=LATER):
    """One batch of `flask moderation run` with the clock moved on."""
    with app.app_context():
        return worker.run_once("test-worker", now=utcnow() + later)


def test_text_passes_at_once_photo_waits_for_the_signed_callback(case, app, web, wechat):
    """The text is checked within the request; the report is public only once the photo's verdict arrives."""
    resp = case.file()
    assert resp.status_code == 201, resp.json
    rid = resp.json["id"]
    assert resp.json["moderation"] == "pending"
    text, photo = wechat.sec_calls
    assert text["path"] == "/wxa/msg_sec_check" and text["content"] == "小区东门垃圾堆放三天无人清理"
    assert (text["version"], text["scene"], text["openid"]) == (2, 3, "demo-resident")
    assert photo["path"] == "/wxa/media_check_async"
    assert (photo["media_type"], photo["version"], photo["openid"]) == (2, 2, "demo-resident")
    # the URL handed to WeChat is absolute, signed, and fetchable without logging in
    assert photo["media_url"].startswith(web.url + "/media/display/")
    fetched = requests.get(photo["media_url"], timeout=10)
    assert fetched.status_code == 200 and fetched.headers["Content-Type"] == "image/jpeg"
    assert [c.status for c in checks(app, subject_id=rid)] == ["pass", "pending"]
    # the photo stays private while its verdict is awaited, and the filing answer says so (signed URL)
    assert "?e=" in resp.json["photos"][0]["url"]
    with app.app_context():
        assert db.session.get(Media, resp.json["photos"][0]["id"]).public is False
    # hidden from others while pending; the author sees it; staff work it
    assert rid not in public_ids(case)
    assert case.get("demo-resident-2", rid).status_code == 404
    assert case.get("demo-resident", rid).json["moderation"] == "pending"
    assert case.step("demo-grid-member", rid, "accept").json["status"] == "accepted"
    answer = push(web, wechat, wechat.media_event(trace_of(app, rid), "pass"))
    assert answer.status_code == 200 and answer.text == "success"
    assert rid in public_ids(case)
    seen = case.get("demo-resident-2", rid)
    assert seen.status_code == 200 and seen.json["moderation"] == "pass"
    # the photo is public now: served without a signature
    assert "?" not in seen.json["photos"][0]["url"]
    with app.app_context():
        assert db.session.get(Media, seen.json["photos"][0]["id"]).public is True


def test_push_with_a_bad_signature_is_refused_and_changes_nothing(case, app, web, wechat):
    """Wrong or missing signature → 403 with a zh-CN message; the URL check echoes only when signed."""
    rid = case.file().json["id"]
    trace = trace_of(app, rid)
    refused = push(web, wechat, wechat.media_event(trace, "pass"), sign=False)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "moderation.bad_signature"
    assert refused.json()["error"]["message"] == "消息签名校验失败"
    unsigned = requests.post(f"{web.url}/wechat/push", json=wechat.media_event(trace, "pass"), timeout=10)
    assert unsigned.status_code == 403
    # signed with another token
    foreign = wechat.push(f"{web.url}/wechat/push", "otherToken", wechat.media_event(trace, "pass"))
    assert foreign.status_code == 403
    assert [c.status for c in checks(app, subject_id=rid)] == ["pass", "pending"]
    assert rid not in public_ids(case)
    # the GET WeChat sends when the push URL is configured
    query = signed_query() | {"echostr": "echo-123"}
    ok = requests.get(f"{web.url}/wechat/push", params=query, timeout=10)
    assert ok.status_code == 200 and ok.text == "echo-123"
    bad = requests.get(f"{web.url}/wechat/push", params=query | {"signature": "f" * 40}, timeout=10)
    assert bad.status_code == 403 and "echo-123" not in bad.text


def test_replayed_and_unknown_pushes_are_acknowledged_and_change_nothing(case, app, web, wechat):
    """The first verdict stands: replays, a contradicting replay, an unknown trace_id all answer success."""
    rid = case.file().json["id"]
    trace = trace_of(app, rid)
    for _ in range(2):
        assert push(web, wechat, wechat.media_event(trace, "pass")).text == "success"
    assert push(web, wechat, wechat.media_event(trace, "risky", 20001)).text == "success"
    assert push(web, wechat, wechat.media_event("trace-unknown", "risky", 20001)).text == "success"
    # WeChat's Content-Type is not relied on
    labelled = requests.post(f"{web.url}/wechat/push", params=signed_query(),
                             data=b'{"Event": "wxa_media_check", "trace_id": "trace-x", "result": {}}',
                             headers={"Content-Type": "text/plain"}, timeout=10)
    assert labelled.status_code == 200 and labelled.text == "success"
    not_json = requests.post(f"{web.url}/wechat/push", params=signed_query(), data=b"<xml/>",
                             headers={"Content-Type": "text/xml"}, timeout=10)
    assert not_json.status_code == 422 and not_json.json()["error"]["code"] == "moderation.bad_push"
    # other events pushed to the same URL are acknowledged too
    assert push(web, wechat, {"MsgType": "event", "Event": "user_enter_tempsession"}).text == "success"
    photo = checks(app, subject_id=rid, kind="image")[0]
    assert (photo.status, photo.label, photo.provider) == ("pass", 100, "wechat")
    assert rid in public_ids(case)
    assert "content_risky" not in inbox_kinds(case, "demo-resident")
    # a secure-mode push without an EncodingAESKey configured: said clearly, nothing changes
    encrypted = push(web, wechat, {"ToUserName": "gh_test", "Encrypt": "AAAA"}, encrypt_type="aes")
    assert encrypted.status_code == 422 and encrypted.json()["error"]["code"] == "moderation.encrypted_push"


def test_risky_photo_hides_the_report_and_tells_the_author(case, app, web, wechat):
    """A risky verdict at the callback: off the board, photo private again, the author told, no details."""
    rid = case.file().json["id"]
    assert push(web, wechat, wechat.media_event(trace_of(app, rid), "risky", 20001)).text == "success"
    assert rid not in public_ids(case)
    assert case.get("demo-resident-2", rid).status_code == 404
    own = case.get("demo-resident", rid)
    assert own.status_code == 200 and own.json["moderation"] == "risky"
    assert "?" in own.json["photos"][0]["url"]  # signed: not served publicly
    with app.app_context():
        assert db.session.get(Media, own.json["photos"][0]["id"]).public is False
    items = case.client.get("/api/v1/inbox", headers=case.h("demo-resident")).json["items"]
    told = [i for i in items if i["kind"] == "content_risky"]
    assert len(told) == 1 and told[0]["page"] == f"pages/report/detail?id={rid}"
    assert "图片" in told[0]["body"] and "20001" not in told[0]["body"]
    # handling goes on regardless
    assert case.step("demo-grid-member", rid, "accept").status_code == 200


def test_risky_text_is_hidden_at_once(case, app, web, wechat):
    """A risky description: the report never reaches the board; the author is told; nothing 500s."""
    resp = case.file(description="这里有违禁词的内容")
    assert resp.status_code == 201 and resp.json["moderation"] == "risky"
    rid = resp.json["id"]
    text = checks(app, subject_id=rid, kind="text")[0]
    assert (text.status, text.label) == ("risky", 20001)
    push(web, wechat, wechat.media_event(trace_of(app, rid), "pass"))
    assert rid not in public_ids(case)
    assert inbox_kinds(case, "demo-resident").count("content_risky") == 1


def test_staff_overturn_a_false_alarm_once(case, app, web, wechat):
    """A description the provider found risky is listed under ?status=risky; staff in reach pass it
    and the report shows on the board again; that decision stands, and staff cannot mark it risky
    again nor pass a risky verdict staff gave."""
    rid = case.file(description="这里有违禁词的内容").json["id"]
    push(web, wechat, wechat.media_event(trace_of(app, rid), "pass"))
    assert rid not in public_ids(case)
    listed = case.client.get("/api/v1/admin/moderation?status=risky", headers=case.h("demo-community-admin"))
    check = [i for i in listed.json["items"] if i["subject_id"] == rid and i["kind"] == "text"][0]
    outside = case.client.post(f"/api/v1/admin/moderation/{check['id']}/decide", json={"decision": "pass"},
                               headers=case.h("demo-resident"))
    assert outside.status_code in (403, 404) and rid not in public_ids(case)
    passed = case.client.post(f"/api/v1/admin/moderation/{check['id']}/decide",
                              json={"decision": "pass", "note": "误判：描述正常"},
                              headers=case.h("demo-community-admin"))
    assert passed.status_code == 200 and (passed.json["status"], passed.json["provider"]) == ("pass", "staff")
    assert rid in public_ids(case)
    again = case.client.post(f"/api/v1/admin/moderation/{check['id']}/decide", json={"decision": "risky"},
                             headers=case.h("demo-community-admin"))
    assert again.status_code == 409 and again.json["error"]["details"]["status"] == "pass"
    assert rid in public_ids(case)


def test_review_goes_to_the_staff_queue_within_reach(case, app, web, wechat):
    """review → the community's queue (not another community's); a decision moves it once; risky tells."""
    with app.app_context():
        # 竹竿巷社区, in the other street
        other = db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == "DEMO-S1-C1"))
        db.session.add(User(openid="other-admin", role=Role.COMMUNITY_ADMIN, org_unit_id=other))
        db.session.commit()
    first = case.file(description="门口有可疑词的小广告").json["id"]
    second = case.file(description="楼道里贴满可疑词传单").json["id"]
    push(web, wechat, wechat.media_event(trace_of(app, first), "pass"))
    push(web, wechat, wechat.media_event(trace_of(app, second), "pass"))
    assert case.get("demo-resident", first).json["moderation"] == "review"
    queue = case.client.get("/api/v1/admin/moderation?status=review", headers=case.h("demo-community-admin"))
    assert queue.status_code == 200, queue.json
    items = queue.json["items"]
    assert [(i["subject_type"], i["subject_id"], i["kind"]) for i in items] == [
        ("report", first, "text"), ("report", second, "text")]
    assert items[0]["content"] == "门口有可疑词的小广告" and items[0]["label"] == 21000
    street = case.client.get("/api/v1/admin/moderation", headers=case.h("demo-street-admin")).json["items"]
    assert len(street) == 2
    assert case.client.get("/api/v1/admin/moderation", headers=case.h("other-admin")).json["items"] == []
    assert case.client.get("/api/v1/admin/moderation", headers=case.h("demo-grid-member")).status_code == 403
    # another community's admin cannot decide it: not found
    outside = case.client.post(f"/api/v1/admin/moderation/{items[0]['id']}/decide", json={"decision": "pass"},
                               headers=case.h("other-admin"))
    assert outside.status_code == 404 and outside.json["error"]["code"] == "moderation.not_found"
    decided = case.client.post(f"/api/v1/admin/moderation/{items[0]['id']}/decide",
                               json={"decision": "pass", "note": "正常反映问题"},
                               headers=case.h("demo-community-admin"))
    assert decided.status_code == 200
    assert decided.json["status"] == "pass" and decided.json["provider"] == "staff"
    assert first in public_ids(case)
    again = case.client.post(f"/api/v1/admin/moderation/{items[0]['id']}/decide", json={"decision": "risky"},
                             headers=case.h("demo-community-admin"))
    assert again.status_code == 409 and again.json["error"]["code"] == "moderation.already_decided"
    assert again.json["error"]["details"]["status"] == "pass"
    bad = case.client.post(f"/api/v1/admin/moderation/{items[1]['id']}/decide", json={"decision": "maybe"},
                           headers=case.h("demo-community-admin"))
    assert bad.status_code == 422 and bad.json["error"]["message"]
    risky = case.client.post(f"/api/v1/admin/moderation/{items[1]['id']}/decide", json={"decision": "risky"},
                             headers=case.h("demo-community-admin"))
    assert risky.status_code == 200 and second not in public_ids(case)
    assert inbox_kinds(case, "demo-resident").count("content_risky") == 1
    undo = case.client.post(f"/api/v1/admin/moderation/{items[1]['id']}/decide", json={"decision": "pass"},
                            headers=case.h("demo-community-admin"))
    assert undo.status_code == 409 and second not in public_ids(case)  # a staff verdict stands
    remaining = case.client.get("/api/v1/admin/moderation", headers=case.h("demo-community-admin")).json
    assert remaining["items"] == []


@pytest.mark.sync_budget(0.5)  # the fake's "timeout" answers after 2 s
@pytest.mark.parametrize("failure", ["-1", "timeout", "500", "45009"])
def test_wechat_failure_keeps_the_report_pending_and_the_worker_retries(case, app, web, wechat, failure):
    """WeChat down, slow or out of quota: the report is filed (201), stays pending, the worker finishes."""
    wechat.sec_script = [failure]
    resp = case.file()
    assert resp.status_code == 201, resp.json
    rid = resp.json["id"]
    assert resp.json["moderation"] == "pending"
    text, photo = checks(app, subject_id=rid)
    assert (text.status, text.attempts) == ("pending", 1) and text.last_error
    # after one failure the photo was left for the worker rather than slow the request down further
    assert (photo.status, photo.attempts, photo.trace_id) == ("pending", 0, None)
    assert [c["path"] for c in wechat.sec_calls] == ["/wxa/msg_sec_check"]
    with app.app_context():
        assert db.session.get(Report, rid).description == "小区东门垃圾堆放三天无人清理"
    # not due yet: the backoff has not passed
    assert run_worker(app, later=timedelta(0))["claimed"] == 1  # the photo, never tried, is due at once
    summary = run_worker(app, later=timedelta(minutes=10))
    assert (summary["claimed"], summary["pass"], summary["retry"]) == (1, 1, 0)
    text, photo = checks(app, subject_id=rid)
    assert (text.status, text.attempts, text.last_error) == ("pass", 2, None)
    assert photo.status == "pending" and photo.trace_id
    push(web, wechat, wechat.media_event(photo.trace_id, "pass"))
    assert rid in public_ids(case)
    # nothing left to do
    assert run_worker(app)["claimed"] == 0


@pytest.mark.sync_budget(0.5)
def test_checks_of_one_submission_share_one_time_budget(case, app, web, wechat):
    """A slow WeChat holds the submission (and SQLite's write lock) for one budget, not one per photo."""
    wechat.sec_delay = 0.3  # per call; the app's budget for all calls of a submission is 0.5 s
    photos = [case.photo("demo-resident") for _ in range(4)]
    resp = case.file(media_ids=photos)
    assert resp.status_code == 201, resp.json
    rid = resp.json["id"]
    assert len(wechat.sec_calls) <= 2
    untouched = [c for c in checks(app, subject_id=rid, kind="image") if c.attempts == 0]
    assert len(untouched) >= 3 and all(c.status == "pending" and c.trace_id is None for c in untouched)
    wechat.sec_delay = 0.0
    run_worker(app)
    assert all(c.trace_id for c in checks(app, subject_id=rid, kind="image"))
    assert checks(app, subject_id=rid, kind="text")[0].status == "pass"


def test_a_slow_token_answer_is_waited_for_within_the_budget(case, app, web, wechat):
    """The access_token fetched on the way to the first check shares the submission's budget: an
    answer slower than a single call's default timeout (WECHAT_TIMEOUT, 1 s here) does not leave the
    text unchecked and the case off the board."""
    wechat.token_delay = 1.5
    resp = case.file()
    assert resp.status_code == 201, resp.json
    text, photo = checks(app, subject_id=resp.json["id"])
    assert (text.status, text.last_error) == ("pass", None)
    assert photo.status == "pending" and photo.trace_id


@pytest.mark.sync_budget(0.5)
def test_a_token_answer_past_the_budget_leaves_the_checks_to_the_worker(case, app, web, wechat):
    """Nor does a slow token answer hold the submission (and SQLite's write lock) past its budget."""
    wechat.token_delay = 2.0
    resp = case.file()
    assert resp.status_code == 201, resp.json
    text, photo = checks(app, subject_id=resp.json["id"])
    assert (text.status, text.attempts) == ("pending", 1) and "access_token" in text.last_error
    assert (photo.status, photo.attempts) == ("pending", 0)


def test_photo_without_a_verdict_is_submitted_again(case, app, web, wechat):
    """No callback comes: after the wait the worker submits again; the late old verdict is ignored."""
    rid = case.file().json["id"]
    old = trace_of(app, rid)
    assert run_worker(app, later=timedelta(minutes=5))["claimed"] == 0
    assert run_worker(app)["submitted"] == 1
    new = trace_of(app, rid)
    assert new != old
    assert push(web, wechat, wechat.media_event(old, "risky")).text == "success"
    assert checks(app, subject_id=rid, kind="image")[0].status == "pending"
    push(web, wechat, wechat.media_event(new, "pass"))
    assert rid in public_ids(case)


def test_a_refusal_retrying_cannot_fix_goes_to_a_person(case, app, web, wechat):
    """errcode 40003 (invalid openid) → review, not an endless retry."""
    wechat.sec_script = ["40003"]
    rid = case.file().json["id"]
    text = checks(app, subject_id=rid, kind="text")[0]
    assert text.status == "review" and "40003" in text.last_error


def test_reporter_notes_are_checked_too(case, app, web, wechat):
    """A risky rating comment takes the case off the board; the resolver's photo is not checked."""
    rid = case.file().json["id"]
    assert push(web, wechat, wechat.media_event(trace_of(app, rid), "pass")).text == "success"
    assert [c.status for c in checks(app, subject_id=rid)] == ["pass", "pass"]
    case.step("demo-grid-member", rid, "accept")
    case.step("demo-grid-member", rid, "resolve", media_ids=[case.photo("demo-grid-member")])
    assert rid in public_ids(case)
    rated = case.step("demo-resident", rid, "rate", rating=1, comment="全是违禁词")
    assert rated.status_code == 200 and rated.json["moderation"] == "risky"
    assert rid not in public_ids(case)
    assert [c.field.split(":")[0] for c in checks(app, subject_id=rid)] == ["text", "photo", "note"]


def test_wish_board_shows_only_passed_wishes(client, auth, demo, app, wechat):
    """A flagged wish stays off the board even when staff publish it; its wisher still sees it."""
    w = Wishes(client, auth)
    clean = w.published()
    flagged = w.published(lambda: w.submit(title="违禁词心愿"))
    board = client.get("/api/v1/wishes?scope=board", headers=w.h("demo-resident-2")).json["items"]
    assert [i["id"] for i in board] == [clean] and board[0]["moderation"] == "pass"
    assert client.get(f"/api/v1/wishes/{flagged}", headers=w.h("demo-resident-2")).status_code == 404
    assert w.post("demo-volunteer", flagged, "claim").status_code == 404
    own = client.get(f"/api/v1/wishes/{flagged}", headers=w.h("demo-resident"))
    assert own.status_code == 200 and own.json["moderation"] == "risky"
    text = checks(app, subject_type="wish", subject_id=flagged)[0]
    assert text.status == "risky"
    assert wechat.sec_calls[-1]["content"] == "违禁词心愿\n视力下降，看报纸很吃力"


@pytest.mark.slow
def test_concurrent_decisions_exactly_one_wins(case, app, web, wechat):
    """Two admins decide the same item at the same instant: one 200, one 409."""
    rid = case.file(description="这里有可疑词的内容需要复核").json["id"]
    check_id = checks(app, subject_id=rid, kind="text")[0].id
    headers = [case.h("demo-community-admin"), case.h("demo-street-admin")]

    def decide(h, decision):
        """One admin's decision."""
        resp = case.client.post(f"/api/v1/admin/moderation/{check_id}/decide", json={"decision": decision},
                                headers=h)
        return resp.status_code, decision

    results = at_once(None, decide, args=list(zip(headers, ["pass", "risky"], strict=True)))
    assert sorted(code for code, _ in results) == [200, 409]
    winner = next(d for code, d in results if code == 200)
    assert checks(app, id=check_id)[0].status == winner


def test_none_provider_passes_everything_at_once(app_factory, wechat):
    """Development: no call leaves, the report is on the board straight away."""
    wechat.reset_security()
    app = app_factory()
    from suishoupai.demo.seed import seed

    with app.app_context():
        seed()
        db.session.commit()
    client = app.test_client()
    from tests.helpers.app import Auth

    case = Case(client, Auth(client))
    resp = case.file()
    assert resp.status_code == 201 and resp.json["moderation"] == "pass"
    assert resp.json["id"] in public_ids(case)
    assert wechat.sec_calls == []
    assert {(c.status, c.provider) for c in checks(app, subject_id=resp.json["id"])} == {("pass", "none")}


def test_cli_runs_a_batch(case, app, web, wechat):
    """`flask moderation run --once` finishes what WeChat could not answer in the request."""
    wechat.sec_script = ["-1"]
    rid = case.file().json["id"]
    result = app.test_cli_runner().invoke(args=["moderation", "run", "--once"])
    assert result.exit_code == 0, result.output
    assert "图片已提交 1 条" in result.output  # the text waits for its backoff; the photo goes at once
    assert [c.status for c in checks(app, subject_id=rid)] == ["pending", "pending"]
    assert checks(app, subject_id=rid)[1].trace_id
