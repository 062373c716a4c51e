"""Dialect-specific SQL the stats need: hours between timestamps, a rating out of an event's JSON,
a portable conditional count and a nearest-rank p90 aggregate."""

from __future__ import annotations

import sqlite3

from sqlalchemy import ColumnElement, Engine, Float, Integer, case, event, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from suishoupai.stats import definitions


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


def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """COUNT of the rows meeting a condition, portable (no FILTER clause on old SQLite)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


#: PostgreSQL's percentile_disc takes rank ⌈p·n⌉ computed in floating point; for p = 0.9 that equals the
#: exact ⌈9n/10⌉ for every n up to 2,000,000 (checked), and a test holds it equal to definitions.p90
P90_FRACTION = 0.9


class p90(FunctionElement):  # noqa: N801
    """Aggregate: the nearest-rank 90th percentile of a column, NULLs ignored (`definitions.p90`)."""

    type = Float()
    name = "p90"
    inherit_cache = True


@compiles(p90, "postgresql")
def _p90_postgres(element, compiler, **kw):
    """The ordered-set aggregate: one sort per group inside the database."""
    column = compiler.process(element.clauses, **kw)
    return f"percentile_disc({P90_FRACTION!r}) WITHIN GROUP (ORDER BY {column})"


@compiles(p90, "sqlite")
def _p90_sqlite(element, compiler, **kw):
    """The aggregate registered on every SQLite connection below."""
    return f"suishoupai_p90({compiler.process(element.clauses, **kw)})"


class _P90:
    """SQLite aggregate: collect the values, pick the nearest rank at the end."""

    def __init__(self):
        self.values: list[float] = []

    def step(self, value):
        if value is not None:
            self.values.append(value)

    def finalize(self):
        return definitions.p90(self.values)


@event.listens_for(Engine, "connect")
def _register_sqlite_functions(dbapi_conn, _record):
    """SQLite has no percentile aggregate of its own (its optional extension is not in Python's build)."""
    if isinstance(dbapi_conn, sqlite3.Connection):
        dbapi_conn.create_aggregate("suishoupai_p90", 1, _P90)
