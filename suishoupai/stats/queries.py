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
    func,
    literal_column,
    or_,
    select,
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
def statements(kind: str) -> dict[str, Select]:
    """The three statements of a scope kind, built once per process (parameters bound at execution)."""
    now = bindparam("now", type_=UTCDateTime())
    return {"cases": _case_groups(_where(StatsCase, kind)),
            "clocks": _clock_groups(_where(StatsClock, kind), now),
            "p90": _clock_p90(_where(StatsClock, kind))}


def run(kind: str, params: dict) -> dict:
    """Execute the scope kind's statements: case and clock groups, and the p90 table."""
    stmts = statements(kind)
    p90s = {(row.party, row.party_id): {"to_accept": row.to_accept, "to_resolve": row.to_resolve}
            for row in db.session.execute(stmts["p90"], params)}
    return {"cases": _rows(stmts["cases"], params), "clocks": _rows(stmts["clocks"], params), "p90": p90s}


def _case_groups(where: list[ColumnElement[bool]]) -> Select:
    """Cases per (grid, category, department, status): reopened, overdue and their rate events."""
    c = StatsCase
    keys = (c.grid_id, c.category_id, c.department_id, c.status)
    return (select(*keys, func.count().label("cases"),
                   count_if(c.reopened.is_(True)).label("reopened"),
                   count_if(c.overdue_open.is_(True)).label("overdue_open"),
                   func.sum(c.ratings).label("ratings"), func.sum(c.satisfied).label("satisfied"))
            .where(*where).group_by(*keys))


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


def _clock_p90(where: list[ColumnElement[bool]]) -> Select:
    """Nearest-rank p90 of hours to accept and to resolve: overall ("all", 0) and per grid and department."""
    c = StatsClock
    measures = (p90(c.accept_hours).label("to_accept"), p90(c.resolve_hours).label("to_resolve"))
    overall = select(literal_column("'all'").label("party"), literal_column("0").label("party_id"), *measures)
    per_owner = (select(c.party, c.party_id, *measures)
                 .where(or_(c.party == "grid", c.party == "department")).group_by(c.party, c.party_id))
    return union_all(overall.where(*where), per_owner.where(*where))
