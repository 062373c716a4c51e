"""The SQL behind a summary's partials: cases counted in groups, clocks read one row each.

Each query reads the stats facts (`facts.py`) through the scope's placement index (district/street/
community/grid id, created_at), so a stretch of a district reads that stretch's narrow fact rows only.
Whether a deadline has passed unanswered is judged against ``as_of``; the deadlines still ahead come
back so a later summary can judge them again (`figures.Partial`).
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    bindparam,
    case,
    func,
    literal,
    select,
    tuple_,
    union_all,
)

from suishoupai.database import UTCDateTime
from suishoupai.extensions import db
from suishoupai.sql import count_if
from suishoupai.stats.facts import StatsCase, StatsClock
from suishoupai.stats.figures import Partial


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
    """The two statements of a scope kind, built once per process (parameters bound at execution).

    Where the database has GROUPING SETS (PostgreSQL) the case groups read the facts once; SQLite gets
    one GROUP BY per set, joined by UNION ALL. The rows are the same either way.
    """
    return {"cases": _case_groups(_where(StatsCase, kind), dialect == "postgresql"),
            "clocks": _clock_rows(_where(StatsClock, kind), bindparam("as_of", type_=UTCDateTime()))}


def run(kind: str, params: dict) -> Partial:
    """What the cases and clocks filed in [start, end) contribute, counted as of ``as_of``."""
    stmts = statements(kind, db.engine.dialect.name)
    partial = Partial()
    partial.rollup.add_cases(_rows(stmts["cases"], params))
    partial.add_clocks(db.session.execute(stmts["clocks"], params))
    return partial


def _case_groups(where: list[ColumnElement[bool]], grouping_sets: bool) -> Select:
    """Cases per (category, status), (grid, status) and (department, status), with the reopened, the
    overdue and their rate events: a few hundred rows, where grouping by all four at once gives
    thousands to add up again. Columns: dimension, key, status, figures; a department row with no
    key (cases no department held) is left for the caller to skip."""
    c = StatsCase
    figures = (func.count().label("cases"), count_if(c.reopened.is_(True)).label("reopened"),
               count_if(c.overdue_open.is_(True)).label("overdue_open"),
               func.sum(c.ratings).label("ratings"), func.sum(c.satisfied).label("satisfied"),
               count_if(c.transferred.is_(True)).label("transferred"),
               count_if(c.handed_on.is_(False)).label("direct"))
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


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """1 or 0, alike on both databases."""
    return case((condition, 1), else_=0)


def _clock_rows(where: list[ColumnElement[bool]], as_of: BindParameter) -> Select:
    """One row per clock: its owner and category, whether it answered on time, whether it counts in
    the rates' denominators as of ``as_of`` (answered, or its deadline passed), the deadlines still
    ahead of an unanswered clock, and its hours. A clock's rows are few beside a case's events, and
    the hours must come back one by one for the p90 anyway."""
    c = StatsClock
    accept_waiting = c.responded_at.is_(None)
    resolve_waiting = c.resolved_at.is_(None) & c.running.is_(True)
    resolve_ahead = resolve_waiting & (c.resolve_due_at >= as_of)
    return (select(c.party, c.party_id, c.category_id,
                   _flag(c.responded_at <= c.accept_due_at).label("accept_on_time"),
                   _flag(c.responded_at.is_not(None) | (c.accept_due_at < as_of)).label("accept_counted"),
                   case((accept_waiting & (c.accept_due_at >= as_of), c.accept_due_at)).label("accept_due"),
                   _flag(c.resolved_at <= c.resolve_due_at).label("resolve_on_time"),
                   _flag(c.resolved_at.is_not(None) | (resolve_waiting & (c.resolve_due_at < as_of)))
                   .label("resolve_counted"),
                   case((resolve_ahead, c.resolve_due_at)).label("resolve_due"),
                   c.accept_hours, c.resolve_hours)
            .where(*where))
