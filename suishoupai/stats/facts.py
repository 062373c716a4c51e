"""Stats facts: one narrow row per case and one per handling clock, kept beside the reports.

Counting a district's month afresh from reports, handling stints and timeline events means grouping
tens of thousands of stints and reading every rate event (seconds at a million reports). The summary
reads these rows instead: the same facts, derived once per change by the same SQL.

They are refreshed on read, from `reports.updated_at` (every write of a report moves it, and every
change the facts depend on writes the report): a summary first asks whether any report moved past the
high-water mark, and only then recomputes the facts of the reports that moved. The window starts
STATS_REFRESH_OVERLAP_SECONDS before the mark, so a transaction that stamped a report just before the
mark but committed after the last refresh is picked up by the next one. Facts whose value depends on the
current time (a deadline passed while nobody answered) are stored as their timestamps and judged when
counted. `flask stats refresh --all` rebuilds everything (after a bulk load, or if a definition changes).

The whole days a summary has counted are kept too (`StatsDay`); a refresh forgets the days of the
reports it recomputed, and everything that writes the facts or the days holds the mark row's lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    Text,
    case,
    delete,
    exists,
    false,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, aliased, mapped_column

from suishoupai.database import UTCDateTime, sqlite_begin_mode
from suishoupai.extensions import db
from suishoupai.reports.lifecycle import Status
from suishoupai.reports.models import Report, ReportEvent, ReportHandling
from suishoupai.sql import event_rating, hours_between
from suishoupai.stats.definitions import SATISFIED_FROM

#: the placement columns every fact carries, so any scope reads its own index
PLACEMENT = ("district_id", "street_id", "community_id", "grid_id")
MARK = "facts"
#: ids per DELETE/INSERT statement (SQLite allows 32,766 bound variables)
CHUNK = 5000
#: the summaries' calendar: whole days are Beijing days (UTC+8 all year)
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")


def beijing_day(at: datetime) -> date:
    """The Beijing calendar day of an instant."""
    return at.astimezone(BEIJING).date()


def _placement_indexes(table: str) -> tuple[Index, ...]:
    """(placement, created_at) for each scope kind."""
    return tuple(Index(f"ix_{table}_{column.removesuffix('_id')}", column, "created_at")
                 for column in PLACEMENT)


class _Placed:
    """The report's place in the tree and its filing time, copied from the report."""

    district_id: Mapped[int | None]
    street_id: Mapped[int | None]
    community_id: Mapped[int | None]
    grid_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    category_id: Mapped[int]


class StatsCase(_Placed, db.Model):
    """One row per report: its status now and what the case counts of it."""

    __tablename__ = "stats_cases"
    __table_args__ = _placement_indexes("stats_cases")

    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True)
    department_id: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16))
    reopened: Mapped[bool] = mapped_column(Boolean)
    overdue_open: Mapped[bool] = mapped_column(Boolean)
    #: transferred to a department at least once (转办)
    transferred: Mapped[bool] = mapped_column(Boolean, server_default=false())
    #: handed on at least once: transferred, reassigned to another grid member (改派) or handed over
    handed_on: Mapped[bool] = mapped_column(Boolean, server_default=false())
    #: rate events of every round, and those at SATISFIED_FROM or above
    ratings: Mapped[int] = mapped_column(Integer)
    satisfied: Mapped[int] = mapped_column(Integer)


class StatsClock(_Placed, db.Model):
    """One row per handling clock of a valid (not rejected) case, owned by its first stint's party.

    Stints sharing (report, started_at) are one clock carried on (escalation, reassignment).
    """

    __tablename__ = "stats_clocks"
    __table_args__ = _placement_indexes("stats_clocks")

    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    #: grid | department | community | street
    party: Mapped[str] = mapped_column(String(16))
    party_id: Mapped[int | None]
    accept_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolve_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: accepted, or handed on before accepting (转办 is a response too)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: a stint of the clock is still running
    running: Mapped[bool] = mapped_column(Boolean)
    accept_hours: Mapped[float | None] = mapped_column(Float)
    resolve_hours: Mapped[float | None] = mapped_column(Float)


class StatsDay(db.Model):
    """A scope's whole Beijing day, counted once (`figures.Partial` as JSON) and kept until a report
    filed that day changes: the summary adds up its window's whole days from here (`days.py`)."""

    __tablename__ = "stats_days"

    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    partial: Mapped[str] = mapped_column(Text)


class StatsMark(db.Model):
    """How far the facts have been brought: the newest `reports.updated_at` they reflect."""

    __tablename__ = "stats_marks"

    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    seen: Mapped[datetime | None] = mapped_column(UTCDateTime)


# --- deriving the facts ---------------------------------------------------------------------------


def _placed(report) -> tuple:
    """The placement columns and filing time of a report (table or alias)."""
    return (*(getattr(report, c) for c in PLACEMENT), report.created_at, report.category_id)


def _case_rows(ids: list[int] | None) -> Select:
    """StatsCase rows of the given reports (all when None)."""
    rating = event_rating(ReportEvent.data)
    rates = (select(ReportEvent.report_id, func.count().label("n"),
                    func.sum(case((rating >= SATISFIED_FROM, 1), else_=0)).label("satisfied"))
             .where(ReportEvent.action == "rate", *_among(ReportEvent.report_id, ids))
             .group_by(ReportEvent.report_id).subquery("rates"))
    e = ReportEvent
    transferred = exists().where(e.report_id == Report.id, e.action == "transfer")
    # a first dispatch from the community's queue is an assign from submitted; any other assign is 改派
    handed_on = exists().where(e.report_id == Report.id, (e.action.in_(("transfer", "handover")))
                               | ((e.action == "assign") & (e.from_status != Status.SUBMITTED)))
    return (select(Report.id, *_placed(Report), Report.department_id, Report.status,
                   Report.reopen_count > 0, Report.is_open.is_(True) & Report.overdue.is_(True),
                   func.coalesce(rates.c.n, 0), func.coalesce(rates.c.satisfied, 0),
                   transferred, handed_on)
            .outerjoin(rates, rates.c.report_id == Report.id)
            .where(*_among(Report.id, ids)))


def _clock_rows(ids: list[int] | None) -> Select:
    """StatsClock rows of the valid ones among the given reports (all when None)."""
    h = ReportHandling
    clocks = (select(h.report_id, h.started_at,
                     func.min(h.id).label("first_id"),
                     func.min(h.accept_due_at).label("accept_due"),
                     func.min(h.resolve_due_at).label("resolve_due"),
                     func.min(h.accepted_at).label("accepted"),
                     func.max(h.resolved_at).label("resolved"),
                     (func.count(h.id) - func.count(h.ended_at)).label("running"),
                     func.max(h.ended_at).label("ended"))
              .where(*_among(h.report_id, ids))
              .group_by(h.report_id, h.started_at)).subquery("clocks")
    c = clocks.c
    first = aliased(ReportHandling, name="first_stint")
    return (select(c.report_id, c.started_at, *_placed(Report), first.party, first.party_id,
                   c.accept_due, c.resolve_due,
                   case((c.accepted.is_not(None), c.accepted), (c.running == 0, c.ended)),
                   c.resolved, c.running > 0,
                   hours_between(c.accepted, c.started_at), hours_between(c.resolved, c.started_at))
            .join(Report, Report.id == c.report_id)
            .join(first, first.id == c.first_id)
            .where(Report.status != Status.REJECTED))


_CASE_COLUMNS = ("report_id", *PLACEMENT, "created_at", "category_id", "department_id", "status",
                 "reopened", "overdue_open", "ratings", "satisfied", "transferred", "handed_on")
_CLOCK_COLUMNS = ("report_id", "started_at", *PLACEMENT, "created_at", "category_id", "party", "party_id",
                  "accept_due_at", "resolve_due_at", "responded_at", "resolved_at", "running",
                  "accept_hours", "resolve_hours")


def _among(column, ids: list[int] | None) -> tuple:
    """`column IN ids`, or no condition for all."""
    return () if ids is None else (column.in_(ids),)


def _write(ids: list[int] | None) -> None:
    """Replace the facts of the given reports (all of them when None)."""
    for model, columns, rows in ((StatsCase, _CASE_COLUMNS, _case_rows),
                                 (StatsClock, _CLOCK_COLUMNS, _clock_rows)):
        db.session.execute(delete(model).where(*_among(model.report_id, ids)))
        db.session.execute(insert(model).from_select(columns, rows(ids)))


# --- refreshing -----------------------------------------------------------------------------------


@contextmanager
def writing() -> Iterator[None]:
    """A write transaction of its own, even inside a read-only request (SQLite: BEGIN IMMEDIATE)."""
    db.session.commit()
    token = sqlite_begin_mode.set("IMMEDIATE")
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        sqlite_begin_mode.reset(token)


def stale() -> bool:
    """Whether a report moved past the mark (one index probe), or the facts were never built."""
    row = db.session.execute(select(StatsMark.seen).where(StatsMark.name == MARK)).first()
    if row is None:
        return True
    moved = Report.updated_at > row.seen if row.seen is not None else Report.id.is_not(None)
    return bool(db.session.scalar(select(exists().where(moved))))


def locked_mark() -> StatsMark:
    """The mark row, created if missing and locked for this transaction: concurrent refreshers queue
    here (SQLite: on the write lock), and the later one finds less or nothing to do."""
    upsert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(upsert(StatsMark).values(name=MARK, seen=None).on_conflict_do_nothing())
    return db.session.execute(select(StatsMark).where(StatsMark.name == MARK).with_for_update()
                              .execution_options(populate_existing=True)).scalar_one()


def refresh() -> int:
    """Bring the facts up to date if any report moved; the number of reports recomputed."""
    if not stale():
        return 0
    with writing():
        mark = locked_mark()
        if mark.seen is None:  # never built, or built before the first report
            return _rebuild(mark)
        since = mark.seen - timedelta(seconds=current_app.config["STATS_REFRESH_OVERLAP_SECONDS"])
        changed = db.session.execute(select(Report.id, Report.updated_at, Report.created_at)
                                     .where(Report.updated_at >= since)).all()
        filed = {r.id: r.created_at for r in changed}
        moved = set()
        ids = list(filed)
        for at in range(0, len(ids), CHUNK):
            chunk = ids[at:at + CHUNK]
            before = _facts_of(chunk)
            _write(chunk)
            after = _facts_of(chunk)
            moved |= {rid for rid in chunk if before.get(rid) != after.get(rid)}
        # the days of reports whose facts moved are out of date for every scope (a reassignment moves a
        # case between grids); the overlap recomputes reports already counted, their days stay kept
        days = sorted({beijing_day(filed[rid]) for rid in moved})
        for at in range(0, len(days), CHUNK):
            db.session.execute(delete(StatsDay).where(StatsDay.day.in_(days[at:at + CHUNK])))
        if changed:
            mark.seen = max(r.updated_at for r in changed)
        return len(ids)


def _facts_of(ids: list[int]) -> dict[int, tuple]:
    """The fact rows of the given reports: per report its case row and its clock rows in order."""
    facts: dict[int, tuple] = {}
    for row in db.session.execute(select(StatsCase.__table__).where(StatsCase.report_id.in_(ids))):
        facts[row.report_id] = (tuple(row), ())
    clocks = db.session.execute(select(StatsClock.__table__).where(StatsClock.report_id.in_(ids))
                                .order_by(StatsClock.report_id, StatsClock.started_at))
    for row in clocks:
        case_row, clock_rows = facts.get(row.report_id, (None, ()))
        facts[row.report_id] = (case_row, (*clock_rows, tuple(row)))
    return facts


def _rebuild(mark: StatsMark) -> int:
    """Every fact afresh, and the mark at the newest report seen before the rebuild began."""
    mark.seen = db.session.scalar(select(func.max(Report.updated_at)))
    _write(None)
    db.session.execute(delete(StatsDay))
    db.session.flush()
    return db.session.scalar(select(func.count()).select_from(StatsCase))


def rebuild() -> int:
    """`flask stats refresh --all`: drop and recompute every fact; the number of cases.

    The tables are analysed afterwards, so the planner knows their new size at once.
    """
    with writing():
        cases = _rebuild(locked_mark())
    with writing():
        for model in (StatsCase, StatsClock):
            db.session.execute(text(f"ANALYZE {model.__tablename__}"))
    return cases

