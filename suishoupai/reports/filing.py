"""Filing a report: the busiest write, inserted once already routed, with the rows it needs written
past the unit of work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from flask import current_app
from sqlalchemy import insert, select
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from suishoupai.auth.models import User
from suishoupai.database import utcnow
from suishoupai.errors import Conflict
from suishoupai.extensions import db
from suishoupai.media import service as media
from suishoupai.media.models import Media
from suishoupai.org import geo
from suishoupai.org import service as org
from suishoupai.org.actor import Actor
from suishoupai.org.models import Department
from suishoupai.reports import catalog
from suishoupai.reports.clocks import announce, dues, event_row
from suishoupai.reports.lifecycle import Status
from suishoupai.reports.models import Category, Report, ReportEvent, ReportHandling, ReportPhoto
from suishoupai.reports.proximity import bounding_box, nearest


@cache
def _events_insert():
    """Timeline events with their new ids, in the order given (built once: every filing writes two)."""
    table = ReportEvent.__table__
    return insert(table).returning(table.c.id, sort_by_parameter_order=True)


def _write_events(rows: list[dict]) -> list[ReportEvent]:
    """Write timeline events past the unit of work, in one statement; the events returned carry
    their ids but belong to no session (nothing in the request changes them afterwards)."""
    ids = db.session.scalars(_events_insert(), rows).all()
    return [ReportEvent(id=event_id, **row) for event_id, row in zip(ids, rows, strict=True)]


@cache
def _report_insert():
    """A report's insert, answering its id (built once: every filing runs it)."""
    table = Report.__table__
    return insert(table).returning(table.c.id)


def _insert_report(category: Category, values: dict) -> Report:
    """Insert a new report as one plain INSERT … RETURNING id, past the unit of work, and give the
    session the persistent Report those values make: every column is written (a column not given
    takes its default or NULL), so nothing of the row needs reading back."""
    table = Report.__table__
    row = dict(values)
    for column in table.c:
        if column.key not in row and not column.primary_key:
            default = column.default
            if default is None or default.is_scalar:
                row[column.key] = default.arg if default is not None else None
    report = Report(id=db.session.scalar(_report_insert(), row), **row)
    make_transient_to_detached(report)  # as if just loaded: no pending changes
    db.session.add(report)
    set_committed_value(report, "category", category)
    return report


def _refuse_repeat(actor: Actor, category: Category, lat: float, lng: float) -> None:
    """409 naming the caller's own open report of this category filed close by moments ago (a double
    tap, a flood), so the grid member gets one case. The caller's row is locked first: their filings
    pass this check one at a time (SQLite writers already do)."""
    config = current_app.config
    minutes, radius = config["REPORT_REPEAT_MINUTES"], config["REPORT_REPEAT_RADIUS_M"]
    if not minutes:
        return
    db.session.execute(select(User.id).where(User.id == actor.user_id).with_for_update())
    box = bounding_box(lat, lng, radius)
    rows = db.session.execute(select(Report.id, Report.lat, Report.lng).where(
        Report.reporter_id == actor.user_id, Report.created_at >= utcnow() - timedelta(minutes=minutes),
        Report.category_id == category.id, Report.is_open.is_(True),
        Report.lat.between(box.min_lat, box.max_lat), Report.lng.between(box.min_lng, box.max_lng))).all()
    hits = nearest(lat, lng, rows, radius, 1)
    if hits:
        report_id, metres = hits[0]
        raise Conflict("您刚在附近提交过同类问题，请勿重复提交", code="report.repeat",
                       details={"report_id": report_id, "distance_m": round(metres)})


@dataclass(frozen=True)
class Filed:
    """A report just filed with the rows written for it, so the answer needs no read-back."""

    report: Report
    #: the filing photos in their order
    photos: list[Media]
    events: list[ReportEvent]
    #: light user rows routing read (the assignee's card columns), by id
    people: dict


def file_report(actor: Actor, data: dict) -> Filed:
    """File a report with its photos and route it, all in one transaction.

    The report is inserted once, already routed with its deadlines; the round-robin clock of the
    chosen member moves last, so its row lock is held only while the transaction commits.
    """
    category = catalog.by_code(data["category"])
    lat, lng = geo.to_wgs84(data["location"]["lat"], data["location"]["lng"],
                            data["location"]["coord_type"])
    _refuse_repeat(actor, category, lat, lng)
    routed = org.route(lat, lng, current_app.config["ROUTING_POLICY"])
    if routed is None:
        raise Conflict("所在区域尚未开通随手拍", code="report.no_grids")
    street_id, district_id = org.ancestry(routed.community_id)
    department = (db.session.get(Department, category.default_department_id)
                  if category.route_to_department and category.default_department_id else None)
    if department is not None and department.district_id == district_id:
        party, party_id, status, action = "department", department.id, Status.TRANSFERRED, "transfer"
    elif routed.assignee_id is not None:
        party, party_id, status, action = "grid", routed.grid_id, Status.ASSIGNED, "assign"
        department = None
    else:
        # no grid here, or nobody on it: the community's queue, never dropped
        party, party_id, status, action = "community", routed.community_id, Status.SUBMITTED, None
        department = None
    assignee_id = routed.assignee_id if party == "grid" else None
    now = utcnow()
    accept_due, resolve_due = dues(category, now)
    report = _insert_report(category, dict(
        reporter_id=actor.user_id, category_id=category.id,
        description=data["description"], lat=lat, lng=lng, address=data.get("address"),
        public=data.get("public", True), status=status, is_open=True,
        grid_id=routed.grid_id, grid_revision_id=routed.revision, community_id=routed.community_id,
        street_id=street_id,
        district_id=district_id, assignee_id=assignee_id,
        department_id=department.id if department else None, accept_due_at=accept_due,
        resolve_due_at=resolve_due, due_at=accept_due, holder_accepted=False, clock_started_at=now,
        created_at=now, updated_at=now))
    photos = media.attach(actor.user_id, data["media_ids"], "report", public=report.public)
    # rows this request never reads back go in as plain inserts, past the unit of work (a partner's
    # case through Open311 may come without a photo: a hotline has none)
    if photos:
        db.session.execute(insert(ReportPhoto.__table__), [
            {"report_id": report.id, "media_id": photo.id, "event_id": None, "position": position}
            for position, photo in enumerate(photos)])
    db.session.execute(insert(ReportHandling.__table__).values(
        report_id=report.id, party=party, party_id=party_id, assignee_id=assignee_id, started_at=now,
        accept_due_at=accept_due, resolve_due_at=resolve_due))
    rows = [event_row(report, actor, "file", None, to_status=Status.SUBMITTED)]
    if action == "transfer":
        rows.append(event_row(report, None, "transfer", Status.SUBMITTED,
                               data={"department_id": department.id}))
    elif action == "assign":
        rows.append(event_row(report, None, "assign", Status.SUBMITTED, data={"assignee_id": assignee_id}))
    events = _write_events(rows)  # both events in one insert, then the news
    announce(report, events[0], photos=photos)
    for event in events[1:]:
        announce(report, event)
    if action == "assign":
        org.note_assigned(routed.grid_id, assignee_id)
    card = routed.assignee_card
    return Filed(report, photos, events, {card.id: card} if card is not None and assignee_id else {})


