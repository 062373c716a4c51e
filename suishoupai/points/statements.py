"""What holders and offices read: my statement, award records, rankings, the monthly xlsx statement."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from openpyxl import Workbook
from sqlalchemy import or_, select

from suishoupai.auth import names
from suishoupai.auth.models import ADMIN_ROLES, User
from suishoupai.errors import Forbidden, NotFound
from suishoupai.extensions import db
from suishoupai.fields import MAX_ID
from suishoupai.org.actor import Actor
from suishoupai.org.models import OrgUnit
from suishoupai.org.scope import visible
from suishoupai.pagination import keyset_page
from suishoupai.points import ledger
from suishoupai.points.models import Account, Award, LedgerTxn, PeriodTotal, Posting, Rider, Rule
from suishoupai.points.rules import LOCAL_TZ

KIND_LABELS = {"award": "积分奖励", "adjustment": "人工调整", "spend": "积分兑换", "reversal": "冲正"}


def _rule_info(txn_ids: list[int]) -> dict[int, tuple[str, str, int]]:
    """(rule code, rule name, version) for award transactions and their reversals."""
    if not txn_ids:
        return {}
    rows = db.session.execute(
        select(Award.txn_id, Award.reversal_txn_id, Award.rule_code, Rule.name, Award.rule_version)
        .join(Rule, Rule.id == Award.rule_id)
        .where(or_(Award.txn_id.in_(txn_ids), Award.reversal_txn_id.in_(txn_ids))))
    info = {}
    for txn_id, reversal_id, code, name, version in rows:
        for key in (txn_id, reversal_id):
            if key is not None:
                info[key] = (code, name, version)
    return info


def entries(postings: list[Posting]) -> list[dict]:
    """Statement lines for a holder's postings, with the transaction and the rule behind each."""
    txns = {t.id: t for t in db.session.scalars(
        select(LedgerTxn).where(LedgerTxn.id.in_([p.txn_id for p in postings])))}
    rules = _rule_info(list(txns))
    lines = []
    for posting in postings:
        txn = txns[posting.txn_id]
        code, name, version = rules.get(txn.id, (None, None, None))
        lines.append({"txn_id": txn.id, "amount": posting.amount, "kind": txn.kind, "memo": txn.memo,
                      "source_type": txn.source_type, "source_id": txn.source_id, "rule_code": code,
                      "rule_name": name, "rule_version": version, "reverses_txn_id": txn.reverses_id,
                      "created_at": txn.created_at})
    return lines


def me(actor: Actor, args: dict) -> dict:
    """The caller's balance and statement, newest first."""
    account = db.session.scalars(select(Account).where(Account.user_id == actor.user_id)).first()
    rider = db.session.scalars(select(Rider).where(Rider.user_id == actor.user_id)).first()
    # without an account the page is empty, but a bad cursor is still refused
    page = keyset_page(select(Posting).where(Posting.account_id == (account.id if account else 0)),
                       [Posting.id], args["limit"], args.get("cursor"))
    return {"balance": account.balance if account else 0, "rider_status": rider.status if rider else None,
            "items": entries(page["items"]), "next_cursor": page["next_cursor"]}


def award_cards(rows: list[Award]) -> list[dict]:
    """Awards with their rule's name."""
    names = dict(db.session.execute(select(Rule.id, Rule.name).where(
        Rule.id.in_({a.rule_id for a in rows}))).all()) if rows else {}
    return [{"id": a.id, "user_id": a.user_id, "rule_code": a.rule_code, "rule_name": names.get(a.rule_id),
             "rule_version": a.rule_version, "source_type": a.source_type, "source_id": a.source_id,
             "community_id": a.community_id, "requested": a.requested, "points": a.points,
             "status": a.status, "reason": a.reason, "memo": a.memo, "txn_id": a.txn_id,
             "reversal_txn_id": a.reversal_txn_id, "created_at": a.created_at} for a in rows]


def my_awards(actor: Actor, args: dict) -> dict:
    """The caller's awards, including capped and ineligible ones with the reason, newest first."""
    stmt = select(Award).where(Award.user_id == actor.user_id)
    if args.get("status"):
        stmt = stmt.where(Award.status == args["status"])
    page = keyset_page(stmt, [Award.id], args["limit"], args.get("cursor"))
    return {"items": award_cards(page["items"]), "next_cursor": page["next_cursor"]}


def community_awards(actor: Actor, args: dict) -> dict:
    """Awards earned in the communities an admin runs (for review), newest first."""
    if actor.role not in ADMIN_ROLES:
        raise Forbidden()
    stmt = (select(Award).join(OrgUnit, OrgUnit.id == Award.community_id)
            .where(visible(actor, OrgUnit.path)))
    if args.get("status"):
        stmt = stmt.where(Award.status == args["status"])
    if args.get("community"):
        stmt = stmt.where(Award.community_id == args["community"])
    page = keyset_page(stmt, [Award.id], args["limit"], args.get("cursor"))
    return {"items": award_cards(page["items"]), "next_cursor": page["next_cursor"]}


def leaderboard(scope: str, period: str, limit: int) -> dict:
    """Top holders of a community or street in a month or year, read from the kept totals."""
    kind, _, raw_id = scope.partition(":")
    # an id past the integer column's range names nothing (and must never reach PostgreSQL)
    unit = db.session.get(OrgUnit, int(raw_id)) if int(raw_id) <= MAX_ID else None
    if unit is None or unit.kind != kind:
        raise NotFound("排行范围不存在", code="points.scope_not_found")
    rows = db.session.execute(
        select(PeriodTotal.user_id, PeriodTotal.points, User.real_name, User.nickname, Rider.platform)
        .join(User, User.id == PeriodTotal.user_id)
        .outerjoin(Rider, Rider.user_id == PeriodTotal.user_id)
        .where(PeriodTotal.period == period, PeriodTotal.unit_id == unit.id, PeriodTotal.points > 0)
        .order_by(PeriodTotal.points.desc(), PeriodTotal.reached_at, PeriodTotal.user_id)
        .limit(limit)).all()
    items = [{"rank": n, "user_id": user_id, "name": names.public(real, nick),
              "platform": platform, "points": points}
             for n, (user_id, points, real, nick, platform) in enumerate(rows, start=1)]
    return {"scope": scope, "unit_name": unit.name, "period": period, "items": items}


def _month_bounds(month: str) -> tuple[datetime, datetime]:
    """UTC start and end of a local calendar month."""
    year, mon = (int(x) for x in month.split("-"))
    start = datetime(year, mon, 1, tzinfo=LOCAL_TZ)
    end = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=LOCAL_TZ)
    return start.astimezone(UTC), end.astimezone(UTC)


def monthly_statement(actor: Actor, community_id: int, month: str) -> tuple[bytes, str]:
    """The community's points statement for a month as xlsx: a summary per holder and every line."""
    if actor.role not in ADMIN_ROLES:
        raise Forbidden()
    community = db.session.scalars(select(OrgUnit).where(
        OrgUnit.id == community_id, OrgUnit.kind == "community", visible(actor, OrgUnit.path))).first()
    if community is None:
        raise NotFound("社区不存在", code="org.community_not_found")
    start, end = _month_bounds(month)
    rows = db.session.execute(
        select(LedgerTxn, Posting.amount, User.id, User.real_name, User.nickname)
        .join(Posting, Posting.txn_id == LedgerTxn.id)
        .join(Account, Account.id == Posting.account_id)
        .join(User, User.id == Account.user_id)
        .where(LedgerTxn.community_id == community.id, LedgerTxn.created_at >= start,
               LedgerTxn.created_at < end, Account.kind == "holder")
        .order_by(LedgerTxn.seq)).all()
    rules = _rule_info([txn.id for txn, *_ in rows])
    book = Workbook()
    summary = book.active
    summary.title = "汇总"
    summary.append([f"{community.name} 积分月度对账单 {month}"])
    summary.append(["用户ID", "姓名", "获得积分", "兑换积分", "冲正", "净变动", "当前余额"])
    detail = book.create_sheet("明细")
    detail.append(["交易号", "时间（北京时间）", "用户ID", "姓名", "类型", "积分", "规则", "规则版本",
                   "来源", "来源ID", "摘要", "冲正交易", "哈希"])
    totals: dict[int, list] = {}
    for txn, amount, user_id, real, nick in rows:
        name = names.shown(real, nick)
        code, rule_name, version = rules.get(txn.id, (None, None, None))
        detail.append([txn.id, txn.created_at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S"), user_id,
                       name, KIND_LABELS.get(txn.kind, txn.kind), amount, rule_name or "", version or "",
                       txn.source_type, txn.source_id, txn.memo, txn.reverses_id or "", txn.hash])
        line = totals.setdefault(user_id, [user_id, name, 0, 0, 0, 0])
        column = {"award": 2, "adjustment": 2, "spend": 3, "reversal": 4}[txn.kind]
        line[column] += amount
        line[5] += amount
    for user_id, line in sorted(totals.items()):
        summary.append([*line, ledger.balance(user_id)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), f"points-{community.id}-{month}.xlsx"
