"""A summary's window as whole Beijing days, each counted once per scope and kept, plus the part-days
at its edges counted afresh.

A district's month is some 40,000 cases and as many clocks; grouping them all again on every summary
is what made SQLite slow (it has no hash aggregation: every GROUP BY sorts its rows). A whole day's
`figures.Partial` is counted the first time a summary needs it and kept in `stats_days` until a report
filed that day changes (the facts refresh forgets those days, for every scope). Deadlines still ahead
when a day was counted are kept with it and judged when the summary is asked for, so a kept day gives
the same figures as counting it again.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import delete, insert, select

from suishoupai.extensions import db
from suishoupai.stats import facts, queries
from suishoupai.stats.facts import BEIJING, StatsDay, beijing_day
from suishoupai.stats.figures import Partial

#: days counted per write transaction (a district's day is some 10–20 ms to count)
DAYS_PER_TRANSACTION = 8


def day_start(day: date) -> datetime:
    """Beijing midnight at the start of a day."""
    return datetime.combine(day, time(), BEIJING)


def split(start: datetime, end: datetime) -> tuple[list[date], list[tuple[datetime, datetime]]]:
    """The whole Beijing days inside [start, end), and the part-days left at either edge."""
    first = beijing_day(start)
    if day_start(first) < start:
        first += timedelta(days=1)
    last = beijing_day(end)  # the day `end` falls in: whole days end at its midnight
    if first >= last:
        return [], [(start, end)]
    days = [first + timedelta(days=i) for i in range((last - first).days)]
    edges = [(start, day_start(first))] if start < day_start(first) else []
    if day_start(last) < end:
        edges.append((day_start(last), end))
    return days, edges


def horizon(now: datetime) -> date:
    """The oldest day kept: older days are counted afresh each time (`STATS_KEEP_DAYS`)."""
    return beijing_day(now) - timedelta(days=current_app.config["STATS_KEEP_DAYS"])


def partial(kind: str, unit_id: int, place: dict, start: datetime, end: datetime, now: datetime) -> Partial:
    """Everything filed in [start, end) in a scope, counted as of `now` (facts already refreshed).

    What lies before the horizon is one more edge: rarely asked for, so not worth keeping."""
    oldest = day_start(horizon(now))
    if end <= oldest:
        days, edges = [], [(start, end)]
    else:
        days, edges = split(max(start, oldest), end)
        if start < oldest:
            edges.append((start, oldest))
    total = Partial.load(_kept(kind, unit_id, place, days, now))
    for edge_start, edge_end in edges:
        total.merge(queries.run(kind, place | {"start": edge_start, "end": edge_end, "as_of": now}))
    return total


def _kept(kind: str, unit_id: int, place: dict, days: list[date], now: datetime) -> list[str]:
    """The kept partials of the days, the missing ones counted and kept first, a few days per
    transaction: on SQLite the lock is the database's write lock, which filings wait for."""
    if not days:
        return []
    kept = _stored(unit_id, days)
    missing = [day for day in days if day not in kept]
    for at in range(0, len(missing), DAYS_PER_TRANSACTION):
        # under the mark's lock: a refresh cannot forget a day between its counting and its keeping
        with facts.writing():
            facts.locked_mark()
            batch = missing[at:at + DAYS_PER_TRANSACTION]
            stored = _stored(unit_id, batch)
            counted = {day: queries.run(kind, place | {"start": day_start(day),
                                                      "end": day_start(day + timedelta(days=1)),
                                                      "as_of": now}).dump()
                       for day in batch if day not in stored}
            if counted:  # another summary may have kept them while this one waited for the lock
                # rows of an older format go first
                db.session.execute(delete(StatsDay).where(StatsDay.unit_id == unit_id,
                                                          StatsDay.day.in_(list(counted))))
                db.session.execute(insert(StatsDay), [{"unit_id": unit_id, "day": day, "partial": text}
                                                      for day, text in counted.items()])
        kept |= stored | counted
    return [kept[day] for day in days]


def prune(now: datetime) -> int:
    """Forget the kept days older than the horizon; returns how many rows went."""
    return db.session.execute(delete(StatsDay).where(StatsDay.day < horizon(now))).rowcount


def _stored(unit_id: int, days: list[date]) -> dict[date, str]:
    """The kept partials of a scope between the first and last of the days, in this code's format."""
    return {day: text for day, text in db.session.execute(select(StatsDay.day, StatsDay.partial).where(
        StatsDay.unit_id == unit_id, StatsDay.day >= days[0], StatsDay.day <= days[-1]))
        if Partial.readable(text)}
