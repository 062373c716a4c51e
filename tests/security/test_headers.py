"""Headers on every answer, the API page's own policy, the page off in production, no server version."""

from __future__ import annotations

import re

import requests

from suishoupai.docs import PAGE_POLICY
from suishoupai.headers import DEFAULT_POLICY
from tests.helpers.entrypoint import serving
from tests.helpers.media import UPLOAD, fetch, photo, post
from tests.helpers.security import production_app


def assert_protected(resp, policy=DEFAULT_POLICY):
    """The answer may not be sniffed, framed, or run anything its policy does not allow."""
    assert resp.headers["X-Content-Type-Options"] == "nosniff", resp.headers
    assert resp.headers["X-Frame-Options"] == "DENY", resp.headers
    assert resp.headers["Content-Security-Policy"] == policy, resp.headers


def test_every_kind_of_answer_carries_the_headers(app_factory, auth):
    """Success, errors of every layer (404, 405, 401, 415, 422, 500), photos and the OpenAPI document."""
    app = app_factory()
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production

    @app.get("/boom")
    def boom():
        raise RuntimeError("unexpected")

    client = app.test_client()
    answers = {
        "healthz": client.get("/healthz"),
        "unknown path": client.get("/api/v1/no-such-thing"),
        "wrong method": client.put("/api/v1/me"),
        "no token": client.get("/api/v1/me"),
        "not json": client.post("/api/v1/auth/wechat-login", data="code=1", content_type="text/plain"),
        "bad argument": client.get("/api/v1/reports?scope=everything", headers=auth.headers("h1")),
        "server error": client.get("/boom"),
        "openapi": client.get("/api/openapi.json"),
    }
    expected = {"healthz": 200, "unknown path": 404, "wrong method": 405, "no token": 401,
                "not json": 415, "bad argument": 422, "server error": 500, "openapi": 200}
    assert {name: resp.status_code for name, resp in answers.items()} == expected
    for resp in answers.values():
        assert_protected(resp)
    uploaded = post(client, auth.headers("h2"), photo())
    assert uploaded.status_code == 201 and uploaded.request.path == UPLOAD
    image = fetch(client, uploaded.json["url"])
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert_protected(image)
    assert_protected(fetch(client, uploaded.json["url"] + "x"))  # a broken signature: 404


def test_the_api_page_runs_only_its_own_files(client):
    """/api/docs: its own policy, no inline script, and every file it names is served here."""
    page = client.get("/api/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert_protected(page, PAGE_POLICY)
    html = page.get_data(as_text=True)
    assert "'unsafe-inline'" not in PAGE_POLICY.split("script-src")[1].split(";")[0]
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []  # every script is a file
    assert 'data-spec-url="/api/openapi.json"' in html
    files = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(files) == 3 and all(f.startswith("/api/docs/") for f in files), files
    for path in files:
        resp = client.get(path)
        assert resp.status_code == 200, path
        assert_protected(resp)
        resp.close()
    start = client.get("/api/docs/start.js")
    assert start.mimetype == "text/javascript" and b"SwaggerUIBundle" in start.data


def test_the_api_page_is_off_in_production_unless_enabled(app_factory, is_postgres):
    """Production serves the OpenAPI document but not the page or its files; API_DOCS turns them on."""
    client = production_app(app_factory, is_postgres).test_client()
    for path in ("/api/docs", "/api/docs/start.js", "/api/docs/static/swagger-ui-bundle.js"):
        resp = client.get(path)
        assert resp.status_code == 404 and resp.json["error"]["code"] == "not_found", path
        assert_protected(resp)
    assert client.get("/api/openapi.json").json["info"]["version"] == "v1"
    enabled = production_app(app_factory, is_postgres, API_DOCS=True).test_client()
    assert enabled.get("/api/docs").status_code == 200
    asset = enabled.get("/api/docs/static/swagger-ui-bundle.js")
    assert asset.status_code == 200
    asset.close()


def test_gunicorn_names_no_version(migrated, tmp_path):
    """Through the real server: no version in `Server`, and the app's headers on the answer."""
    settings = {"ENV": "development", "DATABASE_URL": migrated, "MEDIA_ROOT": str(tmp_path / "media"),
                "LOG_LEVEL": "WARNING"}
    with serving(settings, tmp_path / "gunicorn.log") as base:
        resp = requests.get(base + "/api/v1/no-such-thing", timeout=10)
    assert resp.status_code == 404
    assert resp.headers.get("Server", "") in ("", "gunicorn"), resp.headers
    assert_protected(resp)
