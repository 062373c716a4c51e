"""Open311's reads: what the public board shows of the cases, in GeoReport's words.

Only cases on the public board (public, passed by content security, not rejected); no reporter and no
address; the spot rounded as the board rounds it; the first filing photo by its public URL."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Select, func, select

from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.media import service as media
from suishoupai.media.models import Media, display_key
from suishoupai.org import index as org_index
from suishoupai.reports.lifecycle import Status
from suishoupai.reports.models import Category, Report, ReportEvent, ReportPhoto
from suishoupai.reports.present import EVENT_LABELS
from suishoupai.reports.queries import on_public_board

#: the board's rounding: three decimals, about 100 m
PLACES = 3
#: FixMyStreet's update states for the report statuses the board shows
UPDATE_STATES = {
    Status.SUBMITTED: "OPEN", Status.ASSIGNED: "OPEN", Status.ACCEPTED: "IN_PROGRESS",
    Status.TRANSFERRED: "IN_PROGRESS", Status.RETURNED: "IN_PROGRESS", Status.ESCALATED: "IN_PROGRESS",
    Status.RESOLVED: "FIXED", Status.CLOSED: "CLOSED", Status.REJECTED: "CLOSED",
}


def _select() -> Select:
    """The board's cases with their category and first filing photo."""
    return (select(Report, Category.code, Category.name, Media.sha256, Media.public)
            .join(Category, Category.id == Report.category_id)
            .outerjoin(ReportPhoto, (ReportPhoto.report_id == Report.id) & ReportPhoto.event_id.is_(None)
                       & (ReportPhoto.position == 0))
            .outerjoin(Media, Media.id == ReportPhoto.media_id)
            .where(on_public_board()))


def _latest_events(report_ids: list[int]) -> dict[int, ReportEvent]:
    """Each case's latest timeline event, in two queries however many cases."""
    if not report_ids:
        return {}
    latest = (select(func.max(ReportEvent.id)).where(ReportEvent.report_id.in_(report_ids))
              .group_by(ReportEvent.report_id))
    return {e.report_id: e for e in db.session.scalars(select(ReportEvent).where(ReportEvent.id.in_(latest)))}


def _note(event: ReportEvent | None) -> str | None:
    """status_notes: the latest step of the timeline and its note, as the board shows them."""
    if event is None:
        return None
    label = EVENT_LABELS.get(event.action, event.action)
    return f"{label}：{event.note}" if event.note else label


def _agency(report: Report, event: ReportEvent | None, units: dict, departments: dict) -> str | None:
    """agency_responsible: the department the timeline last transferred the case to while it holds it,
    else the community whose case it is."""
    if report.department_id is not None:
        data = json.loads(event.data) if event is not None and event.data else {}
        return data.get("department") or departments.get(report.department_id)
    return units.get(report.community_id)


def _request(row, event: ReportEvent | None, units: dict, departments: dict) -> dict:
    """One case as a GeoReport service request."""
    report, code, name, sha256, public = row
    # a photo that is not public (the case left the board since) is never handed out signed
    photo = media.url(display_key(sha256), True) if sha256 and public else None
    return {
        "service_request_id": str(report.id), "status": "open" if report.is_open else "closed",
        "status_notes": _note(event), "service_name": name, "service_code": code,
        "description": report.description, "agency_responsible": _agency(report, event, units, departments),
        "service_notice": None, "requested_datetime": report.created_at,
        "updated_datetime": report.updated_at,
        "expected_datetime": report.resolve_due_at if report.is_open else None,
        "address": None, "address_id": None, "zipcode": None,
        "lat": round(report.lat, PLACES), "long": round(report.lng, PLACES), "media_url": photo,
    }


def _present(rows: list) -> list[dict]:
    """Service requests of selected rows, naming units and departments from the process's index."""
    events = _latest_events([row[0].id for row in rows])
    units, departments = org_index.unit_names(), org_index.department_names()
    return [_request(row, events.get(row[0].id), units, departments) for row in rows]


def requests(args: dict) -> list[dict]:
    """GET requests: by id list (the other filters then do not apply, as the spec has it), or newest
    first within start_date..end_date (the last OPEN311_DAYS days by default), by service and status."""
    config = current_app.config
    stmt = _select()
    if args.get("service_request_id"):
        stmt = stmt.where(Report.id.in_(args["service_request_id"]))
    else:
        end: datetime = args.get("end_date") or utcnow()
        start: datetime = args.get("start_date") or end - timedelta(days=config["OPEN311_DAYS"])
        stmt = stmt.where(Report.created_at >= start, Report.created_at <= end)
        if args.get("service_code"):
            stmt = stmt.where(Category.code.in_(args["service_code"]))
        if args.get("status"):
            wanted = set(args["status"])
            if wanted != {"open", "closed"}:
                stmt = stmt.where(Report.is_open.is_("open" in wanted))
    rows = db.session.execute(stmt.order_by(Report.created_at.desc(), Report.id.desc())
                              .limit(config["OPEN311_MAX_REQUESTS"])).all()
    return _present(rows)


def one(report_id: int) -> list[dict]:
    """GET requests/{id}: the case as a one-item list, or none when the board does not show it."""
    return _present(db.session.execute(_select().where(Report.id == report_id)).all())


def updates(args: dict) -> list[dict]:
    """FixMyStreet's servicerequestupdates: the timeline steps of the board's cases within
    start_date..end_date (the last OPEN311_DAYS days by default), oldest first."""
    config = current_app.config
    end: datetime = args.get("end_date") or utcnow()
    start: datetime = args.get("start_date") or end - timedelta(days=config["OPEN311_DAYS"])
    rows = db.session.execute(
        select(ReportEvent, Report.is_open).join(Report, Report.id == ReportEvent.report_id)
        .where(on_public_board(), ReportEvent.created_at >= start, ReportEvent.created_at <= end)
        .order_by(ReportEvent.created_at, ReportEvent.id).limit(config["OPEN311_MAX_REQUESTS"])).all()
    return [{"update_id": str(event.id), "service_request_id": str(event.report_id),
             "status": UPDATE_STATES.get(event.to_status, "OPEN"),
             "updated_datetime": event.created_at, "description": _note(event) or "",
             "media_url": None} for event, _is_open in rows]
