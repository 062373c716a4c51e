"""`flask moderation run`: ask the provider again about pending checks, with leases as in notify.

Each check is claimed (lease), read, and the transaction ends before the provider is called; the
outcome is recorded in a fresh transaction, only if the row is still ours and still pending (staff
may have decided meanwhile). A worker killed mid-call leaves a claimed pending row that the next
run takes when the lease expires: asking twice about a text is harmless; a photo submitted twice
gets two trace_ids and only the newer one's verdict is used.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from suishoupai import moderation
from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.moderation import service
from suishoupai.moderation.models import ModerationCheck, Verdict
from suishoupai.moderation.providers import ProviderUnavailable


def _due(now: datetime):
    """Pending checks due for a try: never answered, or a photo whose verdict has not come in time."""
    wait = timedelta(minutes=current_app.config["MODERATION_CALLBACK_WAIT_MINUTES"])
    return ((ModerationCheck.status == Verdict.PENDING) & (ModerationCheck.next_attempt_at <= now)
            & or_(ModerationCheck.claimed_until.is_(None), ModerationCheck.claimed_until < now)
            & or_(ModerationCheck.submitted_at.is_(None), ModerationCheck.submitted_at < now - wait))


def claim(worker: str, batch: int, now: datetime) -> list[int]:
    """Lease a batch of due checks to this worker."""
    due = _due(now)
    ids = list(db.session.scalars(select(ModerationCheck.id).where(due).order_by(
        ModerationCheck.next_attempt_at, ModerationCheck.id).limit(batch).with_for_update(skip_locked=True)))
    if ids:
        until = now + timedelta(seconds=current_app.config["MODERATION_LEASE_SECONDS"])
        db.session.execute(update(ModerationCheck).where(ModerationCheck.id.in_(ids), due)
                           .values(claimed_by=worker, claimed_until=until))
    db.session.commit()
    return ids


def _ours(check_id: int, worker: str) -> ModerationCheck | None:
    """The check, locked, if this worker still holds it and nobody has decided it."""
    return db.session.scalars(select(ModerationCheck).where(
        ModerationCheck.id == check_id, ModerationCheck.claimed_by == worker,
        ModerationCheck.status == Verdict.PENDING).with_for_update()
        .execution_options(populate_existing=True)).first()


def run_once(worker: str, batch: int | None = None, now: datetime | None = None) -> Counter:
    """Claim one batch and ask about each check; returns counts by outcome.

    ``now`` shifts the worker's clock (tests: backoff and callback waits have passed).
    """
    skew = (now - utcnow()) if now else timedelta(0)
    provider = moderation.provider()
    summary = Counter()
    ids = claim(worker, batch or current_app.config["MODERATION_BATCH"], utcnow() + skew)
    summary["claimed"] = len(ids)
    for check_id in ids:
        check = _ours(check_id, worker)
        question = service.prepare(check) if check else None
        db.session.commit()  # no transaction stays open during the call
        if question is None:
            continue
        try:
            outcome, error = service.ask(provider, question), None
        except ProviderUnavailable as exc:
            outcome, error = None, str(exc)
        check = _ours(check_id, worker)
        if check is not None:
            if outcome is None:
                service.postpone(check, error)
                summary["retry"] += 1
            else:
                check.attempts += 1
                service.record(check, outcome, provider.name)
                summary["submitted" if outcome.status == Verdict.PENDING else outcome.status.value] += 1
        db.session.commit()
    return summary
