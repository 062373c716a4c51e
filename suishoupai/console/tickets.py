"""Signing in to the console by scanning: a one-time ticket a staff member's mini-program approves."""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
from datetime import datetime, timedelta

import segno
from flask import current_app
from sqlalchemy import delete, select, update

from suishoupai import wechat
from suishoupai.auth import service as auth_service
from suishoupai.auth.actor import Actor
from suishoupai.auth.models import STAFF_ROLES, User
from suishoupai.console.models import LoginTicket, TicketStatus
from suishoupai.database import utcnow
from suishoupai.errors import Conflict, Forbidden, NotFound, UpstreamError, UpstreamUnavailable
from suishoupai.extensions import db
from suishoupai.wechat.client import WeChatBadAnswer, WeChatError, WeChatUnavailable

#: the time tickets are judged by; tests set it to move past an expiry without waiting
clock = utcnow
#: tickets past their time are deleted when a new one is opened this long after
KEEP_EXPIRED = timedelta(hours=1)
#: WECHAT_MINIPROGRAM_STATE → getUnlimitedQRCode's env_version
ENV_VERSIONS = {"formal": "release", "trial": "trial", "developer": "develop"}


def _hash(key: str) -> str:
    """What is stored of the browser's key."""
    return hashlib.sha256(key.encode()).hexdigest()


def status_at(row: LoginTicket, now: datetime) -> TicketStatus:
    """A ticket's status as of ``now``: a pending or uncollected one past its time is expired."""
    status = TicketStatus(row.status)
    if status in (TicketStatus.PENDING, TicketStatus.APPROVED) and now >= row.expires_at:
        return TicketStatus.EXPIRED
    return status


def _find(ticket: str) -> LoginTicket:
    """The ticket row, read afresh; 404 when there is none."""
    row = db.session.scalars(select(LoginTicket).where(LoginTicket.ticket == ticket)
                             .execution_options(populate_existing=True)).first()
    if row is None:
        raise NotFound("登录二维码不存在，请刷新", code="console.ticket_not_found")
    return row


def open_ticket() -> dict:
    """A new pending ticket and the key that collects it (shown once, kept only hashed); tickets long
    past their time go (an index range on expires_at: nothing else keeps the table small)."""
    now, key = clock(), secrets.token_urlsafe(32)
    db.session.execute(delete(LoginTicket).where(LoginTicket.expires_at < now - KEEP_EXPIRED))
    row = LoginTicket(ticket=secrets.token_urlsafe(16), key_hash=_hash(key), status=TicketStatus.PENDING,
                      created_at=now,
                      expires_at=now + timedelta(seconds=current_app.config["CONSOLE_TICKET_SECONDS"]))
    db.session.add(row)
    db.session.flush()
    return {"ticket": row.ticket, "key": key, "expires_at": row.expires_at.replace(microsecond=0),
            "scene": row.ticket}


def poll(ticket: str, key: str | None) -> dict:
    """Where the ticket stands for the browser holding its key; the first poll after approval
    collects the token and uses the ticket up (a conditional update: one collector wins)."""
    row = _find(ticket)
    if not key or not hmac.compare_digest(row.key_hash, _hash(key)):
        raise Forbidden("登录二维码与本浏览器不匹配，请刷新", code="console.ticket_key")
    now = clock()
    status = status_at(row, now)
    if status != TicketStatus.APPROVED:
        return {"status": status}
    won = db.session.execute(
        update(LoginTicket).where(LoginTicket.id == row.id, LoginTicket.status == TicketStatus.APPROVED)
        .values(status=TicketStatus.USED, used_at=now).execution_options(synchronize_session=False))
    if won.rowcount != 1:
        return {"status": TicketStatus.USED}
    signed = auth_service.sign_in(db.session.get(User, row.approved_by))
    return {"status": TicketStatus.APPROVED, **signed}


def approve(actor: Actor, ticket: str) -> dict:
    """A staff member's mini-program vouches for the browser that opened the ticket."""
    if actor.role not in STAFF_ROLES:
        raise Forbidden("只有工作人员可以登录指挥中心", code="console.not_staff")
    row = _find(ticket)
    now = clock()
    won = db.session.execute(
        update(LoginTicket).where(LoginTicket.id == row.id, LoginTicket.status == TicketStatus.PENDING,
                                  LoginTicket.expires_at > now)
        .values(status=TicketStatus.APPROVED, approved_by=actor.user_id, approved_at=now)
        .execution_options(synchronize_session=False))
    if won.rowcount == 1:
        return {"status": TicketStatus.APPROVED}
    raise _refusal(_find(ticket), now)


def _refusal(row: LoginTicket, now: datetime) -> Conflict:
    """The 409 for a ticket that is no longer pending."""
    if status_at(row, now) == TicketStatus.EXPIRED:
        return Conflict("登录二维码已过期，请在电脑上刷新", code="console.ticket_expired")
    return Conflict("该登录二维码已被使用", code="console.ticket_used")


def qr_png(ticket: str) -> bytes:
    """The picture of a pending ticket: a mini-program code from WeChat, or a plain QR of the ticket."""
    row = _find(ticket)
    now = clock()
    if status_at(row, now) != TicketStatus.PENDING:
        raise _refusal(row, now)
    if _source() == "plain":
        out = io.BytesIO()
        segno.make_qr(row.ticket, error="m").save(out, kind="png", scale=8, border=2)
        return out.getvalue()
    config = current_app.config
    try:
        return wechat.client().unlimited_qrcode(
            row.ticket, config["CONSOLE_QR_PAGE"],
            ENV_VERSIONS.get(config["WECHAT_MINIPROGRAM_STATE"], "release"))
    except WeChatUnavailable as exc:
        raise UpstreamUnavailable("微信服务暂时无法连接，请稍后刷新", code="console.qr_unavailable") from exc
    except (WeChatError, WeChatBadAnswer) as exc:
        raise UpstreamError("生成小程序码失败，请稍后刷新", code="console.qr_failed") from exc


def _source() -> str:
    """Where sign-in codes come from: the setting, else WeChat in production only."""
    config = current_app.config
    return config["CONSOLE_QR"] or ("wechat" if config["ENV"] == "production" else "plain")
