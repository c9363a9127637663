"""Injectable clock: code asks ``clock.now()`` so tests can move time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

_now: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    """Current time, timezone-aware UTC."""
    return _now()


def set_clock(fn: Callable[[], datetime] | None) -> None:
    """Replace the clock (tests); ``None`` restores the wall clock."""
    global _now
    _now = fn or (lambda: datetime.now(UTC))


def local(dt: datetime) -> datetime:
    """Show a UTC instant in China Standard Time."""
    return dt.astimezone(SHANGHAI)


def deadline_day(dt: datetime) -> date:
    """The day a deadline belongs to, in Beijing time: one at midnight ends the day before."""
    shown = local(dt)
    return shown.date() - timedelta(days=1) if shown.time() == time(0) else shown.date()


def deadline_text(dt: datetime) -> str:
    """A deadline as staff read it, ``YYYY-MM-DD HH:MM`` Beijing time. A deadline at local
    midnight is the end of the day before and reads ``24:00`` of that day, as in 截至某日24时:
    an order registered on a holiday, due at the end of 6 January, shows ``2026-01-06 24:00``,
    not ``2026-01-07 00:00``, which staff read as the 7th (console, API, exports alike)."""
    shown = local(dt)
    if shown.time() == time(0):
        return f"{deadline_day(dt):%Y-%m-%d} 24:00"
    return f"{shown:%Y-%m-%d %H:%M}"
