"""Partner API keys: district admins issue, list and revoke them; a partner's calls are checked by them."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from limits import parse_many
from sqlalchemy import select

from suishoupai import limits
from suishoupai.auth.models import Role, User
from suishoupai.database import utcnow
from suishoupai.errors import Forbidden, InvalidInput, NotFound, TooManyRequests
from suishoupai.extensions import db
from suishoupai.open311.models import PartnerKey
from suishoupai.org.actor import Actor
from suishoupai.org.models import Kind, OrgUnit
from suishoupai.org.scope import visible

#: keys are told apart from other secrets of the service by this prefix
PREFIX = "o311_"
#: the units a key may be bound to: its partner files cases there only
KEY_KINDS = (Kind.DISTRICT, Kind.STREET, Kind.COMMUNITY)
#: a partner posts and polls often; its last use is written at most once a minute
USED_EVERY = timedelta(minutes=1)


def _hash(key: str) -> str:
    """sha256 hex of a key."""
    return hashlib.sha256(key.encode()).hexdigest()


def district_admin(actor: Actor) -> Actor:
    """Keys open the district's cases to another system: its admins alone issue them."""
    if actor.role != Role.DISTRICT_ADMIN or not actor.scope_paths:
        raise Forbidden("只有区级管理员可以管理 Open311 接口密钥", code="open311.forbidden")
    return actor


def view(key: PartnerKey, unit: OrgUnit) -> dict:
    """A key as staff see it (never the key itself after creation)."""
    return {"id": key.id, "name": key.name, "key_prefix": key.key_prefix,
            "unit": {"id": unit.id, "kind": unit.kind, "name": unit.name}, "rate_limit": key.rate_limit,
            "created_at": key.created_at, "revoked_at": key.revoked_at, "last_used_at": key.last_used_at,
            "active": key.revoked_at is None}


def check_rate(rate: str) -> str:
    """A rate limit the limits library reads ("100 per hour;1000 per day"), 1 to a million per window of
    at most a year, else 422 on the field."""
    try:
        items = parse_many(rate)
    except ValueError:
        items = []
    # bounded: a window past a year or an amount past a million overflows the counter store's timers
    if items and all(1 <= item.amount <= 1_000_000 and item.get_expiry() <= 366 * 86400 for item in items):
        return rate
    raise InvalidInput("频率限制格式有误，例如 100 per hour;1000 per day", code="open311.bad_rate_limit",
                       details={"fields": {"rate_limit": ["格式有误"]}})


def create(actor: Actor, data: dict) -> dict:
    """A new key for a unit in reach (the admin's own district by default), with the account its cases
    are filed by; the key is shown in this answer only."""
    district_admin(actor)
    unit_id = data.get("unit_id") or actor.user.org_unit_id
    unit = db.session.get(OrgUnit, unit_id) if unit_id else None
    if unit is None or not actor.covers(unit.path) or unit.kind not in KEY_KINDS:
        raise NotFound("单位不存在或不在您的管辖范围内", code="open311.unit_not_found")
    rate = check_rate(data["rate_limit"])
    secret = PREFIX + secrets.token_urlsafe(32)
    # the partner files as an account of its own, so its cases have a reporter as every case does
    partner = User(openid=f"open311:{secrets.token_hex(16)}", nickname=data["name"][:64], role=Role.RESIDENT)
    db.session.add(partner)
    db.session.flush()
    key = PartnerKey(name=data["name"], unit_id=unit.id, user_id=partner.id, key_hash=_hash(secret),
                     key_prefix=secret[:len(PREFIX) + 6], rate_limit=rate, created_by_id=actor.user_id,
                     created_at=utcnow())
    db.session.add(key)
    db.session.flush()
    return view(key, unit) | {"api_key": secret}


def listing(actor: Actor) -> list[dict]:
    """The keys of the units in reach, newest first, revoked ones included."""
    district_admin(actor)
    rows = db.session.execute(select(PartnerKey, OrgUnit).join(OrgUnit, OrgUnit.id == PartnerKey.unit_id)
                              .where(visible(actor, OrgUnit.path)).order_by(PartnerKey.id.desc())).all()
    return [view(key, unit) for key, unit in rows]


def revoke(actor: Actor, key_id: int) -> dict:
    """Revoke a key in reach: the partner is refused from its next call on (again: no change)."""
    district_admin(actor)
    row = db.session.execute(select(PartnerKey, OrgUnit).join(OrgUnit, OrgUnit.id == PartnerKey.unit_id)
                             .where(PartnerKey.id == key_id, visible(actor, OrgUnit.path))
                             .with_for_update(of=PartnerKey)).first()
    if row is None:
        raise NotFound("接口密钥不存在", code="open311.key_not_found")
    key, unit = row
    if key.revoked_at is None:
        key.revoked_at = utcnow()
    return view(key, unit)


def partner(api_key: str | None) -> PartnerKey:
    """The live key a partner's call carries, counted against its rate limit: 403 for a missing, unknown
    or revoked key, 429 past its limit."""
    if not api_key or not api_key.startswith(PREFIX):
        raise Forbidden("缺少有效的 api_key", code="open311.key_required")
    key = db.session.scalar(select(PartnerKey).where(PartnerKey.key_hash == _hash(api_key)))
    if key is None or key.revoked_at is not None:
        raise Forbidden("api_key 无效或已撤销，请联系区级管理员", code="open311.key_revoked")
    wait = limits.quota_wait(key.rate_limit, "open311", f"key:{key.id}")
    if wait is not None:
        raise TooManyRequests("调用过于频繁，请稍后再试", code="open311.rate_limited",
                              details={"retry_after": wait})
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at >= USED_EVERY:
        key.last_used_at = now
    return key


def actor_of(key: PartnerKey) -> Actor:
    """The partner's account as the filing service sees a caller: a resident."""
    return Actor(user_id=key.user_id, role=Role.RESIDENT)
