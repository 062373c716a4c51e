"""Inputs that once answered 500 answer a clear error with the envelope, and change nothing."""

import base64
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from suishoupai.auth.models import User
from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.idempotency import IdempotencyKey
from suishoupai.offers.models import Bounty
from tests.helpers.concurrency import at_once

#: every list that pages on a timestamp, and who may read it
TIMESTAMP_LISTS = [
    ("/api/v1/reports?scope=public", "demo-resident"),
    ("/api/v1/wishes?scope=board", "demo-resident"),
    ("/api/v1/wishes?scope=mine", "demo-resident"),
    ("/api/v1/inbox", "demo-resident"),
    ("/api/v1/admin/moderation", "demo-community-admin"),
]


def cursor(*values) -> str:
    """A cursor as the service writes them (base64 of the JSON sort values), with chosen values."""
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


@pytest.mark.parametrize("stamp", [
    "2026-01-01T00:00:00",  # no offset
    "0001-01-01T00:00:00+14:00",  # before year 1 in UTC
    "9999-12-31T23:59:59-14:00",  # after year 9999 in UTC
])
@pytest.mark.parametrize(("path", "who"), TIMESTAMP_LISTS)
def test_a_tampered_timestamp_cursor_is_a_clear_422(client, auth, demo, path, who, stamp):
    """A cursor whose timestamp has no offset or falls off the calendar in UTC → 422 bad_cursor."""
    resp = client.get(f"{path}{'&' if '?' in path else '?'}cursor={cursor(stamp, 1)}",
                      headers=auth.headers(who))
    assert resp.status_code == 422, resp.json
    assert resp.json["error"]["code"] == "pagination.bad_cursor"
    assert resp.json["error"]["details"] == {"fields": {"cursor": ["无效的游标"]}}


def test_the_reported_cursor_is_refused(client, auth, demo):
    """The very cursor found answering 500 on the public board."""
    resp = client.get("/api/v1/reports?scope=public&cursor=WyIyMDI2LTAxLTAxVDAwOjAwOjAwIiwgMV0",
                      headers=auth.headers("demo-resident"))
    assert resp.status_code == 422 and resp.json["error"]["code"] == "pagination.bad_cursor"


@pytest.mark.slow
@pytest.mark.postgres
def test_racing_failing_creates_with_one_idempotency_key_never_500(app, client, auth, demo):
    """Six identical creates that fail (a deadline past), one key, at once, fifteen times: each
    answers the failure or 409 in_progress; none creates anything, no key is left behind."""
    headers = auth.headers("demo-community-admin")
    body = {"title": "小区东门共享单车乱停整治", "description": "协助整理东门共享单车", "points": 50,
            "deadline": (utcnow() - timedelta(days=1)).isoformat(), "max_takers": 1}
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Bounty))
    answers = []
    for round_ in range(15):
        key = {"Idempotency-Key": f"bounty-race-{round_}"}
        answers += at_once(None, lambda k=key: client.post("/api/v1/admin/bounties", json=body,
                                                           headers=headers | k), n=6)
    statuses = {(a.status_code, a.json["error"]["code"]) for a in answers}
    assert statuses <= {(422, "bounty.deadline_past"), (409, "idempotency.in_progress")}, statuses
    assert (422, "bounty.deadline_past") in statuses
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Bounty)) == before
        assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0


@pytest.mark.parametrize("code", ["openid-nul", "openid-surrogate", "deep-json"])
def test_a_wechat_answer_no_database_takes_is_a_502(client, code):
    """An openid with a NUL or a lone surrogate, or JSON nested past the parser: 502, no user."""
    resp = client.post("/api/v1/auth/wechat-login", json={"code": code})
    assert resp.status_code == 502, resp.json
    assert resp.json["error"]["code"] == "auth.wechat_error"
    assert resp.json["error"]["message"] == "微信登录服务异常，请稍后重试"
    with client.application.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0
