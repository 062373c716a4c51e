"""Odd inputs found by attacking the service answer a clear 4xx in the envelope, never a 500."""

from __future__ import annotations

import time

import jwt
import pytest

SECRET = "test-secret-key-that-is-long-enough-for-hs256"


@pytest.fixture
def app(app_factory):
    """An app whose unexpected exceptions answer 500, as in production, instead of reaching the test."""
    app = app_factory()
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def test_a_lone_surrogate_in_a_body_is_invalid_json(client, auth):
    """`\\ud800` alone is no character (it cannot be stored or sent back): the body is refused as JSON."""
    headers = auth.headers("surrogate")
    resp = client.patch("/api/v1/me", data='{"nickname": "\\ud800"}', content_type="application/json",
                        headers=headers)
    assert resp.status_code == 400 and resp.json["error"]["code"] == "bad_request.invalid_json"
    assert client.get("/api/v1/me", headers=headers).json["nickname"] != "\ud800"


@pytest.mark.parametrize("body", [b"]\xef\x1e\xff\x1c", b"\xff\xfe", b'{"nickname": "\xc3"}', b"  "])
def test_bytes_that_are_no_json_text_are_invalid_json(client, auth, body):
    """Bytes that are not UTF-8 (or only blanks) are broken JSON (400), never read as an empty body."""
    headers = auth.headers("bytes")
    resp = client.patch("/api/v1/me", data=body, content_type="application/json", headers=headers)
    assert resp.status_code == 400 and resp.json["error"]["code"] == "bad_request.invalid_json"


@pytest.mark.parametrize(("method", "url"), [
    ("POST", "/api/v1/inbox/quota/%00/reset"),
    ("PATCH", "/api/v1/admin/categories/%00"),
    ("PATCH", "/api/v1/admin/points/rules/%00"),
    ("PATCH", "/api/v1/admin/points/rules/report%00valid"),
])
def test_a_nul_in_a_path_matches_no_route(client, auth, method, url):
    """A NUL in a path's text never reaches a service or a query: the route does not match (404)."""
    resp = client.open(url, method=method, json={"points": 1}, headers=auth.headers("nul", "district_admin"))
    assert resp.status_code == 404 and resp.json["error"]["code"] == "not_found"


def _token(client, **claims) -> str:
    """A token signed with the app's key, carrying the given claims over a valid user's."""
    user_id = client.post("/api/v1/auth/dev-login", json={"openid": "claims"}).json["user"]["id"]
    now = int(time.time())
    base = {"sub": str(user_id), "tv": 0, "iat": now, "exp": now + 600, "typ": "access"}
    payload = {k: v for k, v in {**base, **claims}.items() if v is not ...}
    return jwt.encode(payload, SECRET, algorithm="HS256")


@pytest.mark.parametrize("claims", [
    {"tv": "x"}, {"tv": [1]}, {"tv": {"a": 1}}, {"tv": 1.5}, {"tv": True}, {"tv": None}, {"tv": ...},
    {"tv": -1}, {"tv": 10**30},
    {"sub": "²"}, {"sub": "١"}, {"sub": "0"}, {"sub": "99999999999999999999"}, {"sub": " 1"},
    {"sub": 1}, {"sub": ["1"]}, {"sub": ...},
    {"typ": ...}, {"typ": ["access"]}, {"exp": "soon"}, {"exp": 10**400}, {"iat": "now"}, {"iat": ...},
    {"nbf": "x"}, {"aud": 5},
], ids=repr)
def test_a_signed_token_with_odd_claims_is_401(client, claims):
    """Claims of the wrong type, out of range or missing make a bad token (401), whoever signed it."""
    resp = client.get("/api/v1/me", headers={"Authorization": "Bearer " + _token(client, **claims)})
    assert resp.status_code == 401, resp.json
    assert resp.json["error"]["code"] in ("auth.token_invalid", "auth.token_expired", "auth.token_revoked")


def test_the_untouched_token_still_opens_me(client):
    """The helper's token itself is good: the 401s above come from the odd claims alone."""
    resp = client.get("/api/v1/me", headers={"Authorization": "Bearer " + _token(client)})
    assert resp.status_code == 200


def test_an_idempotency_key_with_a_control_character_is_422(client, auth):
    """A NUL (or another control) in Idempotency-Key is refused before it reaches the key column."""
    admin = auth.headers("keys", "district_admin")
    for key in ("\x00", "a\x01b", "\x7f"):
        resp = client.post("/api/v1/admin/posts", json={
            "active": True, "capacity": 1, "community_id": 1, "duties": "00", "monthly_points": 1,
            "title": "000"}, headers={**admin, "Idempotency-Key": key})
        assert resp.status_code == 422 and resp.json["error"]["code"] == "idempotency.key_invalid", resp.json
