"""A case's timeline and its handling clocks: events written and announced, stints started and ended."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select

from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.org.actor import Actor
from suishoupai.reports import catalog, events
from suishoupai.reports.deadlines import Unit, due_at
from suishoupai.reports.lifecycle import OPEN, Status
from suishoupai.reports.models import Category, Report, ReportEvent, ReportHandling, ReportPhoto

#: who acts when nobody does: routing and the SLA sweep
SYSTEM = "system"


def record(report: Report, actor: Actor | None, action: str, from_status: str | None,
           note: str | None = None, data: dict | None = None,
           media_ids: list[int] | None = None, to_status: str | None = None) -> ReportEvent:
    """Write a timeline event (and its photos), then announce it; ``to_status`` defaults to the
    report's status (filing records its steps after the report already stands where they end)."""
    event = _event(report, actor, action, from_status, note, data, to_status)
    db.session.flush()
    for position, media_id in enumerate(media_ids or []):
        db.session.add(ReportPhoto(report_id=report.id, media_id=media_id, event_id=event.id,
                                   position=position))
    announce(report, event)
    return event


def _event(report: Report, actor: Actor | None, action: str, from_status: str | None,
           note: str | None = None, data: dict | None = None, to_status: str | None = None) -> ReportEvent:
    """A timeline event added to the session, not yet written."""
    event = ReportEvent(**event_row(report, actor, action, from_status, note, data, to_status))
    db.session.add(event)
    return event


def event_row(report: Report, actor: Actor | None, action: str, from_status: str | None,
               note: str | None = None, data: dict | None = None, to_status: str | None = None) -> dict:
    """The columns of a timeline event."""
    return {"report_id": report.id, "actor_id": actor.user_id if actor else None,
            "actor_role": actor.role if actor else SYSTEM, "action": action, "from_status": from_status,
            "to_status": to_status or report.status, "note": note,
            "data": json.dumps(data, ensure_ascii=False) if data else None, "created_at": utcnow()}


def announce(report: Report, event: ReportEvent, **extra) -> None:
    """Send the signal of a written event; handlers join this transaction."""
    signal = events.BY_ACTION.get(event.action)
    if signal is not None:
        signal.send(report, event=event, **extra)


def photo_ids(report: Report) -> list[int]:
    """Every photo on the report, filed or added by a step."""
    return list(db.session.scalars(select(ReportPhoto.media_id).where(ReportPhoto.report_id == report.id)))


def current_handling(report: Report) -> ReportHandling | None:
    """The party holding the case now."""
    return db.session.scalars(
        select(ReportHandling).where(ReportHandling.report_id == report.id,
                                     ReportHandling.ended_at.is_(None))
        .order_by(ReportHandling.id.desc())).first()


def dues(category: Category, start: datetime) -> tuple[datetime, datetime]:
    """Accept and resolve deadlines of a category from a start time."""
    cal = catalog.calendar()
    return (due_at(start, category.accept_amount, Unit(category.accept_unit), cal),
            due_at(start, category.resolve_amount, Unit(category.resolve_unit), cal))


def hand_to(report: Report, party: str, party_id: int | None, assignee_id: int | None,
             clock: tuple[datetime, datetime, datetime] | None = None) -> ReportHandling:
    """End the current stint and start another; ``clock`` (start, accept due, resolve due)
    carries the previous deadlines over, otherwise the party gets the category's own."""
    now = utcnow()
    current = current_handling(report)
    if current is not None:
        current.ended_at = now
    started, accept_due, resolve_due = clock or (now, *dues(report.category, now))
    handling = ReportHandling(report_id=report.id, party=party, party_id=party_id,
                              assignee_id=assignee_id, started_at=started,
                              accept_due_at=accept_due, resolve_due_at=resolve_due)
    if clock is not None and current is not None:
        # the same clock runs on: a deadline already announced as missed stays missed, unannounced
        handling.accepted_at = current.accepted_at
        handling.accept_overdue_marked = current.accept_overdue_marked
        handling.resolve_overdue_marked = current.resolve_overdue_marked
    else:
        report.overdue = False
    report.holder_accepted = handling.accepted_at is not None
    db.session.add(handling)
    report.accept_due_at, report.resolve_due_at, report.clock_started_at = accept_due, resolve_due, started
    db.session.flush()
    return handling


def clock_of(handling: ReportHandling | None) -> tuple[datetime, datetime, datetime] | None:
    """A stint's clock, to hand on unchanged."""
    if handling is None:
        return None
    return handling.started_at, handling.accept_due_at, handling.resolve_due_at


def set_status(report: Report, status: Status) -> str:
    """Move the report to a status; returns the one it left."""
    previous = report.status
    report.status = status
    report.is_open = status in OPEN
    return previous
