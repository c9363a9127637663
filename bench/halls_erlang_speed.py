"""A 48-interval staffing plan (CC-3) by telcodesk.halls.staffing and by pyworkforce's
ErlangC, in one run: both answers compared, and the time per interval of each (best of 5
repeats, pyworkforce's import excluded). pyworkforce is not a dependency of telcodesk: run
this with an interpreter that has it and the project's source on the path.
    PYTHONPATH=src python bench/halls_erlang_speed.py
"""

from __future__ import annotations

import math
import time

from pyworkforce.queuing import ErlangC  # type: ignore[import-not-found]

from telcodesk.halls import staffing
from telcodesk.rostering import plan

# A day in half-hours: calls per interval with a morning and an afternoon peak.
CALLS = [
    round(80 + 520 * math.exp(-(((h - 20) / 5) ** 2)) + 380 * math.exp(-(((h - 30) / 6) ** 2)))
    for h in range(48)
]
AHT, ANSWER, INTERVAL, SL, OCC, SHRINK = 4.5, 20 / 60, 30, 0.8, 0.85, 0.3


def ours() -> list[int]:
    return [
        staffing.required_positions(c, AHT, ANSWER, INTERVAL, SL, OCC, SHRINK).positions
        for c in CALLS
    ]


def theirs() -> list[int]:
    return [
        ErlangC(
            transactions=c, aht=AHT, asa=ANSWER, interval=INTERVAL, shrinkage=SHRINK
        ).required_positions(service_level=SL, max_occupancy=OCC)["positions"]
        for c in CALLS
    ]


def best(fn) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(5):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


FORECAST = plan.Forecast(
    calls=CALLS,
    interval_minutes=INTERVAL,
    aht_seconds=AHT * 60,
    target_sl=SL,
    answer_seconds=ANSWER * 60,
    max_occupancy=OCC,
    shrinkage=SHRINK,
    patience_seconds=120,
)


def whole_plan() -> list[plan.Interval]:
    """The plan as the service makes it: Erlang C and Erlang A (abandonment) per interval."""
    return plan.plan(FORECAST)


def main() -> None:
    assert ours() == theirs(), "the plans differ"
    assert [i.erlang_c.positions for i in whole_plan()] == ours()
    mine, ref, full = best(ours), best(theirs), best(whole_plan)
    n = len(CALLS)
    print(
        f"48-interval plan ({sum(ours())} agent-intervals, peak {max(ours())}): "
        f"telcodesk {mine / n * 1e6:.0f} µs/interval, pyworkforce {ref / n * 1e6:.0f} "
        f"µs/interval: {ref / mine:.1f}x faster"
    )
    print(
        f"the whole plan with Erlang A (patience 120 s): {full * 1e3:.1f} ms for 48 intervals, "
        f"{full / n * 1e6:.0f} µs/interval; Erlang A needs "
        f"{sum(i.erlang_a.positions for i in whole_plan())} agent-intervals"
    )


if __name__ == "__main__":
    main()
