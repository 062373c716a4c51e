"""Who may open, list and revoke screen tokens, and reading the token a screen sends."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import request
from sqlalchemy import func, select

from suishoupai.auth.models import ADMIN_ROLES
from suishoupai.database import utcnow
from suishoupai.errors import Conflict, Forbidden, NotFound, Unauthorized
from suishoupai.extensions import db
from suishoupai.org.actor import Actor
from suishoupai.org.models import Kind, OrgUnit
from suishoupai.org.scope import visible
from suishoupai.screen.models import ScreenToken

#: a screen token is told apart from a session token by this prefix (a session token is a JWT)
PREFIX = "scr_"
#: live tokens per unit: a wall has a few screens, not hundreds
MAX_PER_UNIT = 20
SCREEN_KINDS = (Kind.DISTRICT, Kind.STREET, Kind.COMMUNITY)
#: the screen polls every few seconds; its last sighting is written at most once a minute
SEEN_EVERY = timedelta(minutes=1)


def _hash(token: str) -> str:
    """sha256 hex of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _admin(actor: Actor) -> Actor:
    """Admins of a community, street or district manage their screens."""
    if actor.role not in ADMIN_ROLES or not actor.scope_paths:
        raise Forbidden("只有社区、街道、区级管理员可以管理大屏令牌", code="screen.forbidden")
    return actor


def view(token: ScreenToken, unit: OrgUnit) -> dict:
    """A token as staff see it (never the token itself after creation)."""
    return {"id": token.id, "name": token.name, "unit": {"id": unit.id, "kind": unit.kind, "name": unit.name},
            "created_at": token.created_at, "revoked_at": token.revoked_at,
            "last_seen_at": token.last_seen_at, "active": token.revoked_at is None}


def create(actor: Actor, unit_id: int | None, name: str) -> dict:
    """A new token for a unit in reach (the caller's own unit by default); the token is shown once."""
    _admin(actor)
    unit = db.session.get(OrgUnit, unit_id) if unit_id is not None else db.session.get(
        OrgUnit, actor.user.org_unit_id)
    if unit is None or not actor.covers(unit.path):
        raise NotFound("单位不存在或不在您的管辖范围内", code="screen.unit_not_found")
    if unit.kind not in SCREEN_KINDS:
        raise Conflict("大屏只能绑定区、街道或社区", code="screen.bad_unit")
    live = db.session.scalar(select(func.count()).select_from(ScreenToken).where(
        ScreenToken.unit_id == unit.id, ScreenToken.revoked_at.is_(None)))
    if live >= MAX_PER_UNIT:
        raise Conflict(f"该单位的有效大屏令牌已达 {MAX_PER_UNIT} 个，请先撤销不用的", code="screen.too_many")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ScreenToken(unit_id=unit.id, name=name, token_hash=_hash(secret), created_by_id=actor.user_id,
                        created_at=utcnow())
    db.session.add(token)
    db.session.flush()
    return view(token, unit) | {"token": secret}


def listing(actor: Actor) -> list[dict]:
    """The tokens of the units in reach, newest first."""
    _admin(actor)
    rows = db.session.execute(select(ScreenToken, OrgUnit).join(OrgUnit, OrgUnit.id == ScreenToken.unit_id)
                              .where(visible(actor, OrgUnit.path)).order_by(ScreenToken.id.desc())).all()
    return [view(token, unit) for token, unit in rows]


def revoke(actor: Actor, token_id: int) -> dict:
    """Revoke a token in reach: the screen holding it is refused from its next poll on."""
    _admin(actor)
    row = db.session.execute(select(ScreenToken, OrgUnit).join(OrgUnit, OrgUnit.id == ScreenToken.unit_id)
                             .where(ScreenToken.id == token_id, visible(actor, OrgUnit.path))
                             .with_for_update(of=ScreenToken)).first()
    if row is None:
        raise NotFound("大屏令牌不存在", code="screen.token_not_found")
    token, unit = row
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    return view(token, unit)


def screen_unit() -> OrgUnit:
    """The unit of the screen token the request carries (as a bearer token); 401 otherwise.

    Session tokens are refused here, and screen tokens everywhere else (they are no JWT)."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret.startswith(PREFIX):
        raise Unauthorized("请使用大屏令牌访问", code="screen.token_required")
    token = db.session.scalar(select(ScreenToken).where(ScreenToken.token_hash == _hash(secret)))
    if token is None or token.revoked_at is not None:
        raise Unauthorized("大屏令牌无效或已撤销，请联系管理员重新生成", code="screen.token_revoked")
    now = utcnow()
    if token.last_seen_at is None or now - token.last_seen_at >= SEEN_EVERY:
        token.last_seen_at = now
    return db.session.get(OrgUnit, token.unit_id)
