"""Where a registration's time goes: the service layer under pyinstrument, per engine.

    .venv/bin/python bench/profile_create.py [--engines sqlite,postgresql] [--orders 2000]
                                             [--html DIR] [--statements]

Per engine, a fresh database prepared as bench/create_orders.py does; 100 warm-up
registrations, then ``--orders`` registrations (one unit of work each, with an
Idempotency-Key) timed, then the same again under pyinstrument. Prints orders/s and the
profile's call tree (the slowest frames); ``--html`` also writes it as HTML.
``--statements`` prints the SQL of one registration.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from pyinstrument import Profiler
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent))

from create_orders import fresh_database, order_body, prepare

from telcodesk.db import create_db_engine, make_session_factory, unit_of_work
from telcodesk.org import service as org
from telcodesk.workorders import service as orders
from telcodesk.workorders.schemas import OrderCreate


def profile_engine(engine: str, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = fresh_database(engine, Path(tmp))
        customer_id = prepare(url)
        db = create_db_engine(url)
        factory = make_session_factory(db)
        with unit_of_work(factory) as session:
            agent = org.get_staff_by_username(session, "bench")
        datas = [
            OrderCreate.model_validate(order_body(customer_id, n))
            for n in range(2 * args.orders + 100)
        ]

        def run(batch: list[OrderCreate], prefix: str) -> float:
            t0 = time.perf_counter()
            for i, data in enumerate(batch):
                with unit_of_work(factory) as session:
                    orders.register_order(session, agent, data, idempotency_key=f"{prefix}{i}")
            return time.perf_counter() - t0

        run(datas[:100], "warm")
        if args.statements:
            seen: list[str] = []

            def record(_c: object, _cur: object, statement: str, *_: object) -> None:
                seen.append(statement)

            event.listen(db, "before_cursor_execute", record)
            run(datas[:1], "stmt")
            event.remove(db, "before_cursor_execute", record)
            print(f"--- {engine}: {len(seen)} statements for one registration")
            for s in seen:
                print("  ", " ".join(s.split())[:160])
        n = args.orders
        plain = run(datas[100 : 100 + n], "plain")
        profiler = Profiler(interval=0.0005)
        profiler.start()
        profiled = run(datas[100 + n :], "prof")
        profiler.stop()
        print(f"=== {engine}: {n / plain:.1f} orders/s ({n / profiled:.1f}/s profiled)")
        print(profiler.output_text(unicode=True, color=False, show_all=False))
        if args.html:
            args.html.mkdir(parents=True, exist_ok=True)
            (args.html / f"create_{engine}.html").write_text(profiler.output_html())
        db.dispose()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engines", default="sqlite,postgresql")
    ap.add_argument("--orders", type=int, default=2000)
    ap.add_argument("--html", type=Path)
    ap.add_argument("--statements", action="store_true")
    args = ap.parse_args()
    for engine in args.engines.split(","):
        profile_engine(engine, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
