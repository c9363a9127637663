"""Writes tests/data/halls_erlang_reference.json: pyworkforce's Erlang C answers for a grid of
intervals, the reference telcodesk.halls.staffing must match to 4 decimals (CC-3).

Run once with pyworkforce installed beside (not in) the project: it is not a dependency of
telcodesk, only the source of the stored values.
    python bench/halls_erlang_reference.py
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from pyworkforce.queuing import ErlangC  # type: ignore[import-not-found]

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "halls_erlang_reference.json"


def main() -> None:
    cases = []
    grid = itertools.product(
        (20, 100, 350, 1200),  # transactions per interval
        (3, 4.5, 8),  # aht, minutes
        (20 / 60, 1.0),  # answer within, minutes
        (30, 60),  # interval, minutes
        (0.8, 0.9),  # target service level
        (0.85, 1.0),  # max occupancy
        (0.0, 0.3),  # shrinkage
    )
    for transactions, aht, asa, interval, sl, occ, shrink in grid:
        erlang = ErlangC(
            transactions=transactions, aht=aht, asa=asa, interval=interval, shrinkage=shrink
        )
        answer = erlang.required_positions(service_level=sl, max_occupancy=occ)
        n = answer["raw_positions"]
        cases.append(
            {
                "input": {
                    "transactions": transactions, "aht": aht, "answer_within": asa,
                    "interval": interval, "target_sl": sl, "max_occupancy": occ,
                    "shrinkage": shrink,
                },
                "required": answer,
                "service_level_at": {str(k): erlang.service_level(k) for k in (n, n + 2)},
                "waiting_probability_at": {
                    str(k): erlang.waiting_probability(k) for k in (n, n + 2)
                },
            }
        )  # fmt: skip
    OUT.write_text(json.dumps(cases, indent=1) + "\n", encoding="utf-8")
    print(f"{len(cases)} cases -> {OUT}")


if __name__ == "__main__":
    main()
