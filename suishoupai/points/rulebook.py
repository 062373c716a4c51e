"""The rule book as data: current versions, history, new rules, edits that add versions, the seed."""

from __future__ import annotations

from sqlalchemy import select

from suishoupai.auth.models import Role
from suishoupai.database import utcnow
from suishoupai.errors import Conflict, Forbidden, NotFound
from suishoupai.extensions import db
from suishoupai.org.actor import Actor
from suishoupai.points.models import Rule
from suishoupai.points.rules import RULE_BOOK

#: who may write the rule book: street and district admins own point rules
EDITORS = (Role.STREET_ADMIN, Role.DISTRICT_ADMIN)
#: what an edit may change; anything else stays as the last version had it
EDITABLE = ("name", "description", "points", "daily_cap", "monthly_cap", "needs_review", "riders_only")


def _editor(actor: Actor) -> Actor:
    """Street and district admins only."""
    if actor.role not in EDITORS:
        raise Forbidden("仅街道或区级管理员可修改积分细则", code="points.rule_edit_forbidden")
    return actor


def current_rules() -> list[Rule]:
    """The version of every rule in force now, by code."""
    now = utcnow()
    rows = db.session.scalars(select(Rule).where(
        Rule.effective_from <= now, (Rule.effective_to.is_(None)) | (Rule.effective_to > now))
        .order_by(Rule.code, Rule.version.desc())).all()
    seen: dict[str, Rule] = {}
    for rule in rows:
        seen.setdefault(rule.code, rule)
    return list(seen.values())


def history(actor: Actor, code: str | None) -> list[Rule]:
    """Every version (of one rule, or of all), newest version first per code."""
    _editor(actor)
    stmt = select(Rule).order_by(Rule.code, Rule.version.desc())
    if code:
        stmt = stmt.where(Rule.code == code)
    return list(db.session.scalars(stmt))


def _latest(code: str) -> Rule | None:
    """The highest version of a rule, locked for the edit."""
    return db.session.scalars(select(Rule).where(Rule.code == code).order_by(Rule.version.desc())
                              .limit(1).with_for_update()).first()


def create(actor: Actor | None, data: dict) -> Rule:
    """A new rule, version 1, in force now."""
    if actor is not None:
        _editor(actor)
    if _latest(data["code"]) is not None:
        raise Conflict("该规则代码已存在，请修改现有规则", code="points.rule_exists",
                       details={"code": data["code"]})
    rule = Rule(version=1, effective_from=utcnow(), created_by_id=actor.user_id if actor else None,
                created_at=utcnow(), **{k: data.get(k) for k in ("code", *EDITABLE)})
    rule.needs_review = bool(rule.needs_review)
    rule.riders_only = True if data.get("riders_only") is None else data["riders_only"]
    db.session.add(rule)
    db.session.flush()
    return rule


def edit(actor: Actor, code: str, data: dict) -> Rule:
    """Close the version in force and open the next one with the changes; awards keep their version."""
    _editor(actor)
    latest = _latest(code)
    if latest is None:
        raise NotFound("积分规则不存在", code="points.rule_not_found", details={"code": code})
    now = utcnow()
    fields = {k: data[k] if k in data else getattr(latest, k) for k in EDITABLE}
    if latest.effective_to is None or latest.effective_to > now:
        latest.effective_to = now
    rule = Rule(code=code, version=latest.version + 1, effective_from=now, created_by_id=actor.user_id,
                created_at=now, **fields)
    db.session.add(rule)
    db.session.flush()
    return rule


def seed_rules() -> int:
    """Write the seeded 贡献积分细则 where a code is missing; returns how many were added."""
    added = 0
    for code, name, points, daily, monthly, review, riders_only, description in RULE_BOOK:
        if _latest(code) is None:
            create(None, {"code": code, "name": name, "points": points, "daily_cap": daily,
                          "monthly_cap": monthly, "needs_review": review, "riders_only": riders_only,
                          "description": description})
            added += 1
    return added
