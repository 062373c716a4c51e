"""Cheap refusal before expensive work: the caller is checked before a body is read, JSON bodies are
capped in size and depth, and an error answer echoes a bounded amount of what it was sent."""

from __future__ import annotations

import io
import json
import sqlite3

import pytest
from sqlalchemy.engine import make_url

from tests.helpers.openapi import PUBLIC, SPEC, operations, target

JSON = "application/json"


class Untouched(io.BytesIO):
    """A request body that records whether anyone read it."""

    read_at_all = False

    def __init__(self, data: bytes = b'{"description": "x"}'):
        """Hold the bytes."""
        super().__init__(data)

    def read(self, *args):
        """Note the read, then read."""
        self.read_at_all = True
        return super().read(*args)

    def readline(self, *args):
        """Note the read, then read."""
        self.read_at_all = True
        return super().readline(*args)

    def readinto(self, buffer):
        """Note the read, then read."""
        self.read_at_all = True
        return super().readinto(buffer)


def send(client, method: str, url: str, headers=None, content_type: str = JSON, **extra):
    """One request whose body is an Untouched stream; returns the answer and the stream."""
    body = Untouched()
    resp = client.open(url, method=method, input_stream=body, content_length=len(body.getvalue()),
                       content_type=content_type, headers=headers or {}, **extra)
    return resp, body


def writes(client, admin_only: bool = False):
    """(method, URL) of every write the OpenAPI document lists that needs a token (under /admin/)."""
    spec = client.get(SPEC).json
    return [(method, target(path, op, params)) for method, path, op, params in operations(spec)
            if method != "get" and (method, path) not in PUBLIC
            and (not admin_only or path.startswith("/api/v1/admin/"))]


def test_no_token_is_401_before_any_body_is_read(client):
    """Every write needing a token answers 401 without reading a byte of the body (which would be
    refused as invalid if it were looked at)."""
    ops = writes(client)
    assert len(ops) >= 50
    for method, url in ops:
        resp, body = send(client, method, url)
        assert resp.status_code == 401 and resp.json["error"]["code"] == "auth.unauthorized", (method, url)
        assert not body.read_at_all, (method, url)
        resp, body = send(client, method, url, {"Authorization": "Bearer forged.token.value"})
        assert resp.status_code == 401 and not body.read_at_all, (method, url)


def test_a_multipart_upload_without_a_token_is_401_unread(client):
    """The photo upload too: wx.uploadFile's body is left on the wire."""
    resp, body = send(client, "POST", "/api/v1/media", content_type="multipart/form-data; boundary=x")
    assert resp.status_code == 401 and not body.read_at_all


def test_a_resident_on_an_admin_write_is_403_before_the_body(client, auth):
    """Roles that never use /admin/ (resident, rider, volunteer) are refused before the body is read,
    whatever the body and the Idempotency-Key (a NUL key once reached the database first)."""
    ops = writes(client, admin_only=True)
    assert len(ops) >= 20
    for role in ("resident", "rider", "volunteer"):
        headers = {**auth.headers(f"nosy-{role}", role), "Idempotency-Key": "\x00"}
        for method, url in ops:
            resp, body = send(client, method, url, headers)
            assert resp.status_code == 403 and resp.json["error"]["code"] == "auth.forbidden", (role, url)
            assert not body.read_at_all, (role, method, url)


@pytest.mark.parametrize(("url", "body"), [
    ("/api/v1/admin/org/import?coord_type=wgs84", {"type": "FeatureCollection", "features": [{}]}),
    ("/api/v1/admin/posts", {"active": True, "capacity": 1, "community_id": 1, "duties": "00",
                             "monthly_points": 1, "title": "000"}),
])
def test_bodies_schemathesis_found_answer_4xx_for_residents_and_admins(app, client, auth, url, body):
    """The two bodies that answered 500: a resident is refused (403) before they are read, an admin
    gets a clear answer about them, with or without a NUL in the Idempotency-Key."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    resident = auth.headers("schemathesis-resident")
    admin = auth.headers("schemathesis-admin", "district_admin")
    for key in (None, "\x00"):
        extra = {"Idempotency-Key": key} if key else {}
        resp = client.post(url, json=body, headers={**resident, **extra})
        assert resp.status_code == 403 and resp.json["error"]["code"] == "auth.forbidden"
        resp = client.post(url, json=body, headers={**admin, **extra})
        assert 400 <= resp.status_code < 500 and resp.json["error"]["code"] in (
            "org.import_invalid", "org.community_not_found", "idempotency.key_invalid"), resp.json


def test_a_json_body_over_the_cap_is_413_before_it_is_read(client, auth):
    """A Content-Length past JSON_MAX_BYTES answers 413 at once, in the envelope, naming the limit."""
    headers = auth.headers("big")
    body = Untouched(b" " * (64 * 1024 + 1))
    resp = client.post("/api/v1/reports", input_stream=body, content_length=64 * 1024 + 1,
                       content_type=JSON, headers=headers)
    assert resp.status_code == 413 and not body.read_at_all
    assert resp.json["error"] == {"code": "payload_too_large.json", "details": {"max_bytes": 65536},
                                  "message": "请求体过大（JSON 最多 64 KB）"}
    # without a token the cap still answers first: nothing about the caller is looked up for it
    resp = client.post("/api/v1/reports", data=b" " * (64 * 1024 + 1), content_type=JSON)
    assert resp.status_code == 413


def test_a_chunked_json_body_stops_being_read_at_the_cap(client, auth):
    """Without a Content-Length (chunked), reading stops at the cap: 413, not 64 MB read."""
    big = Untouched(b'{"description": "' + b"x" * 200_000 + b'"}')
    resp = client.post("/api/v1/reports", input_stream=big, content_type=JSON,
                       headers={**auth.headers("chunked"), "Transfer-Encoding": "chunked"},
                       environ_overrides={"wsgi.input_terminated": True})
    assert resp.status_code == 413 and resp.json["error"]["code"] == "payload_too_large.json"
    assert big.tell() == 64 * 1024 + 1  # one byte past the cap tells, the rest stays unread


def test_the_json_cap_is_a_setting_and_uploads_keep_theirs(app_factory):
    """JSON_MAX_BYTES moves the JSON cap; a multipart upload is held to MAX_CONTENT_LENGTH only."""
    from tests.helpers.openapi import multipart, photo

    client = app_factory(JSON_MAX_BYTES=100).test_client()
    headers = {"Authorization": "Bearer " + client.post(
        "/api/v1/auth/dev-login", json={"openid": "cap"}).json["token"]}
    resp = client.patch("/api/v1/me", json={"nickname": "x" * 200}, headers=headers)
    assert resp.status_code == 413 and resp.json["error"]["details"] == {"max_bytes": 100}
    assert client.patch("/api/v1/me", json={"nickname": "小王"}, headers=headers).status_code == 200
    upload = multipart(photo() + b"\0" * 1000)
    assert len(upload["data"]) > 100
    assert client.post("/api/v1/media", headers=headers, **upload).status_code == 201


def _nested(depth: int) -> str:
    """A JSON array nested ``depth`` levels deep."""
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [33, 1000, 1025, 20_000])
def test_json_nested_too_deep_is_400(app, client, auth, depth):
    """Past JSON_MAX_DEPTH levels a body is refused as too deep (1,000 levels once crashed the parser)."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    body = '{"description": ' + _nested(depth - 1) + "}"
    resp = client.post("/api/v1/reports", data=body, content_type=JSON, headers=auth.headers("deep"))
    assert resp.status_code == 400
    assert resp.json["error"]["code"] in ("bad_request.json_too_deep", "bad_request.invalid_json")
    if depth <= 1024:  # deeper still, the parser itself refuses it
        assert resp.json["error"]["details"] == {"max_depth": 32}


def test_json_at_the_depth_cap_reaches_validation(client, auth):
    """32 levels are read and validated like any body (a GeoJSON MultiPolygon needs 8)."""
    body = '{"description": ' + _nested(31) + "}"
    resp = client.post("/api/v1/reports", data=body, content_type=JSON, headers=auth.headers("deep-ok"))
    assert resp.status_code == 422 and "description" in resp.json["error"]["details"]["fields"]


def test_an_error_answer_echoes_a_bounded_part_of_its_body(client, auth):
    """7,000 unknown keys, or long ones full of characters JSON escapes, give a 422 naming
    ERROR_MAX_FIELDS of them, each cut to ERROR_MAX_TEXT characters, marked truncated, in a few KB."""
    many = json.dumps({f"{i:x}": 0 for i in range(7_000)}, separators=(",", ":"))
    long = json.dumps({f"{i:03d}" + "鬼\x01" * 200: 0 for i in range(30)}, ensure_ascii=False)
    headers = auth.headers("echo")
    for payload in (many, long):
        assert len(payload.encode()) < 64 * 1024
        resp = client.post("/api/v1/reports", data=payload, content_type=JSON, headers=headers)
        assert resp.status_code == 422, resp.json
        details = resp.json["error"]["details"]
        assert details["truncated"] is True and len(details["fields"]) == 10
        assert all(len(name) <= 65 for name in details["fields"])
        assert len(resp.data) < 4 * 1024, len(resp.data)


def test_the_bounds_are_settings(app_factory):
    """ERROR_MAX_FIELDS and ERROR_MAX_TEXT set how much an error answer may echo."""
    client = app_factory(ERROR_MAX_FIELDS=3, ERROR_MAX_TEXT=5).test_client()
    token = client.post("/api/v1/auth/dev-login", json={"openid": "bounds"}).json["token"]
    resp = client.post("/api/v1/reports", json={"abcdefghij" + str(i): 1 for i in range(10)},
                       headers={"Authorization": f"Bearer {token}"})
    details = resp.json["error"]["details"]
    assert details["truncated"] is True and len(details["fields"]) == 3
    assert all(len(name) <= 6 for name in details["fields"]) and "descr…" in details["fields"]


class Probe(Untouched):
    """A body that, when first read, tries to take SQLite's write lock from another connection."""

    def __init__(self, database: str, data: bytes):
        """Hold the bytes and the database file."""
        super().__init__(data)
        self.database, self.other_writer = database, None

    def probe(self) -> None:
        """Try the lock once, without waiting for it."""
        if self.other_writer is not None:
            return
        other = sqlite3.connect(self.database, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            self.other_writer = "could write"
        except sqlite3.OperationalError as exc:
            self.other_writer = str(exc)
        finally:
            other.close()

    def read(self, *args):
        """Probe, then read."""
        self.probe()
        return super().read(*args)

    def readinto(self, buffer):
        """Probe, then read."""
        self.probe()
        return super().readinto(buffer)


def test_the_callers_check_leaves_no_write_lock_while_the_body_arrives(app, client, auth, is_postgres):
    """A write's transaction takes SQLite's write lock when it begins; the caller is checked in a read
    transaction of its own that ends before the body is read, so a photo still arriving from a phone
    keeps no other writer waiting."""
    if is_postgres:
        pytest.skip("the write lock is SQLite's")
    body = Probe(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database, '{"nickname": "小王"}'.encode())
    resp = client.patch("/api/v1/me", input_stream=body, content_length=len(body.getvalue()),
                        content_type=JSON, headers=auth.headers("lock"))
    assert resp.status_code == 200 and resp.json["nickname"] == "小王"
    assert body.other_writer == "could write"
