"""Figures over time (day, week or month buckets) and per unit of a chosen level, each bucket and unit
added up from the kept days like the summary (`days.partial`), never from the reports themselves."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select

from suishoupai.database import utcnow
from suishoupai.errors import InvalidInput
from suishoupai.extensions import db
from suishoupai.org.actor import Actor
from suishoupai.org.models import OrgUnit
from suishoupai.stats import cache, days, definitions, facts, service
from suishoupai.stats.days import day_start
from suishoupai.stats.facts import beijing_day

BUCKETS = ("day", "week", "month")
#: the levels a scope breaks down into, outermost first; departments sit beside the tree
LEVELS = ("street", "community", "grid", "department")
_DEPTH = {"district": 0, "street": 1, "community": 2, "grid": 3}


def _next(day: date, bucket: str) -> tuple[date, str]:
    """The first day of the bucket after the one `day` is in, and the label of `day`'s bucket."""
    if bucket == "day":
        return day + timedelta(days=1), f"{day:%Y-%m-%d}"
    if bucket == "week":
        monday = day - timedelta(days=day.weekday())
        return monday + timedelta(days=7), f"{monday:%Y-%m-%d}起一周"
    first = day.replace(day=1)
    return (first + timedelta(days=32)).replace(day=1), f"{first:%Y-%m}"


def buckets(start: datetime, end: datetime, bucket: str) -> list[tuple[datetime, datetime, str]]:
    """[start, end) cut at Beijing day, Monday or month starts; the first and last may be partial."""
    out, at = [], start
    while at < end:
        following, label = _next(beijing_day(at), bucket)
        until = min(day_start(following), end)
        out.append((at, until, label))
        at = until
    return out


def _header(kind: str, unit: OrgUnit, start: datetime, end: datetime, now: datetime) -> dict:
    """What every answer starts with: scope, window, when counted, the definitions."""
    min_sample = current_app.config["STATS_MIN_SAMPLE"]
    return {"scope": {"kind": kind, "id": unit.id, "name": unit.name}, "from": start, "to": end,
            "as_of": now, "min_sample": min_sample,
            "definitions": [d.as_dict(min_sample) for d in definitions.RATES],
            "hours_definitions": [{"key": k} | v for k, v in definitions.HOURS.items()]}


def trend(actor: Actor, args: dict) -> dict:
    """The scope's totals per day, week or month of the window."""
    kind, unit_id = args["scope"]
    unit, place = service.resolve_scope(actor, kind, unit_id)
    start, end = service.window(args, utcnow())
    bucket = args["bucket"]
    return cache.summaries().get_or_compute(
        ("trend", kind, unit.id, start, end, bucket), lambda: _trend(kind, unit, place, start, end, bucket))


def _trend(kind: str, unit: OrgUnit, place: dict, start: datetime, end: datetime, bucket: str) -> dict:
    """Count each bucket from its kept days and edges."""
    facts.refresh()
    now = utcnow()
    points = []
    for first, until, label in buckets(start, end, bucket):
        roll, p90 = days.partial(kind, unit.id, place, first, until, now).finish(now)
        points.append({"name": label, "from": first, "to": until} | roll.total.figures(p90.get(("all", 0))))
    return _header(kind, unit, start, end, now) | {"bucket": bucket, "points": points}


def units(actor: Actor, args: dict) -> dict:
    """The figures of every unit of a level below the scope (streets, communities, grids) or of the
    departments that held its cases, ranked among those with enough sample."""
    kind, unit_id = args["scope"]
    level = args["level"]
    unit, place = service.resolve_scope(actor, kind, unit_id)
    if level != "department" and _DEPTH[level] <= _DEPTH[kind]:
        raise InvalidInput("所选层级须在统计范围之下", code="stats.bad_level",
                           details={"fields": {"level": ["须低于统计范围的层级"]}})
    start, end = service.window(args, utcnow())
    if level in ("grid", "department"):  # the summary has these rows already
        summary = service.summary(actor, args)
        rows = summary["by_grid" if level == "grid" else "by_department"]
        return _header(kind, unit, start, end, summary["as_of"]) | {"level": level, "rows": rows}
    return cache.summaries().get_or_compute(
        ("units", kind, unit.id, start, end, level), lambda: _units(kind, unit, start, end, level))


def _units(kind: str, unit: OrgUnit, start: datetime, end: datetime, level: str) -> dict:
    """Each street or community counted as its own scope, from its kept days."""
    facts.refresh()
    now = utcnow()
    children = db.session.execute(select(OrgUnit.id, OrgUnit.name).where(
        OrgUnit.kind == level, OrgUnit.path.startswith(unit.path, autoescape=True))
        .order_by(OrgUnit.code)).all()
    rows = []
    for child_id, name in children:
        roll, p90 = days.partial(level, child_id, {"unit": child_id}, start, end, now).finish(now)
        rows.append({"id": child_id, "name": name} | roll.total.figures(p90.get(("all", 0))))
    definitions.rank(rows, current_app.config["STATS_MIN_SAMPLE"])
    return _header(kind, unit, start, end, now) | {"level": level, "rows": rows}
