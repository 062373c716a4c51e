"""Opening checks, asking the provider, recording verdicts, staff decisions, the queue. Never commits."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from flask import current_app
from sqlalchemy import insert, inspect, select

from suishoupai import moderation
from suishoupai.auth.models import User
from suishoupai.database import utcnow
from suishoupai.errors import Conflict, NotFound
from suishoupai.extensions import db
from suishoupai.media import service as media
from suishoupai.media.models import Media
from suishoupai.moderation import events, rules
from suishoupai.moderation.models import ModerationCheck, Verdict
from suishoupai.moderation.providers import Outcome, Provider, ProviderUnavailable
from suishoupai.org.actor import Actor
from suishoupai.org.scope import placed_within
from suishoupai.pagination import keyset_page

#: subject type → how a verdict shows on the owning row (filled in by subjects.py)
SHOW: dict[str, Callable[[int, Verdict], None]] = {}
#: a call with less time than this left in the submission's budget is left to the worker
MIN_CALL_SECONDS = 0.05
#: statuses staff may still decide
UNDECIDED = (Verdict.PENDING, Verdict.REVIEW)


@dataclass(frozen=True)
class Ask:
    """Everything one provider call needs, read first so no transaction is open during the call."""

    id: int
    kind: str
    content: str | None
    url: str | None
    openid: str | None
    scene: int


def open_check(subject_type: str, subject, field: str, owner_id: int, scene: int,
               content: str | None = None, media_id: int | None = None,
               fresh: bool = False) -> ModerationCheck | None:
    """A pending check of one text or photo of a subject; None when that field is already checked.

    ``fresh``: the subject was created in this transaction, so nothing of it is checked yet and the
    look-up is skipped. Not flushed: the checks of one submission are written together.
    """
    if not fresh and db.session.scalar(select(ModerationCheck.id).where(
            ModerationCheck.subject_type == subject_type, ModerationCheck.subject_id == subject.id,
            ModerationCheck.field == field)) is not None:
        return None
    now = utcnow()
    check = ModerationCheck(
        subject_type=subject_type, subject_id=subject.id, field=field,
        kind="image" if media_id is not None else "text", owner_id=owner_id, content=content,
        media_id=media_id, scene=scene, grid_id=subject.grid_id, community_id=subject.community_id,
        street_id=subject.street_id, district_id=subject.district_id, status=Verdict.PENDING,
        attempts=0, next_attempt_at=now, created_at=now)
    db.session.add(check)
    return check


def prepare(check: ModerationCheck, openids: dict[int, str | None] | None = None,
            outside: bool = True) -> Ask:
    """Read what the provider needs: the text, or a URL WeChat can fetch the photo from
    (``openids``: owners already looked up, shared by the checks of one submission); a provider
    that asks nobody outside (``outside=False``) needs neither openid nor URL, so nothing is read."""
    if not outside:
        return Ask(check.id, check.kind, check.content, None, None, check.scene)
    config = current_app.config
    openids = {} if openids is None else openids
    if check.owner_id not in openids:
        openids[check.owner_id] = db.session.scalar(select(User.openid).where(User.id == check.owner_id))
    openid = openids[check.owner_id]
    url = None
    if check.kind == "image":
        photo = db.session.get(Media, check.media_id)
        url = media.fetch_url(photo.display_key, config["MODERATION_MEDIA_URL_TTL"],
                              config["MODERATION_MEDIA_BASE_URL"] or config["PUBLIC_BASE_URL"])
    return Ask(check.id, check.kind, check.content, url, openid, check.scene)


def ask(provider: Provider, question: Ask, timeout: float | None = None) -> Outcome:
    """One provider call (no database work)."""
    if question.kind == "image":
        return provider.submit_image(question.url, question.openid, question.scene, timeout)
    return provider.check_text(question.content or "", question.openid, question.scene, timeout)


def check_now(checks: list[ModerationCheck]) -> None:
    """Ask the provider within the submission, all calls together within MODERATION_SYNC_TIMEOUT,
    and keep the outcomes on the checks (the caller shows the verdict).

    The submission's transaction (on SQLite, the database's write lock) is open meanwhile, so the
    budget is for the whole request; what does not fit, or follows a failure, is left to the worker.
    """
    provider = moderation.provider()
    deadline = time.monotonic() + current_app.config["MODERATION_SYNC_TIMEOUT"]
    openids: dict[int, str | None] = {}
    for check in checks:
        remaining = deadline - time.monotonic()
        if remaining < MIN_CALL_SECONDS:
            return
        try:
            outcome = ask(provider, prepare(check, openids, provider.asks_outside), remaining)
        except ProviderUnavailable as exc:
            # the content is kept as pending; `flask moderation run` asks again
            postpone(check, str(exc))
            return
        check.attempts += 1
        record(check, outcome, provider.name, settle_now=False)


def check_new(checks: list[ModerationCheck | None]) -> Verdict | None:
    """Ask at once about checks just opened, write them in one go and announce risky content;
    returns their worst verdict (None when there was nothing new to check)."""
    checks = [check for check in checks if check is not None]
    if not checks:
        return None
    with db.session.no_autoflush:  # the checks go in once, with the provider's outcomes
        check_now(checks)
    risky = [check for check in checks if check.status == Verdict.RISKY]
    if risky or not all(inspect(check).pending for check in checks):
        # whoever hears of risky content gets the written row; a check an earlier look-up already
        # flushed has its outcome written through the session
        db.session.flush()
        for check in risky:
            events.content_risky.send(check)
    else:
        _write(checks)
    return rules.worst(check.status for check in checks)


@cache
def _insert_statement():
    """The checks' insert (built once: every filing writes checks)."""
    return insert(ModerationCheck.__table__)


def _write(checks: list[ModerationCheck]) -> None:
    """Write new checks (none flushed yet) that nobody reads back in this request as one plain insert,
    past the unit of work (their rows are found again by subject, trace_id or the worker's query,
    never through these objects)."""
    table = ModerationCheck.__table__
    states = [inspect(check).dict for check in checks]
    # every column some check set; a check that left it unset gets the column's default or NULL
    keys = [c.key for c in table.c if any(c.key in state for state in states)]
    defaults = {c.key: c.default.arg if c.default is not None and c.default.is_scalar else None
                for c in table.c}
    rows = [{key: state.get(key, defaults[key]) for key in keys} for state in states]
    for check in checks:
        db.session.expunge(check)
    db.session.execute(_insert_statement(), rows)


def postpone(check: ModerationCheck, error: str) -> None:
    """The provider failed: try again after a backoff."""
    check.attempts += 1
    check.next_attempt_at = utcnow() + timedelta(seconds=rules.backoff_seconds(check.attempts))
    check.last_error = error[:300]
    check.claimed_by = check.claimed_until = None


def record(check: ModerationCheck, outcome: Outcome, provider: str, settle_now: bool = True) -> None:
    """Keep a provider's outcome: a verdict, or a photo handed over and awaiting its callback;
    ``settle_now=False`` leaves showing the verdict to the caller (new checks: see check_new)."""
    before = check.status
    check.provider, check.last_error = provider, outcome.error
    check.trace_id = outcome.trace_id or check.trace_id
    check.label = outcome.label if outcome.label is not None else check.label
    check.claimed_by = check.claimed_until = None
    if outcome.status == Verdict.PENDING:
        check.submitted_at = utcnow()
        return
    check.status, check.checked_at = outcome.status, utcnow()
    if settle_now:
        settle(check, before)


def settle(check: ModerationCheck, before: str) -> None:
    """Show the subject's worst verdict on it, and announce content newly found risky."""
    db.session.flush()
    refresh(check.subject_type, check.subject_id)
    if check.status == Verdict.RISKY and before != Verdict.RISKY:
        events.content_risky.send(check)


def refresh(subject_type: str, subject_id: int) -> Verdict:
    """Recompute a subject's verdict from its checks and show it on the owning row."""
    verdict = rules.worst(db.session.scalars(select(ModerationCheck.status).where(
        ModerationCheck.subject_type == subject_type, ModerationCheck.subject_id == subject_id)))
    SHOW[subject_type](subject_id, verdict)
    return verdict


def media_verdict(trace_id: str, result) -> bool:
    """A photo's verdict from WeChat's push; False when no check awaits this trace_id (acknowledged,
    nothing changes: unknown, replayed, or already decided by staff)."""
    check = db.session.scalars(select(ModerationCheck).where(
        ModerationCheck.trace_id == trace_id, ModerationCheck.status == Verdict.PENDING,
        ModerationCheck.kind == "image").with_for_update().execution_options(populate_existing=True)).first()
    if check is None:
        return False
    status, label = rules.read_result(result)
    record(check, Outcome(status, label, trace_id), "wechat")
    return True


def in_reach(actor: Actor):
    """Checks of content placed in the caller's part of the tree."""
    return placed_within(actor, ModerationCheck.grid_id, ModerationCheck.community_id,
                         ModerationCheck.street_id, ModerationCheck.district_id)


def queue(actor: Actor, args: dict) -> dict:
    """A page of checks in a status (review by default), the longest waiting first."""
    stmt = select(ModerationCheck).where(in_reach(actor), ModerationCheck.status == args["status"])
    if args.get("subject_type"):
        stmt = stmt.where(ModerationCheck.subject_type == args["subject_type"])
    return keyset_page(stmt, [ModerationCheck.created_at, ModerationCheck.id], args["limit"],
                       args.get("cursor"), descending=False)


def decide(actor: Actor, check_id: int, decision: str, note: str | None) -> ModerationCheck:
    """Staff pass or mark risky content in review (or still pending), or pass what the provider
    found risky (a false alarm: the content shows again); the first staff decision stands."""
    check = db.session.scalars(select(ModerationCheck).where(
        ModerationCheck.id == check_id, in_reach(actor)).with_for_update()
        .execution_options(populate_existing=True)).first()
    if check is None:
        raise NotFound("审核记录不存在", code="moderation.not_found")
    overturn = check.status == Verdict.RISKY and check.provider != "staff" and decision == Verdict.PASS
    if check.status not in UNDECIDED and not overturn:
        raise Conflict("该内容已有审核结论", code="moderation.already_decided",
                       details={"status": check.status})
    before = check.status
    check.status, check.provider, check.note = Verdict(decision), "staff", note
    check.decided_by_id, check.checked_at = actor.user_id, utcnow()
    check.claimed_by = check.claimed_until = None
    settle(check, before)
    return check


def present(checks: list[ModerationCheck]) -> list[dict]:
    """Queue items: the text, or the photo through signed URLs."""
    photos = {m.id: m for m in db.session.scalars(select(Media).where(
        Media.id.in_({c.media_id for c in checks if c.media_id})))} if checks else {}
    out = []
    for c in checks:
        photo = photos.get(c.media_id)
        out.append({
            "id": c.id, "subject_type": c.subject_type, "subject_id": c.subject_id, "field": c.field,
            "kind": c.kind, "status": c.status, "provider": c.provider, "label": c.label,
            "content": c.content, "note": c.note, "created_at": c.created_at, "checked_at": c.checked_at,
            "photo": {"url": media.url(photo.display_key, False),
                      "thumb_url": media.url(photo.thumb_key, False)} if photo else None})
    return out
