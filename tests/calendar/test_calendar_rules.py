"""Deadline arithmetic on the PRC working calendar (norms T-1, T-2, T-5): pure, no database.

The exact examples come from 国务院办公厅关于2026年部分节假日安排的通知 (国办发明电, 2025-11-04),
checked against chinese_calendar's own 2026 data in test_package_agrees_with_the_2026_notice:
  春节 Feb 15 (Sun) – Feb 23 (Mon) off; Sat Feb 14 and Sat Feb 28 working.
  中秋节 Sep 25 (Fri) – Sep 27 (Sun) off (a separate holiday in 2026, not joined to National Day).
  国庆节 Oct 1 (Thu) – Oct 7 (Wed) off; Sun Sep 20 and Sat Oct 10 working.
Times in the examples are Beijing time (CST); expected values are literal UTC datetimes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from telcodesk.calendar.rules import (
    ALWAYS,
    BusinessHours,
    Unit,
    WorkCalendar,
    add_duration,
    format_remaining,
    working_time_between,
)

CST = timezone(timedelta(hours=8))
CAL = WorkCalendar.build(first_year=2024, last_year=2028)
HALL = BusinessHours(open=time(8, 30), close=time(18, 30))  # every day, 10 h (T-4)
BACK_OFFICE = BusinessHours(open=time(9), close=time(17, 30), workdays_only=True)
CENTRE_ON_WORKDAYS = BusinessHours(workdays_only=True)  # 24 h, PRC working days only
EVENING = BusinessHours(open=time(13), close=time(0))  # until midnight
ALL_HOURS = [ALWAYS, HALL, BACK_OFFICE, CENTRE_ON_WORKDAYS, EVENING]
WD, BH, CH = Unit.WORKING_DAYS, Unit.BUSINESS_HOURS, Unit.CALENDAR_HOURS


def cst(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Beijing-time wall clock reading, as the UTC instant the functions take."""
    return datetime(year, month, day, hour, minute, tzinfo=CST).astimezone(UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def span(unit: Unit, amount: float) -> timedelta:
    return timedelta(days=amount) if unit == WD else timedelta(hours=amount)


def package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


# --- the official 2026 calendar, as chinese_calendar has it -------------------------------------


def test_package_agrees_with_the_2026_notice() -> None:
    spring = [date(2026, 2, d) for d in range(15, 24)]
    mid_autumn = [date(2026, 9, d) for d in (25, 26, 27)]
    national = [date(2026, 10, d) for d in range(1, 8)]
    make_up = [date(2026, 2, 14), date(2026, 2, 28), date(2026, 9, 20), date(2026, 10, 10)]
    for d in spring + mid_autumn + national:
        assert not chinese_calendar.is_workday(d), d
        assert CAL.is_workday(d) is False, d
    for d in make_up:
        assert d.weekday() >= 5 and chinese_calendar.is_workday(d), d
        assert CAL.is_workday(d) is True, d
    assert chinese_calendar.get_holiday_detail(date(2026, 2, 15)) == (True, "Spring Festival")
    assert chinese_calendar.get_holiday_detail(date(2026, 2, 14)) == (False, "Spring Festival")
    assert chinese_calendar.get_holiday_detail(date(2026, 9, 25)) == (True, "Mid-autumn Festival")
    # The package files the Sunday make-up day before Mid-Autumn under National Day.
    assert chinese_calendar.get_holiday_detail(date(2026, 9, 20)) == (False, "National Day")
    assert chinese_calendar.get_holiday_detail(date(2026, 10, 10)) == (False, "National Day")


def test_calendar_matches_the_package_on_every_known_day() -> None:
    cal = WorkCalendar.build(first_year=2004, last_year=2026)
    d = date(2004, 1, 1)
    while d.year <= 2026:
        if package_knows(d.year):
            assert cal.is_workday(d) == chinese_calendar.is_workday(d), d
        d += timedelta(days=1)


# --- exact 2026 examples: WORKING_DAYS (T-2: complaints within 3 working days) -------------------


def test_spring_festival_friday_complaint_counts_the_saturday_make_up_day() -> None:
    # Fri 02-13 16:00 → Sat 02-14 (make-up, 1) → 02-15..23 off → Tue 02-24 (2) → Wed 02-25 (3).
    due = add_duration(CAL, ALWAYS, cst(2026, 2, 13, 16), 3, WD)
    assert due == utc(2026, 2, 25, 8)  # Wed 2026-02-25 16:00 CST
    # Without the 调休 Saturday it would be one working day later.
    no_make_up = WorkCalendar.build({date(2026, 2, 14): False}, 2026, 2026)
    assert add_duration(no_make_up, ALWAYS, cst(2026, 2, 13, 16), 3, WD) == utc(2026, 2, 26, 8)


def test_complaint_on_a_holiday_starts_at_the_next_working_day() -> None:
    # 02-15 is a holiday: the clock starts 00:00 Tue 02-24 and ends 24:00 Thu 02-26.
    due = add_duration(CAL, ALWAYS, cst(2026, 2, 15, 10), 3, WD)
    assert due == utc(2026, 2, 26, 16)  # = Fri 2026-02-27 00:00 CST
    assert add_duration(CAL, ALWAYS, cst(2026, 2, 20, 23, 59), 3, WD) == due


def test_national_day_skipped_and_saturday_october_10_counted() -> None:
    # Wed 09-30 10:00 → 10-01..07 off → Thu 10-08 (1), Fri 10-09 (2), Sat 10-10 make-up (3).
    due = add_duration(CAL, ALWAYS, cst(2026, 9, 30, 10), 3, WD)
    assert due == utc(2026, 10, 10, 2)  # Sat 2026-10-10 10:00 CST
    assert working_time_between(CAL, ALWAYS, cst(2026, 9, 30, 10), due, WD) == timedelta(days=3)


def test_sunday_september_20_is_a_working_day() -> None:
    # Fri 09-18 17:00 + 1 working day → Sat 09-19 is off, Sun 09-20 is a make-up working day.
    assert add_duration(CAL, ALWAYS, cst(2026, 9, 18, 17), 1, WD) == utc(2026, 9, 20, 9)
    # From the Saturday (off), the day runs 00:00–24:00 Sun 09-20.
    assert add_duration(CAL, ALWAYS, cst(2026, 9, 19, 9), 1, WD) == utc(2026, 9, 20, 16)


def test_mid_autumn_2026_is_a_separate_holiday() -> None:
    # Thu 09-24 11:00 → Fri 09-25..Sun 09-27 off → Mon 09-28 (1), Tue 09-29 (2), Wed 09-30 (3).
    assert add_duration(CAL, ALWAYS, cst(2026, 9, 24, 11), 1, WD) == utc(2026, 9, 28, 3)
    assert add_duration(CAL, ALWAYS, cst(2026, 9, 24, 11), 3, WD) == utc(2026, 9, 30, 3)


# --- exact 2026 examples: BUSINESS_HOURS ------------------------------------------------------


def test_hall_is_open_through_the_holiday() -> None:
    # Hall 08:30–18:30 every day (T-4). Sun 02-15 17:00 + 24 h: 1.5 + 10 + 10 + 2.5 h.
    assert add_duration(CAL, HALL, cst(2026, 2, 15, 17), 24, BH) == utc(2026, 2, 18, 3)
    # After closing on 09-30, 10 h fill exactly the holiday 10-01: ends at its 18:30 closing.
    assert add_duration(CAL, HALL, cst(2026, 9, 30, 20), 10, BH) == utc(2026, 10, 1, 10, 30)


def test_back_office_counts_only_working_days() -> None:
    # Back office 09:00–17:30 on PRC working days only (8.5 h a day).
    # Fri 02-13 16:00 + 8 h: 1.5 h on Friday, 6.5 h on the make-up Saturday → 02-14 15:30.
    assert add_duration(CAL, BACK_OFFICE, cst(2026, 2, 13, 16), 8, BH) == utc(2026, 2, 14, 7, 30)
    # Sat 02-14 17:00 + 4 h: 0.5 h, then the holiday, then 3.5 h from 09:00 Tue 02-24.
    assert add_duration(CAL, BACK_OFFICE, cst(2026, 2, 14, 17), 4, BH) == utc(2026, 2, 24, 4, 30)
    # Wed 09-30 15:00 + 24 h (T-2 first response): 2.5 + 8.5 (10-08) + 8.5 (10-09) + 4.5 h on
    # the make-up Saturday 10-10 → 13:30.
    assert add_duration(CAL, BACK_OFFICE, cst(2026, 9, 30, 15), 24, BH) == utc(2026, 10, 10, 5, 30)


def test_twenty_four_seven_business_hours_equal_calendar_hours() -> None:
    start = cst(2026, 2, 13, 16)
    for amount in (24, 48, 72, 0.25):
        assert add_duration(CAL, ALWAYS, start, amount, BH) == start + timedelta(hours=amount)


# --- exact examples: CALENDAR_HOURS (T-1 48 h, T-2 24 h / 72 h) --------------------------------


def test_calendar_hours_ignore_holidays() -> None:
    start = cst(2026, 2, 13, 16)
    assert add_duration(CAL, BACK_OFFICE, start, 24, CH) == utc(2026, 2, 14, 8)  # T-2 response
    assert add_duration(CAL, BACK_OFFICE, start, 48, CH) == utc(2026, 2, 15, 8)  # T-1
    assert add_duration(CAL, BACK_OFFICE, start, 72, CH) == utc(2026, 2, 16, 8)  # T-2 handling
    assert working_time_between(CAL, ALWAYS, start, utc(2026, 2, 15, 8), CH) == timedelta(hours=48)


# --- overrides, uncovered years ---------------------------------------------------------------


def test_override_makes_a_working_day_off() -> None:
    cal = WorkCalendar.build({date(2026, 2, 13): False}, 2026, 2026)
    assert not cal.is_workday(date(2026, 2, 13))
    # The clock stops on the (now off) Friday: 02-14 (1), 02-24 (2), 02-25 (3), ending at 24:00.
    assert add_duration(cal, ALWAYS, cst(2026, 2, 13, 16), 3, WD) == utc(2026, 2, 25, 16)


def test_override_makes_a_sunday_working() -> None:
    cal = WorkCalendar.build({date(2026, 3, 1): True}, 2026, 2026)
    assert cal.is_workday(date(2026, 3, 1)) and not CAL.is_workday(date(2026, 3, 1))
    # Fri 02-27 10:00 + 2: Sat 02-28 (make-up) and Sun 03-01 (override) instead of Mon 03-02.
    assert add_duration(cal, ALWAYS, cst(2026, 2, 27, 10), 2, WD) == utc(2026, 3, 1, 2)
    assert add_duration(CAL, ALWAYS, cst(2026, 2, 27, 10), 2, WD) == utc(2026, 3, 2, 2)


@pytest.mark.skipif(package_knows(2027), reason="chinese_calendar now has 2027 data")
def test_2027_falls_back_to_weekends_and_honours_overrides() -> None:
    cal = WorkCalendar.build(first_year=2025, last_year=2027)
    assert cal.uncovered_years == frozenset({2027})
    assert 2027 in WorkCalendar.build().uncovered_years  # default range: current year + 2
    assert cal.is_workday(date(2027, 1, 1))  # a Friday: Mon–Fri fallback (really 元旦!)
    assert not cal.is_workday(date(2027, 1, 2))
    overridden = WorkCalendar.build({date(2027, 1, 1): False}, 2025, 2027)
    assert not overridden.is_workday(date(2027, 1, 1))
    # Thu 2026-12-31 10:00 + 3: Fri 01-01 (fallback), Mon 01-04, Tue 01-05 → 01-05 10:00.
    assert add_duration(cal, ALWAYS, cst(2026, 12, 31, 10), 3, WD) == utc(2027, 1, 5, 2)
    # With 01-01 off by override: Mon 01-04, Tue 01-05, Wed 01-06.
    assert add_duration(overridden, ALWAYS, cst(2026, 12, 31, 10), 3, WD) == utc(2027, 1, 6, 2)
    assert add_duration(overridden, BACK_OFFICE, cst(2026, 12, 31, 17), 1, BH) == utc(
        2027, 1, 4, 1, 30
    )


def test_outside_the_built_range_weekend_rule_and_overrides_apply() -> None:
    cal = WorkCalendar.build({date(2031, 5, 1): False}, 2026, 2026)
    assert cal.uncovered_years == frozenset()
    assert cal.is_workday(date(1999, 10, 1))  # a Friday; the package does not go that far back
    assert not cal.is_workday(date(2031, 5, 1))  # override outside the range still wins
    assert cal.is_workday(date(2031, 5, 2)) and not cal.is_workday(date(2031, 5, 3))
    # Wed 2031-04-30 12:00 + 2: Thu 05-01 off → Fri 05-02, Mon 05-05.
    assert add_duration(cal, ALWAYS, cst(2031, 4, 30, 12), 2, WD) == utc(2031, 5, 5, 4)
    assert add_duration(cal, ALWAYS, cst(1999, 12, 30, 12), 2, WD) == utc(2000, 1, 3, 4)


# --- validation and formatting ----------------------------------------------------------------


def test_invalid_input_is_rejected() -> None:
    start = cst(2026, 3, 2, 9)
    for bad in (-1, -0.5, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            add_duration(CAL, ALWAYS, start, bad, WD)
    with pytest.raises(ValueError):
        add_duration(CAL, ALWAYS, datetime(2026, 3, 2, 9), 1, WD)
    with pytest.raises(ValueError):
        working_time_between(CAL, ALWAYS, datetime(2026, 3, 2), start, CH)
    with pytest.raises(ValueError):
        add_duration(CAL, ALWAYS, start, 1, "fortnights")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        BusinessHours(open=time(9))
    with pytest.raises(ValueError):
        BusinessHours(open=time(18), close=time(9))
    with pytest.raises(ValueError):
        format_remaining(CAL, ALWAYS, start, start, WD, lang="fr")


def test_format_remaining() -> None:
    now = cst(2026, 2, 13, 16)
    # 8 h on Fri + 24 h Sat + 24 h Tue 02-24 + 3 h Wed 02-25 = 2 working days 11 h.
    due = cst(2026, 2, 25, 3)
    assert format_remaining(CAL, ALWAYS, now, due, WD) == "剩余 2 个工作日 11 小时"
    assert format_remaining(CAL, ALWAYS, now, due, WD, "en") == "2 working days 11 h left"
    assert format_remaining(CAL, ALWAYS, cst(2026, 2, 24, 21), due, WD) == "剩余 6 小时"
    assert format_remaining(CAL, ALWAYS, cst(2026, 2, 23, 21), due, WD) == "剩余 1 个工作日 3 小时"
    # Sat 02-14 20:00 (make-up day): 4 h + 24 h (Tue 02-24) + 3 h.
    assert format_remaining(CAL, ALWAYS, cst(2026, 2, 14, 20), due, WD, "en") == (
        "1 working day 7 h left"
    )
    late = cst(2026, 2, 25, 5)
    assert format_remaining(CAL, ALWAYS, late, due, WD) == "超时 2 小时"
    assert format_remaining(CAL, ALWAYS, late, due, WD, "en") == "2 h overdue"
    # Hours and minutes for the other units; overdue time in a closed back office does not grow.
    assert format_remaining(CAL, HALL, cst(2026, 2, 15, 17, 10), cst(2026, 2, 16, 9), BH) == (
        "剩余 1 小时 50 分钟"
    )
    assert format_remaining(CAL, BACK_OFFICE, cst(2026, 2, 16), cst(2026, 2, 14, 17), BH) == (
        "超时 30 分钟"
    )
    assert format_remaining(CAL, ALWAYS, now, now + timedelta(hours=49), CH, "en") == "49 h left"
    assert format_remaining(CAL, ALWAYS, now, now + timedelta(seconds=30), CH) == "剩余不足 1 分钟"
    assert format_remaining(CAL, ALWAYS, cst(2026, 2, 15), cst(2026, 2, 14, 23), WD) == (
        "超时 1 小时"
    )
    assert format_remaining(CAL, ALWAYS, cst(2026, 2, 16), cst(2026, 2, 15), WD, "en") == "overdue"


# --- properties -------------------------------------------------------------------------------

STARTS = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
UNITS = st.sampled_from([WD, BH, CH])
HOURS = st.sampled_from(ALL_HOURS)
AMOUNTS = st.one_of(
    st.integers(min_value=0, max_value=200),
    st.floats(min_value=0, max_value=200, allow_nan=False, allow_infinity=False),
)
FAST = settings(max_examples=200, deadline=None)


@FAST
@given(HOURS, UNITS, STARTS, STARTS, AMOUNTS)
def test_monotonic_in_start(
    hours: BusinessHours, unit: Unit, s1: datetime, s2: datetime, amount: float
) -> None:
    s1, s2 = sorted((s1, s2))
    assert add_duration(CAL, hours, s1, amount, unit) <= add_duration(CAL, hours, s2, amount, unit)


@FAST
@given(HOURS, UNITS, STARTS, AMOUNTS, AMOUNTS)
def test_monotonic_in_duration(
    hours: BusinessHours, unit: Unit, start: datetime, x1: float, x2: float
) -> None:
    x1, x2 = sorted((x1, x2))
    assert add_duration(CAL, hours, start, x1, unit) <= add_duration(CAL, hours, start, x2, unit)


@FAST
@given(HOURS, UNITS, STARTS)
def test_zero_duration_returns_start(hours: BusinessHours, unit: Unit, start: datetime) -> None:
    assert add_duration(CAL, hours, start, 0, unit) == start
    assert add_duration(CAL, hours, start, 0.0, unit) == start


@FAST
@given(HOURS, UNITS, STARTS, AMOUNTS)
def test_add_then_measure_round_trips(
    hours: BusinessHours, unit: Unit, start: datetime, amount: float
) -> None:
    due = add_duration(CAL, hours, start, amount, unit)
    assert due.utcoffset() == timedelta(0) and due.tzinfo is UTC
    assert due >= start
    assert working_time_between(CAL, hours, start, due, unit) == span(unit, amount)


@FAST
@given(HOURS, UNITS, STARTS, STARTS, STARTS)
def test_working_time_is_additive(
    hours: BusinessHours, unit: Unit, a: datetime, b: datetime, c: datetime
) -> None:
    a, b, c = sorted((a, b, c))
    between = working_time_between
    assert between(CAL, hours, a, b, unit) + between(CAL, hours, b, c, unit) == between(
        CAL, hours, a, c, unit
    )
    assert between(CAL, hours, c, a, unit) == timedelta(0)


HOLIDAYS_2026 = [
    d for d in (date(2026, 1, 1) + timedelta(n) for n in range(365)) if not CAL.is_workday(d)
]


@FAST
@given(st.sampled_from(HOLIDAYS_2026), st.integers(0, 86_400), st.integers(0, 86_400))
def test_time_off_counts_nothing(day: date, s1: int, s2: int) -> None:
    midnight = datetime.combine(day, time(), CST)
    a, b = sorted((midnight + timedelta(seconds=s1), midnight + timedelta(seconds=s2)))
    for hours in (ALWAYS, BACK_OFFICE, CENTRE_ON_WORKDAYS):
        assert working_time_between(CAL, hours, a, b, WD) == timedelta(0)
        if hours.workdays_only:
            assert working_time_between(CAL, hours, a, b, BH) == timedelta(0)
    # The hall is open on holidays (T-4), but counts nothing between 18:30 and 08:30.
    evening = datetime.combine(day, time(18, 30), CST)
    night = evening + timedelta(seconds=(s1 % 50_400))
    assert working_time_between(CAL, HALL, evening, night, BH) == timedelta(0)


@FAST
@given(HOURS, UNITS, STARTS, AMOUNTS)
def test_input_timezone_does_not_matter(
    hours: BusinessHours, unit: Unit, start: datetime, amount: float
) -> None:
    shanghai = start.astimezone(ZoneInfo("Asia/Shanghai"))
    due = add_duration(CAL, hours, start, amount, unit)
    if span(unit, amount):  # zero (or under 1 µs) returns start itself, in its own zone
        assert add_duration(CAL, hours, shanghai, amount, unit) == due
        assert add_duration(CAL, hours, shanghai, amount, unit).tzinfo is UTC


def reference_add(
    cal: WorkCalendar, hours: BusinessHours, start: datetime, amount: float, unit: Unit
) -> datetime:
    """Slow, obvious day-by-day stepping in Beijing wall-clock time."""
    if unit == CH:
        return start + timedelta(hours=amount)
    if unit == WD:
        opens, closes, only_workdays = time(0), None, True
    else:
        opens, closes, only_workdays = hours.open or time(0), hours.close, hours.workdays_only
    left = span(unit, amount)
    t = start.astimezone(CST)
    day = t.date()
    while True:
        if cal.is_workday(day) or not only_workdays:
            window_open = datetime.combine(day, opens, CST)
            if closes is None or closes == time(0):
                window_close = datetime.combine(day + timedelta(days=1), time(0), CST)
            else:
                window_close = datetime.combine(day, closes, CST)
            begin = max(t, window_open)
            if begin < window_close:
                if left <= window_close - begin:
                    return (begin + left).astimezone(UTC)
                left -= window_close - begin
        day += timedelta(days=1)


@FAST
@given(HOURS, st.sampled_from([WD, BH]), STARTS, st.integers(min_value=1, max_value=30 * 24))
def test_agrees_with_day_by_day_reference(
    hours: BusinessHours, unit: Unit, start: datetime, minutes_x10: int
) -> None:
    amount = minutes_x10 / 6 if unit == BH else minutes_x10 / 144  # up to 120 h / 5 days
    assert add_duration(CAL, hours, start, amount, unit) == reference_add(
        CAL, hours, start, amount, unit
    )
