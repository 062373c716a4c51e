"""Helpers of the notify tests."""

from sqlalchemy import select

from suishoupai.auth.models import User
from suishoupai.extensions import db

FIELDS = {"thing1": "title", "thing2": "body", "time3": "created_at", "character_string4": "report_id"}


#: report_confirmed has no template: inbox only
TEMPLATES = {kind: {"template_id": f"tpl-{kind}", "fields": FIELDS} for kind in (
    "report_assigned", "report_accepted", "report_transferred", "report_escalated", "report_resolved",
    "report_rejected", "report_reopened", "report_overdue", "report_rated", "test")}


def user_id(openid: str) -> int:
    """A demo account's id (inside an app context)."""
    return db.session.scalar(select(User.id).where(User.openid == openid))


def inbox(case, openid: str, **args) -> dict:
    """GET /inbox as a user."""
    resp = case.client.get("/api/v1/inbox", query_string=args, headers=case.h(openid))
    assert resp.status_code == 200, resp.json
    return resp.json


def enqueue(app, nf, openid: str, key: str, kind: str = "test", body: str = "正文") -> int:
    """Write and commit one notification; returns its id."""
    with app.app_context():
        notification_id = nf.service.enqueue(user_id(openid), kind, "标题", body, "pages/index/index",
                                             {"report_id": "7"}, dedupe_key=key)
        db.session.commit()
        return notification_id
