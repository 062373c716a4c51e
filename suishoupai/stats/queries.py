"""The grouped SQL behind the summary: everything is counted in the database, only group rows come back.

Each query reads the stats facts (`facts.py`) through the scope's placement index (district/street/
community/grid id, created_at), so a month of a district reads that month's narrow fact rows only.
Whether a deadline has passed unanswered is judged here, against the current time.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    tuple_,
    union_all,
)

from suishoupai.database import UTCDateTime
from suishoupai.extensions import db
from suishoupai.stats.facts import StatsCase, StatsClock
from suishoupai.stats.sql import count_if, p90


def _rows(stmt: Select, params: dict) -> list[dict]:
    """Group rows as dicts."""
    return [dict(row._mapping) for row in db.session.execute(stmt, params)]


def _where(model, kind: str) -> list[ColumnElement[bool]]:
    """The scope's placement column and the filing window on a fact table, as bound parameters.

    Parameters: ``unit`` (or ``grids``, a list, for a grid scope), ``start``, ``end``.
    """
    if kind == "grid":
        place = model.grid_id.in_(bindparam("grids", expanding=True))
    else:
        place = getattr(model, f"{kind}_id") == bindparam("unit")
    return [place, model.created_at >= bindparam("start", type_=UTCDateTime()),
            model.created_at < bindparam("end", type_=UTCDateTime())]


@cache
def statements(kind: str, dialect: str) -> dict[str, Select]:
    """The three statements of a scope kind, built once per process (parameters bound at execution).

    Where the database has GROUPING SETS (PostgreSQL) each statement reads the facts once; SQLite gets
    one GROUP BY per set, joined by UNION ALL. The rows are the same either way.
    """
    now, sets = bindparam("now", type_=UTCDateTime()), dialect == "postgresql"
    return {"cases": _case_groups(_where(StatsCase, kind), sets),
            "clocks": _clock_groups(_where(StatsClock, kind), now),
            "p90": _clock_p90(_where(StatsClock, kind), sets)}


def run(kind: str, params: dict) -> dict:
    """Execute the scope kind's statements: case and clock groups, and the p90 table."""
    stmts = statements(kind, db.engine.dialect.name)
    p90s = {(row.party, row.party_id): {"to_accept": row.to_accept, "to_resolve": row.to_resolve}
            for row in db.session.execute(stmts["p90"], params)}
    return {"cases": _rows(stmts["cases"], params), "clocks": _rows(stmts["clocks"], params), "p90": p90s}


def _case_groups(where: list[ColumnElement[bool]], grouping_sets: bool) -> Select:
    """Cases per (category, status), (grid, status) and (department, status), with the reopened, the
    overdue and their rate events: a few hundred rows, where grouping by all four at once gives
    thousands to add up again. Columns: dimension, key, status, figures; a department row with no
    key (cases no department held) is left for the caller to skip."""
    c = StatsCase
    figures = (func.count().label("cases"), count_if(c.reopened.is_(True)).label("reopened"),
               count_if(c.overdue_open.is_(True)).label("overdue_open"),
               func.sum(c.ratings).label("ratings"), func.sum(c.satisfied).label("satisfied"))
    dimensions = (("category", c.category_id), ("grid", c.grid_id), ("department", c.department_id))
    if grouping_sets:
        which = [(func.grouping(key) == 0, name, key) for name, key in dimensions]
        return (select(case(*((test, literal(name)) for test, name, _ in which)).label("dimension"),
                       case(*((test, key) for test, _, key in which)).label("key"), c.status, *figures)
                .where(*where)
                .group_by(func.grouping_sets(*(tuple_(key, c.status) for _, key in dimensions))))
    return union_all(*(
        select(literal(name).label("dimension"), key.label("key"), c.status, *figures)
        .where(*where).group_by(key, c.status) for name, key in dimensions))


def _clock_groups(where: list[ColumnElement[bool]], now: BindParameter) -> Select:
    """Clock outcomes per (party, party id, category), with hour sums for the means."""
    c = StatsClock
    keys = (c.party, c.party_id, c.category_id)
    return (select(*keys,
                   count_if(c.responded_at <= c.accept_due_at).label("accept_on_time"),
                   count_if(or_(c.responded_at.is_not(None), c.accept_due_at < now)).label("accept_counted"),
                   count_if(c.resolved_at <= c.resolve_due_at).label("resolve_on_time"),
                   count_if(or_(c.resolved_at.is_not(None),
                                and_(c.running.is_(True), c.resolve_due_at < now))).label("resolve_counted"),
                   func.sum(c.accept_hours).label("accept_hours"),
                   func.count(c.accept_hours).label("accept_n"),
                   func.sum(c.resolve_hours).label("resolve_hours"),
                   func.count(c.resolve_hours).label("resolve_n"))
            .where(*where).group_by(*keys))


def _clock_p90(where: list[ColumnElement[bool]], grouping_sets: bool) -> Select:
    """Nearest-rank p90 of hours to accept and to resolve: overall (party "all", id 0) and per party.

    Only the grid and department rows are shown; the others come along where one pass groups all.
    """
    c = StatsClock
    measures = (p90(c.accept_hours).label("to_accept"), p90(c.resolve_hours).label("to_resolve"))
    if grouping_sets:
        overall = func.grouping(c.party, c.party_id) != 0
        return (select(case((overall, literal("all")), else_=c.party).label("party"),
                       case((overall, literal(0)), else_=c.party_id).label("party_id"), *measures)
                # the id first: fewer text comparisons in the sort
                .where(*where).group_by(func.grouping_sets(tuple_(), tuple_(c.party_id, c.party))))
    per_owner = (select(c.party, c.party_id, *measures).where(*where, c.party.in_(("grid", "department")))
                 .group_by(c.party, c.party_id))
    return union_all(select(literal("all").label("party"), literal(0).label("party_id"), *measures)
                     .where(*where), per_owner)
