"""Deliver due notifications through WeChat subscribe messages, each step its own short transaction.

1. claim: due rows get this worker's lease (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: the
   BEGIN IMMEDIATE every write starts with already lets one claimer in at a time);
2. mark the row ``sending`` and commit, before the request leaves;
3. call WeChat with no transaction open;
4. record the outcome and commit at once.

A worker killed at any point resends nothing marked ``sent`` and loses no row: claimed rows are
still ``pending`` and another run takes them when the lease expires. The one window that cannot
be closed lies between 2 and 4: WeChat may have delivered the message and has no idempotency key,
so a row found in ``sending`` with an expired lease becomes ``unconfirmed`` and is never resent
(at most once; the inbox copy is there either way). At most one row per worker is in the window.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.notify import delivery, policy
from suishoupai.notify.models import Notification, State
from suishoupai.notify.templates import setting


def worker_id() -> str:
    """Who holds a lease: host, process and a nonce (pids repeat across restarts)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def reap(now: datetime) -> int:
    """Rows a dead worker left in ``sending`` become ``unconfirmed``: maybe delivered, never resent."""
    count = db.session.execute(
        update(Notification).where(Notification.state == State.SENDING, Notification.claimed_until < now)
        .values(state=State.UNCONFIRMED, last_error="worker stopped during the send; maybe delivered")
    ).rowcount
    db.session.commit()
    return count


def claim(worker: str, batch: int, now: datetime) -> list[int]:
    """Lease a batch of due pending rows to this worker."""
    free = or_(Notification.claimed_until.is_(None), Notification.claimed_until < now)
    due = (Notification.state == State.PENDING) & (Notification.next_attempt_at <= now) & free
    ids = list(db.session.scalars(
        select(Notification.id).where(due).order_by(Notification.next_attempt_at, Notification.id)
        .limit(batch).with_for_update(skip_locked=True)))
    if ids:
        until = now + timedelta(seconds=setting("NOTIFY_LEASE_SECONDS"))
        db.session.execute(update(Notification).where(Notification.id.in_(ids), due)
                           .values(claimed_by=worker, claimed_until=until))
    db.session.commit()
    return ids


def release(ids: list[int], worker: str) -> None:
    """Give back claimed rows this run will not get to, so the next run need not wait for the lease."""
    db.session.execute(update(Notification).where(
        Notification.id.in_(ids), Notification.claimed_by == worker, Notification.state == State.PENDING)
        .values(claimed_by=None, claimed_until=None))
    db.session.commit()


def run_once(batch: int | None = None, worker: str | None = None, now: datetime | None = None,
             stop=lambda: False) -> Counter:
    """Reap, claim one batch and deliver it; returns counts by outcome.

    ``now`` shifts the worker's clock (tests); leases and backoff run on that clock as time passes.
    """
    worker, skew = worker or worker_id(), (now - utcnow()) if now else timedelta(0)
    summary = Counter(reaped=reap(utcnow() + skew))
    ids = claim(worker, batch or int(setting("NOTIFY_BATCH")), utcnow() + skew)
    summary["claimed"] = len(ids)
    for position, row_id in enumerate(ids):
        out = delivery.start(row_id, worker, utcnow() + skew)
        if out is None:
            continue
        result = delivery.send(out)
        outcome = delivery.finish(out, policy.judge(result), worker, utcnow() + skew)
        summary["retry" if outcome.retry else outcome.state.value] += 1
        if outcome.stop_run or stop():
            # WeChat's API quota for the whole app is spent, or the worker is asked to stop
            release(ids[position + 1:], worker)
            summary["stopped"] = 1
            break
    return summary
