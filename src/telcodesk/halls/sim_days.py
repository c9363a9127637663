"""Simulated days the bench and the tests run (simulator.Day): the demo hall's counters with
the seeded work profiles, a weekday's arrivals by half-hour (a morning and an afternoon
peak) and its customer mix — standard load, and a heavy one with one counter fewer."""

from __future__ import annotations

from telcodesk.halls import rules
from telcodesk.halls.setup import DEFAULT_PROFILES, DEFAULT_TYPES
from telcodesk.halls.simulator import CounterPlan, CustomerClass, Day

PROFILES = {code: rules.policy_from_data(data) for code, (_, data) in DEFAULT_PROFILES.items()}
TARGETS = {t.code: float(t.target) for t in DEFAULT_TYPES}
CLASSES = (
    CustomerClass("A", 0.45, 8),
    CustomerClass("B", 0.20, 3),
    CustomerClass("C", 0.15, 5),
    CustomerClass("D", 0.05, 12),
    CustomerClass("V", 0.10, 8, "gold"),
    CustomerClass("L", 0.05, 10),
)
# Arrivals per hour for each half-hour from 09:00 to 17:00.
WEEKDAY = (30, 40, 55, 60, 50, 40, 35, 30, 35, 45, 55, 50, 40, 30, 25, 20)
COUNTERS = (
    CounterPlan(1, PROFILES["vip"]),
    CounterPlan(2, PROFILES["general"]),
    CounterPlan(3, PROFILES["general"]),
    CounterPlan(4, PROFILES["general"]),
    CounterPlan(5, PROFILES["express"]),
    CounterPlan(6, PROFILES["general"], opens=60, closes=360),  # the peak counter
)
APPOINTMENTS = (30.0, 90.0, 150.0, 210.0, 300.0, 390.0)


def standard_day() -> Day:
    return Day(WEEKDAY, CLASSES, COUNTERS, TARGETS, "Y", APPOINTMENTS)


def heavy_day() -> Day:
    return Day(WEEKDAY, CLASSES, COUNTERS[:5], TARGETS, "Y", APPOINTMENTS)


def short_morning() -> Day:
    """Two hours, for the test suite."""
    return Day(WEEKDAY[:4], CLASSES, COUNTERS, TARGETS, "Y", (30.0, 90.0))


def counter_plan(spec: str) -> tuple[CounterPlan, ...]:
    """Counters from ``1:vip,2:general,6:general@60-360``: number, work profile, and minutes
    after opening it opens and closes (all day by default)."""
    plans = []
    for item in spec.split(","):
        number, _, rest = item.strip().partition(":")
        profile, _, hours = rest.partition("@")
        if not number.isdigit() or profile not in PROFILES:
            raise ValueError(f"counter {item!r}: number:profile, profiles {sorted(PROFILES)}")
        opens, closes = 0.0, float("inf")
        if hours:
            first, _, last = hours.partition("-")
            opens, closes = float(first), float(last) if last else float("inf")
        plans.append(CounterPlan(int(number), PROFILES[profile], opens, closes))
    return tuple(plans)


def planned_day(counters: tuple[CounterPlan, ...], load: float = 1.0) -> Day:
    """The weekday's arrivals times ``load`` against a counter plan."""
    return Day(tuple(r * load for r in WEEKDAY), CLASSES, counters, TARGETS, "Y", APPOINTMENTS)
