"""The grouped SQL behind the summary: everything is counted in the database, only group rows come back.

Each query starts from the scope's placement index on reports (district/street/community/grid id,
created_at), so a month of a district reads that month's rows and their handling and rate rows only.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Float,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    func,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.expression import FunctionElement

from suishoupai.database import UTCDateTime
from suishoupai.extensions import db
from suishoupai.reports.lifecycle import Status
from suishoupai.reports.models import Report, ReportEvent, ReportHandling


class hours_between(FunctionElement):  # noqa: N801 - reads as the SQL function it compiles to
    """(later − earlier) in hours, as a float, on either database."""

    type = Float()
    name = "hours_between"
    inherit_cache = True


@compiles(hours_between, "sqlite")
def _hours_sqlite(element, compiler, **kw):
    """SQLite keeps timestamps as ISO text: julianday() reads them, fractions of a second included."""
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"((julianday({later}) - julianday({earlier})) * 24.0)"


@compiles(hours_between, "postgresql")
def _hours_postgres(element, compiler, **kw):
    """Interval to epoch seconds."""
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({later} - {earlier})) / 3600.0)"


class event_rating(FunctionElement):  # noqa: N801
    """The rating a `rate` event stored in its JSON data."""

    type = Integer()
    name = "event_rating"
    inherit_cache = True


@compiles(event_rating, "sqlite")
def _rating_sqlite(element, compiler, **kw):
    """json_extract on the text column."""
    return f"CAST(json_extract({compiler.process(element.clauses, **kw)}, '$.rating') AS INTEGER)"


@compiles(event_rating, "postgresql")
def _rating_postgres(element, compiler, **kw):
    """The text column read as json."""
    return f"CAST(CAST({compiler.process(element.clauses, **kw)} AS json) ->> 'rating' AS INTEGER)"


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """COUNT of the rows meeting a condition, portable (no FILTER clause on old SQLite)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _rows(stmt: Select, params: dict) -> list[dict]:
    """Group rows as dicts."""
    return [dict(row._mapping) for row in db.session.execute(stmt, params)]


def _where(kind: str) -> list[ColumnElement[bool]]:
    """The scope's placement column and the filing window, as bound parameters.

    Parameters: ``unit`` (or ``grids``, a list, for a grid scope), ``start``, ``end``.
    """
    if kind == "grid":
        place = Report.grid_id.in_(bindparam("grids", expanding=True))
    else:
        place = {"district": Report.district_id, "street": Report.street_id,
                 "community": Report.community_id}[kind] == bindparam("unit")
    return [place, Report.created_at >= bindparam("start", type_=UTCDateTime()),
            Report.created_at < bindparam("end", type_=UTCDateTime())]


@cache
def statements(kind: str) -> dict[str, Select]:
    """The four statements of a scope kind, built once per process (parameters bound at execution)."""
    where, now = _where(kind), bindparam("now", type_=UTCDateTime())
    return {"cases": _case_groups(where), "ratings": _rating_groups(where),
            "clocks": _clock_groups(where, now), "p90": _clock_p90(where, now)}


def run(kind: str, params: dict) -> dict:
    """Execute the scope kind's statements: case, rating and clock groups, and the p90 table."""
    stmts = statements(kind)
    p90: dict[tuple[str, int], dict[str, float]] = {}
    for row in db.session.execute(stmts["p90"], params):
        p90.setdefault((row.party, row.party_id), {})[row.measure] = row.p90
    return {"cases": _rows(stmts["cases"], params),
            "ratings": [g for g in _rows(stmts["ratings"], params) if g["rating"] is not None],
            "clocks": _rows(stmts["clocks"], params), "p90": p90}


def _case_groups(where: list[ColumnElement[bool]]) -> Select:
    """Cases per (grid, category, department, status), with the reopened and overdue among them."""
    keys = (Report.grid_id, Report.category_id, Report.department_id, Report.status)
    return (select(*keys, func.count().label("cases"),
                   _count_if(Report.reopen_count > 0).label("reopened"),
                   _count_if(Report.is_open.is_(True) & Report.overdue.is_(True)).label("overdue_open"))
            .where(*where).group_by(*keys))


def _rating_groups(where: list[ColumnElement[bool]]) -> Select:
    """Rate events (every round's) per (grid, category, department, rating) of the valid cases."""
    rating = event_rating(ReportEvent.data)
    keys = (Report.grid_id, Report.category_id, Report.department_id)
    return (select(*keys, rating.label("rating"), func.count().label("n"))
            .join(ReportEvent, ReportEvent.report_id == Report.id)
            .where(*where, Report.status != Status.REJECTED, ReportEvent.action == "rate")
            .group_by(*keys, rating))


def _clock_facts(where: list[ColumnElement[bool]], now: BindParameter):
    """One row per handling clock of the valid cases: its owner, deadlines, outcome and hours.

    Stints sharing (report, started_at) are one clock carried on (escalation, reassignment); the
    clock's owner is its first stint's party.
    """
    h = ReportHandling
    clocks = (select(h.report_id, Report.category_id, h.started_at,
                     func.min(h.id).label("first_id"),
                     func.min(h.accept_due_at).label("accept_due"),
                     func.min(h.resolve_due_at).label("resolve_due"),
                     func.min(h.accepted_at).label("accepted"),
                     func.max(h.resolved_at).label("resolved"),
                     (func.count(h.id) - func.count(h.ended_at)).label("running"),
                     func.max(h.ended_at).label("ended"))
              .join(Report, Report.id == h.report_id)
              .where(*where, Report.status != Status.REJECTED)
              .group_by(h.report_id, Report.category_id, h.started_at)).cte("clocks")
    c = clocks.c
    first = aliased(ReportHandling, name="first_stint")
    # handing the case on before accepting it is a response too (转办)
    responded = case((c.accepted.is_not(None), c.accepted), (c.running == 0, c.ended))
    return (select(first.party, first.party_id, c.category_id,
                   case((responded <= c.accept_due, 1), else_=0).label("accept_on_time"),
                   case((responded.is_not(None), 1), (c.accept_due < now, 1),
                        else_=0).label("accept_counted"),
                   case((c.resolved <= c.resolve_due, 1), else_=0).label("resolve_on_time"),
                   case((c.resolved.is_not(None), 1),
                        (and_(c.running > 0, c.resolve_due < now), 1), else_=0).label("resolve_counted"),
                   hours_between(c.accepted, c.started_at).label("accept_hours"),
                   hours_between(c.resolved, c.started_at).label("resolve_hours"))
            .join(first, first.id == c.first_id)).cte("clock_facts")


def _clock_groups(where: list[ColumnElement[bool]], now: BindParameter) -> Select:
    """Clock outcomes per (party, party id, category), with hour sums for the means."""
    f = _clock_facts(where, now).c
    keys = (f.party, f.party_id, f.category_id)
    return (select(*keys, func.sum(f.accept_on_time).label("accept_on_time"),
                   func.sum(f.accept_counted).label("accept_counted"),
                   func.sum(f.resolve_on_time).label("resolve_on_time"),
                   func.sum(f.resolve_counted).label("resolve_counted"),
                   func.sum(f.accept_hours).label("accept_hours"),
                   func.count(f.accept_hours).label("accept_n"),
                   func.sum(f.resolve_hours).label("resolve_hours"),
                   func.count(f.resolve_hours).label("resolve_n"))
            .group_by(*keys))


def _clock_p90(where: list[ColumnElement[bool]], now: BindParameter) -> Select:
    """Nearest-rank p90 of hours to accept and to resolve: overall ("all", 0) and per grid and department.

    One portable query: number the values of each (measure, owner) in order, keep rank ⌈0.9 n⌉.
    """
    f = _clock_facts(where, now).c
    per_owner = or_(f.party == "grid", f.party == "department")
    owners = ((literal_column("'all'"), literal_column("0"), ()), (f.party, f.party_id, (per_owner,)))
    long = union_all(*(
        select(literal_column(f"'{measure}'").label("measure"), party.label("party"),
               party_id.label("party_id"), hours.label("hours")).where(hours.is_not(None), *extra)
        for measure, hours in (("to_accept", f.accept_hours), ("to_resolve", f.resolve_hours))
        for party, party_id, extra in owners
    )).subquery("samples")
    partition = (long.c.measure, long.c.party, long.c.party_id)
    numbered = select(*partition, long.c.hours,
                      func.row_number().over(partition_by=partition, order_by=long.c.hours).label("rn"),
                      # same partition and order as the row number: one sort serves both
                      func.count().over(partition_by=partition, order_by=long.c.hours,
                                        rows=(None, None)).label("n")).subquery("numbered")
    n = numbered.c
    return select(n.measure, n.party, n.party_id, func.min(n.hours).label("p90")).where(
        n.rn * 10 >= n.n * 9).group_by(n.measure, n.party, n.party_id)
