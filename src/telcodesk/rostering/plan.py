"""A day's staffing plan 排班需求 (CC-3), pure: a forecast of calls per interval (24 hours or
48 half-hours) → per interval the agents needed under Erlang C and under Erlang A (callers
who abandon), with what each staffing gives: service level, average speed of answer,
occupancy, the probability of waiting and, for Erlang A, the share who abandon.

- **Erlang C** answers with ``halls.staffing.required_positions``: the fewest agents whose
  service level reaches the target, raised until occupancy is within the maximum, then
  divided by (1 − shrinkage) for the agents to schedule (the pyworkforce rules, to 4 decimals).
- **Erlang A** with the callers' mean patience: its service level counts all callers
  (abandoned ones too) answered within the answer time. Abandonment lightens the queue, so
  Erlang A never needs more agents than Erlang C: the fewest meeting the target and the
  occupancy are found by bisection below Erlang C's answer.

The roster is built against the ``positions`` of the plan's chosen model (``model``).
An interval without calls needs nobody.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from telcodesk.halls import staffing

MODELS = ("erlang_c", "erlang_a")
# Offered load one plan interval may carry (Erlangs): about 240 agents at once. Erlang A's
# chain grows with the agents, so a bigger centre is planned per skill group.
MAX_LOAD = 200.0


@dataclass(frozen=True)
class Forecast:
    calls: Sequence[float]  # per interval, from 00:00
    interval_minutes: int  # 30 (48 intervals) or 60 (24)
    aht_seconds: float
    target_sl: float  # e.g. 0.8 …
    answer_seconds: float  # … within 20 s
    max_occupancy: float  # e.g. 0.85
    shrinkage: float  # breaks, training, absence: share of paid time off the phones
    patience_seconds: float  # Erlang A: the callers' mean patience
    model: str = "erlang_c"


@dataclass(frozen=True)
class Staffing:
    """What ``agents`` on the phones give in one interval."""

    agents: int  # on the phones
    positions: int  # to schedule, with shrinkage
    service_level: float
    asa_seconds: float
    occupancy: float
    waiting_probability: float
    abandonment: float  # Erlang C: 0 (nobody hangs up)


@dataclass(frozen=True)
class Interval:
    index: int
    start: str  # "08:30"
    calls: float
    load: float  # offered Erlangs
    erlang_c: Staffing
    erlang_a: Staffing

    def chosen(self, model: str) -> Staffing:
        return self.erlang_a if model == "erlang_a" else self.erlang_c


def clock_label(index: int, interval_minutes: int) -> str:
    minutes = index * interval_minutes
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


_NOBODY = Staffing(0, 0, 1.0, 0.0, 0.0, 0.0, 0.0)


def _erlang_a(f: Forecast, calls: float, n: int) -> staffing.ErlangA:
    return staffing.erlang_a(
        n,
        calls,
        f.aht_seconds / 60,
        f.patience_seconds / 60,
        f.interval_minutes,
        f.answer_seconds / 60,
    )


def interval(f: Forecast, index: int, calls: float) -> Interval:
    start = clock_label(index, f.interval_minutes)
    if calls <= 0:
        return Interval(index, start, calls, 0.0, _NOBODY, _NOBODY)
    aht, within = f.aht_seconds / 60, f.answer_seconds / 60
    load = staffing.offered_load(calls, aht, f.interval_minutes)
    c = staffing.required_positions(
        calls, aht, within, f.interval_minutes, f.target_sl, f.max_occupancy, f.shrinkage
    )
    by_c = Staffing(
        agents=c.raw_positions,
        positions=c.positions,
        service_level=c.service_level,
        asa_seconds=c.asa * 60,
        occupancy=c.occupancy,
        waiting_probability=c.waiting_probability,
        abandonment=0.0,
    )

    # The fewest agents meeting the target with abandonment: both the service level and the
    # occupancy improve with every agent added, so bisect between 1 and Erlang C's answer.
    def meets(found: staffing.ErlangA) -> bool:
        return found.service_level >= f.target_sl and found.occupancy <= f.max_occupancy

    low, high = 0, c.raw_positions  # low fails (or is no one), high meets
    a = _erlang_a(f, calls, high)
    while high - low > 1:
        middle = (low + high) // 2
        trial = _erlang_a(f, calls, middle)
        if meets(trial):
            high, a = middle, trial
        else:
            low = middle
    n = high
    by_a = Staffing(
        agents=n,
        positions=math.ceil(n / (1 - f.shrinkage)),
        service_level=a.service_level,
        asa_seconds=a.asa * 60,
        occupancy=a.occupancy,
        waiting_probability=a.waiting_probability,
        abandonment=a.abandonment,
    )
    return Interval(index, start, calls, load, by_c, by_a)


def peak_load(f: Forecast) -> float:
    return max(f.calls, default=0) * f.aht_seconds / 60 / f.interval_minutes


def plan(f: Forecast) -> list[Interval]:
    if peak_load(f) > MAX_LOAD:
        raise ValueError(f"offered load above {MAX_LOAD:.0f} Erlangs in an interval")
    return [interval(f, i, calls) for i, calls in enumerate(f.calls)]


@dataclass(frozen=True)
class Totals:
    calls: float
    agent_hours: float  # scheduled (positions × interval)
    peak_positions: int
    service_level: float  # call-weighted over the day
    abandonment: float  # call-weighted


def totals(f: Forecast, intervals: Sequence[Interval]) -> Totals:
    calls = sum(i.calls for i in intervals)
    chosen = [i.chosen(f.model) for i in intervals]
    weight = calls or 1.0
    return Totals(
        calls=calls,
        agent_hours=sum(s.positions for s in chosen) * f.interval_minutes / 60,
        peak_positions=max((s.positions for s in chosen), default=0),
        service_level=sum(i.calls * s.service_level for i, s in zip(intervals, chosen, strict=True))
        / weight,
        abandonment=sum(i.calls * s.abandonment for i, s in zip(intervals, chosen, strict=True))
        / weight,
    )


def as_data(intervals: Sequence[Interval]) -> list[dict[str, object]]:
    """The intervals as stored (JSON) and answered."""
    return [asdict(i) for i in intervals]


def demand(stored: Sequence[dict[str, object]], model: str) -> list[int]:
    """Agents to schedule per interval from a stored plan, under its model."""
    key = "erlang_a" if model == "erlang_a" else "erlang_c"
    out = []
    for row in stored:
        chosen = row[key]
        assert isinstance(chosen, dict)
        out.append(int(chosen["positions"]))
    return out


def day_profile(
    total_calls: float, interval_minutes: int = 30, opens: str = "08:00", closes: str = "22:00"
) -> list[float]:
    """A typical day's calls per interval for a forecast to start from: a morning peak at
    10:00 and a smaller one at 15:00, nothing outside the opening hours; sums to the total."""
    per_hour = 60 // interval_minutes
    n = 24 * per_hour
    oh, om = map(int, opens.split(":"))
    ch, cm = map(int, closes.split(":"))
    first, last = (oh * 60 + om) // interval_minutes, (ch * 60 + cm) // interval_minutes
    shape = []
    for i in range(n):
        hour = (i + 0.5) / per_hour
        if not first <= i < last:
            shape.append(0.0)
            continue
        shape.append(
            0.25
            + math.exp(-(((hour - 10.0) / 1.6) ** 2))
            + 0.7 * math.exp(-(((hour - 15.0) / 2.0) ** 2))
        )
    scale = total_calls / sum(shape) if sum(shape) else 0.0
    return [round(s * scale, 1) for s in shape]
