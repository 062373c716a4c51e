"""The OpenAPI document names the error statuses each operation really answers, and only those."""

from __future__ import annotations

import re
from contextlib import contextmanager

from flask import request, request_finished
from sqlalchemy import select

from suishoupai.extensions import db, errors
from suishoupai.org.models import OrgUnit
from tests.helpers.openapi import PUBLIC, SPEC, UNKNOWN, multipart, operations, photo, target

#: path parameters naming a record; `{day}` takes any date and `{step}` is an enum the URL checks
RECORD = re.compile(r"_id$|^code$|^kind$")
CENTRE = {"lat": 30.272869, "lng": 120.16498, "coord_type": "gcj02"}


def documented(spec, method: str, path: str) -> set[int]:
    """The statuses an operation documents, ``default`` aside."""
    return {int(code) for code in spec["paths"][path][method]["responses"] if code != "default"}


def spec_path(rule: str) -> str:
    """The document's path for a URL rule: /reports/<id:report_id> → /reports/{report_id}."""
    return re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule)


@contextmanager
def answers(app):
    """Record (method, URL rule, status) of every request the app answers meanwhile."""
    seen: list[tuple[str, str, int]] = []

    def note(_sender, response, **_extra):
        """Keep one answer."""
        rule = request.url_rule.rule if request.url_rule else request.path
        seen.append((request.method.lower(), rule, response.status_code))

    request_finished.connect(note, app)
    try:
        yield seen
    finally:
        request_finished.disconnect(note, app)


def undocumented(spec, seen) -> list:
    """The error answers whose status their operation does not document."""
    return sorted({(method, spec_path(rule), status) for method, rule, status in seen
                   if status >= 400 and status not in documented(spec, method, spec_path(rule))})


def bearer(client, openid: str) -> dict:
    """Authorization headers of a (demo) account."""
    return {"Authorization": "Bearer " + client.post("/api/v1/auth/dev-login",
                                                     json={"openid": openid}).json["token"]}


def test_operations_on_a_record_document_404(client):
    """Every operation whose path names a record documents 404 (unknown, or outside the caller's scope)."""
    spec = client.get(SPEC).json
    on_record = [(method, path) for method, path, _op, params in operations(spec)
                 if any(RECORD.search(p["name"]) for p in params)]
    assert len(on_record) >= 45
    assert [op for op in on_record if 404 not in documented(spec, *op)] == []


def test_token_operations_document_401_and_public_ones_neither(client):
    """Operations inherit the bearer requirement and document 401; the login operations opt out of
    both; every error status refers to a shared response with the error envelope."""
    spec = client.get(SPEC).json
    assert spec["security"] == [{"bearer": []}]
    public = {(method, path) for method, path, op, _ in operations(spec) if op.get("security") == []}
    assert public == PUBLIC
    for method, path, op, _ in operations(spec):
        assert (401 in documented(spec, method, path)) == ((method, path) not in PUBLIC), (method, path)
        assert op.get("security", spec["security"]) == ([] if (method, path) in PUBLIC else spec["security"])
        for code, answer in op["responses"].items():
            if code[0] in "45":
                name = answer["$ref"].rsplit("/", 1)[1]
                content = spec["components"]["responses"][name]["content"]
                assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorEnvelope"}


def test_errors_documents_the_view_without_wrapping_it():
    """errors() adds to the view's doc and hands the same function back (nothing more runs per call)."""

    def view():
        """A view."""

    assert errors(404, 409)(view) is view
    assert view._apidoc["manual_doc"]["responses"] == {404: "NOT_FOUND", 409: "CONFLICT"}


def test_request_layer_answers_are_documented_everywhere(app_factory):
    """Over HTTP, on every operation: no token → 401 (on a read, unless its query is refused first), a body
    neither JSON nor multipart → 415, broken JSON → 400, a body over the limit → 413; each documented."""
    app = app_factory(MAX_CONTENT_LENGTH=4096)
    client = app.test_client()
    spec = client.get(SPEC).json
    # staff: a resident is refused every /admin/ write (403) before its body could be judged
    headers = {"Authorization": "Bearer " + client.post("/api/v1/auth/dev-login", json={
        "openid": "sweeper", "role": "district_admin"}).json["token"]}
    with answers(app) as seen:
        for method, path, op, params in operations(spec):
            url, public = target(path, op, params), (method, path) in PUBLIC
            status = client.open(url, method=method).status_code
            needs_input = "requestBody" in op or any(
                p["required"] for p in op.get("parameters", []) if p["in"] == "query")
            if public:
                assert status != 401, (method, path)
            elif method != "get":  # a write's caller is checked before its body is read
                assert status == 401, (method, path, status)
            else:
                assert status == 401 or (needs_input and status == 422), (method, path, status)
            if method != "get":
                resp = client.open(url, method=method, data="x=1", content_type="text/plain", headers=headers)
                assert resp.status_code == 415, (method, path, resp.status_code)
            body = op.get("requestBody", {}).get("content", {})
            if "application/json" in body:
                resp = client.open(url, method=method, data="{oops", content_type="application/json",
                                   headers=headers)
                assert resp.status_code == 400, (method, path, resp.status_code)
                resp = client.open(url, method=method, json={"x": "x" * 5000}, headers=headers)
                assert resp.status_code == 413, (method, path, resp.status_code)
            elif "multipart/form-data" in body:
                resp = client.open(url, method=method, headers=headers, **multipart(b"x" * 5000))
                assert resp.status_code == 413, (method, path, resp.status_code)
    assert {status for *_, status in seen} >= {400, 401, 413, 415, 422}
    assert undocumented(spec, seen) == []


def test_domain_error_answers_are_documented(app, client, demo, app_factory):
    """Real refusals of the services (roles, scopes, states, uploads, WeChat, the login limit) answer
    statuses their operations document."""
    spec = client.get(SPEC).json
    resident, admin = bearer(client, "demo-resident"), bearer(client, "demo-district-admin")
    member = bearer(client, "demo-grid-member")
    with app.app_context():
        district = db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == "DEMO-D"))

    def expect(status: int, method: str, url: str, headers=None, **kwargs):
        """Make one call and check its status."""
        resp = client.open(url, method=method, headers=headers or {}, **kwargs)
        assert resp.status_code == status, (method, url, resp.status_code, resp.json)
        return resp

    with answers(app) as seen:
        expect(401, "GET", "/api/v1/me", {"Authorization": "Bearer not-a-token"})
        # a resident on staff and admin operations
        for url in ("/admin/org", "/departments", "/admin/categories", "/admin/calendar?year=2025",
                    "/admin/moderation", "/admin/grids", "/admin/points/rules", "/admin/points/awards",
                    "/riders", "/admin/posts", "/admin/bounties", "/admin/rewards",
                    "/reports?scope=community", "/wishes?scope=grid", "/redemptions?scope=staff",
                    f"/stats/summary?scope=district:{district}", f"/admin/grids/{UNKNOWN}"):
            expect(403, "GET", "/api/v1" + url, resident)
        expect(403, "PUT", "/api/v1/admin/calendar/2025-01-06", resident, json={"is_workday": True})
        # ids nobody has, or outside the caller's scope
        for url in (f"/reports/{UNKNOWN}", f"/wishes/{UNKNOWN}", f"/media/{UNKNOWN}",
                    f"/admin/grids/{UNKNOWN}", f"/admin/posts/{UNKNOWN}", f"/admin/bounties/{UNKNOWN}",
                    f"/admin/rewards/{UNKNOWN}", f"/admin/posts/{UNKNOWN}/claims",
                    f"/admin/bounties/{UNKNOWN}/claims", f"/admin/points/statements/{UNKNOWN}?month=2025-01",
                    f"/stats/summary?scope=street:{UNKNOWN}"):
            expect(404, "GET", "/api/v1" + url, admin)
        expect(404, "GET", "/api/v1/riders/me", resident)
        for url in (f"/inbox/{UNKNOWN}/read", "/inbox/quota/nope/reset", f"/reports/{UNKNOWN}/follow"):
            expect(404, "POST", "/api/v1" + url, admin)
        expect(404, "DELETE", f"/api/v1/reports/{UNKNOWN}/follow", admin)
        expect(404, "POST", f"/api/v1/reports/{UNKNOWN}/accept", admin, json={})
        # a report, and steps its state or the caller's part in it refuses
        media_id = expect(201, "POST", "/api/v1/media", resident, **multipart(photo())).json["id"]
        report = expect(201, "POST", "/api/v1/reports", resident, json={
            "category": "garbage", "description": "小区东门垃圾堆放三天无人清理", "location": CENTRE,
            "media_ids": [media_id]}).json["id"]
        expect(409, "POST", f"/api/v1/reports/{report}/confirm", resident, json={})
        expect(409, "POST", f"/api/v1/reports/{report}/follow", resident)
        expect(404, "POST", f"/api/v1/reports/{report}/accept", bearer(client, "demo-resident-2"), json={})
        expect(200, "POST", f"/api/v1/reports/{report}/accept", member, json={})
        expect(409, "POST", f"/api/v1/reports/{report}/accept", member, json={})
        expect(422, "POST", f"/api/v1/reports/{report}/reject", member, json={})
        # uploads that are not photos we take
        expect(415, "POST", "/api/v1/media", resident, **multipart(b"%PDF-1.4 not a photo", "a.pdf"))
        expect(422, "POST", "/api/v1/media", resident, **multipart(b"", "a.jpg"))
        # WeChat's refusals and failures (the local fake answers by code)
        for code, status in (("bad-code", 400), ("risky", 403), ("limited", 429), ("weird", 502),
                             ("slow", 503)):
            expect(status, "POST", "/api/v1/auth/wechat-login", json={"code": code})
    limited = app_factory(RATELIMIT_ENABLED=True, LIMIT_LOGIN_PER_IP="1 per hour")
    with answers(limited) as limit_seen:
        for status in (400, 429):
            resp = limited.test_client().post("/api/v1/auth/wechat-login", json={"code": "bad-code"})
            assert resp.status_code == status
    statuses = {status for *_, status in seen + limit_seen}
    assert statuses >= {400, 401, 403, 404, 409, 415, 422, 429, 502, 503}
    assert undocumented(spec, seen + limit_seen) == []
