"""The request layer: request ids, one log line per request, one commit per request."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from functools import wraps

import flask_smorest
import orjson
from flask import Flask, Response, current_app, g, request
from flask.sessions import SessionInterface

from suishoupai import idempotency
from suishoupai.database import sqlite_begin_mode
from suishoupai.errors import UnsupportedMediaType, json_too_large
from suishoupai.extensions import PUBLIC, READ_METHODS, STAFF, db, errors

log = logging.getLogger("suishoupai.request")
IDEMPOTENCY_PARAMETER = {
    "in": "header", "name": idempotency.HEADER, "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": "重试时带上同一个键：返回第一次的结果，不会重复创建。键相同而内容不同 → 422；"
                   "第一次仍在处理中 → 409。",
}
#: bodies the API reads: JSON, and multipart for wx.uploadFile
BODY_TYPES = ("application/json", "multipart/form-data")
#: blueprints whose bodies come from WeChat's servers, which label JSON as they please (text/plain)
LOOSE_BODY_BLUEPRINTS: set[str] = set()


def install_caller(app: Flask, caller_id: Callable[[], int], admit: Callable[[bool], object]) -> None:
    """Tell the request layer how to read the caller; the package that reads tokens installs it at
    start-up, so this layer stays below the domains: ``caller_id()`` the signed-in user's id (401
    without a valid token), ``admit(staff_only)`` the check of a write's caller before its body."""
    app.extensions["suishoupai.caller"] = (caller_id, admit)


def caller_id() -> int:
    """The signed-in caller's user id; 401 without a valid, unrevoked token."""
    return current_app.extensions["suishoupai.caller"][0]()


def _admit(staff_only: bool) -> None:
    """Refuse a write whose caller is not signed in (401), or not staff where only staff are served (403)."""
    current_app.extensions["suishoupai.caller"][1](staff_only)


def reads(view):
    """Run a view that only reads outside a transaction on PostgreSQL: no BEGIN before its first
    statement and no ROLLBACK after its last (two of a list page's four round trips). Each statement
    then sees the database as of its own start: for views whose answer needs no single snapshot
    (the caller's row, then a page of reports). SQLite reads in-process and keeps its transaction."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        """Take the request's connection in autocommit before the view's first statement."""
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        return view(*args, **kwargs)

    return wrapper


def writes(view=None, *, idempotent: bool = False):
    """Run a view as one unit of work: commit once when it returns, roll back when it raises.

    With ``idempotent=True`` an ``Idempotency-Key`` header makes a retry replay the first answer
    (documented with the 409 of a retry that finds the first one still running).
    """

    def decorate(func):
        """Wrap one view."""

        @wraps(func)
        def wrapper(*args, **kwargs):
            """Claim the key, run the view, store the answer, commit; or roll back and free the key."""
            claim = None
            if idempotent:
                claim = idempotency.claim(caller_id())
                if claim is not None and claim.replay is not None:
                    return claim.replay
            try:
                response = func(*args, **kwargs)
                if claim is not None:
                    claim.complete(response)
                db.session.commit()
            except BaseException:
                db.session.rollback()
                if claim is not None:
                    claim.release()
                raise
            return response

        if idempotent:
            return errors(409)(flask_smorest.Blueprint.doc(parameters=[IDEMPOTENCY_PARAMETER])(wrapper))
        return wrapper

    return decorate(view) if view is not None else decorate


def json_answer(body, status: int = 200) -> Response:
    """A JSON answer written straight from plain dicts, skipping the response schema's dump.

    For hot paths whose dicts already have exactly the documented shape (a test holds them equal
    to the schema's dump); the route keeps its @blp.response for the OpenAPI document.
    """
    # orjson writes datetimes as isoformat() does, as the schemas dump them (a list page holds
    # about 120 of them; the json module's callback for each cost a tenth of the request)
    return Response(orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS), status=status,
                    mimetype="application/json")


def _begin(response=None):
    """Note the start of a request; reads take no write lock on SQLite; a write is refused from its
    headers when they already say no, before its body is read."""
    g.request_id = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex
    g.started = time.perf_counter()
    g.begin_token = sqlite_begin_mode.set("DEFERRED" if request.method in READ_METHODS else "IMMEDIATE")
    if request.method in READ_METHODS:
        return
    if request.content_length and (
            request.mimetype not in BODY_TYPES and not request.mimetype.endswith("+json")
            and request.blueprint not in LOOSE_BODY_BLUEPRINTS):
        raise UnsupportedMediaType("请求体须为 JSON（上传文件用 multipart/form-data）",
                                   code="unsupported_media_type",
                                   details={"content_type": request.mimetype})
    if current_app.config["REQUEST_GUARDS"]:
        _refuse_before_body()


def _refuse_before_body():
    """The cheap refusals of a write, in order: a JSON body over JSON_MAX_BYTES (413, from its
    Content-Length; a chunked one stops being read there), then the caller: no valid token (401) or a
    role the operation never serves (403). Reads carry no body and keep their single-statement path."""
    if request.mimetype == "application/json" or request.mimetype.endswith("+json"):
        limit = current_app.config["JSON_MAX_BYTES"]
        if request.content_length is not None and request.content_length > limit:
            raise json_too_large(limit)
        # a chunked body is read one byte past the cap at most, which tells the parser it is over
        request.max_content_length = min(limit + 1, current_app.config["MAX_CONTENT_LENGTH"] or limit + 1)
    audience = getattr(current_app.view_functions.get(request.endpoint), "audience", PUBLIC)
    if audience == PUBLIC:
        return
    # the caller is read in a transaction of its own, ended before the body is read: the write's own
    # (BEGIN IMMEDIATE on SQLite) would hold the write lock while a phone sends a photo
    token = sqlite_begin_mode.set("DEFERRED")
    try:
        _admit(staff_only=audience == STAFF)
    finally:
        db.session.rollback()
        sqlite_begin_mode.reset(token)


def _finish(response):
    """Write the request's log line (when INFO is on) and hand its id back to the client."""
    response.headers["X-Request-Id"] = g.get("request_id", "")
    if not log.isEnabledFor(logging.INFO):
        return response
    actor = g.get("actor")
    log.info(json.dumps({
        "request_id": g.get("request_id"),
        "method": request.method,
        "path": request.path,
        "endpoint": request.endpoint,
        "status": response.status_code,
        "ms": round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 1),
        "user": actor.user_id if actor else None,
        # the peer, or with PROXY_HOPS the address the outermost trusted proxy saw (ProxyFix)
        "ip": request.remote_addr,
    }, ensure_ascii=False))
    return response


def _teardown(_exc):
    """Restore the SQLite begin mode for whatever runs next on this thread."""
    token = g.pop("begin_token", None)
    if token is not None:
        sqlite_begin_mode.reset(token)


class NoSessions(SessionInterface):
    """The API keeps no cookie session (callers send a bearer token): Flask's default would build a
    signing serializer and look for a cookie on every request for nothing."""

    def open_session(self, app: Flask, request):
        """No session: Flask hands views its null session, which refuses writes."""
        return None

    def save_session(self, app: Flask, session, response) -> None:
        """Nothing to save."""


def init_app(app: Flask) -> None:
    """Hook the request layer into the app."""
    app.session_interface = NoSessions()
    app.before_request(_begin)
    app.after_request(_finish)
    app.teardown_request(_teardown)
