"""Case deadlines on China's office calendar (working days with holidays and 调休 make-up days).

Working-day limits keep the local clock time: 1 working day from Friday 15:00 is Monday 15:00. A limit
that starts on a non-working day starts instead at `Calendar.opens` (09:00 local) of the next working
day, so a report filed Saturday with 1 working day is due Tuesday 09:00 (Monday 09:00 is when it first
reaches an office, and it then gets one full working day). A limit of 0 is due at its start. Hour limits
are absolute hours, on any day.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType
from zoneinfo import ZoneInfo

#: default escalation ladder: at 1x the allowed time to level 1 (community), at 2x to level 2 (street)
DEFAULT_ESCALATION_STEPS: tuple[tuple[float, int], ...] = ((1.0, 1), (2.0, 2))


class Unit(StrEnum):
    """How a time limit is counted."""

    HOURS = "hours"
    WORKDAYS = "workdays"


def _require_aware(**values: datetime | None) -> None:
    """ValueError unless every given datetime carries a UTC offset."""
    for name, value in values.items():
        if value is not None and (value.tzinfo is None or value.utcoffset() is None):
            raise ValueError(f"{name} must be a timezone-aware datetime")


@dataclass(frozen=True)
class Calendar:
    """The office calendar: Mon-Fri work unless `overrides` says otherwise, dates read in `tz`."""

    overrides: Mapping[date, bool] = field(default_factory=dict, hash=False)
    tz: ZoneInfo = ZoneInfo("Asia/Shanghai")
    opens: time = time(9, 0)

    def __post_init__(self) -> None:
        """Freeze a private copy of the overrides so the caller's dict cannot change the calendar."""
        object.__setattr__(self, "overrides", MappingProxyType(dict(self.overrides)))

    def is_workday(self, day: date) -> bool:
        """Whether `day` is a working day; an aware datetime is judged by its local date in `tz`."""
        if isinstance(day, datetime):
            _require_aware(day=day)
            day = day.astimezone(self.tz).date()
        return self.overrides.get(day, day.weekday() < 5)

    def next_workday(self, day: date) -> date:
        """The first working day strictly after `day`."""
        day += timedelta(days=1)
        while not self.is_workday(day):
            day += timedelta(days=1)
        return day

    def add_workdays(self, start: datetime, n: int) -> datetime:
        """Same local time on the n-th working day after `start` (off-day start: see module), in its tz."""
        _require_aware(start=start)
        if n < 0:
            raise ValueError("n must be >= 0")
        if n == 0:
            return start
        local = start.astimezone(self.tz)
        day, clock = local.date(), local.timetz().replace(tzinfo=None)
        if not self.is_workday(day):
            day, clock = self.next_workday(day), self.opens
        for _ in range(n):
            day = self.next_workday(day)
        return datetime.combine(day, clock, tzinfo=self.tz).astimezone(start.tzinfo)


def due_at(start: datetime, amount: int, unit: Unit | str, calendar: Calendar) -> datetime:
    """When a time limit of `amount` `unit` that begins at `start` runs out."""
    _require_aware(start=start)
    if amount < 0:
        raise ValueError("amount must be >= 0")
    unit = Unit(unit)
    if unit is Unit.HOURS:
        # absolute hours: arithmetic on the aware instant, so local clock changes cannot shift it
        return start + timedelta(hours=amount)
    return calendar.add_workdays(start, amount)


def running_due(holder_accepted: bool, accept_due: datetime | None,
                resolve_due: datetime | None) -> datetime | None:
    """The deadline a case runs against now: it awaits acceptance until its current holder has taken
    it up (a transfer or a reopening starts a fresh wait; an escalation or a reassignment carries the
    clock and whether it was met), then it runs against the resolve deadline."""
    return resolve_due if holder_accepted else accept_due


def past_due(now: datetime, due: datetime | None) -> bool:
    """Overdue: the running deadline has passed (a case without one is never overdue by the clock)."""
    _require_aware(now=now, due=due)
    return due is not None and now > due


def urgency(now: datetime, started: datetime, due: datetime | None) -> str:
    """Traffic light: red past due, yellow from 75% of the allowed time on, else (or without due) green."""
    _require_aware(now=now, started=started, due=due)
    if due is None:
        return "green"
    if now > due:
        return "red"
    # integer timedelta arithmetic keeps the 75% boundary exact
    if (now - started) * 4 >= (due - started) * 3:
        return "yellow"
    return "green"


def overdue_factor(now: datetime, started: datetime, due: datetime) -> float:
    """Elapsed over allowed time (1.0 == exactly due), never below 0; inf past a zero-length limit."""
    _require_aware(now=now, started=started, due=due)
    allowed = due - started
    if allowed <= timedelta(0):
        return math.inf if now >= due else 0.0
    return max(0.0, (now - started) / allowed)


def escalation_due(now: datetime, started: datetime, due: datetime | None,
                   steps: Sequence[tuple[float, int]] = DEFAULT_ESCALATION_STEPS) -> int:
    """The highest escalation level whose factor of the allowed time has been reached (0 = none)."""
    if due is None:
        _require_aware(now=now, started=started)
        return 0
    factor = overdue_factor(now, started, due)
    return max((level for threshold, level in steps if factor >= threshold), default=0)
