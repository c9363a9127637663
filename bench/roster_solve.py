"""Roster solve time and quality (CC-3): a call centre's week against a 48-interval plan
(rostering.plan from a day's total, Erlang C), people × 4 shifts under the default rules,
CP-SAT with 2 workers in a time limit; prints per size the status, the time, the agent-
intervals short of and over the plan, and which rules bind (one solve per rule more).
    python bench/roster_solve.py [--limit 10]
"""

from __future__ import annotations

import argparse
import time

from telcodesk.rostering import plan, solver

SHIFTS = [
    solver.Shift("M", "07:00", 8),
    solver.Shift("D", "10:00", 8),
    solver.Shift("E", "15:00", 8),
    solver.Shift("N", "23:00", 8, night=True),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=float, default=10.0)
    args = parser.parse_args()
    for calls, people in ((1500, 20), (4000, 50), (8000, 100)):
        f = plan.Forecast(
            calls=plan.day_profile(calls, 30, "00:00", "24:00"),
            interval_minutes=30,
            aht_seconds=270,
            target_sl=0.8,
            answer_seconds=20,
            max_occupancy=0.85,
            shrinkage=0.3,
            patience_seconds=120,
        )
        need = [i.erlang_c.positions for i in plan.plan(f)]
        problem = solver.Problem(
            people=list(range(1, people + 1)),
            days=7,
            interval_minutes=30,
            demand=[need] * 7,
            shifts=SHIFTS,
            requests=[solver.Request(p, p % 7, "off") for p in range(1, people + 1, 5)],
        )
        started = time.perf_counter()
        s = solver.solve(problem, seconds=args.limit)
        took = time.perf_counter() - started
        print(
            f"{calls} calls/day, peak {max(need)} scheduled, {people} people, 7 days: "
            f"{s.status} in {s.seconds:.1f} s (with the binding checks {took:.1f} s); short "
            f"{sum(map(sum, s.under))} of {sum(need) * 7} agent-intervals, over "
            f"{sum(map(sum, s.over))}; binding {s.binding or 'none'}; at limit {s.at_limit}"
        )


if __name__ == "__main__":
    main()
