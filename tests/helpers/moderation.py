"""Content security over real HTTP: the served app WeChat pushes to, and reading the checks back."""

from __future__ import annotations

import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from suishoupai.extensions import db
from suishoupai.moderation.models import ModerationCheck

TOKEN = "pushToken2026"


@pytest.fixture
def web(wechat):
    """The app served over real HTTP, so WeChat's pushes and photo fetches arrive as they would."""
    holder = {}
    def wsgi(environ, start_response):
        """The test's app, created after the port is known."""
        return holder["app"](environ, start_response)

    server = make_server("127.0.0.1", 0, wsgi, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    wechat.reset_notify()
    wechat.reset_security()
    yield SimpleNamespace(holder=holder, url=f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    server.server_close()


def checks(app, **where) -> list[SimpleNamespace]:
    """Moderation rows, oldest first."""
    with app.app_context():
        stmt = select(ModerationCheck).filter_by(**where).order_by(ModerationCheck.id)
        return [SimpleNamespace(id=c.id, field=c.field, status=c.status, trace_id=c.trace_id, label=c.label,
                                attempts=c.attempts, last_error=c.last_error, provider=c.provider,
                                kind=c.kind, media_id=c.media_id)
                for c in db.session.scalars(stmt)]


def public_ids(case, openid="demo-resident-2") -> list[int]:
    """Report ids on the public board."""
    resp = case.client.get("/api/v1/reports?scope=public", headers=case.h(openid))
    assert resp.status_code == 200, resp.json
    return [item["id"] for item in resp.json["items"]]


def trace_of(app, report_id) -> str:
    """The trace_id of a report's (only) photo check."""
    (photo,) = checks(app, subject_type="report", subject_id=report_id, kind="image")
    return photo.trace_id


#: the worker's clock once every backoff and lease has run out
LATER = timedelta(hours=3)


#: the submission's budget for content checks: long enough that a busy machine never runs out of it
#: on a good answer (a text check left pending would keep a case off the board); the tests of the
#: budget itself shrink it with @pytest.mark.sync_budget(seconds), below the fake's slow answers
BUDGET = 30.0


def push(web, wechat, event, **kwargs):
    """A message push from WeChat to the served app."""
    return wechat.push(f"{web.url}/wechat/push", TOKEN, event, **kwargs)


def inbox_kinds(case, openid) -> list[str]:
    """The kinds in a user's inbox."""
    return [i["kind"] for i in case.client.get("/api/v1/inbox", headers=case.h(openid)).json["items"]]
