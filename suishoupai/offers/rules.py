"""Pure rules of posts, bounties and rewards: duty months, claim windows, pickup codes."""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import datetime, timedelta, timezone

#: months of duty are Beijing calendar months
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
MONTH = re.compile(r"^(20[0-9]{2})-(0[1-9]|1[0-2])$")
PICKUP_DIGITS = 6


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """The first instant of a "2026-11" month and of the next one, in Beijing time."""
    match = MONTH.match(month)
    if not match:
        raise ValueError(month)
    year, number = int(match.group(1)), int(match.group(2))
    start = datetime(year, number, 1, tzinfo=BEIJING)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=BEIJING)
    return start, end


def month_of(moment: datetime) -> str:
    """The Beijing month an instant falls in, as "2026-11"."""
    return moment.astimezone(BEIJING).strftime("%Y-%m")


def held_during(claimed_at: datetime, left_at: datetime | None, month: str) -> bool:
    """Whether a claim was standing at some time during the month."""
    start, end = month_bounds(month)
    return claimed_at < end and (left_at is None or left_at >= start)


def not_after(month: str, now: datetime) -> bool:
    """Whether a month has begun by now (a duty month cannot be confirmed ahead of time)."""
    return month_bounds(month)[0] <= now


def pickup_code() -> str:
    """A fresh six-digit pickup code."""
    return f"{secrets.randbelow(10 ** PICKUP_DIGITS):0{PICKUP_DIGITS}d}"


def code_matches(expected: str, given: str) -> bool:
    """Compare pickup codes in constant time."""
    return hmac.compare_digest(expected.encode(), given.strip().encode())


def remaining(limit: int, taken: int) -> int:
    """Places (or items) left, never negative."""
    return max(limit - taken, 0)
