"""Hall KPIs (T-3, T-4), pure: the live hall (queries on tickets) and the simulator summarise
the same ``Visit`` records the same way.

Per group (type, tier, counter, hour of issue): waiting and handling time — mean, p50, p90 —
and the share of tickets called within their type's target wait (T-3: 30 min, VIP 5 min);
no-show and left-before-call rates; counter utilisation is busy minutes over open minutes.
Percentiles are nearest-rank (the value at rank ⌈p·n⌉), so they are real observed waits.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Visit:
    type: str
    tier: str
    counter: int | None
    hour: int  # local hour of issue
    wait: float | None  # minutes to the first call (None: never called)
    handle: float  # minutes at counters
    target: float  # the type's target wait
    outcome: str | None


def percentile(values: Sequence[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)]


@dataclass(frozen=True)
class Summary:
    tickets: int
    called: int
    wait_mean: float | None
    wait_p50: float | None
    wait_p90: float | None
    handle_mean: float | None
    handle_p50: float | None
    handle_p90: float | None
    within_target: float | None  # share of called tickets called within target
    no_show_rate: float | None
    left_rate: float | None


def summarise(visits: Iterable[Visit]) -> Summary:
    rows = list(visits)
    waits = [v.wait for v in rows if v.wait is not None]
    handled = [v.handle for v in rows if v.handle > 0]
    within = [v for v in rows if v.wait is not None and v.wait <= v.target]
    n = len(rows)
    return Summary(
        tickets=n,
        called=len(waits),
        wait_mean=sum(waits) / len(waits) if waits else None,
        wait_p50=percentile(waits, 0.5),
        wait_p90=percentile(waits, 0.9),
        handle_mean=sum(handled) / len(handled) if handled else None,
        handle_p50=percentile(handled, 0.5),
        handle_p90=percentile(handled, 0.9),
        within_target=len(within) / len(waits) if waits else None,
        no_show_rate=sum(v.outcome == "no_show" for v in rows) / n if n else None,
        left_rate=sum(v.outcome == "customer_left" for v in rows) / n if n else None,
    )


GROUPINGS: dict[str, Callable[[Visit], object]] = {
    "type": lambda v: v.type,
    "tier": lambda v: v.tier,
    "counter": lambda v: v.counter,
    "hour": lambda v: v.hour,
}


def by(visits: Iterable[Visit], grouping: str) -> dict[object, Summary]:
    groups: dict[object, list[Visit]] = defaultdict(list)
    key = GROUPINGS[grouping]
    for v in visits:
        groups[key(v)].append(v)
    return {k: summarise(g) for k, g in sorted(groups.items(), key=lambda kv: str(kv[0]))}


def utilisation(busy_minutes: float, open_minutes: float) -> float | None:
    return busy_minutes / open_minutes if open_minutes > 0 else None


MIN_OPEN_HOURS = 10.0  # T-4


def opening_hours(open_time: str | None, close_time: str | None) -> float:
    """Hours a day between opening and closing (None: always open, 24 h)."""
    if open_time is None or close_time is None:
        return 24.0
    oh, om = map(int, open_time.split(":"))
    ch, cm = map(int, close_time.split(":"))
    return ((ch * 60 + cm) - (oh * 60 + om)) / 60


def opening_hours_ok(
    open_time: str | None, close_time: str | None, minimum_hours: float = MIN_OPEN_HOURS
) -> bool:
    """T-4: a hall opens at least 10 hours a day, weekends and holidays included (None: 24 h)."""
    return opening_hours(open_time, close_time) >= minimum_hours


HANDLE_LIMIT = 10.0  # T-3: one transaction ≤ 10 min
TRANSACTION_TYPES = ("A", "V", "Y")  # queues whose visits are transactions (T-3's 10 min)


def t3_breaches(
    by_type: dict[object, Summary], targets: dict[str, float], booked: tuple[str, ...] = ("Y",)
) -> list[str]:
    """What breaches T-3 in a day's KPIs by type: a p90 wait past the type's target (30 min,
    VIP 5 min) — not for the ``booked`` appointment queue, whose wait counts from the booked
    time, which these visits do not carry — and a transaction queue's mean visit past 10
    minutes (complaints and consultations are not transactions)."""
    found = []
    for code, s in by_type.items():
        target = targets.get(str(code), 30.0)
        if code not in booked and s.wait_p90 is not None and s.wait_p90 > target:
            found.append(f"{code}: p90 wait {s.wait_p90:.1f} min > {target:.0f}")
        mean = s.handle_mean
        if code in TRANSACTION_TYPES and mean is not None and mean > HANDLE_LIMIT:
            found.append(f"{code}: mean visit {mean:.1f} min > {HANDLE_LIMIT:.0f}")
    return found
