"""The award engine: a source earns once per rule, within the rule's caps; clawback; manual points."""

from __future__ import annotations

from sqlalchemy import case, func, select

from suishoupai.database import utcnow
from suishoupai.errors import Conflict, InvalidInput, NotFound
from suishoupai.extensions import db
from suishoupai.points import events, ledger, rules
from suishoupai.points.models import Adjustment, Award, AwardStatus, Rule
from suishoupai.points.riders import verified_rider


def in_force(code: str) -> Rule | None:
    """The version of a rule in force now, if any."""
    now = utcnow()
    return db.session.scalars(
        select(Rule).where(Rule.code == code, Rule.effective_from <= now,
                           (Rule.effective_to.is_(None)) | (Rule.effective_to > now))
        .order_by(Rule.version.desc())).first()


def current_rule(code: str) -> Rule:
    """The version of a rule in force now; 404 for an unknown or retired rule."""
    rule = in_force(code)
    if rule is None:
        raise NotFound("积分规则不存在或已停用", code="points.rule_not_found", details={"code": code})
    return rule


def _used(user_id: int, code: str, day, month) -> tuple[int, int]:
    """Points credited under a rule today and this month (reversed awards free the room)."""
    today = func.sum(case((Award.created_at >= day, Award.points), else_=0))
    row = db.session.execute(select(func.coalesce(today, 0), func.coalesce(func.sum(Award.points), 0)).where(
        Award.user_id == user_id, Award.rule_code == code, Award.status == AwardStatus.AWARDED,
        Award.created_at >= month)).one()
    return int(row[0]), int(row[1])


def _grant(award: Award, rule: Rule) -> Award:
    """Credit what the caps leave room for, or record the award as capped with the reason."""
    used_today, used_month = _used(award.user_id, rule.code, *rules.windows(utcnow()))
    grant = rules.apply_caps(award.requested, used_today, used_month, rule.daily_cap, rule.monthly_cap)
    award.reason = grant.reason
    if grant.points == 0:
        award.status, award.points = AwardStatus.CAPPED, 0
        return award
    txn = ledger.post("award", [(ledger.issuing_account(award.community_id), -grant.points),
                                (ledger.holder_account(award.user_id), grant.points)],
                      community_id=award.community_id, source_type=award.source_type,
                      source_id=award.source_id, memo=award.memo, actor_id=award.actor_id)
    award.status, award.points, award.txn_id = AwardStatus.AWARDED, grant.points, txn.id
    return award


def award(user_id: int, rule_code: str, *, source_type: str, source_id: int, community_id: int,
          points: int | None = None, memo: str, actor_id: int | None = None) -> Award:
    """Award a holder under a rule for a source; the existing award when the source earned already.

    ``points`` overrides the rule's points (posts and bounties set their own); caps still apply.
    """
    if points is not None and points < 1:
        raise InvalidInput("积分数须为正整数", code="points.bad_amount")
    # the chain lock serialises the once-per-source and cap checks below
    ledger.lock_chain()
    existing = db.session.scalars(select(Award).where(
        Award.rule_code == rule_code, Award.source_type == source_type,
        Award.source_id == source_id, Award.user_id == user_id)).first()
    if existing is not None:
        return existing
    rule = current_rule(rule_code)
    entry = Award(user_id=user_id, rule_id=rule.id, rule_code=rule.code, rule_version=rule.version,
                  source_type=source_type, source_id=source_id, community_id=community_id,
                  requested=rule.points if points is None else points, points=0, memo=memo[:200],
                  actor_id=actor_id, created_at=utcnow())
    if rule.riders_only and verified_rider(user_id) is None:
        entry.status, entry.reason = AwardStatus.INELIGIBLE, "仅认证的新就业群体可获得该项积分"
    elif rule.needs_review:
        entry.status, entry.reason = AwardStatus.PENDING_REVIEW, "待社区审核"
    else:
        _grant(entry, rule)
    db.session.add(entry)
    db.session.flush()
    if entry.status in (AwardStatus.AWARDED, AwardStatus.CAPPED):
        events.award_settled.send(entry)
    return entry


def review(award_id: int, approve: bool, actor_id: int) -> Award:
    """Approve (credit, within the caps as they stand now) or deny an award waiting for review."""
    ledger.lock_chain()
    entry = db.session.get(Award, award_id, populate_existing=True)
    if entry is None:
        raise NotFound("积分记录不存在", code="points.award_not_found")
    if entry.status != AwardStatus.PENDING_REVIEW:
        raise Conflict("该积分已审核", code="points.award_already_reviewed",
                       details={"status": entry.status})
    entry.actor_id = actor_id
    if approve:
        _grant(entry, db.session.get(Rule, entry.rule_id))
    else:
        entry.status, entry.reason = AwardStatus.DENIED, "审核未通过"
    db.session.flush()
    events.award_settled.send(entry)
    return entry


def clawback(source_type: str, source_id: int, memo: str, actor_id: int | None = None) -> list[Award]:
    """Reverse what a source earned (a report rejected after it earned); pending awards are denied.

    A holder who has spent part of it gives back what is left; the shortfall is noted on the award.
    """
    ledger.lock_chain()
    entries = db.session.scalars(select(Award).where(
        Award.source_type == source_type, Award.source_id == source_id,
        Award.status.in_((AwardStatus.AWARDED, AwardStatus.PENDING_REVIEW)))
        .order_by(Award.id)).all()
    for entry in entries:
        if entry.status == AwardStatus.PENDING_REVIEW:
            entry.status, entry.reason = AwardStatus.DENIED, memo[:200]
            continue
        available = min(entry.points, ledger.balance(entry.user_id))
        if available > 0:
            txn = ledger.reverse(entry.txn_id, memo=memo[:200], source_type=source_type,
                                 source_id=source_id, actor_id=actor_id, limit=available)
            entry.reversal_txn_id = txn.id
        entry.status = AwardStatus.REVERSED
        entry.reason = memo[:200] if available == entry.points else (
            f"{memo}；积分已部分使用，追回 {available} 分"[:200])
    db.session.flush()
    for entry in entries:
        events.award_settled.send(entry)
    return list(entries)


def adjust(actor_id: int, user_id: int, community_id: int, amount: int, reason: str) -> Adjustment:
    """A manual award (+) or deduction (−) with its reason; a deduction never goes below zero."""
    if amount == 0:
        raise InvalidInput("调整积分不能为 0", code="points.bad_amount",
                           details={"fields": {"amount": ["不能为 0"]}})
    entry = Adjustment(user_id=user_id, community_id=community_id, amount=amount, reason=reason,
                       actor_id=actor_id, created_at=utcnow())
    db.session.add(entry)
    db.session.flush()
    holder, issuing = ledger.holder_account(user_id), ledger.issuing_account(community_id)
    txn = ledger.post("adjustment", [(holder, amount), (issuing, -amount)], community_id=community_id,
                      source_type="adjustment", source_id=entry.id,
                      memo=("人工加分：" if amount > 0 else "人工扣分：") + reason, actor_id=actor_id)
    entry.txn_id = txn.id
    db.session.flush()
    events.adjusted.send(entry)
    return entry
