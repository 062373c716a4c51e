"""Turn the reports domain's announcements into notifications, inside the announcing transaction."""

from __future__ import annotations

from suishoupai.auth.models import ROLE_LABELS
from suishoupai.notify import recipients as to
from suishoupai.notify.drafts import FOLLOWER_STEPS, STEPS
from suishoupai.notify.fields import clean
from suishoupai.notify.service import enqueue
from suishoupai.reports import events
from suishoupai.reports.lifecycle import STATUS_LABELS, Status
from suishoupai.reports.models import Report, ReportEvent

#: the mini-program page a report's notification opens
REPORT_PAGE = "pages/report/detail?id={id}"


def _fields(report: Report, event: ReportEvent) -> dict:
    """Values a WeChat template may show besides the row's title, body and created_at."""
    return {"report_id": str(report.id), "category": report.category.name,
            "description": clean(report.description), "address": report.address or "",
            "status": STATUS_LABELS[Status(report.status)], "note": event.note or "",
            "actor": ROLE_LABELS.get(event.actor_role, "工作人员"), "event_at": event.created_at,
            "accept_due_at": report.accept_due_at, "resolve_due_at": report.resolve_due_at,
            "rating": report.rating}


def on_report_event(report: Report, event: ReportEvent, **_extra) -> None:
    """Write one notification per person the step concerns; a repeated event writes nothing new."""
    told: list[int] = []
    for drafts in (STEPS, FOLLOWER_STEPS):  # followers hear what the reporter hears, once each
        draft_of = drafts.get(event.action)
        if draft_of is None:
            continue
        draft = draft_of(report, event, report.category.name)
        for user_id in to.distinct(draft.recipients, event.actor_id):
            if user_id in told:
                continue
            told.append(user_id)
            enqueue(user_id, draft.kind, draft.title, draft.body, REPORT_PAGE.format(id=report.id),
                    _fields(report, event), dedupe_key=f"report-event:{event.id}:{draft.kind}:{user_id}")


def connect() -> None:
    """Listen to every report signal; connecting again changes nothing (blinker keys by receiver)."""
    for signal in set(events.BY_ACTION.values()):
        signal.connect(on_report_event, weak=False)


def disconnect() -> None:
    """Stop listening (for tests that want the reports domain on its own)."""
    for signal in set(events.BY_ACTION.values()):
        signal.disconnect(on_report_event)
