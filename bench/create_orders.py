"""Order creation throughput: telcodesk's service layer and HTTP API, beside django-helpdesk.

    .venv/bin/python bench/create_orders.py [--engines sqlite,postgresql] [--total 3000]
                                            [--workers 3] [--concurrency 8] [--skip-peer]

Per engine (a fresh SQLite file / a scratch PostgreSQL database):
1. service layer: `register_order` in its own unit of work (one transaction per order, as a
   request does), timed per call in this process;
2. HTTP: `telcodesk serve --workers N` (uvicorn) on 127.0.0.1, loaded from a separate process
   (bench/loadgen.py) with a bounded number of requests, each with its own Idempotency-Key;
   the orders found in the database afterwards must equal the 2xx answers;
3. the peer: django-helpdesk 2.6.1's REST API under gunicorn with the same number of worker
   processes on the same engine (bench/peer/, its own virtualenv).
Prints a table and one JSON line with every figure.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "bench" / "peer"))

from loadgen import run_load  # noqa: E402

from telcodesk.customers import service as customers  # noqa: E402
from telcodesk.customers.schemas import CustomerIn  # noqa: E402
from telcodesk.db import create_db_engine, make_session_factory, unit_of_work, upgrade  # noqa: E402
from telcodesk.org import service as org  # noqa: E402
from telcodesk.org.roles import Role, UnitKind  # noqa: E402
from telcodesk.workorders import service as orders  # noqa: E402
from telcodesk.workorders.models import WorkOrder  # noqa: E402
from telcodesk.workorders.schemas import OrderCreate  # noqa: E402

PG_SERVER = os.environ.get("TELCODESK_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
PASSWORD = "Bench@2026pw"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def fresh_database(engine: str, workdir: Path) -> str:
    if engine == "sqlite":
        return f"sqlite:///{workdir / 'bench.db'}"
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS telcodesk_bench WITH (FORCE)"))
        conn.execute(text("CREATE DATABASE telcodesk_bench"))
    admin.dispose()
    return f"{PG_SERVER}/telcodesk_bench"


def prepare(url: str) -> int:
    """Migrate and create an agent and a customer; returns the customer id."""
    upgrade(url)
    with unit_of_work(make_session_factory(create_db_engine(url))) as session:
        orders.seed_categories(session)
        hq = org.ensure_unit(
            session, code="HQ", name="总部", kind=UnitKind.HQ, region_code="100000"
        )
        gz = org.ensure_unit(
            session, code="GZ", name="广州", kind=UnitKind.CITY, region_code="440100", parent=hq
        )
        org.create_staff(
            session,
            username="bench",
            display_name="压测坐席",
            password=PASSWORD,
            unit=gz,
            role=Role.HOTLINE_AGENT,
        )
        customer = customers.create_customer(
            session, CustomerIn(name="张三", phone="13800138000"), default_city="440100"
        )
        return customer.id


def order_body(customer_id: int, n: int | str) -> dict[str, Any]:
    return {
        "type": "complaint",
        "channel": "hotline",
        "customer_id": customer_id,
        "subject": f"宽带频繁掉线 {n}",
        "description": "客户反映晚上8点后每半小时掉线一次，重启光猫无效。",
        "category_code": "network.broadband.drops",
        "priority": "normal",
    }


def _service_loop(
    url: str, customer_id: int, total: int, prefix: str
) -> tuple[float, float, list[float]]:
    """Register ``total`` orders one unit of work each; returns (start, end, latencies)."""
    factory = make_session_factory(create_db_engine(url))
    with unit_of_work(factory) as session:
        agent = org.get_staff_by_username(session, "bench")
    datas = [OrderCreate.model_validate(order_body(customer_id, n)) for n in range(total + 50)]
    for data in datas[:50]:  # warm-up: connections, statement caches
        with unit_of_work(factory) as session:
            orders.register_order(session, agent, data)
    latencies = []
    start = time.time()
    for i, data in enumerate(datas[50:]):
        t0 = time.perf_counter()
        with unit_of_work(factory) as session:
            orders.register_order(session, agent, data, idempotency_key=f"{prefix}-{i}")
        latencies.append(time.perf_counter() - t0)
    return start, time.time(), latencies


def _summary(start: float, end: float, latencies: list[float]) -> dict[str, Any]:
    return {
        "orders_per_s": round(len(latencies) / (end - start), 1),
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "orders": len(latencies),
    }


def bench_service(url: str, customer_id: int, total: int, processes: int = 1) -> dict[str, Any]:
    """The service layer in one process, or in several at once (as API processes use it)."""
    if processes == 1:
        return _summary(*_service_loop(url, customer_id, total, "svc"))
    per = total // processes
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        runs = pool.starmap(
            _service_loop, [(url, customer_id, per, f"svc{p}") for p in range(processes)]
        )
    return _summary(
        min(r[0] for r in runs), max(r[1] for r in runs), [x for r in runs for x in r[2]]
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def count_orders(url: str) -> int:
    with create_db_engine(url).connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(WorkOrder)) or 0)


def bench_http(
    url: str, customer_id: int, total: int, workers: int, concurrency: int
) -> dict[str, Any]:
    port = free_port()
    env = {**os.environ, "TELCODESK_DATABASE_URL": url}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "telcodesk.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-with-worker",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        req = urllib.request.Request(
            f"{base}/api/v1/auth/token",
            method="POST",
            data=json.dumps({"username": "bench", "password": PASSWORD}).encode(),
            headers={"Content-Type": "application/json"},
        )
        token = json.loads(urllib.request.urlopen(req, timeout=10).read())["access_token"]
        headers = {
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": "http-{run}-{n}",
            "Content-Type": "application/json",
        }
        body = json.dumps(order_body(customer_id, "{n}"), ensure_ascii=False)
        run_load(f"{base}/api/v1/orders", headers, body, concurrency, 200, 60, run_id="warmup")
        before = count_orders(url)
        result = run_load(
            f"{base}/api/v1/orders", headers, body, concurrency, total, 300, run_id="measure"
        )
        created = count_orders(url) - before
        return {
            "orders_per_s": result["rate"],
            "p50_ms": result["p50_ms"],
            "p99_ms": result["p99_ms"],
            "ok": result["ok"],
            "errors": result["errors"],
            "created_in_db": created,
            "verified": created == result["ok"] and result["errors"] == 0,
        }
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engines", default="sqlite,postgresql")
    ap.add_argument("--total", type=int, default=3000, help="orders per measurement")
    ap.add_argument("--workers", type=int, default=3, help="server processes (both systems)")
    ap.add_argument("--concurrency", type=int, default=8, help="requests in flight (both systems)")
    ap.add_argument("--skip-peer", action="store_true")
    args = ap.parse_args()

    results: list[dict[str, Any]] = []
    for engine in args.engines.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            url = fresh_database(engine, Path(tmp))
            customer_id = prepare(url)
            row: dict[str, Any] = {"engine": engine}
            row["service"] = bench_service(url, customer_id, args.total)
            row["service_parallel"] = bench_service(url, customer_id, args.total, args.workers)
            row["http"] = bench_http(url, customer_id, args.total, args.workers, args.concurrency)
            if not args.skip_peer:
                from django_helpdesk_bench import measure_peer

                peer = measure_peer(
                    engine,
                    workers=args.workers,
                    total=min(args.total, 2000),
                    concurrency=args.concurrency,
                )
                row["peer"] = {
                    k: peer[k] for k in ("tickets_per_s", "p50_ms", "p99_ms", "errors", "verified")
                }
                row["http_vs_peer"] = round(row["http"]["orders_per_s"] / peer["tickets_per_s"], 2)
            results.append(row)

    print(f"{'engine':<11}{'path':<28}{'per s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for r in results:
        lines = [
            ("telcodesk service layer", r["service"]["orders_per_s"], r["service"]),
            (
                f"  service, {args.workers} processes",
                r["service_parallel"]["orders_per_s"],
                r["service_parallel"],
            ),
            (f"telcodesk HTTP ({args.workers} procs)", r["http"]["orders_per_s"], r["http"]),
        ]
        if "peer" in r:
            lines.append(
                (f"django-helpdesk ({args.workers} procs)", r["peer"]["tickets_per_s"], r["peer"])
            )
        for name, rate, fig in lines:
            print(f"{r['engine']:<11}{name:<28}{rate:>10}{fig['p50_ms']:>10}{fig['p99_ms']:>10}")
        if "http_vs_peer" in r:
            print(f"{r['engine']:<11}{'HTTP ÷ django-helpdesk':<28}{r['http_vs_peer']:>10}×")
    print(
        json.dumps(
            {
                "date": time.strftime("%Y-%m-%d"),
                "total": args.total,
                "workers": args.workers,
                "concurrency": args.concurrency,
                "median_of": 1,
                "results": results,
            },
            ensure_ascii=False,
        )
    )
    return 0 if all(r["http"]["verified"] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
