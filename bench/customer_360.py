"""Customer 360 in one call at 1,000,000 customers (issue 10 item 1, CD-1).

    .venv/bin/python bench/customer_360.py [--engines sqlite,postgresql]
        [--customers 1000000] [--orders 1000000] [--repeat 300] [--keep]

Target: p95 ≤ 200 ms for the customer 360 (``counter.profile.profile`` and the API's
``profile_out``, dumped to JSON as FastAPI does), at 1,000,000 customers.

Per engine a fresh database (SQLite file in a temp dir / PostgreSQL ``telcodesk_360_bench``),
migrated; the world of ``bench/scoped_list.py`` (three cities, agents, policies) built through
the services; then bulk-loaded (executemany on SQLite, COPY on PostgreSQL): the customers
(``scoped_list.customer_rows``), one product each (a third under contract, one in ten owing
money), a consent for one in ten, and the orders (``scoped_list.order_rows``, with their
clocks) spread over the customers; ANALYZE. Then ``--repeat`` requests for random customers
of 广州 by its city agent, each in its own unit of work, after 20 warm-up requests. Prints
p50/p95/p99 and one JSON line; exit status 1 if p95 is over the target.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from scoped_list import CHUNK, build_world, customer_rows, order_rows, read_world
from sla_sweep import PG_SERVER, admin_sql, analyze, write
from sqlalchemy import Engine, text

from telcodesk.counter import profile
from telcodesk.customers.api import profile_out
from telcodesk.customers.models import Consent, Customer, CustomerProduct
from telcodesk.db import create_db_engine, make_session_factory, unit_of_work, upgrade
from telcodesk.sla.models import OrderClock
from telcodesk.workorders.models import WorkOrder

PG_DATABASE = "telcodesk_360_bench"
TARGET_P95_MS = 200.0


def fresh(engine: str, workdir: Path) -> str:
    if engine == "sqlite":
        return f"sqlite:///{workdir / '360.db'}"
    admin_sql(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
    admin_sql(f"CREATE DATABASE {PG_DATABASE}")
    return f"{PG_SERVER}/{PG_DATABASE}"


def side_rows(rows: list[dict[str, Any]], now: datetime) -> tuple[list[dict[str, Any]], ...]:
    products, consents = [], []
    for r in rows:
        k = r["id"]
        products.append(
            {
                "id": k,
                "customer_id": k,
                "number": r["phone"],
                "plan": "5G 畅享 129",
                "status": "active",
                "contract_end": date(2027, 6, 30) if k % 3 == 0 else None,
                "arrears_fen": 5800 if k % 10 == 0 else 0,
                "services": "ringback" if k % 7 == 0 else "",
                "created_at": r["created_at"],
            }
        )
        if k % 10 == 0:
            consents.append(
                {
                    "id": k // 10,
                    "customer_id": k,
                    "purpose": "marketing",
                    "third_party": "",
                    "granted": True,
                    "valid_until": None,
                    "channel": "hall",
                    "evidence": f"授权书 {k}",
                    "at": now - timedelta(days=30),
                    "staff_id": None,
                }
            )
    return products, consents


def load(engine: Engine, factory: Any, n_customers: int, n_orders: int, now: datetime) -> float:
    start = time.perf_counter()
    w = read_world(factory)
    customers: list[tuple[int, str, str]] = []
    for first in range(0, n_customers, CHUNK):
        rows = customer_rows(range(first, min(n_customers, first + CHUNK)), now)
        customers += [(r["id"], r["city_code"], r["tier"]) for r in rows]
        products, consents = side_rows(rows, now)
        with engine.begin() as conn:
            write(conn, Customer.__table__, rows)
            write(conn, CustomerProduct.__table__, products)
            if consents:
                write(conn, Consent.__table__, consents)
    print(f"  {n_customers:>9,} customers  {time.perf_counter() - start:6.1f} s", flush=True)
    for first in range(0, n_orders, CHUNK):
        orders, clocks = order_rows(
            w, range(first, min(n_orders, first + CHUNK)), n_orders, customers, now
        )
        with engine.begin() as conn:
            write(conn, WorkOrder.__table__, orders)
            write(conn, OrderClock.__table__, clocks)
    print(f"  {n_orders:>9,} orders  {time.perf_counter() - start:6.1f} s", flush=True)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for table in (
                "customer",
                "customer_product",
                "customer_consent",
                "work_order",
                "order_clock",
            ):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id))"
                        f" FROM {table}"
                    )
                )
    analyze(engine)
    return time.perf_counter() - start


def measure(factory: Any, viewer: Any, ids: list[int], repeat: int) -> list[float]:
    samples = []
    for n, customer_id in enumerate(ids[: repeat + 20]):
        t0 = time.perf_counter()
        with unit_of_work(factory) as session:
            body = profile_out(profile.profile(session, customer_id, viewer=viewer))
            json.dumps(body.model_dump(mode="json"), ensure_ascii=False)
        if n >= 20:
            samples.append((time.perf_counter() - t0) * 1000)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    now = datetime.now(UTC)
    results, failed = [], False
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.engines.split(","):
            url = fresh(name, Path(tmp))
            upgrade(url)
            engine = create_db_engine(url)
            factory = make_session_factory(engine)
            build_world(factory)
            print(f"{name}: loading", flush=True)
            seconds = load(engine, factory, args.customers, args.orders, now)
            w = read_world(factory)
            with engine.connect() as conn:
                gz = [
                    int(i)
                    for (i,) in conn.execute(
                        text("SELECT id FROM customer WHERE city_code = '440100' ORDER BY id")
                    )
                ]
            rng = random.Random(360)
            ids = rng.sample(gz, min(len(gz), args.repeat + 20))
            samples = sorted(measure(factory, w.viewer, ids, args.repeat))
            q = statistics.quantiles(samples, n=100)
            row = {
                "engine": name,
                "customers": args.customers,
                "orders": args.orders,
                "load_s": round(seconds, 1),
                "p50_ms": round(q[49], 1),
                "p95_ms": round(q[94], 1),
                "p99_ms": round(q[98], 1),
                "target_p95_ms": TARGET_P95_MS,
            }
            failed |= row["p95_ms"] > TARGET_P95_MS
            print(
                f"  p50 {row['p50_ms']} ms  p95 {row['p95_ms']} ms  p99 {row['p99_ms']} ms",
                flush=True,
            )
            results.append(row)
            engine.dispose()
            if name == "postgresql" and not args.keep:
                admin_sql(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
    print(json.dumps(results, ensure_ascii=False))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
