"""Helpers of the points tests."""

from sqlalchemy import select

from suishoupai.auth.models import User
from suishoupai.extensions import db


def uid(app, openid):
    """A demo account's user id."""
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.openid == openid))


def me(case, openid="demo-rider"):
    """GET /points/me."""
    resp = case.client.get("/api/v1/points/me", headers=case.h(openid))
    assert resp.status_code == 200, resp.json
    return resp.json


def accepted_report(case, openid="demo-rider"):
    """A report filed by `openid` and accepted by the grid member; returns its id."""
    resp = case.file(openid)
    assert resp.status_code == 201, resp.json
    report_id = resp.json["id"]
    assert case.step("demo-grid-member", report_id, "accept").status_code == 200
    return report_id


def verify_ledger(app):
    """Run `flask points verify`; returns (exit code, output)."""
    result = app.test_cli_runner().invoke(args=["points", "verify"])
    return result.exit_code, result.output


def _inbox(case, openid: str) -> list[tuple[str, str, str]]:
    """(kind, title, body) of a user's notifications, oldest first."""
    items = case.client.get("/api/v1/inbox?limit=50", headers=case.h(openid)).json["items"]
    return [(i["kind"], i["title"], i["body"]) for i in reversed(items)
            if i["kind"].startswith(("points", "rider"))]
