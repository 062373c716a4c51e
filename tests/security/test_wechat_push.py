"""WeChat's message push in secure mode: encrypted as WeChat does, signed over the body, fresh, taken once."""

import base64
import json
import time

import pytest
import requests

from suishoupai import moderation, settings
from tests.helpers.concurrency import at_once
from tests.helpers.moderation import BUDGET, TOKEN, checks, public_ids, trace_of
from tests.helpers.moderation import web as web  # noqa: F401 - the served app, a fixture
from tests.helpers.reports import Case

#: an EncodingAESKey as the mini-program's console hands it out: 43 base64 characters
AES_KEY = base64.b64encode(bytes(range(1, 33))).decode().rstrip("=")
APPID = "wx-test-app"


@pytest.fixture
def app(app_factory, web):
    """Moderation through WeChat with pushes in secure mode."""
    app = app_factory(MODERATION_PROVIDER="wechat", MODERATION_CALLBACK_TOKEN=TOKEN,
                      MODERATION_CALLBACK_AES_KEY=AES_KEY, MODERATION_MEDIA_BASE_URL=web.url,
                      MODERATION_SYNC_TIMEOUT=BUDGET)
    web.holder["app"] = app
    return app


@pytest.fixture
def case(client, auth, demo):
    """Report helpers over the demo district."""
    return Case(client, auth)


def secure(web, wechat, event, **kwargs):
    """A secure-mode push from WeChat to the served app."""
    return wechat.secure_push(f"{web.url}/wechat/push", TOKEN, AES_KEY, event, **kwargs)


def assert_refused(answer, status, code):
    """The push got the error envelope with a Chinese message."""
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])


def photo_status(app, rid) -> str:
    """The verdict of the report's photo check."""
    return checks(app, subject_id=rid, kind="image")[0].status


def test_a_secure_push_is_decrypted_and_applied(case, app, web, wechat):
    """The verdict arrives encrypted; the service decrypts it, checks it, applies it."""
    rid = case.file().json["id"]
    assert photo_status(app, rid) == "pending" and rid not in public_ids(case)
    answer = secure(web, wechat, wechat.media_event(trace_of(app, rid), "pass"))
    assert answer.status_code == 200 and answer.text == "success"
    assert photo_status(app, rid) == "pass"
    assert rid in public_ids(case)


def _flip(encrypted: str) -> str:
    """The ciphertext with one byte changed on the way."""
    raw = bytearray(base64.b64decode(encrypted))
    raw[-40] ^= 1
    return base64.b64encode(bytes(raw)).decode()


@pytest.mark.parametrize(("how", "status", "code"), [
    ({"token": "otherToken"}, 403, "moderation.bad_signature"),
    ({"alter": _flip}, 403, "moderation.bad_signature"),
    ({"appid": "wx-other-app"}, 403, "moderation.wrong_appid"),
    ({"aes_key": base64.b64encode(bytes(32)).decode().rstrip("=")}, 403, "moderation.bad_cipher"),
    ({"encrypted": base64.b64encode(b"x" * 45).decode()}, 403, "moderation.bad_cipher"),
    # a push older than the window by a second (the way to the server only ages it), and one from
    # well in the future (the way there brings it closer: one second over would pass a slow machine)
    ({"age": 301}, 403, "moderation.stale_push"),
    ({"age": -900}, 403, "moderation.stale_push"),
    ({"plain": True}, 403, "moderation.bad_signature"),
])
def test_a_push_not_ours_or_not_fresh_is_refused_and_changes_nothing(case, app, web, wechat,
                                                                      how, status, code):
    """Wrong token, a tampered body, another appid, another key, garbage re-signed, an old or future
    timestamp, a plain push when secure mode is configured: each refused with the envelope."""
    rid = case.file().json["id"]
    event = wechat.media_event(trace_of(app, rid), "pass")
    url = f"{web.url}/wechat/push"
    if how.get("plain"):
        answer = wechat.push(url, TOKEN, event)
    else:
        timestamp = str(int(time.time()) - how.get("age", 0))
        answer = wechat.secure_push(url, how.get("token", TOKEN), how.get("aes_key", AES_KEY), event,
                                    appid=how.get("appid", APPID), timestamp=timestamp,
                                    encrypted=how.get("encrypted"), alter=how.get("alter"))
    assert_refused(answer, status, code)
    assert photo_status(app, rid) == "pending"
    assert rid not in public_ids(case)


def test_a_replayed_push_is_refused(case, app, web, wechat):
    """The same push again (same timestamp, nonce and ciphertext) is refused, even inside the window."""
    rid = case.file().json["id"]
    timestamp, nonce = str(int(time.time())), "1514711492"
    encrypted = wechat.encrypt(json.dumps(wechat.media_event(trace_of(app, rid), "risky", 20001)).encode(),
                               AES_KEY, APPID)
    first = secure(web, wechat, None, timestamp=timestamp, nonce=nonce, encrypted=encrypted)
    assert first.status_code == 200 and first.text == "success"
    assert photo_status(app, rid) == "risky"
    again = secure(web, wechat, None, timestamp=timestamp, nonce=nonce, encrypted=encrypted)
    assert_refused(again, 403, "moderation.replayed_push")
    assert photo_status(app, rid) == "risky"


@pytest.mark.slow
@pytest.mark.postgres
def test_a_push_sent_twice_at_once_is_taken_once(case, app, web, wechat):
    """Two copies racing on two connections: one is taken, the other refused as a replay."""
    rid = case.file().json["id"]
    timestamp, nonce = str(int(time.time())), "2718281828"
    encrypted = wechat.encrypt(json.dumps(wechat.media_event(trace_of(app, rid), "pass")).encode(),
                               AES_KEY, APPID)
    answers = at_once(None, lambda: secure(web, wechat, None, timestamp=timestamp, nonce=nonce,
                                           encrypted=encrypted), n=2)
    assert sorted(a.status_code for a in answers) == [200, 403]
    refused = next(a for a in answers if a.status_code == 403)
    assert refused.json()["error"]["code"] == "moderation.replayed_push"
    assert photo_status(app, rid) == "pass"


def test_plain_mode_outside_production_refuses_a_rebodied_replay(app_factory, web, wechat, case):
    """Plain mode's signature does not cover the body: a leaked signed query with another body
    is still refused, as its nonce was taken."""
    app = app_factory(MODERATION_PROVIDER="wechat", MODERATION_CALLBACK_TOKEN=TOKEN,
                      MODERATION_MEDIA_BASE_URL=web.url, MODERATION_SYNC_TIMEOUT=BUDGET)
    web.holder["app"] = app
    first, second = case.file().json["id"], case.file().json["id"]
    url = f"{web.url}/wechat/push"
    query = {"timestamp": str(int(time.time())), "nonce": "31415926"}
    taken = wechat.push(url, TOKEN, wechat.media_event(trace_of(app, first), "pass"), **query)
    assert taken.text == "success"
    rebodied = wechat.push(url, TOKEN, wechat.media_event(trace_of(app, second), "pass"), **query)
    assert_refused(rebodied, 403, "moderation.replayed_push")
    assert photo_status(app, first) == "pass" and photo_status(app, second) == "pending"
    stale = wechat.push(url, TOKEN, wechat.media_event(trace_of(app, second), "pass"),
                        timestamp=str(int(time.time()) - 3600))
    assert_refused(stale, 403, "moderation.stale_push")
    assert photo_status(app, second) == "pending"


def test_the_url_check_needs_a_fresh_signature(app, web, wechat):
    """WeChat's GET check of the push URL (plain signature in either mode) echoes only when fresh."""
    def query(age):
        """The check's query, its timestamp ``age`` seconds old."""
        timestamp, nonce = str(int(time.time()) - age), "4375120948"
        return {"signature": wechat.sha1_signature(TOKEN, timestamp, nonce), "timestamp": timestamp,
                "nonce": nonce, "echostr": "echo-4375120948"}

    ok = requests.get(f"{web.url}/wechat/push", params=query(0), timeout=10)
    assert ok.status_code == 200 and ok.text == "echo-4375120948"
    stale = requests.get(f"{web.url}/wechat/push", params=query(3600), timeout=10)
    assert_refused(stale, 403, "moderation.stale_push")
    assert "echo-" not in stale.text


def _config(**overrides):
    """The defaults with some settings changed."""
    return settings.load({}) | overrides


def test_production_refuses_plain_mode_and_a_malformed_key():
    """A push Token without an EncodingAESKey is development only; a key must be one."""
    production = {"ENV": "production", "MODERATION_PROVIDER": "wechat", "MODERATION_CALLBACK_TOKEN": TOKEN,
                  "MEDIA_BACKEND": "s3", "S3_BUCKET": "b"}
    with pytest.raises(settings.SettingsError, match="MODERATION_CALLBACK_AES_KEY is required in production"):
        settings.validate(_config(**production))
    with pytest.raises(settings.SettingsError) as refused:
        settings.validate(_config(**production, MODERATION_CALLBACK_AES_KEY=AES_KEY[::-1]))
    assert "MODERATION_CALLBACK_AES_KEY" not in str(refused.value)
    assert settings.validate(_config(**production | {"ENV": "development"})) == []
    for bad in (AES_KEY[:-1], AES_KEY[:-1] + "*"):
        with pytest.raises(settings.SettingsError, match="not an EncodingAESKey"):
            moderation.check(_config(MODERATION_CALLBACK_AES_KEY=bad))
    with pytest.raises(settings.SettingsError, match="MODERATION_CALLBACK_WINDOW_SECONDS"):
        moderation.check(_config(MODERATION_CALLBACK_WINDOW_SECONDS=0))
