"""The SLA sweep (督办): mark missed deadlines, escalate by category rule, close unanswered cases.

Idempotent: each missed deadline is announced once per handling stint, escalation only moves up,
and a second run with nothing new changes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.reports import service
from suishoupai.reports.deadlines import escalation_due, past_due, running_due
from suishoupai.reports.lifecycle import Action, Party, Status, may
from suishoupai.reports.models import Report, ReportHandling
from suishoupai.reports.queries import case_of

BATCH = 200


def sweep(now: datetime | None = None) -> dict:
    """Run the sweep over open and resolved reports, committing batch by batch."""
    now = now or utcnow()
    summary = {"overdue": 0, "escalated": 0, "closed": 0}
    close_before = now - timedelta(days=current_app.config["REPORT_AUTO_CLOSE_DAYS"])
    last_id = 0
    while True:
        ids = list(db.session.scalars(
            select(Report.id).where(Report.id > last_id, (Report.is_open.is_(True)) | (
                (Report.status == Status.RESOLVED) & (Report.resolved_at < close_before)))
            .order_by(Report.id).limit(BATCH)))
        if not ids:
            return summary
        last_id = ids[-1]
        # rows being changed right now are skipped; the next run picks them up
        reports = list(db.session.scalars(select(Report).where(Report.id.in_(ids))
                                          .with_for_update(skip_locked=True, of=Report)))
        # the batch's running stints in one query rather than one per case (the latest per case,
        # as `current_handling` picks it)
        handlings = {h.report_id: h for h in db.session.scalars(
            select(ReportHandling).where(ReportHandling.report_id.in_([r.id for r in reports]),
                                         ReportHandling.ended_at.is_(None)).order_by(ReportHandling.id))}
        for report in reports:
            _sweep_one(report, handlings.get(report.id), now, close_before, summary)
        db.session.commit()


def _sweep_one(report: Report, handling: ReportHandling | None, now: datetime, close_before: datetime,
               summary: dict) -> None:
    """Apply the sweep's three rules to one report (`handling`: its running stint)."""
    if report.status == Status.RESOLVED:
        if report.resolved_at < close_before:
            service.system_step(report, Action.CLOSE)
            summary["closed"] += 1
        return
    if handling is None:
        return
    accepting = handling.accepted_at is None
    due = running_due(not accepting, handling.accept_due_at, handling.resolve_due_at)
    if not past_due(now, due):
        return
    marked = "accept_overdue_marked" if accepting else "resolve_overdue_marked"
    if not getattr(handling, marked):
        setattr(handling, marked, True)
        report.overdue = True
        service.record(report, None, "overdue", report.status,
                       "超过受理时限" if accepting else "超过办结时限",
                       {"deadline": "accept" if accepting else "resolve", "due_at": due.isoformat()})
        summary["overdue"] += 1
    category = report.category
    level = escalation_due(now, handling.started_at, due,
                           ((category.escalate_community_factor, 1), (category.escalate_street_factor, 2)))
    if level <= report.escalation_level:
        return
    # one step per level passed, so every level hears of it (a case found at 2x goes through the community)
    for step_level in range(report.escalation_level + 1, level + 1):
        if not may(Action.ESCALATE, case_of(report, now), {Party.SYSTEM}):
            break
        service.system_step(report, Action.ESCALATE, reason="超时自动上报",
                            level="community" if step_level == 1 else "street")
        report.overdue = True  # the clock carried over is still past due
        summary["escalated"] += 1
