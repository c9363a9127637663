"""The wait estimate scored against the hall simulator (issue 11 item 5; BH-1, T-3).

Runs seeded days of the demo hall (halls/sim_days.py: the standard weekday and a heavy one
with the peak counter missing) through the simulator, which runs the real policy and the
real estimate, and prints per kind of day the pooled mean absolute error and p90 of
|estimate at issue − actual wait|, how many days meet the aim on their own (MAE ≤ 3 min,
p90 ≤ 6 min), and the day's KPIs.
    python bench/halls_simulate.py [--days 20]
"""

from __future__ import annotations

import argparse
import time

from telcodesk.halls import kpis, sim_days, simulator


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=20)
    args = parser.parse_args()
    for name, make in (("standard", sim_days.standard_day), ("heavy", sim_days.heavy_day)):
        started = time.perf_counter()
        errors: list[float] = []
        met = 0
        waits, within, left = [], [], []
        for seed in range(args.days):
            result = simulator.simulate(make(), seed)
            errors += result.errors()
            met += result.mae() <= 3 and result.p90() <= 6
            s = result.summary
            waits.append(s.wait_mean or 0)
            within.append(s.within_target or 0)
            left.append(s.left_rate or 0)
        mae = sum(errors) / len(errors)
        p90 = kpis.percentile(errors, 0.9) or 0
        took = time.perf_counter() - started
        print(
            f"{name}: {args.days} days, {len(errors)} tickets scored: MAE {mae:.2f} min, "
            f"p90 {p90:.2f} min; days meeting MAE<=3 and p90<=6: {met}/{args.days}; "
            f"mean wait {sum(waits) / len(waits):.1f} min, within target "
            f"{sum(within) / len(within):.1%}, left before call {sum(left) / len(left):.1%} "
            f"({took:.1f} s)"
        )


if __name__ == "__main__":
    main()
