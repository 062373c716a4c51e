"""One row's trip to WeChat: mark it sending, send with no transaction open, record the outcome.

See worker.py for why each step commits on its own and what a crash in between leaves behind.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from suishoupai import wechat
from suishoupai.auth.models import User
from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.notify import policy, service
from suishoupai.notify.fields import fill
from suishoupai.notify.models import Notification, State
from suishoupai.notify.templates import Template, setting, template_for
from suishoupai.wechat.client import WeChatBadAnswer, WeChatError, WeChatUnavailable


@dataclass(frozen=True)
class Outgoing:
    """Everything one send needs, read before the transaction ends so none is open during the call."""

    id: int
    user_id: int
    kind: str
    openid: str
    template: Template
    page: str | None
    values: dict
    attempts: int


def start(row_id: int, worker: str, now: datetime) -> Outgoing | None:
    """Mark a claimed row ``sending`` and commit; None when it is no longer ours or needs no send."""
    ours = (Notification.id == row_id) & (Notification.claimed_by == worker) & (
        Notification.state == State.PENDING)
    found = db.session.execute(select(Notification, User.openid)
                               .join(User, User.id == Notification.user_id).where(ours)).first()
    template = template_for(found[0].kind) if found else None
    if found is None or template is None or not found[1]:
        if found is not None:  # inbox only: the template was removed from config, or no openid
            db.session.execute(update(Notification).where(ours).values(
                state=State.SKIPPED, claimed_by=None, claimed_until=None))
        db.session.commit()
        return None
    row, openid = found
    out = Outgoing(row.id, row.user_id, row.kind, openid, template, row.page,
                   {**json.loads(row.data), "title": row.title, "body": row.body,
                    "created_at": row.created_at}, row.attempts + 1)
    # the send may hang for the client's timeouts (token, send, token again, send again)
    lease = max(60.0, 4 * current_app.config["WECHAT_TIMEOUT"] + 30)
    # conditional: if our claim lapsed and another worker took the row meanwhile, it is theirs
    moved = db.session.execute(update(Notification).where(ours).values(
        state=State.SENDING, attempts=out.attempts, claimed_until=now + timedelta(seconds=lease))).rowcount
    db.session.commit()
    return out if moved else None


def send(out: Outgoing) -> BaseException | None:
    """Hand one message to WeChat; returns the failure, if any, for the policy to judge."""
    try:
        wechat.client().send_subscribe(out.openid, out.template.template_id, out.page,
                                       fill(out.template.fields, out.values),
                                       setting("WECHAT_MINIPROGRAM_STATE"))
    except (WeChatError, WeChatUnavailable, WeChatBadAnswer) as exc:
        return exc
    return None


def finish(out: Outgoing, outcome: policy.Outcome, worker: str, now: datetime) -> policy.Outcome:
    """Record how the send went, in its own transaction, straight after the call."""
    outcome = policy.after_failure(outcome, out.attempts, int(setting("NOTIFY_MAX_ATTEMPTS")))
    values = {"state": outcome.state, "last_error": outcome.error, "claimed_by": None, "claimed_until": None}
    if outcome.state == State.SENT:
        values["sent_at"] = utcnow()
        service.clear_misses(out.user_id, out.kind)
    elif outcome.retry:
        values["next_attempt_at"] = now + timedelta(seconds=policy.backoff_seconds(out.attempts))
    elif outcome.state == State.NO_QUOTA:
        service.count_miss(out.user_id, out.kind)
    # a slow worker whose row was reaped as unconfirmed still knows best how its send went
    db.session.execute(update(Notification).where(
        Notification.id == out.id, Notification.claimed_by == worker,
        Notification.state.in_([State.SENDING, State.UNCONFIRMED])).values(**values))
    db.session.commit()
    return outcome
