"""Content security: verdicts at filing and by WeChat's signed push, risky content hidden."""

import hashlib
import secrets
import time

import requests

from suishoupai.extensions import db
from suishoupai.media.models import Media
from tests.helpers.moderation import TOKEN, checks, inbox_kinds, public_ids, push, trace_of
from tests.helpers.moderation import web as web  # noqa: F401 - the served app, a fixture


def signed_query() -> dict:
    """signature, timestamp and a new nonce as WeChat puts them on a push to us."""
    ts, nonce = str(int(time.time())), secrets.token_hex(5)
    return {"signature": hashlib.sha1("".join(sorted([TOKEN, ts, nonce])).encode()).hexdigest(),
            "timestamp": ts, "nonce": nonce}


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
