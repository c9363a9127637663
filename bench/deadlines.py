"""Deadline computations per second: telcodesk.calendar.add_duration against a naive stepper.

The naive implementation is what one would write first: walk day by day in Beijing time and
ask ``chinese_calendar.is_workday`` about every day (falling back to Mon–Fri for years the
package does not know, as WorkCalendar does). Both are checked to agree on a sample, then timed
in the same run on random starts over 2025–2026 (Beijing time):

  WORKING_DAYS    1–5 working days (T-2 complaints: 3 working days)
  BUSINESS_HOURS  1–48 h in a back office open 09:00–17:30 on PRC working days only

Prints a table and a final JSON line. Run: ``.venv/bin/python bench/deadlines.py [-n 200000]``.
Targets: >= 200,000 add_duration calls/s per unit, single thread, and >= 20x the naive stepper.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import time as clock
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone

import chinese_calendar

from telcodesk.calendar import BusinessHours, Unit, WorkCalendar, add_duration

CST = timezone(timedelta(hours=8))
ONE_DAY = timedelta(days=1)
BACK_OFFICE = BusinessHours(open=time(9), close=time(17, 30), workdays_only=True)


# --- the naive reference ----------------------------------------------------------------------


def package_is_workday(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year without a State Council notice yet: Mon–Fri
        return day.weekday() < 5


def naive_add(start: datetime, left: timedelta, opens: time, closes: time | None) -> datetime:
    """Step through the days from ``start``, consuming each working day's window [opens, closes)."""
    t = start.astimezone(CST)
    day = t.date()
    while True:
        if package_is_workday(day):
            window_open = datetime.combine(day, opens, CST)
            if closes is None:
                window_close = datetime.combine(day + ONE_DAY, time(0), CST)
            else:
                window_close = datetime.combine(day, closes, CST)
            begin = max(t, window_open)
            if begin < window_close:
                if left <= window_close - begin:
                    return (begin + left).astimezone(UTC)
                left -= window_close - begin
        day += ONE_DAY


def naive_working_days(start: datetime, days: int) -> datetime:
    return naive_add(start, timedelta(days=days), time(0), None)


def naive_back_office_hours(start: datetime, hours: int) -> datetime:
    return naive_add(start, timedelta(hours=hours), time(9), time(17, 30))


# --- workload and timing ----------------------------------------------------------------------


def random_starts(rng: random.Random, n: int) -> list[datetime]:
    first = datetime(2025, 1, 1, tzinfo=CST).astimezone(UTC)
    seconds = int(
        (datetime(2027, 1, 1, tzinfo=CST) - datetime(2025, 1, 1, tzinfo=CST)).total_seconds()
    )
    return [first + timedelta(seconds=rng.randrange(seconds)) for _ in range(n)]


def rate(
    fn: Callable[[datetime, int], datetime], cases: list[tuple[datetime, int]], repeat: int
) -> float:
    """Best calls per second over ``repeat`` passes through ``cases``."""
    best = float("inf")
    for _ in range(repeat):
        began = clock.perf_counter()
        for start, amount in cases:
            fn(start, amount)
        best = min(best, clock.perf_counter() - began)
    return len(cases) / best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200_000, help="add_duration calls per unit")
    parser.add_argument("--naive-n", type=int, default=20_000, help="naive calls per unit")
    parser.add_argument("--check", type=int, default=5_000, help="cases compared before timing")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes (best is kept)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    began = clock.perf_counter()
    cal = WorkCalendar.build()
    build_ms = (clock.perf_counter() - began) * 1000
    rng = random.Random(args.seed)
    starts = random_starts(rng, args.n)

    units: list[tuple[str, Unit, int, int, Callable[[datetime, int], datetime]]] = [
        ("WORKING_DAYS", Unit.WORKING_DAYS, 1, 5, naive_working_days),
        ("BUSINESS_HOURS", Unit.BUSINESS_HOURS, 1, 48, naive_back_office_hours),
    ]
    rows = []
    for name, unit, low, high, naive in units:
        cases = [(s, rng.randint(low, high)) for s in starts]

        def fast(start: datetime, amount: int, unit: Unit = unit) -> datetime:
            return add_duration(cal, BACK_OFFICE, start, amount, unit)

        mismatches = [c for c in cases[: args.check] if fast(*c) != naive(*c)]
        if mismatches:
            print(f"{name}: {len(mismatches)} disagreements, e.g. {mismatches[0]}", file=sys.stderr)
            return 1
        fast_rate = rate(fast, cases, args.repeat)
        naive_rate = rate(naive, cases[: args.naive_n], 1)
        rows.append(
            {
                "unit": name,
                "calls": len(cases),
                "checked": min(args.check, len(cases)),
                "fast_per_s": round(fast_rate),
                "naive_calls": min(args.naive_n, len(cases)),
                "naive_per_s": round(naive_rate),
                "speedup": round(fast_rate / naive_rate, 1),
            }
        )

    print(f"calendar build {build_ms:.0f} ms ({cal!r}), Python {platform.python_version()}")
    print(f"{'unit':<16}{'calls':>9}{'add_duration/s':>16}{'naive/s':>10}{'speedup':>9}")
    for r in rows:
        print(
            f"{r['unit']:<16}{r['calls']:>9,}{r['fast_per_s']:>16,}{r['naive_per_s']:>10,}"
            f"{r['speedup']:>8}x"
        )
    ok = all(r["fast_per_s"] >= 200_000 and r["speedup"] >= 20 for r in rows)
    print(
        json.dumps(
            {"bench": "deadlines", "build_ms": round(build_ms, 1), "results": rows, "ok": ok}
        )
    )
    return 0  # "ok" reports the targets; only a disagreement fails the run


if __name__ == "__main__":
    sys.exit(main())
