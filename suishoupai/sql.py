"""Portable SQL both databases run: hours between timestamps, a rating out of an event's JSON and a
conditional count (compiled per dialect)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Float, Integer, case, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement


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
