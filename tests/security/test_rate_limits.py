"""Rate limits on every costly write: per user and per client address, refused in the envelope with
Retry-After, shared by every worker and machine through Redis, and never a 500 when Redis is down."""

from __future__ import annotations

import logging
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
import requests
from sqlalchemy import func, select

from suishoupai.auth.models import User
from suishoupai.extensions import db
from suishoupai.settings import SettingsError
from tests.helpers.security import assert_refused, token

ROOT = Path(__file__).resolve().parents[2]
REDIS = "redis://127.0.0.1:6379/0"
UNKNOWN = 999_999
#: every limited operation: (action, method, path, body); the bodies are refused or name nothing, so
#: each call changes nothing, and the limit must come first to answer 429
LIMITED = [
    ("login", "post", "/api/v1/auth/wechat-login", {"code": "bad-code"}),
    ("login", "post", "/api/v1/auth/dev-login", {}),
    ("login", "post", "/api/v1/console/tickets", None),
    ("upload", "post", "/api/v1/media", {}),
    ("report", "post", "/api/v1/reports", {}),
    ("follow", "post", "/api/v1/reports/{id}/follow", None),
    ("wish", "post", "/api/v1/wishes", {}),
    ("claim", "post", "/api/v1/wishes/{id}/claim", {}),
    ("claim", "post", "/api/v1/wishes/{id}/release", {}),
    ("claim", "post", "/api/v1/posts/{id}/claim", {}),
    ("claim", "post", "/api/v1/posts/{id}/leave", {}),
    ("claim", "post", "/api/v1/bounties/{id}/claim", {}),
    ("redeem", "post", "/api/v1/rewards/{id}/redeem", {}),
    ("redeem", "post", "/api/v1/redemptions/{id}/cancel", {}),
    ("rider", "post", "/api/v1/riders", {}),
]


def call(client, method: str, path: str, body, headers=None, **kwargs):
    """One call of an operation on an unknown record."""
    return client.open(path.format(id=UNKNOWN), method=method, json=body, headers=headers or {}, **kwargs)


@pytest.mark.parametrize(("action", "method", "path", "body"), LIMITED,
                         ids=[f"{a}:{p}" for a, _m, p, _b in LIMITED])
def test_each_costly_write_is_limited_per_user(app_factory, action, method, path, body):
    """Two calls an hour per user: the third is refused before its body is looked at; another user
    from the same address still gets through (sign-in has no user yet: it counts the address)."""
    per = "ip" if action == "login" else "user"
    app = app_factory(RATELIMIT_ENABLED=True, **{f"LIMIT_{action.upper()}_PER_{per.upper()}": "2 per hour"})
    client = app.test_client()
    first, second = ({}, {}) if action == "login" else (token(client, "rl-one"), token(client, "rl-two"))
    for _ in range(2):
        assert call(client, method, path, body, first).status_code not in (429, 500)
    assert_refused(call(client, method, path, body, first), action, per, "2 per 1 hour")
    if action != "login":
        assert call(client, method, path, body, second).status_code not in (429, 500)


def test_the_client_address_limit_counts_every_user_behind_it(app_factory):
    """Per address: the fourth filing from one address is refused whoever sends it; another address
    is counted apart."""
    app = app_factory(RATELIMIT_ENABLED=True, LIMIT_REPORT_PER_IP="3 per hour")
    client = app.test_client()
    users = [token(client, f"rl-ip-{i}") for i in range(5)]
    for headers in users[:3]:
        assert call(client, "post", "/api/v1/reports", {}, headers).status_code == 422
    assert_refused(call(client, "post", "/api/v1/reports", {}, users[3]), "report", "ip", "3 per 1 hour")
    elsewhere = call(client, "post", "/api/v1/reports", {}, users[4],
                     environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert elsewhere.status_code == 422


def test_an_action_is_one_bucket_across_its_operations(app_factory):
    """Claims and releases of wishes, posts and bounties share the user's one claim limit."""
    app = app_factory(RATELIMIT_ENABLED=True, LIMIT_CLAIM_PER_USER="3 per hour")
    client = app.test_client()
    headers = token(client, "rl-claimer")
    for path in ("/api/v1/wishes/{id}/claim", "/api/v1/posts/{id}/claim", "/api/v1/bounties/{id}/claim"):
        assert call(client, "post", path, {}, headers).status_code in (403, 404)
    assert_refused(call(client, "post", "/api/v1/wishes/{id}/release", {}, headers), "claim", "user",
                   "3 per 1 hour")


def test_limits_are_off_when_disabled(app_factory):
    """RATELIMIT_ENABLED off (the rest of the suite): no limit applies."""
    app = app_factory(RATELIMIT_ENABLED=False, LIMIT_REPORT_PER_USER="1 per hour")
    client = app.test_client()
    headers = token(client, "rl-off")
    assert [call(client, "post", "/api/v1/reports", {}, headers).status_code for _ in range(3)] == [422] * 3


@pytest.mark.parametrize(("setting", "value", "message"), [
    ("LIMIT_REPORT_PER_USER", "lots", "LIMIT_REPORT_PER_USER must read like"),
    ("LIMIT_LOGIN_PER_IP", "", "LIMIT_LOGIN_PER_IP must read like"),
    ("RATELIMIT_ON_STORAGE_ERROR", "maybe", "RATELIMIT_ON_STORAGE_ERROR must be open or refuse"),
    ("PUBLIC_BASE_URL", "ssp.example.cn", "PUBLIC_BASE_URL must be an absolute"),
])
def test_unreadable_settings_refuse_to_start(app_factory, setting, value, message):
    """A limit, storage-error mode or public URL that cannot be used stops start-up, naming it."""
    with pytest.raises(SettingsError, match=message):
        app_factory(**{setting: value})


def test_every_limited_operation_documents_429(client):
    """The OpenAPI document lists 429 on exactly the limited operations, and on those whose own rule
    counts (a claimant's daily reveals of beneficiaries)."""
    spec = client.get("/api/openapi.json").json
    documented = {(method, re.sub(r"\{[^}]+\}", "{id}", path)) for path, item in spec["paths"].items()
                  for method, op in item.items() if method != "parameters" and "429" in op["responses"]}
    own_rule = {("post", "/api/v1/wishes/{id}/beneficiary/reveal")}
    assert documented == {(method, path) for _a, method, path, _b in LIMITED} | own_rule


def free_port() -> int:
    """A local port nothing listens on (for a server to take, or to find closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def users(app) -> int:
    """How many accounts exist."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_redis_down_fails_open_with_a_warning(app_factory, caplog):
    """The counter store unreachable and RATELIMIT_ON_STORAGE_ERROR=open: WeChat login and a filing
    go through unlimited, each with a warning in the log; never a 500."""
    app = app_factory(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{free_port()}/0",
                      RATELIMIT_ON_STORAGE_ERROR="open")
    client = app.test_client()
    with caplog.at_level(logging.WARNING, logger="suishoupai.limits"):
        login = client.post("/api/v1/auth/wechat-login", json={"code": "down-open"})
        assert login.status_code == 200, login.json
        headers = {"Authorization": "Bearer " + login.json["token"]}
        filing = call(client, "post", "/api/v1/reports", {}, headers)
        assert filing.status_code == 422
    warned = [r.getMessage() for r in caplog.records if r.name == "suishoupai.limits"]
    assert [m.split(" not limited")[0] for m in warned] == ["rate-limit store unreachable, login",
                                                            "rate-limit store unreachable, report"]


def test_redis_down_refuses_with_503_when_so_configured(app_factory):
    """RATELIMIT_ON_STORAGE_ERROR=refuse: 503 in the envelope, and the login creates nobody."""
    app = app_factory(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{free_port()}/0",
                      RATELIMIT_ON_STORAGE_ERROR="refuse")
    client = app.test_client()
    before = users(app)
    resp = client.post("/api/v1/auth/wechat-login", json={"code": "down-refuse"})
    assert resp.status_code == 503
    assert resp.json == {"error": {"code": "ratelimit.unavailable", "message": "服务繁忙，请稍后再试",
                                   "details": {}}}
    assert users(app) == before


def serve(port: int, env: dict, log: Path) -> subprocess.Popen:
    """gunicorn with the shipped config on a port, its log in a file."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "config/gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT, env=env | {"GUNICORN_BIND": f"127.0.0.1:{port}"},
            stdout=subprocess.DEVNULL, stderr=out)


def wait_ready(server: subprocess.Popen, base: str, log: Path) -> None:
    """Poll /healthz until the server answers (or fail with its log if it died)."""
    for _ in range(600):
        if server.poll() is not None:
            pytest.fail("gunicorn exited: " + log.read_text()[-2000:])
        try:
            if requests.get(base + "/healthz", timeout=5).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or its workers still booting
            pass
        time.sleep(0.2)
    pytest.fail("gunicorn did not start")


@pytest.fixture
def redis_prefix():
    """A key prefix of this test's own in the shared Redis, its keys deleted afterwards."""
    prefix = f"ssp-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    conn = redis.Redis.from_url(REDIS)
    for key in conn.scan_iter(match=f"*{prefix}*"):
        conn.delete(key)
    conn.close()


def test_limits_hold_across_two_gunicorn_instances(app, migrated, wechat, tmp_path, redis_prefix):
    """Two gunicorn instances (the shipped config, two workers each) on one database and one Redis:
    an address may sign in 4 times an hour and a user follow 3 times, counted over both ports together."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUISHOUPAI_")} | {
        "SUISHOUPAI_ENV": "development", "SUISHOUPAI_DEV_LOGIN": "1", "SUISHOUPAI_DATABASE_URL": migrated,
        "SUISHOUPAI_SECRET_KEY": "test-secret-key-that-is-long-enough-for-hs256",
        "SUISHOUPAI_WECHAT_API_BASE": wechat.url, "SUISHOUPAI_MEDIA_ROOT": str(tmp_path / "media"),
        "SUISHOUPAI_LOG_LEVEL": "WARNING", "SUISHOUPAI_RATELIMIT_STORAGE_URI": REDIS,
        "SUISHOUPAI_RATELIMIT_STORAGE_PREFIX": redis_prefix, "SUISHOUPAI_LIMIT_LOGIN_PER_IP": "4 per hour",
        "SUISHOUPAI_LIMIT_FOLLOW_PER_USER": "3 per hour", "GUNICORN_WORKERS": "2", "GUNICORN_THREADS": "2"}
    ports = [free_port()]
    while len(ports) < 2:
        ports += {free_port()} - set(ports)
    logs = [tmp_path / f"gunicorn-{port}.log" for port in ports]
    servers = [serve(port, env, log) for port, log in zip(ports, logs, strict=True)]
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for server, base, log in zip(servers, bases, logs, strict=True):
            wait_ready(server, base, log)
        logins = [requests.post(bases[i % 2] + "/api/v1/auth/dev-login", json={"openid": f"rl-gu-{i}"},
                                timeout=30) for i in range(6)]
        assert [r.status_code for r in logins] == [200, 200, 200, 200, 429, 429]
        for refused in logins[4:]:
            assert refused.json()["error"]["code"] == "rate_limited"
            assert refused.json()["error"]["details"] == {"action": "login", "per": "ip",
                                                          "limit": "4 per 1 hour"}
            assert 0 < int(refused.headers["Retry-After"]) <= 3600
        headers = {"Authorization": "Bearer " + logins[0].json()["token"]}
        follows = [requests.post(bases[i % 2] + f"/api/v1/reports/{UNKNOWN}/follow", headers=headers,
                                 timeout=30) for i in range(4)]
        assert [r.status_code for r in follows] == [404, 404, 404, 429]
        assert follows[3].json()["error"]["details"]["per"] == "user"
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=60)

