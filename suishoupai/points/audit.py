"""The auditor's check: the hash chain, zero-sum transactions, cached balances == sum of postings."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from suishoupai.extensions import db
from suishoupai.points import chain
from suishoupai.points.models import Account, ChainHead, Posting

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


TXN_SQL = ("SELECT id, seq, kind, community_id, source_type, source_id, memo, reverses_id, actor_id, "
           "created_at, prev_hash, hash FROM points_txns ORDER BY seq")
POSTING_SQL = "SELECT txn_id, account_id, amount FROM points_postings ORDER BY txn_id"


def _stream(sql: str, name: str):
    """Rows straight from the driver, in the session's transaction (one snapshot for the whole check).

    The auditor reads a million rows: the ORM's per-row work would cost more than the checks.
    """
    raw = db.session.connection().connection.driver_connection
    if db.session.get_bind().dialect.name == "postgresql":
        cursor = raw.cursor(name=name)  # server-side: rows arrive in batches, memory stays flat
        cursor.itersize = BATCH
    else:
        cursor = raw.cursor()
    cursor.execute(sql)
    try:
        while rows := cursor.fetchmany(BATCH):
            yield from rows
    finally:
        cursor.close()


def _stamp(value) -> str:
    """created_at as the chain spells it: a datetime (PostgreSQL) or SQLAlchemy's SQLite text."""
    if isinstance(value, str):
        value = value if "." in value else value + ".000000"
        return value.replace(" ", "T", 1) + "Z"
    return chain.stamp(value)


def verify() -> Report:
    """Walk the chain in sequence order, recomputing each link from its postings; then the balances."""
    report = Report()
    # postings are grouped by txn id; transactions are numbered in chain order, so both advance together
    legs_by_txn: dict[int, list[tuple[int, int]]] = {}
    postings = _stream(POSTING_SQL, "points_verify_postings")
    pending = next(postings, None)
    prev, expected_seq = chain.GENESIS, 1
    canonical, link = chain.canonical, chain.link
    for (txn_id, seq, kind, community_id, source_type, source_id, memo, reverses_id, actor_id, created_at,
         prev_hash, hash_) in _stream(TXN_SQL, "points_verify_txns"):
        report.transactions += 1
        while pending is not None and pending[0] <= txn_id:
            legs_by_txn.setdefault(pending[0], []).append((pending[1], pending[2]))
            report.postings += 1
            pending = next(postings, None)
        legs = legs_by_txn.pop(txn_id, ())
        if report.ok:
            problem = None
            if seq != expected_seq:
                problem = f"sequence gap, expected seq {expected_seq}"
            elif prev_hash != prev:
                problem = "prev_hash does not match the previous link"
            elif len(legs) < 2 or sum(a for _, a in legs) != 0:
                problem = f"postings sum to {sum(a for _, a in legs)}, not zero ({len(legs)} postings)"
            elif link(prev, canonical(seq, kind, community_id, source_type, source_id, memo, reverses_id,
                                      actor_id, _stamp(created_at), legs)) != hash_:
                problem = "hash mismatch, content changed after it was written"
            if problem:
                report.problems.append(f"transaction {txn_id} (seq {seq}): {problem}")
        prev, expected_seq = hash_, seq + 1
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
