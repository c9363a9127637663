"""Pure deadline arithmetic on the PRC working calendar (norms T-1, T-2, T-5, T-6).

No I/O: callers load the admin overrides and the unit's business hours, these functions count.

How it works, and why it is fast
--------------------------------
* Instants become integers: microseconds of *China local time* since 1970-01-01 00:00. China
  has used UTC+8 without DST since 1991, so a fixed offset is exact for every date this product
  handles, and far cheaper than zoneinfo. A local day is then ``us // DAY_US`` (a "day index",
  0 = Thursday 1970-01-01), the time of day ``us % DAY_US``.
* The working calendar (T-2) is "Monday to Friday, except a sparse set of days": statutory
  holidays on weekdays (off), 调休 make-up weekend days (on), admin overrides (either way). The
  number of working days before a day is then a closed-form Mon–Fri count plus a prefix sum over
  the exceptions before it, found by bisect: O(log n), no per-day tables, and any date outside
  the built years simply follows the weekend rule (plus overrides) instead of failing.
* Every unit maps an instant to a non-decreasing "counted time" position:
  ``pos(t) = (open days before day(t)) * L + time counted so far on day(t)``, where an open day
  counts the local window [o, o + L). Time between two instants is a difference of positions;
  a deadline is the earliest instant whose position is ``pos(start) + amount``.
  WORKING_DAYS counts all 24 h of each PRC working day (o = 0, L = 24 h); BUSINESS_HOURS counts
  the unit's opening window on its open days; CALENDAR_HOURS is plain timedelta arithmetic.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from math import inf
from types import MappingProxyType

import chinese_calendar

from telcodesk import clock

MINUTE_US = 60_000_000
HOUR_US = 60 * MINUTE_US
DAY_US = 24 * HOUR_US
_CHINA_OFFSET_US = 8 * HOUR_US  # UTC+8, no DST since 1991
_ONE_US = timedelta(microseconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# Day index 0 (1970-01-01) is a Thursday, so day index -3 is Monday 1969-12-29: shifting by 3
# makes "index % 7" the weekday (Monday = 0) and lets whole weeks be counted with divmod.
_MONDAY_SHIFT = 3
_NO_OVERRIDES: Mapping[date, bool] = MappingProxyType({})

# chinese_calendar's data starts in 2004; the default build covers it all.
FIRST_OFFICIAL_YEAR = 2004


class Unit(StrEnum):
    """How a time limit is counted."""

    CALENDAR_HOURS = "calendar_hours"  # wall-clock hours (T-1 48 h, T-2 24 h / 72 h)
    BUSINESS_HOURS = "business_hours"  # hours inside the unit's opening hours (T-4, T-5)
    WORKING_DAYS = "working_days"  # PRC working days, 24 h each (T-2 "3 working days", T-6)


# Hot-path aliases: looking up an enum member on its class costs ~40 ns on Python 3.11.
_CALENDAR_HOURS, _BUSINESS_HOURS, _WORKING_DAYS = (
    Unit.CALENDAR_HOURS,
    Unit.BUSINESS_HOURS,
    Unit.WORKING_DAYS,
)


# --- time conversions -------------------------------------------------------------------------


def _local_us(dt: datetime) -> int:
    """Microseconds of China local time since 1970-01-01 00:00 local (any aware datetime)."""
    if dt.tzinfo is None:
        raise ValueError(f"naive datetime {dt!r}: pass a timezone-aware (UTC) datetime")
    d = dt - _EPOCH  # integer days / seconds / microseconds: exact, no float rounding
    return (d.days * 86_400 + d.seconds) * 1_000_000 + d.microseconds + _CHINA_OFFSET_US


def _utc(local_us: int) -> datetime:
    """The UTC datetime of a local-microsecond instant (inverse of _local_us)."""
    # Positional (days, seconds, microseconds): ~100 ns faster than the keyword form.
    return _EPOCH + timedelta(0, 0, local_us - _CHINA_OFFSET_US)


def _day_index(d: date) -> int:
    return d.toordinal() - _EPOCH_ORDINAL


def _time_us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


def _amount_us(amount: float, unit: Unit) -> int:
    """The amount in microseconds, rounded exactly as ``timedelta(hours=/days=amount)`` does.

    Matching timedelta's rounding keeps the round trip exact for float amounts:
    working_time_between(start, add_duration(start, x)) == timedelta(hours=x) (or days=x).
    """
    if not 0 <= amount < inf:  # also rejects NaN
        raise ValueError(f"duration must be a finite number >= 0, got {amount!r}")
    days = unit == _WORKING_DAYS
    if type(amount) is int:  # the usual case (3 working days, 24 h): exact, no timedelta
        return amount * (DAY_US if days else HOUR_US)
    span = timedelta(days=amount) if days else timedelta(hours=amount)
    return span // _ONE_US


# --- Monday-to-Friday closed forms ------------------------------------------------------------


def _is_weekday(day: int) -> bool:
    return (day + _MONDAY_SHIFT) % 7 < 5


def _weekdays_before(day: int) -> int:
    """Mon–Fri days in [Monday 1969-12-29, day) (negative before it): closed form, any day."""
    weeks, rest = divmod(day + _MONDAY_SHIFT, 7)
    return weeks * 5 + min(rest, 5)


def _nth_weekday(n: int) -> int:
    """The Mon–Fri day with exactly n Mon–Fri days before it (inverse of _weekdays_before)."""
    weeks, rest = divmod(n, 5)
    return weeks * 7 + rest - _MONDAY_SHIFT


# --- the PRC working calendar (T-2) -----------------------------------------------------------


@cache
def _official_exceptions(year: int) -> Mapping[date, bool] | None:
    """Days of ``year`` where chinese_calendar differs from Mon–Fri; None if it lacks the year.

    The package raises NotImplementedError for years it has no State Council notice for (e.g.
    next year until the notice is published in November). Cached: the data is static and a
    year costs ~365 package calls (~5 ms), while calendars are rebuilt on every override edit.
    """
    first = date(year, 1, 1)
    try:
        chinese_calendar.is_workday(first)
    except NotImplementedError:
        return None
    differs: dict[date, bool] = {}
    for offset in range((date(year + 1, 1, 1) - first).days):
        d = first + timedelta(days=offset)
        working = chinese_calendar.is_workday(d)
        if working != (d.weekday() < 5):
            differs[d] = working
    return MappingProxyType(differs)


class WorkCalendar:
    """PRC working days (norm T-2): Monday to Friday, except a sparse set of exception days.

    Immutable and safe to share between threads; build it with :meth:`build`.
    """

    __slots__ = (
        "_after_rank",
        "_exc_days",
        "_exceptions",
        "_prefix",
        "first_year",
        "last_year",
        "uncovered_years",
    )

    def __init__(
        self,
        days: Mapping[date, bool] = _NO_OVERRIDES,
        *,
        first_year: int = FIRST_OFFICIAL_YEAR,
        last_year: int = FIRST_OFFICIAL_YEAR,
        uncovered_years: frozenset[int] = frozenset(),
    ) -> None:
        """A calendar that is Mon–Fri except ``days`` (date -> working?); prefer :meth:`build`."""
        self.first_year = first_year
        self.last_year = last_year
        self.uncovered_years = uncovered_years  # years that fell back to Mon–Fri: warn admins
        # Keep only real exceptions, so that a working exception is always a weekend day and an
        # off exception always a weekday; _nth relies on it.
        self._exceptions: dict[int, bool] = {
            _day_index(d): working for d, working in days.items() if working != (d.weekday() < 5)
        }
        self._exc_days: list[int] = sorted(self._exceptions)
        # _prefix[i]: correction to the Mon–Fri count from the first i exceptions (+1 for a
        # make-up working weekend day, -1 for a weekday off). _after_rank[i]: working days
        # before the day after exception i, the key _nth bisects on.
        self._prefix: list[int] = [0]
        self._after_rank: list[int] = []
        for day in self._exc_days:
            self._prefix.append(self._prefix[-1] + (1 if self._exceptions[day] else -1))
            self._after_rank.append(_weekdays_before(day + 1) + self._prefix[-1])

    @classmethod
    def build(
        cls,
        overrides: Mapping[date, bool] = _NO_OVERRIDES,
        first_year: int = FIRST_OFFICIAL_YEAR,
        last_year: int | None = None,
    ) -> WorkCalendar:
        """The official calendar for [first_year, last_year] with admin overrides on top.

        Years chinese_calendar knows: statutory holidays off, 调休 make-up weekend days on
        (T-2). Years it does not know fall back to Mon–Fri and are listed in
        ``uncovered_years``. ``overrides`` (date -> True working / False off, edited by admins)
        win over both, in any year. ``last_year`` defaults to the current year + 2.
        """
        if last_year is None:
            last_year = (clock.now() + timedelta(hours=8)).year + 2  # the year in China
        if first_year > last_year:
            raise ValueError(f"first_year {first_year} is after last_year {last_year}")
        days: dict[date, bool] = {}
        uncovered: set[int] = set()
        for year in range(first_year, last_year + 1):
            official = _official_exceptions(year)
            if official is None:
                uncovered.add(year)
            else:
                days.update(official)
        days.update(overrides)  # admins win over the package and over the fallback
        return cls(
            days,
            first_year=first_year,
            last_year=last_year,
            uncovered_years=frozenset(uncovered),
        )

    def __repr__(self) -> str:
        return (
            f"WorkCalendar({self.first_year}-{self.last_year}, "
            f"{len(self._exc_days)} exception days, uncovered={sorted(self.uncovered_years)})"
        )

    def is_workday(self, d: date) -> bool:
        """Is ``d`` a working day? Outside the built years: weekend rule plus overrides."""
        return self._is_working(_day_index(d))

    def _is_working(self, day: int) -> bool:
        working = self._exceptions.get(day)
        return _is_weekday(day) if working is None else working

    def _rank(self, day: int) -> int:
        """Working days before ``day`` (relative count): Mon–Fri closed form + exceptions."""
        return _weekdays_before(day) + self._prefix[bisect_left(self._exc_days, day)]

    def _nth(self, n: int) -> int:
        """The working day with exactly n working days before it (inverse of _rank)."""
        # Exceptions split the timeline into stretches where the plain Mon–Fri rule holds.
        # The answer is exception i itself (a make-up working day of rank n) or lies in the
        # stretch just before it, where the correction is the constant _prefix[i].
        i = bisect_right(self._after_rank, n)
        if i < len(self._exc_days):
            day = self._exc_days[i]
            if self._exceptions[day] and self._after_rank[i] - 1 == n:
                return day
        return _nth_weekday(n - self._prefix[i])


# --- business hours ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BusinessHours:
    """Opening hours of an organisation unit, in China local time (T-3, T-4, T-5).

    ``open``/``close`` both None means open 24 h; ``close`` = 00:00 means until midnight.
    ``workdays_only``: open only on PRC working days (back office); otherwise every day,
    weekends and statutory holidays included (a hall, T-4; a 7×24 centre, T-5). Overnight
    windows (close before open) are not supported.
    """

    open: time | None = None
    close: time | None = None
    workdays_only: bool = False
    _open_us: int = field(init=False, repr=False, compare=False)
    _length_us: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.open is None or self.close is None:
            if self.open is not self.close:
                raise ValueError("set both open and close, or neither (open 24 h)")
            start, end = 0, DAY_US
        else:
            if self.open.tzinfo is not None or self.close.tzinfo is not None:
                raise ValueError("business hours are local wall-clock times without tzinfo")
            start, end = _time_us(self.open), _time_us(self.close) or DAY_US
            if end <= start:
                raise ValueError(f"close {self.close} must be after open {self.open}")
        object.__setattr__(self, "_open_us", start)
        object.__setattr__(self, "_length_us", end - start)


ALWAYS = BusinessHours()  # 7×24, e.g. the hotline's consultation service (T-5)


# --- counted-time positions -------------------------------------------------------------------


def _window(hours: BusinessHours, unit: Unit) -> tuple[int, int, bool]:
    """(opening offset, length, PRC working days only) of the counted part of a local day."""
    if unit == _WORKING_DAYS:
        return 0, DAY_US, True  # all 24 h of every working day, whatever the unit's hours
    if unit == _BUSINESS_HOURS:
        return hours._open_us, hours._length_us, hours.workdays_only
    raise ValueError(f"unknown unit {unit!r}")


def _position(cal: WorkCalendar, t: int, opens: int, length: int, workdays_only: bool) -> int:
    """Counted time before local instant t: non-decreasing, flat across closed time."""
    day, into_day = divmod(t, DAY_US)
    if workdays_only:
        open_days_before = cal._rank(day)
        if not cal._is_working(day):
            return open_days_before * length
    else:
        open_days_before = day
    return open_days_before * length + min(max(into_day - opens, 0), length)


def _instant(cal: WorkCalendar, pos: int, opens: int, length: int, workdays_only: bool) -> int:
    """The earliest local instant whose position is ``pos`` (inverse of _position)."""
    n, into = divmod(pos, length)
    if into == 0:
        # Exactly a whole number of open days: the earliest such instant is the closing time
        # of the previous open day (24:00 for WORKING_DAYS), not the next opening.
        n, into = n - 1, length
    day = cal._nth(n) if workdays_only else n
    return day * DAY_US + opens + into


# --- public API -------------------------------------------------------------------------------


def add_duration(
    cal: WorkCalendar, hours: BusinessHours, start: datetime, amount: float, unit: Unit
) -> datetime:
    """The deadline ``amount`` hours (days for WORKING_DAYS) of counted time after ``start``.

    CALENDAR_HOURS: start + amount hours. WORKING_DAYS: each PRC working day counts its 24
    local hours (T-2), so from 15:00 on a working day 3 working days end at 15:00 of the 3rd
    following working day, and from a holiday they end at 24:00 of the 3rd working day.
    BUSINESS_HOURS: hours inside ``hours`` on its open days. The result is the earliest such
    instant, in UTC. Amounts are resolved to the microsecond; zero (or under 1 µs) returns
    ``start`` unchanged, even inside closed time; a negative amount raises ValueError.
    """
    if start.tzinfo is None:
        raise ValueError(f"naive datetime {start!r}: pass a timezone-aware (UTC) datetime")
    amount_us = _amount_us(amount, unit)
    if amount_us == 0:
        return start
    if unit == _CALENDAR_HOURS:
        return (start + timedelta(microseconds=amount_us)).astimezone(UTC)
    opens, length, workdays_only = _window(hours, unit)
    target = _position(cal, _local_us(start), opens, length, workdays_only) + amount_us
    return _utc(_instant(cal, target, opens, length, workdays_only))


def working_time_between(
    cal: WorkCalendar, hours: BusinessHours, a: datetime, b: datetime, unit: Unit
) -> timedelta:
    """Counted time in [a, b) under ``unit`` (zero if b <= a).

    Used to move a deadline by the working time an order was paused, and to show time left.
    Exact inverse of add_duration, and additive: between(a, b) + between(b, c) == between(a, c).
    WORKING_DAYS counts 24 h per working day (timedelta(days=1) per full working day).
    """
    start, end = _local_us(a), _local_us(b)  # also rejects naive datetimes
    if unit == _CALENDAR_HOURS:
        return timedelta(microseconds=max(end - start, 0))
    if end <= start:
        return timedelta(0)
    opens, length, workdays_only = _window(hours, unit)
    counted = _position(cal, end, opens, length, workdays_only) - _position(
        cal, start, opens, length, workdays_only
    )
    return timedelta(microseconds=counted)


_PHRASES = {
    # lang: (remaining, overdue, nothing left, just overdue)
    "zh": ("剩余 {}", "超时 {}", "剩余不足 1 分钟", "已超时"),
    "en": ("{} left", "{} overdue", "less than 1 min left", "overdue"),
}


def _span_parts(span_us: int, unit: Unit, lang: str) -> list[str]:
    """Whole (floored) parts of a span: working days + hours, or hours + minutes."""
    zh = lang == "zh"
    parts: list[str] = []
    if unit == _WORKING_DAYS:
        days, rest = divmod(span_us, DAY_US)
        if days:
            plural = "" if days == 1 else "s"
            parts.append(f"{days} 个工作日" if zh else f"{days} working day{plural}")
        span_us = rest
    hours, rest = divmod(span_us, HOUR_US)
    if hours:
        parts.append(f"{hours} 小时" if zh else f"{hours} h")
    minutes = rest // MINUTE_US
    if minutes and (unit != _WORKING_DAYS or not parts):  # WORKING_DAYS: only under an hour
        parts.append(f"{minutes} 分钟" if zh else f"{minutes} min")
    return parts


def format_remaining(
    cal: WorkCalendar,
    hours: BusinessHours,
    now: datetime,
    due: datetime,
    unit: Unit,
    lang: str = "zh",
) -> str:
    """Time left until ``due`` (or past it), e.g. "剩余 1 个工作日 3 小时" / "2 h overdue".

    Parts are floored (never shows more time than there is). Overdue time is counted the same
    way (it does not grow over a holiday for WORKING_DAYS). Working days and hours are shown for
    WORKING_DAYS, hours and minutes for the other units.
    """
    if lang not in _PHRASES:
        raise ValueError(f"unsupported language {lang!r}; use one of {sorted(_PHRASES)}")
    left, late, nothing_left, just_late = _PHRASES[lang]
    overdue = due <= now
    span = working_time_between(cal, hours, *((due, now) if overdue else (now, due)), unit)
    parts = _span_parts(span // _ONE_US, unit, lang)
    if not parts:
        return just_late if overdue else nothing_left
    return (late if overdue else left).format(" ".join(parts))
