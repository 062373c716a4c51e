"""The auditor's check: the hash chain, zero-sum transactions, cached balances == sum of postings."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from suishoupai.extensions import db
from suishoupai.points import chain
from suishoupai.points.models import Account, ChainHead, LedgerTxn, Posting

#: rows fetched per round trip while streaming the ledger
BATCH = 20_000


@dataclass
class Report:
    """What the check found: counts, and the first break of each kind (None when sound)."""

    transactions: int = 0
    postings: int = 0
    accounts: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the ledger verifies."""
        return not self.problems


def _postings():
    """(txn_id, account_id, amount) in transaction order, streamed."""
    stmt = select(Posting.txn_id, Posting.account_id, Posting.amount).order_by(Posting.txn_id)
    return db.session.execute(stmt.execution_options(yield_per=BATCH))


def verify() -> Report:
    """Walk the chain in sequence order, recomputing each link from its postings; then the balances."""
    report = Report()
    txns = db.session.execute(
        select(LedgerTxn.id, LedgerTxn.seq, LedgerTxn.kind, LedgerTxn.community_id, LedgerTxn.source_type,
               LedgerTxn.source_id, LedgerTxn.memo, LedgerTxn.reverses_id, LedgerTxn.actor_id,
               LedgerTxn.created_at, LedgerTxn.prev_hash, LedgerTxn.hash)
        .order_by(LedgerTxn.seq).execution_options(yield_per=BATCH))
    # postings are grouped by txn id; transactions are numbered in chain order, so both advance together
    legs_by_txn: dict[int, list[tuple[int, int]]] = {}
    postings = iter(_postings())
    pending = next(postings, None)
    prev, expected_seq = chain.GENESIS, 1
    for row in txns:
        report.transactions += 1
        while pending is not None and pending[0] <= row.id:
            legs_by_txn.setdefault(pending[0], []).append((pending[1], pending[2]))
            report.postings += 1
            pending = next(postings, None)
        legs = legs_by_txn.pop(row.id, [])
        if report.ok:
            where = f"transaction {row.id} (seq {row.seq})"
            content = chain.canonical(row.seq, row.kind, row.community_id, row.source_type, row.source_id,
                                      row.memo, row.reverses_id, row.actor_id, row.created_at, legs)
            if row.seq != expected_seq:
                report.problems.append(f"{where}: sequence gap, expected seq {expected_seq}")
            elif row.prev_hash != prev:
                report.problems.append(f"{where}: prev_hash does not match the previous link")
            elif len(legs) < 2 or sum(a for _, a in legs) != 0:
                report.problems.append(f"{where}: postings sum to {sum(a for _, a in legs)}, "
                                       f"not zero ({len(legs)} postings)")
            elif chain.link(prev, content) != row.hash:
                report.problems.append(f"{where}: hash mismatch, content changed after it was written")
        prev, expected_seq = row.hash, row.seq + 1
    while pending is not None:
        report.postings += 1
        if report.ok:
            report.problems.append(f"posting on transaction {pending[0]}: no such transaction in the chain")
        pending = next(postings, None)
    head = db.session.get(ChainHead, 1)
    if report.ok and head is not None and (head.seq != expected_seq - 1 or head.hash != prev):
        report.problems.append(f"chain head (seq {head.seq}) does not match the last transaction")
    _check_balances(report)
    return report


def _check_balances(report: Report) -> None:
    """Every cached balance equals the sum of its account's postings; holders are never negative."""
    sums = (select(Posting.account_id, func.sum(Posting.amount).label("total"))
            .group_by(Posting.account_id).subquery())
    rows = db.session.execute(
        select(Account.id, Account.kind, Account.balance, func.coalesce(sums.c.total, 0))
        .outerjoin(sums, sums.c.account_id == Account.id).order_by(Account.id))
    for account_id, kind, cached, derived in rows:
        report.accounts += 1
        if cached != derived:
            report.problems.append(
                f"account {account_id}: cached balance {cached} != sum of postings {derived}")
        elif kind == "holder" and cached < 0:
            report.problems.append(f"account {account_id}: holder balance {cached} below zero")
