"""The staff work queue (工作台): which open cases sit in which tab, their counts, and a filtered page
ordered by the current handler's deadline, most overdue first."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, func, literal, or_, select

from suishoupai.auth.models import ADMIN_ROLES, Role
from suishoupai.database import UTCDateTime, utcnow
from suishoupai.errors import Forbidden, InvalidInput
from suishoupai.extensions import db
from suishoupai.org.actor import Actor
from suishoupai.org.models import Department, Kind, OrgUnit
from suishoupai.reports import catalog, present
from suishoupai.reports.deadlines import overdue_factor, running_due, urgency
from suishoupai.reports.lifecycle import OPEN, Status
from suishoupai.reports.models import Report, ReportFlag
from suishoupai.reports.queries import _card_select, worked_by
from suishoupai.sql import count_if, hours_between

#: cases waiting for the community or street to send them on: new, or handed back by a department
TO_DISPATCH = (Status.SUBMITTED, Status.RETURNED)
TABS = ("dispatch", "accept", "in_progress", "overdue", "flagged", "moderation")
#: tabs only administrators work: after-photo flags and content in human review
ADMIN_TABS = ("flagged", "moderation")
#: a deadline no case has, so cases without one sort last
NO_DUE = datetime(9999, 1, 1, tzinfo=UTC)
SATISFACTION = {"satisfied": (4, 5), "neutral": (3, 3), "unsatisfied": (1, 2)}
#: a unit's kind → the report column naming the unit of that kind
PLACE_COLUMNS = {Kind.DISTRICT: Report.district_id, Kind.STREET: Report.street_id,
                 Kind.COMMUNITY: Report.community_id, Kind.GRID: Report.grid_id,
                 Kind.MICROGRID: Report.grid_id}


def _awaiting_accept() -> ColumnElement[bool]:
    """The current holder has not taken the case up yet (the report keeps it with its stints; the
    card's rule, ``queries.holder_accepted``, reads the stint itself)."""
    return Report.holder_accepted.is_(False)


def current_due() -> ColumnElement:
    """The current handler's deadline: to accept until accepted, then to resolve (kept on the report)."""
    return Report.due_at


def late(now: datetime) -> ColumnElement[bool]:
    """SQL twin of the card's overdue: open, and marked overdue by the sweep or past its deadline."""
    due = current_due()
    return Report.is_open.is_(True) & or_(Report.overdue.is_(True), and_(due.is_not(None), due < now))


def _tab(actor: Actor, tab: str, now: datetime) -> ColumnElement[bool]:
    """The cases of one tab."""
    if tab in ADMIN_TABS and actor.role not in ADMIN_ROLES:
        raise Forbidden("只有社区及以上管理员处理该栏目", code="console.tab_forbidden", details={"tab": tab})
    is_open = Report.is_open.is_(True)
    if tab == "dispatch":
        return Report.status.in_(TO_DISPATCH)
    if tab == "accept":
        return is_open & _awaiting_accept() & Report.status.not_in(TO_DISPATCH)
    if tab == "in_progress":
        return is_open & ~_awaiting_accept()
    if tab == "overdue":
        return late(now)
    if tab == "flagged":
        return select(ReportFlag.id).where(ReportFlag.report_id == Report.id,
                                           ReportFlag.reviewed_at.is_(None)).exists()
    return Report.moderation == "review"


def counts(actor: Actor) -> dict:
    """How many cases each tab holds in the caller's reach: the open tabs in one pass over the open
    cases, the two administrators' tabs each from its own narrow set (unreviewed flags, content in review)."""
    now = utcnow()
    open_tabs = [tab for tab in TABS if tab not in ADMIN_TABS]
    row = db.session.execute(select(*(count_if(_tab(actor, tab, now)).label(tab) for tab in open_tabs))
                             .where(worked_by(actor), Report.is_open.is_(True))).one()
    found = {tab: int(getattr(row, tab)) for tab in open_tabs} | dict.fromkeys(ADMIN_TABS, 0)
    if actor.role in ADMIN_ROLES:
        found["flagged"] = db.session.scalar(
            select(func.count(func.distinct(ReportFlag.report_id)))
            .join(Report, Report.id == ReportFlag.report_id)
            .where(ReportFlag.reviewed_at.is_(None), worked_by(actor)))
        found["moderation"] = db.session.scalar(select(func.count()).where(
            worked_by(actor), _tab(actor, "moderation", now)))
    return {**found, "as_of": now}


def _bad(field: str, message: str) -> InvalidInput:
    """A 422 naming the filter that cannot be used."""
    return InvalidInput(message, code="validation_error", details={"fields": {field: [message]}})


def _unit_in_reach(actor: Actor, unit_id: int, field: str) -> OrgUnit:
    """An org unit inside the caller's reach (a department's: its district)."""
    unit = db.session.get(OrgUnit, unit_id)
    paths = actor.scope_paths
    if actor.role == Role.DEPARTMENT and actor.department_id:
        dept = db.session.get(Department, actor.department_id)
        paths = (db.session.get(OrgUnit, dept.district_id).path,)
    if unit is None or not any(unit.path.startswith(p) for p in paths):
        raise _bad(field, "该单位不在您的管辖范围内")
    return unit


def _filters(actor: Actor, args: dict, now: datetime) -> list[ColumnElement[bool]]:
    """The WHERE of the queue's filters, each checked first (an unknown value is a 422 on its field)."""
    where = []
    if args.get("unit_id") is not None:
        unit = _unit_in_reach(actor, args["unit_id"], "unit_id")
        where.append(PLACE_COLUMNS[Kind(unit.kind)] == unit.id)
    if args.get("grid_id") is not None:
        grid = _unit_in_reach(actor, args["grid_id"], "grid_id")
        if grid.kind not in (Kind.GRID, Kind.MICROGRID):
            raise _bad("grid_id", "所选单位不是网格")
        where.append(Report.grid_id == grid.id)
    if args.get("category"):
        try:
            where.append(Report.category_id == catalog.by_code(args["category"]).id)
        except InvalidInput as exc:
            raise _bad("category", "问题分类不存在") from exc
    if args.get("status"):
        where.append(Report.status == args["status"])
    if args.get("department_id") is not None:
        if db.session.get(Department, args["department_id"]) is None:
            raise _bad("department_id", "部门不存在")
        where.append(Report.department_id == args["department_id"])
    if args.get("assignee_id") is not None:
        where.append(Report.assignee_id == args["assignee_id"])
    lateness = args.get("lateness")
    if lateness == "on_time":
        where.append(~late(now))
    elif lateness in ("late", "late3"):
        where.append(late(now))
        if lateness == "late3":
            started = func.coalesce(Report.clock_started_at, Report.created_at)
            where.append(hours_between(literal(now, UTCDateTime()), started)
                         >= 3 * hours_between(current_due(), started))
    satisfaction = args.get("satisfaction")
    if satisfaction == "unrated":
        where.append(Report.rating.is_(None))
    elif satisfaction:
        low, high = SATISFACTION[satisfaction]
        where.append(Report.rating.between(low, high))
    if args.get("from"):
        where.append(Report.created_at >= args["from"])
    if args.get("to"):
        where.append(Report.created_at < args["to"])
    if args.get("q"):
        pattern = args["q"]
        where.append(or_(Report.description.contains(pattern, autoescape=True),
                         Report.address.contains(pattern, autoescape=True)))
    return where


def _cursor(raw: str) -> tuple[datetime | None, int]:
    """The (deadline or None, id) a page ends at; a tampered cursor is a clear 422."""
    try:
        due, last_id = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        due = None if due is None else datetime.fromisoformat(due)
        if (due is not None and due.tzinfo is None) or type(last_id) is not int or not 0 < last_id < 2**31:
            raise ValueError("shape")
        return (due.astimezone(UTC) if due else None), last_id
    except (ValueError, TypeError, OverflowError, binascii.Error) as exc:
        raise InvalidInput("分页游标无效，请从第一页重新加载", code="pagination.bad_cursor",
                           details={"fields": {"cursor": ["无效的游标"]}}) from exc


def page(actor: Actor, args: dict) -> dict:
    """A page of one tab's cases in the caller's reach, filtered, soonest deadline (most overdue) first;
    each card carries its deadline, the seconds left (negative when over) and how late it runs."""
    now = utcnow()
    due = current_due()
    stmt = _card_select().add_columns(due.label("due_sort")).where(
        worked_by(actor), _tab(actor, args["tab"], now), *_filters(actor, args, now))
    if args.get("cursor"):
        last_due, last_id = _cursor(args["cursor"])
        after = (due.is_(None) & (Report.id > last_id)) if last_due is None else or_(
            due > last_due, and_(due == last_due, Report.id > last_id), due.is_(None))
        stmt = stmt.where(after)
    # cases without a deadline last: the order the queue indexes keep (PostgreSQL's ascending default)
    rows = db.session.execute(stmt.order_by(due.asc().nulls_last(), Report.id).limit(args["limit"] + 1),
                              {"viewer": actor.user_id}).all()
    more, rows = len(rows) > args["limit"], rows[:args["limit"]]
    items = present.list_items(rows, actor, "gcj02")
    for row, item in zip(rows, items, strict=True):
        item.update(_clock(row, now))
    next_cursor = None
    if more:
        last = rows[-1]
        sort = last.due_sort if last.due_sort is None or last.due_sort.tzinfo \
            else last.due_sort.replace(tzinfo=UTC)
        next_cursor = base64.urlsafe_b64encode(
            json.dumps([sort and sort.isoformat(), last.id]).encode()).decode().rstrip("=")
    return {"items": items, "next_cursor": next_cursor}


def handler_due(row, accepted: bool) -> datetime | None:
    """The current handler's deadline of an open case (a report or a row of its columns), else None;
    ``accepted``: whether its current holder has taken it up."""
    if Status(row.status) not in OPEN:
        return None
    return running_due(accepted, row.accept_due_at, row.resolve_due_at)


def colour(row, accepted: bool, now: datetime) -> str:
    """The card's traffic light of an open case (present's rule): red once overdue, else by the clock."""
    due = handler_due(row, accepted)
    if row.overdue or (due is not None and now > due):
        return "red"
    return urgency(now, row.clock_started_at or row.created_at, due)


def _clock(row, now: datetime) -> dict:
    """The current deadline of a card's case, the seconds left to it and elapsed over allowed time."""
    due = handler_due(row, bool(row.holder_accepted))
    if due is None:
        return {"due_at": None, "seconds_left": None, "late_factor": None}
    factor = overdue_factor(now, row.clock_started_at or row.created_at, due)
    return {"due_at": due, "seconds_left": int((due - now).total_seconds()),
            "late_factor": round(min(factor, 999.0), 2)}
