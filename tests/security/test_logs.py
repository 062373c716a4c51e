"""Logs: SQL errors name no bound values; the request line names the client address."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy.exc import IntegrityError

from suishoupai.auth.models import User
from suishoupai.extensions import db

OPENID = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"


def _duplicate_users() -> None:
    """Insert two users with one openid: the unique constraint fails."""
    db.session.add_all([User(openid=OPENID), User(openid=OPENID)])
    db.session.flush()


def test_an_integrity_error_names_no_bound_value(app, is_postgres):
    """str() of the error and of the driver's, as any traceback shows them, carry the statement and
    the constraint but not the openid (PostgreSQL quotes it in its DETAIL, kept on diag only)."""
    with app.app_context(), pytest.raises(IntegrityError) as err:
        _duplicate_users()
    texts = [str(err.value), repr(err.value), str(err.value.orig), repr(err.value.orig)]
    assert "INSERT INTO users" in texts[0] and "hidden due to hide_parameters" in texts[0]
    assert "uq_users_openid" in texts[0] or "users.openid" in texts[0]
    assert all(OPENID not in text for text in texts), texts
    if is_postgres:
        assert "SQLSTATE 23505" in texts[0] and OPENID in err.value.orig.diag.message_detail


def test_a_logged_sql_error_names_no_bound_value(app_factory, caplog):
    """An unforeseen IntegrityError answers 409 and its logged traceback carries no openid."""
    app = app_factory()
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: logged, then answered

    @app.post("/duplicate")
    def duplicate():
        _duplicate_users()

    with caplog.at_level(logging.ERROR):
        resp = app.test_client().post("/duplicate")
    assert resp.status_code == 409 and resp.json["error"]["code"] == "conflict.concurrent_change"
    logged = "\n".join(logging.Formatter().format(record) for record in caplog.records)
    assert "IntegrityError" in logged and "INSERT INTO users" in logged
    assert OPENID not in logged


def request_line(client, caplog, **kwargs) -> dict:
    """The one request log line of a GET /healthz."""
    with caplog.at_level(logging.INFO, logger="suishoupai.request"):
        assert client.get("/healthz", **kwargs).status_code == 200
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "suishoupai.request"]
    assert len(lines) == 1
    return lines[0]


def test_the_request_line_names_the_client_address(app_factory, caplog):
    """Without a proxy: the peer, whatever X-Forwarded-For says."""
    client = app_factory().test_client()
    line = request_line(client, caplog, headers={"X-Forwarded-For": "198.51.100.7"},
                        environ_base={"REMOTE_ADDR": "203.0.113.20"})
    assert line["ip"] == "203.0.113.20" and line["endpoint"] == "health.healthz"


def test_behind_a_proxy_the_request_line_names_the_address_the_proxy_saw(app_factory, caplog):
    """With one trusted proxy: the address it appended, not one the client wrote before it."""
    client = app_factory(PROXY_HOPS=1).test_client()
    line = request_line(client, caplog, headers={"X-Forwarded-For": "10.9.9.9, 198.51.100.7"},
                        environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert line["ip"] == "198.51.100.7"
