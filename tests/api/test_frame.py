"""The API frame: error envelope for every status, health, OpenAPI, request log."""

import json
import logging

import pytest

from tests.helpers.concurrency import at_once


def assert_envelope(resp, status, code):
    """The response is the error envelope with Chinese text."""
    assert resp.status_code == status
    assert resp.is_json
    error = resp.json["error"]
    assert error["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])
    assert isinstance(error["details"], dict)
    return error


def test_404_405_422_envelopes(client, auth):
    """Unknown path, wrong method and bad arguments are answered in the envelope."""
    assert_envelope(client.get("/api/v1/no-such-thing"), 404, "not_found")
    assert_envelope(client.put("/api/v1/me"), 405, "method_not_allowed")
    headers = auth.headers("x")
    error = assert_envelope(client.get("/api/v1/grids/locate?lat=91&lng=x&coord_type=bd09",
                                       headers=headers), 422, "validation_error")
    assert error["details"]["fields"] == {"lat": ["须在 -90 到 90 之间"], "lng": ["应为数字"],
                                          "coord_type": ["须为以下之一：wgs84, gcj02"]}
    error = assert_envelope(client.get("/api/v1/grids/locate?lat=1&lng=1&coord_type=wgs84&typo=1",
                                       headers=headers), 422, "validation_error")
    assert error["details"]["fields"] == {"typo": ["不允许提交此字段"]}


def test_413_envelope(app_factory):
    """A body over the configured limit → 413 in the envelope."""
    app = app_factory(MAX_CONTENT_LENGTH=1024)
    resp = app.test_client().post("/api/v1/auth/wechat-login", json={"code": "x" * 5000})
    assert_envelope(resp, 413, "payload_too_large")


def test_415_envelope(client):
    """A body that is neither JSON nor multipart → 415."""
    resp = client.post("/api/v1/auth/wechat-login", data="code=abc",
                       content_type="text/plain")
    assert_envelope(resp, 415, "unsupported_media_type")


def test_invalid_json_is_400(client):
    """Broken JSON → 400 with its own code."""
    resp = client.post("/api/v1/auth/wechat-login", data="{oops", content_type="application/json")
    assert_envelope(resp, 400, "bad_request.invalid_json")


def test_unforeseen_integrity_race_is_409(app_factory):
    """A unique-constraint race the service did not catch answers 409, not 500."""
    from sqlalchemy.exc import IntegrityError

    app = app_factory()
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/race")
    def race():
        raise IntegrityError("INSERT", {}, Exception("duplicate key"))

    assert_envelope(app.test_client().get("/race"), 409, "conflict.concurrent_change")


def test_500_hides_the_exception(app_factory):
    """An unexpected exception → 500 envelope that says nothing of its text."""
    app = app_factory()
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    resp = app.test_client().get("/boom")
    error = assert_envelope(resp, 500, "internal_error")
    assert "secret" not in json.dumps(error)


def test_healthz_checks_database(client, app_factory, tmp_path):
    """Health answers ok with a database, 503 without one."""
    assert client.get("/healthz").json == {"status": "ok", "database": "ok"}
    broken = app_factory(DATABASE_URL="sqlite:///" + str(tmp_path / "missing" / "no.db"))
    assert_envelope(broken.test_client().get("/healthz"), 503, "database.unavailable")


def test_openapi_document_and_docs_page(client):
    """The spec lists the contract's paths and the error envelope; the docs page works offline."""
    spec = client.get("/api/openapi.json").json
    for path in ("/api/v1/auth/wechat-login", "/api/v1/me", "/api/v1/grids/locate",
                 "/api/v1/admin/org", "/api/v1/admin/grids", "/api/v1/admin/org/import"):
        assert path in spec["paths"]
    assert "ErrorEnvelope" in json.dumps(spec["components"])
    page = client.get("/api/docs")
    assert page.status_code == 200 and b"/api/docs/static/" in page.data
    asset = client.get("/api/docs/static/swagger-ui-bundle.js")
    assert asset.status_code == 200 and b"SwaggerUIBundle" in asset.data
    asset.close()


def test_one_log_line_per_request(client, auth, caplog):
    """Each request logs one structured line: request id, user, endpoint, status, ms."""
    headers = auth.headers("logger") | {"X-Request-Id": "req-123"}
    with caplog.at_level(logging.INFO, logger="suishoupai.request"):
        resp = client.get("/api/v1/me", headers=headers)
    assert resp.headers["X-Request-Id"] == "req-123"
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "suishoupai.request"]
    assert len(lines) == 1
    line = lines[0]
    assert line["request_id"] == "req-123" and line["endpoint"] == "auth.get_me"
    assert line["status"] == 200 and line["user"] == resp.json["id"] and line["ms"] >= 0


@pytest.mark.slow
def test_concurrent_writers_never_hit_database_locked(app, auth):
    """Many threads writing at once queue on the lock instead of failing (SQLite: BEGIN IMMEDIATE)."""
    headers = [auth.headers(f"writer-{i}") for i in range(12)]
    client = app.test_client()

    def work(h, i):
        """Five renames in a row; the answers that were not 200."""
        answers = [client.patch("/api/v1/me", json={"nickname": f"w{i}-{n}"}, headers=h) for n in range(5)]
        return [resp.json for resp in answers if resp.status_code != 200]

    assert at_once(None, work, args=[(h, i) for i, h in enumerate(headers)]) == [[]] * len(headers)
    assert client.get("/api/v1/me", headers=headers[3]).json["nickname"] == "w3-4"


def test_nul_characters_are_refused(client, auth):
    """NUL in JSON or a query string → 422 (PostgreSQL text cannot hold it), nothing stored."""
    resp = client.post("/api/v1/auth/dev-login", json={"openid": "a\u0000b"})
    assert_envelope(resp, 422, "validation_error")
    headers = auth.headers("nul")
    resp = client.get("/api/v1/grids/locate?lat=1&lng=1&coord_type=wgs84%00", headers=headers)
    assert_envelope(resp, 422, "validation_error")
    resp = client.patch("/api/v1/me", json={"nickname": "x\u0000"}, headers=headers)
    assert_envelope(resp, 422, "validation_error")
    assert client.get("/api/v1/me", headers=headers).json["nickname"] is None
