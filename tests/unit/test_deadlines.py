"""Unit tests for suishoupai.reports.deadlines: working-day calendar, due times, urgency, escalation."""

import math
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from suishoupai.reports.deadlines import (
    Calendar,
    Unit,
    due_at,
    escalation_due,
    overdue_factor,
    urgency,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
PLAIN = Calendar()

# A synthetic 国庆 2026 schedule, not the official one (which does not matter here): Thu 10-01 to
# Wed 10-07 off, with Sun 09-27 and Sat 10-10 as 调休 make-up working days.
GOLDEN_WEEK = {date(2026, 10, d): False for d in range(1, 8)} | {
    date(2026, 9, 27): True,
    date(2026, 10, 10): True,
}
NATIONAL_DAY = Calendar(overrides=GOLDEN_WEEK)


def local(*args: int) -> datetime:
    """A Shanghai wall-clock time as the aware UTC instant the service stores."""
    return datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


# --- the calendar ---------------------------------------------------------------------------------------


def test_plain_week():
    """Mon-Fri work, Sat and Sun do not."""
    week = [date(2026, 3, 9) + timedelta(days=i) for i in range(7)]  # Mon 9 March .. Sun 15 March
    assert [PLAIN.is_workday(d) for d in week] == [True] * 5 + [False] * 2


def test_overrides():
    """Holidays are off even on weekdays, make-up days are on even at the weekend."""
    assert not NATIONAL_DAY.is_workday(date(2026, 10, 1))  # Thursday
    assert not NATIONAL_DAY.is_workday(date(2026, 10, 5))  # Monday
    assert NATIONAL_DAY.is_workday(date(2026, 9, 27))  # Sunday
    assert NATIONAL_DAY.is_workday(date(2026, 10, 10))  # Saturday
    assert not NATIONAL_DAY.is_workday(date(2026, 9, 26))  # ordinary Saturday
    assert NATIONAL_DAY.is_workday(date(2026, 10, 8))  # ordinary Thursday


def test_is_workday_reads_a_datetime_in_local_time():
    """17:30 UTC on Friday 9 October is already Saturday 10 October (a make-up day) in Shanghai."""
    assert NATIONAL_DAY.is_workday(datetime(2026, 10, 9, 17, 30, tzinfo=UTC))
    assert not NATIONAL_DAY.is_workday(datetime(2026, 9, 30, 16, 30, tzinfo=UTC))  # 10-01 00:30 local


def test_calendar_keeps_its_own_copy_of_the_overrides():
    """Changing the dict afterwards does not change the calendar; equal calendars hash alike."""
    overrides = dict(GOLDEN_WEEK)
    calendar = Calendar(overrides=overrides)
    overrides[date(2026, 10, 8)] = False
    assert calendar.is_workday(date(2026, 10, 8))
    assert calendar == Calendar(overrides=GOLDEN_WEEK)
    assert hash(calendar) == hash(Calendar(overrides=GOLDEN_WEEK))
    assert calendar != PLAIN


# --- hours ----------------------------------------------------------------------------------------------


def test_hours_across_midnight():
    """Hours are plain elapsed hours: 22:00 local + 4 h is 02:00 local the next day."""
    start = local(2026, 3, 10, 22, 0)
    assert due_at(start, 4, Unit.HOURS, PLAIN) == local(2026, 3, 11, 2, 0)
    assert due_at(start, 4, Unit.HOURS, PLAIN) == datetime(2026, 3, 10, 18, 0, tzinfo=UTC)


def test_hours_ignore_weekends_and_holidays():
    """A 72-hour limit runs through the weekend and through the holiday."""
    assert due_at(local(2026, 3, 13, 20, 0), 72, Unit.HOURS, PLAIN) == local(2026, 3, 16, 20, 0)
    assert due_at(local(2026, 9, 30, 12, 0), 48, "hours", NATIONAL_DAY) == local(2026, 10, 2, 12, 0)


def test_zero_hours():
    """Zero hours is due at once."""
    start = local(2026, 3, 14, 10, 0)
    assert due_at(start, 0, Unit.HOURS, PLAIN) == start


# --- working days ---------------------------------------------------------------------------------------


def test_workdays_within_a_week():
    """Same wall-clock time on the following working days."""
    start = local(2026, 3, 10, 14, 30)  # Tuesday
    assert due_at(start, 1, Unit.WORKDAYS, PLAIN) == local(2026, 3, 11, 14, 30)
    assert due_at(start, 3, Unit.WORKDAYS, PLAIN) == local(2026, 3, 13, 14, 30)


def test_workdays_over_a_weekend():
    """Friday + 1 working day is Monday, same time; + 5 is the next Friday."""
    start = local(2026, 3, 13, 15, 0)  # Friday
    assert due_at(start, 1, Unit.WORKDAYS, PLAIN) == local(2026, 3, 16, 15, 0)
    assert due_at(start, 2, Unit.WORKDAYS, PLAIN) == local(2026, 3, 17, 15, 0)
    assert due_at(start, 5, Unit.WORKDAYS, PLAIN) == local(2026, 3, 20, 15, 0)


def test_workdays_over_national_day():
    """The holiday is skipped and the 调休 Saturday counts."""
    start = local(2026, 9, 30, 10, 0)  # Wednesday, last working day before the holiday
    assert due_at(start, 1, Unit.WORKDAYS, NATIONAL_DAY) == local(2026, 10, 8, 10, 0)
    assert due_at(start, 2, Unit.WORKDAYS, NATIONAL_DAY) == local(2026, 10, 9, 10, 0)
    assert due_at(start, 3, Unit.WORKDAYS, NATIONAL_DAY) == local(2026, 10, 10, 10, 0)  # Saturday
    assert due_at(start, 4, Unit.WORKDAYS, NATIONAL_DAY) == local(2026, 10, 12, 10, 0)
    # without the overrides the same start is due on the holiday itself
    assert due_at(start, 1, Unit.WORKDAYS, PLAIN) == local(2026, 10, 1, 10, 0)


def test_make_up_sunday_counts():
    """Friday 25 September + 1 working day is the 调休 Sunday 27 September."""
    start = local(2026, 9, 25, 16, 0)
    assert due_at(start, 1, Unit.WORKDAYS, NATIONAL_DAY) == local(2026, 9, 27, 16, 0)
    assert due_at(start, 2, Unit.WORKDAYS, NATIONAL_DAY) == local(2026, 9, 28, 16, 0)


def test_start_on_a_weekend_counts_from_next_working_morning():
    """Filed Saturday afternoon with 1 working day: counted from Monday 09:00, so due Tuesday 09:00."""
    start = local(2026, 3, 14, 15, 0)  # Saturday
    assert due_at(start, 1, Unit.WORKDAYS, PLAIN) == local(2026, 3, 17, 9, 0)
    assert due_at(start, 2, Unit.WORKDAYS, PLAIN) == local(2026, 3, 18, 9, 0)
    # Sunday night behaves the same
    assert due_at(local(2026, 3, 15, 23, 59), 1, Unit.WORKDAYS, PLAIN) == local(2026, 3, 17, 9, 0)


def test_start_on_a_holiday():
    """Filed during the holiday: counting starts Thursday 8 October 09:00."""
    for start in (local(2026, 10, 1, 0, 0), local(2026, 10, 3, 14, 0), local(2026, 10, 7, 23, 0)):
        assert due_at(start, 1, Unit.WORKDAYS, NATIONAL_DAY) == local(2026, 10, 9, 9, 0)
        assert due_at(start, 2, Unit.WORKDAYS, NATIONAL_DAY) == local(2026, 10, 10, 9, 0)


def test_start_on_a_make_up_day_is_a_working_start():
    """A 调休 Saturday is an ordinary working day: the clock time is kept."""
    assert due_at(local(2026, 10, 10, 14, 0), 1, Unit.WORKDAYS, NATIONAL_DAY) == local(2026, 10, 12, 14, 0)


def test_local_date_decides_not_utc_date():
    """The day is read in Shanghai time even though the instants are UTC."""
    # 17:30 UTC Friday 9 October is 01:30 on the make-up Saturday
    start = datetime(2026, 10, 9, 17, 30, tzinfo=UTC)
    assert due_at(start, 1, Unit.WORKDAYS, NATIONAL_DAY) == datetime(2026, 10, 11, 17, 30, tzinfo=UTC)
    # 16:30 UTC Wednesday 30 September is 00:30 on the holiday
    start = datetime(2026, 9, 30, 16, 30, tzinfo=UTC)
    assert due_at(start, 1, Unit.WORKDAYS, NATIONAL_DAY) == datetime(2026, 10, 9, 1, 0, tzinfo=UTC)


def test_result_keeps_the_callers_timezone():
    """UTC in gives UTC out; another offset gives that offset back."""
    due = due_at(local(2026, 3, 13, 15, 0), 1, Unit.WORKDAYS, PLAIN)
    assert due.tzinfo is UTC
    plus8 = timezone(timedelta(hours=8))
    due = due_at(datetime(2026, 3, 13, 15, 0, tzinfo=plus8), 1, Unit.WORKDAYS, PLAIN)
    assert due.utcoffset() == timedelta(hours=8)
    assert (due.year, due.month, due.day, due.hour) == (2026, 3, 16, 15)


def test_zero_workdays_is_the_start_itself():
    """n=0 is due at once, on working and non-working days alike."""
    for start in (local(2026, 3, 13, 15, 0), local(2026, 3, 14, 15, 0), local(2026, 10, 2, 8, 0)):
        assert due_at(start, 0, Unit.WORKDAYS, NATIONAL_DAY) == start
        assert NATIONAL_DAY.add_workdays(start, 0) == start


def test_custom_opening_time():
    """The opening time used for non-working-day starts is configurable."""
    calendar = Calendar(opens=time(8, 30))
    assert calendar.add_workdays(local(2026, 3, 14, 15, 0), 1) == local(2026, 3, 17, 8, 30)


@pytest.mark.parametrize("unit", list(Unit))
def test_naive_start_refused(unit):
    """Naive datetimes are a programming error: the zone would be a guess."""
    with pytest.raises(ValueError):
        due_at(datetime(2026, 3, 13, 15, 0), 1, unit, PLAIN)


def test_naive_refused_everywhere():
    """Every entry point refuses naive datetimes."""
    naive, aware = datetime(2026, 3, 13), local(2026, 3, 13)
    with pytest.raises(ValueError):
        PLAIN.add_workdays(naive, 1)
    with pytest.raises(ValueError):
        PLAIN.is_workday(naive)
    with pytest.raises(ValueError):
        urgency(naive, aware, aware)
    with pytest.raises(ValueError):
        urgency(aware, aware, naive)
    with pytest.raises(ValueError):
        urgency(naive, aware, None)
    with pytest.raises(ValueError):
        overdue_factor(aware, naive, aware)
    with pytest.raises(ValueError):
        escalation_due(aware, aware, naive)


@pytest.mark.parametrize("unit", list(Unit))
def test_negative_amount_refused(unit):
    """A limit cannot be negative."""
    with pytest.raises(ValueError):
        due_at(local(2026, 3, 13), -1, unit, PLAIN)
    with pytest.raises(ValueError):
        PLAIN.add_workdays(local(2026, 3, 13), -1)


def test_unknown_unit_refused():
    """Only hours and working days exist."""
    with pytest.raises(ValueError):
        due_at(local(2026, 3, 13), 1, "fortnights", PLAIN)


# --- urgency --------------------------------------------------------------------------------------------

T0 = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)
DUE = T0 + timedelta(hours=100)
TICK = timedelta(microseconds=1)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (T0 - timedelta(hours=1), "green"),
        (T0, "green"),
        (T0 + timedelta(hours=75) - TICK, "green"),
        (T0 + timedelta(hours=75), "yellow"),
        (DUE - TICK, "yellow"),
        (DUE, "yellow"),
        (DUE + TICK, "red"),
        (DUE + timedelta(days=30), "red"),
    ],
)
def test_urgency_boundaries(now, expected):
    """Yellow from exactly 75% on, red only strictly after due."""
    assert urgency(now, T0, DUE) == expected


def test_urgency_exact_with_odd_allowances():
    """75% of 7 µs is 5.25 µs: 5 µs is still green, 6 µs yellow (no float rounding)."""
    due = T0 + 7 * TICK
    assert urgency(T0 + 5 * TICK, T0, due) == "green"
    assert urgency(T0 + 6 * TICK, T0, due) == "yellow"


def test_urgency_without_due():
    """No deadline, no colour but green."""
    assert urgency(T0 + timedelta(days=365), T0, None) == "green"


def test_urgency_zero_allowance():
    """Due at the start: yellow at that instant, red after."""
    assert urgency(T0, T0, T0) == "yellow"
    assert urgency(T0 + TICK, T0, T0) == "red"


# --- overdue factor and escalation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (T0 - timedelta(hours=5), 0.0),
        (T0, 0.0),
        (T0 + timedelta(hours=50), 0.5),
        (DUE, 1.0),
        (T0 + timedelta(hours=150), 1.5),
        (T0 + timedelta(hours=300), 3.0),
    ],
)
def test_overdue_factor(now, expected):
    """Elapsed over allowed, 1.0 exactly at due, never negative."""
    assert overdue_factor(now, T0, DUE) == expected


def test_overdue_factor_zero_or_negative_allowance():
    """No allowed time: infinitely late once due, 0 before."""
    assert overdue_factor(T0, T0, T0) == math.inf
    assert overdue_factor(T0 + TICK, T0, T0) == math.inf
    assert overdue_factor(T0 - TICK, T0, T0) == 0.0
    before = T0 - timedelta(hours=1)
    assert overdue_factor(T0, T0, before) == math.inf
    assert overdue_factor(before - TICK, T0, before) == 0.0


@pytest.mark.parametrize(
    ("factor", "level"),
    [(0.0, 0), (0.99, 0), (1.0, 1), (1.5, 1), (1.99, 1), (2.0, 2), (3.0, 2), (100.0, 2)],
)
def test_escalation_levels(factor, level):
    """1x the allowed time escalates to the community (1), 2x to the street (2)."""
    now = T0 + (DUE - T0) * factor
    assert escalation_due(now, T0, DUE) == level


def test_escalation_custom_steps():
    """The highest level reached wins, whatever order the steps come in."""
    steps = [(3.0, 3), (0.5, 1), (1.0, 2)]
    assert escalation_due(T0 + timedelta(hours=49), T0, DUE, steps) == 0
    assert escalation_due(T0 + timedelta(hours=50), T0, DUE, steps) == 1
    assert escalation_due(DUE, T0, DUE, steps) == 2
    assert escalation_due(T0 + timedelta(hours=300), T0, DUE, steps) == 3
    assert escalation_due(T0 + timedelta(hours=300), T0, DUE, []) == 0


def test_escalation_without_due_or_allowance():
    """No deadline never escalates; a zero allowance escalates all the way once due."""
    assert escalation_due(T0 + timedelta(days=365), T0, None) == 0
    assert escalation_due(T0, T0, T0) == 2


# --- properties -----------------------------------------------------------------------------------------

starts = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31),
                      timezones=st.just(UTC))
calendars = st.one_of(
    st.just(PLAIN),
    st.just(NATIONAL_DAY),
    st.dictionaries(st.dates(date(2025, 1, 1), date(2029, 6, 30)), st.booleans(), max_size=120).map(
        lambda overrides: Calendar(overrides=overrides)
    ),
)


def _local_day(moment: datetime) -> date:
    """The Shanghai calendar date of an instant."""
    return moment.astimezone(SHANGHAI).date()


@settings(max_examples=300, deadline=None)
@given(start=starts, n=st.integers(1, 40), calendar=calendars)
def test_lands_on_a_working_day_after_start(start, n, calendar):
    """n >= 1 working days later is on a working day, strictly later, and in UTC like the start."""
    due = calendar.add_workdays(start, n)
    assert due > start
    assert calendar.is_workday(_local_day(due))
    assert due.tzinfo is UTC


@settings(max_examples=300, deadline=None)
@given(start=starts, n=st.integers(1, 40), calendar=calendars)
def test_counts_exactly_n_working_days(start, n, calendar):
    """From a working day, exactly n working days lie in (start day, due day], at the same clock time."""
    assume(calendar.is_workday(_local_day(start)))
    due = calendar.add_workdays(start, n)
    day, counted = _local_day(start), 0
    while day < _local_day(due):
        day += timedelta(days=1)
        counted += calendar.is_workday(day)
    assert counted == n
    assert due.astimezone(SHANGHAI).time() == start.astimezone(SHANGHAI).time()


@settings(max_examples=300, deadline=None)
@given(start=starts, n=st.integers(1, 40), m=st.integers(0, 40), calendar=calendars)
def test_adding_n_then_m_is_adding_n_plus_m(start, n, m, calendar):
    """From a working day, n then m working days equals n + m working days."""
    assume(calendar.is_workday(_local_day(start)))
    assert calendar.add_workdays(calendar.add_workdays(start, n), m) == calendar.add_workdays(start, n + m)


@settings(max_examples=300, deadline=None)
@given(start=starts, n=st.integers(0, 40), m=st.integers(0, 40), calendar=calendars)
def test_composition_holds_from_any_start(start, n, m, calendar):
    """The non-working-day rule keeps composition too: the first step does the moving to 09:00."""
    assert calendar.add_workdays(calendar.add_workdays(start, n), m) == calendar.add_workdays(start, n + m)
