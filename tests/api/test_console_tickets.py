"""Signing in to the console by scanning: tickets opened, approved by staff, collected once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from suishoupai.console import tickets
from suishoupai.console.models import LoginTicket
from suishoupai.database import utcnow
from suishoupai.extensions import db
from tests.helpers.concurrency import at_once

BASE = "/api/v1/console/tickets"


@pytest.fixture
def later(monkeypatch):
    """Move the tickets' clock forward by some seconds, without waiting."""
    start = utcnow()

    def move(seconds: float) -> None:
        """Tickets are now judged ``seconds`` after the test started."""
        monkeypatch.setattr(tickets, "clock", lambda: start + timedelta(seconds=seconds))

    move(0)
    return move


def opened(client) -> dict:
    """Open a ticket; its body."""
    resp = client.post(BASE)
    assert resp.status_code == 201, resp.json
    return resp.json


def poll(client, body: dict, key: str | None = None):
    """Poll a ticket with its key (or another)."""
    return client.get(f"{BASE}/{body['ticket']}", headers={"X-Ticket-Key": key or body["key"]})


def approve(client, auth, body: dict, openid: str = "demo-community-admin"):
    """Approve a ticket as a demo account's mini-program."""
    return client.post(f"{BASE}/{body['ticket']}/approve", headers=auth.headers(openid))


def test_a_staff_approval_signs_the_browser_in_once(client, auth, demo, later):
    """Pending until approved; the first poll after approval brings a working token and the staff
    member's profile, every later poll answers used with no token."""
    body = opened(client)
    assert body["scene"] == body["ticket"] and body["qr_url"] == f"{BASE}/{body['ticket']}/qr.png"
    assert poll(client, body).json == {"status": "pending"}
    resp = approve(client, auth, body)
    assert resp.status_code == 200 and resp.json == {"status": "approved"}
    first = poll(client, body).json
    assert first["status"] == "approved" and first["user"]["nickname"] == "周社区"
    me = client.get("/api/v1/me", headers={"Authorization": "Bearer " + first["token"]})
    assert me.status_code == 200 and me.json["role"] == "community_admin"
    assert poll(client, body).json == {"status": "used"}
    again = approve(client, auth, body, "demo-street-admin")
    assert again.status_code == 409 and again.json["error"]["code"] == "console.ticket_used"


def test_only_the_browser_holding_the_key_may_poll(client, auth, demo, later):
    """Another key, or none, is refused; the ticket stays collectable by its own browser."""
    body = opened(client)
    approve(client, auth, body)
    wrong = poll(client, body, key="not-the-key")
    assert wrong.status_code == 403 and wrong.json["error"]["code"] == "console.ticket_key"
    assert client.get(f"{BASE}/{body['ticket']}").status_code == 403
    assert poll(client, body).json["status"] == "approved"


@pytest.mark.parametrize("openid", ["demo-resident", "demo-rider", "demo-volunteer"])
def test_people_who_are_not_staff_cannot_approve(client, auth, demo, later, openid):
    """A resident's, rider's or volunteer's approval is refused and the ticket stays pending."""
    body = opened(client)
    resp = approve(client, auth, body, openid)
    assert resp.status_code == 403 and resp.json["error"]["code"] == "console.not_staff"
    assert poll(client, body).json == {"status": "pending"}


def test_an_expired_ticket_cannot_be_approved_or_collected(client, auth, demo, later):
    """Past its time a pending ticket is refused approval; an approved one is no longer collected."""
    body = opened(client)
    later(121)
    resp = approve(client, auth, body)
    assert resp.status_code == 409 and resp.json["error"]["code"] == "console.ticket_expired"
    assert poll(client, body).json == {"status": "expired"}
    later(0)
    other = opened(client)
    assert approve(client, auth, other).status_code == 200
    later(121)
    assert poll(client, other).json == {"status": "expired"}


def test_an_unknown_ticket_is_not_found(client, auth, demo):
    """Polling, approving or drawing a ticket nobody opened answers 404."""
    assert client.get(f"{BASE}/nope", headers={"X-Ticket-Key": "k"}).status_code == 404
    resp = client.post(f"{BASE}/nope/approve", headers=auth.headers("demo-community-admin"))
    assert resp.status_code == 404 and resp.json["error"]["code"] == "console.ticket_not_found"
    assert client.get(f"{BASE}/nope/qr.png").status_code == 404


def test_development_draws_a_plain_qr_of_the_ticket(client, later):
    """Outside production the QR is a PNG drawn here, never asked of WeChat."""
    body = opened(client)
    resp = client.get(body["qr_url"])
    assert resp.status_code == 200 and resp.mimetype == "image/png"
    assert resp.data.startswith(b"\x89PNG") and resp.headers["Cache-Control"] == "no-store"


def test_production_asks_wechat_for_a_mini_program_code(app_factory, wechat, later):
    """With wechat codes the picture is WeChat's, for the ticket as scene and the approval page;
    a refused access_token is fetched again once."""
    client = app_factory(CONSOLE_QR="wechat").test_client()
    wechat.reset_qrcode()
    wechat.qr_script = [40001]
    body = opened(client)
    resp = client.get(body["qr_url"])
    assert resp.status_code == 200 and resp.mimetype == "image/jpeg"
    assert resp.data.endswith(b"fake-jpeg:" + body["ticket"].encode() + b"\xff\xd9")
    call = wechat.qr_calls[-1]
    assert call["scene"] == body["ticket"] and call["page"] == "pages/console-login/index"
    assert call["check_path"] is True and call["env_version"] == "release"
    assert len(wechat.qr_calls) == 2


def test_a_wechat_refusal_of_the_code_is_a_chinese_502(app_factory, wechat, later):
    """WeChat refusing the call answers 502 console.qr_failed, not a broken picture."""
    client = app_factory(CONSOLE_QR="wechat").test_client()
    wechat.reset_qrcode()
    wechat.qr_script = [45009]
    body = opened(client)
    resp = client.get(body["qr_url"])
    assert resp.status_code == 502 and resp.json["error"]["code"] == "console.qr_failed"


def test_a_used_ticket_draws_no_picture(client, auth, demo, later):
    """Once approved, its QR is refused: the console opens a new ticket."""
    body = opened(client)
    approve(client, auth, body)
    resp = client.get(body["qr_url"])
    assert resp.status_code == 409 and resp.json["error"]["code"] == "console.ticket_used"


@pytest.mark.postgres
def test_racing_approvals_and_polls_issue_exactly_one_token(app, auth, demo, is_postgres):
    """Two approvals at once: one wins. Then two polls of the approved ticket at once: one token."""
    if not is_postgres:
        pytest.skip("row-level concurrency is the PostgreSQL case")
    client = app.test_client()
    body = opened(client)
    heads = [auth.headers("demo-community-admin"), auth.headers("demo-street-admin")]

    def approve_as(headers):
        """One approval: its status."""
        return client.post(f"{BASE}/{body['ticket']}/approve", headers=headers).status_code

    assert sorted(at_once(None, approve_as, args=[(h,) for h in heads])) == [200, 409]

    def collect():
        """One poll: the token it brought, if any."""
        return poll(client, body).json.get("token")

    tokens_got = [t for t in at_once(None, collect, n=2) if t]
    assert len(tokens_got) == 1
    with app.app_context():
        used = db.session.scalar(select(func.count()).where(LoginTicket.status == "used"))
    assert used == 1


def test_tickets_long_expired_are_deleted_when_a_new_one_opens(client, later):
    """An hour past its time a ticket is gone; a recent one stays."""
    old = opened(client)
    later(3600 + 121)
    recent = opened(client)
    later(3600 + 122)
    opened(client)
    assert poll(client, old).status_code == 404
    assert poll(client, recent).json == {"status": "pending"}
