"""The double-entry ledger: accounts, balanced hash-chained transactions, spending and reversals.

Every write takes the chain-head row FOR UPDATE first: that is the chain's serialisation point
(one writer at a time appends a link), and it also serialises the cap and once-per-source checks
of the award engine that run under it. Balances are cached on the accounts and changed by
conditional UPDATEs in the same transaction; a holder's UPDATE carries the no-below-zero guard.
No function here updates or deletes a transaction or a posting.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select, text, update
from sqlalchemy.exc import IntegrityError

from suishoupai.database import UTCDateTime, utcnow
from suishoupai.errors import Conflict, InvalidInput, NotFound
from suishoupai.extensions import db
from suishoupai.org.models import OrgUnit
from suishoupai.points import chain
from suishoupai.points.models import Account, AccountKind, ChainHead, LedgerTxn, Posting

#: the rule book's days and months are local ones
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
#: transactions whose holder legs count as points earned (rankings); spending does not
EARNING = ("award", "adjustment")


class InsufficientPoints(Conflict):
    """The holder's balance does not cover the debit."""

    code = "points.insufficient"
    message = "积分余额不足"


class AlreadyReversed(Conflict):
    """The transaction has been reversed already."""

    code = "points.already_reversed"
    message = "该笔积分已冲正，不能重复冲正"


def _get_or_create(kind: AccountKind, user_id: int | None, community_id: int | None) -> Account:
    """One account per (kind, owner); two first-time callers end up with the same row."""
    stmt = select(Account).where(Account.kind == kind)
    stmt = stmt.where(Account.user_id == user_id) if user_id is not None else stmt.where(
        Account.community_id == community_id, Account.user_id.is_(None))
    account = db.session.scalars(stmt).first()
    if account is not None:
        return account
    try:
        with db.session.begin_nested():
            account = Account(kind=kind, user_id=user_id, community_id=community_id, balance=0,
                              created_at=utcnow())
            db.session.add(account)
    except IntegrityError:
        account = db.session.scalars(stmt).one()
    return account


def holder_account(user_id: int) -> Account:
    """The holder account of a user (get-or-create)."""
    return _get_or_create(AccountKind.HOLDER, user_id, None)


def issuing_account(community_id: int) -> Account:
    """The community's issuing account: debited when the community awards points."""
    return _get_or_create(AccountKind.ISSUING, None, community_id)


def sink_account(community_id: int) -> Account:
    """The community's sink: credited when points are redeemed."""
    return _get_or_create(AccountKind.SINK, None, community_id)


def balance(user_id: int) -> int:
    """The user's cached balance (0 without an account)."""
    value = db.session.scalar(select(Account.balance).where(Account.user_id == user_id))
    return int(value or 0)


def lock_chain() -> ChainHead:
    """Take the chain head FOR UPDATE (creating it once); held until the transaction ends."""
    stmt = (select(ChainHead).where(ChainHead.id == 1).with_for_update()
            .execution_options(populate_existing=True))
    head = db.session.scalars(stmt).first()
    if head is None:
        try:
            with db.session.begin_nested():
                db.session.add(ChainHead(id=1, seq=0, hash=chain.GENESIS))
        except IntegrityError:
            pass
        head = db.session.scalars(stmt).one()
    return head


def local_periods(moment: datetime) -> tuple[str, str]:
    """The local month ("2026-11") and year ("2026") a moment falls in."""
    local = moment.astimezone(LOCAL_TZ)
    return f"{local.year:04d}-{local.month:02d}", f"{local.year:04d}"


#: one statement for both databases: SQLite and PostgreSQL spell the upsert alike
_BUMP = text(
    "INSERT INTO points_period_totals (period, unit_id, user_id, points, reached_at) "
    "VALUES (:period, :unit_id, :user_id, :points, :reached_at) "
    "ON CONFLICT (period, unit_id, user_id) DO UPDATE SET "
    "points = points_period_totals.points + excluded.points, reached_at = excluded.reached_at"
).bindparams(bindparam("reached_at", type_=UTCDateTime))


def _count_earned(user_id: int, community_id: int | None, amount: int, earned_at: datetime) -> None:
    """Move the holder's month and year totals in the community and its street, in this transaction."""
    if community_id is None:
        return
    community = db.session.get(OrgUnit, community_id)
    units = [community_id] + ([community.parent_id] if community and community.parent_id else [])
    now = utcnow()
    db.session.execute(_BUMP, [{"period": period, "unit_id": unit_id, "user_id": user_id, "points": amount,
                                "reached_at": now}
                               for period in local_periods(earned_at) for unit_id in units])


def _move(account: Account, amount: int) -> None:
    """Change a cached balance; a holder's may not go below zero (atomic, checked by rowcount)."""
    stmt = update(Account).where(Account.id == account.id).values(balance=Account.balance + amount)
    if account.kind == AccountKind.HOLDER and amount < 0:
        stmt = stmt.where(Account.balance + amount >= 0)
    result = db.session.execute(stmt.execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise InsufficientPoints(details={"needed": -amount, "balance": balance(account.user_id)})
    db.session.expire(account, ["balance"])


def post(kind: str, legs: Iterable[tuple[Account, int]], *, community_id: int | None,
         source_type: str, source_id: int, memo: str, reverses_id: int | None = None,
         actor_id: int | None = None, earned_at: datetime | None = None) -> LedgerTxn:
    """Append one balanced transaction: lock the chain, move balances, write postings and the link."""
    merged: dict[int, tuple[Account, int]] = {}
    for account, amount in legs:
        previous = merged.get(account.id, (account, 0))[1]
        merged[account.id] = (account, previous + int(amount))
    postings = [(a, amt) for a, amt in merged.values() if amt != 0]
    if len(postings) < 2 or sum(amt for _, amt in postings) != 0:
        raise InvalidInput("记账分录须至少两条且合计为零", code="points.unbalanced")
    head = lock_chain()
    # guarded debits first: a refusal leaves every balance untouched
    for account, amount in sorted(postings, key=lambda p: (p[1] >= 0, p[0].id)):
        _move(account, amount)
    now = utcnow()
    seq = head.seq + 1
    content = chain.canonical(seq, kind, community_id, source_type, source_id, memo, reverses_id,
                              actor_id, now, [(a.id, amt) for a, amt in postings])
    txn = LedgerTxn(seq=seq, kind=kind, community_id=community_id, source_type=source_type,
                    source_id=source_id, memo=memo, reverses_id=reverses_id, actor_id=actor_id,
                    created_at=now, prev_hash=head.hash, hash=chain.link(head.hash, content))
    db.session.add(txn)
    db.session.flush()
    db.session.add_all([Posting(txn_id=txn.id, account_id=a.id, amount=amt) for a, amt in postings])
    head.seq, head.hash = seq, txn.hash
    if kind in EARNING or earned_at is not None:
        for account, amount in postings:
            if account.kind == AccountKind.HOLDER:
                _count_earned(account.user_id, community_id, amount, earned_at or now)
    db.session.flush()
    return txn


def spend(user_id: int, community_id: int, amount: int, *, source_type: str, source_id: int,
          memo: str) -> LedgerTxn:
    """Move points from the holder to the community's sink; InsufficientPoints when short."""
    if amount <= 0:
        raise InvalidInput("积分数须为正整数", code="points.bad_amount")
    holder = holder_account(user_id)
    return post("spend", [(holder, -amount), (sink_account(community_id), amount)],
                community_id=community_id, source_type=source_type, source_id=source_id, memo=memo)


def reverse(txn_id: int, *, memo: str, source_type: str, source_id: int,
            actor_id: int | None = None, limit: int | None = None) -> LedgerTxn:
    """Post the mirror image of a transaction, linked to it; a transaction is reversed once.

    ``limit`` caps what a two-legged transaction's reversal takes back (a clawback from a holder
    who has spent part of what they earned takes back what is left).
    """
    original = db.session.get(LedgerTxn, txn_id)
    if original is None:
        raise NotFound("记账记录不存在", code="points.txn_not_found")
    if original.kind == "reversal":
        raise Conflict("冲正记录不能再冲正", code="points.reverse_reversal")
    lock_chain()
    if db.session.scalar(select(LedgerTxn.id).where(LedgerTxn.reverses_id == txn_id)) is not None:
        raise AlreadyReversed(details={"txn_id": txn_id})
    rows = db.session.execute(select(Account, Posting.amount).join(Posting, Posting.account_id == Account.id)
                              .where(Posting.txn_id == txn_id)).all()
    legs = [(account, -amount) for account, amount in rows]
    if limit is not None and len(legs) == 2:
        size = min(limit, abs(legs[0][1]))
        legs = [(account, size if amount > 0 else -size) for account, amount in legs]
    earned_at = original.created_at if original.kind in EARNING else None
    return post("reversal", legs, community_id=original.community_id, source_type=source_type,
                source_id=source_id, memo=memo, reverses_id=txn_id, actor_id=actor_id,
                earned_at=earned_at)
