"""Order creation throughput: telcodesk's service layer and HTTP API, beside django-helpdesk.

    .venv/bin/python bench/create_orders.py [--engines sqlite,postgresql] [--rounds 5]
        [--per-round 1000] [--workers 3] [--concurrency 8] [--service-procs 3]
        [--variants 3] [--skip-peer] [--sqlite-synchronous FULL]

Per engine (a fresh SQLite file / a scratch PostgreSQL database), every system is started
once and kept up, then measured in *interleaved rounds* so that the machine's load (2
cores shared with other work) falls on all sides alike and one run's ratio is stable:
- service layer: ``register_order`` in its own unit of work (one transaction per order, as a
  request does), timed per call, in one process and in ``--service-procs`` processes at once;
- HTTP: ``telcodesk serve`` (uvicorn) on 127.0.0.1 in each ``--variants`` set-up
  (``W`` = W processes, ``+noturn`` = without the SQLite write turn, ``+normal`` =
  synchronous=NORMAL), loaded from a separate process (bench/loadgen.py) with a bounded
  number of requests, each with its own Idempotency-Key;
- the peer: django-helpdesk 2.6.1's REST API under gunicorn with ``--workers`` processes on
  the same engine and the same SQLite synchronous setting (bench/peer/).
Each round runs every slot once, the order rotated from round to round. The orders and
tickets found in the databases afterwards must equal the 2xx answers. Prints per-round
figures, the medians, the per-round HTTP ÷ peer ratios with their median, and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "bench" / "peer"))

from loadgen import cpu_snapshot, run_load  # noqa: E402

from telcodesk.customers import service as customers  # noqa: E402
from telcodesk.customers.schemas import CustomerIn  # noqa: E402
from telcodesk.db import create_db_engine, make_session_factory, unit_of_work, upgrade  # noqa: E402
from telcodesk.org import service as org  # noqa: E402
from telcodesk.org.roles import Role, UnitKind  # noqa: E402
from telcodesk.sla import service as sla  # noqa: E402
from telcodesk.workorders import service as orders  # noqa: E402
from telcodesk.workorders.models import WorkOrder  # noqa: E402
from telcodesk.workorders.schemas import OrderCreate  # noqa: E402

PG_SERVER = os.environ.get("TELCODESK_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
PASSWORD = "Load@2026pw"  # the policy refuses a password holding the username
PEER = "django-helpdesk 2.6.1 REST"
SERVICE_WARMUP = 50  # registrations per process before timing


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
    """Migrate, load the reference data ``telcodesk init`` loads (categories, SLA policies:
    so each registration starts its two clocks), create an agent and a customer; returns
    the customer id."""
    upgrade(url)
    with unit_of_work(make_session_factory(create_db_engine(url))) as session:
        orders.seed_categories(session)
        sla.seed_policies(session)
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
    url: str, customer_id: int, total: int, prefix: str, start_at: float = 0.0
) -> tuple[float, float, list[float], float]:
    """Register ``total`` orders one unit of work each; returns (start, end, latencies, CPU s).

    ``start_at`` (a time.time()) lines several processes up after their warm-up."""
    engine = create_db_engine(url)
    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        agent = org.get_staff_by_username(session, "bench")
    datas = [
        OrderCreate.model_validate(order_body(customer_id, n))
        for n in range(total + SERVICE_WARMUP)
    ]
    for data in datas[:SERVICE_WARMUP]:  # warm-up: connections, statement caches
        with unit_of_work(factory) as session:
            orders.register_order(session, agent, data)
    time.sleep(max(0.0, start_at - time.time()))
    latencies = []
    start, cpu = time.time(), time.process_time()
    for i, data in enumerate(datas[SERVICE_WARMUP:]):
        t0 = time.perf_counter()
        with unit_of_work(factory) as session:
            orders.register_order(session, agent, data, idempotency_key=f"{prefix}-{i}")
        latencies.append(time.perf_counter() - t0)
    end, cpu = time.time(), time.process_time() - cpu
    engine.dispose()
    return start, end, latencies, cpu


def _summary(
    start: float, end: float, latencies: list[float], cpu_s: float, processes: int
) -> dict[str, Any]:
    return {
        "cpu_ms": round(1000 * cpu_s / max(1, len(latencies)), 2),
        "rate": round(len(latencies) / (end - start), 1),
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "ok": len(latencies),
        "created": len(latencies) + SERVICE_WARMUP * processes,
    }


def bench_service(
    url: str, customer_id: int, total: int, processes: int, prefix: str
) -> dict[str, Any]:
    """The service layer in one process, or in several at once (as API processes use it)."""
    if processes == 1:
        return _summary(*_service_loop(url, customer_id, total, prefix), 1)
    per = total // processes
    start_at = time.time() + 4.0  # after the spawned processes' imports and warm-up
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        runs = pool.starmap(
            _service_loop,
            [(url, customer_id, per, f"{prefix}p{p}", start_at) for p in range(processes)],
        )
    return _summary(
        min(r[0] for r in runs),
        max(r[1] for r in runs),
        [x for r in runs for x in r[2]],
        sum(r[3] for r in runs),
        processes,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def count_orders(url: str) -> int:
    engine = create_db_engine(url)
    with engine.connect() as conn:
        found = int(conn.scalar(select(func.count()).select_from(WorkOrder)) or 0)
    engine.dispose()
    return found


@dataclass
class Variant:
    """One way of serving telcodesk: processes, SQLite write turn, SQLite synchronous."""

    workers: int
    write_turn: bool = True
    synchronous: str = "FULL"

    @classmethod
    def parse(cls, spec: str, synchronous: str) -> Variant:
        workers, *flags = spec.split("+")
        unknown = set(flags) - {"noturn", "normal"}
        if unknown:
            raise SystemExit(f"unknown variant flag(s) {unknown} in {spec!r}")
        return cls(
            int(workers),
            write_turn="noturn" not in flags,
            synchronous="NORMAL" if "normal" in flags else synchronous,
        )

    def name(self, engine: str) -> str:
        label = f"telcodesk HTTP ({self.workers} proc)"
        if engine == "sqlite":
            label += "" if self.write_turn else " no turn"
            label += "" if self.synchronous == "FULL" else " NORMAL"
        return label


@dataclass
class Target:
    """A running HTTP server under load: what loadgen sends it."""

    name: str
    url: str
    headers: dict[str, str]
    body: str
    pid: int = 0  # the server's main process (its CPU is counted)


@contextmanager
def telcodesk_server(url: str, customer_id: int, variant: Variant) -> Iterator[Target]:
    port = free_port()
    env = {
        **os.environ,
        "TELCODESK_DATABASE_URL": url,
        "TELCODESK_SQLITE_SYNCHRONOUS": variant.synchronous,
        "TELCODESK_SQLITE_WRITE_TURN": "1" if variant.write_turn else "0",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "telcodesk.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(variant.workers),
            "--no-with-worker",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
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
            "Idempotency-Key": f"http-{port}-{{run}}-{{n}}",
            "Content-Type": "application/json",
        }
        body = json.dumps(order_body(customer_id, "{n}"), ensure_ascii=False)
        target = Target("", f"{base}/api/v1/orders", headers, body, server.pid)
        warm = run_load(target.url, headers, body, 8, 200, 60, run_id="warmup")
        if warm["ok"] != 200:
            raise RuntimeError(f"telcodesk warm-up failed: {json.dumps(warm)[:2000]}")
        yield target
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def http_round(target: Target, per_round: int, concurrency: int, run_id: str) -> dict[str, Any]:
    before = cpu_snapshot(target.pid)
    result = run_load(
        target.url, target.headers, target.body, concurrency, per_round, 120, run_id=run_id
    )
    used = cpu_snapshot(target.pid)["server"] - before["server"]
    fig = {k: result[k] for k in ("rate", "p50_ms", "p99_ms", "ok", "errors")}
    # CPU of the server's processes per answer: what load moves least (PostgreSQL's own
    # backends are not counted, for either system: other jobs use the same server).
    fig["cpu_ms"] = round(1000 * used / max(1, result["ok"]), 2)
    return fig


def median(values: list[float]) -> float:
    return round(statistics.median(values), 2)


def bench_engine(engine: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """All slots of one engine in interleaved rounds; returns per-round figures and medians."""
    url = fresh_database(engine, workdir)
    customer_id = prepare(url)
    variants = [Variant.parse(v, args.sqlite_synchronous) for v in args.variants.split(",")]
    rounds: dict[str, list[dict[str, Any]]] = {}
    with ExitStack() as stack:
        slots: list[tuple[str, Callable[[int], dict[str, Any]]]] = []
        if not args.skip_service:
            slots.append(
                (
                    "telcodesk service layer (1 proc)",
                    lambda r: bench_service(url, customer_id, args.per_round, 1, f"s1r{r}"),
                )
            )
        if args.service_procs > 1 and not args.skip_service:
            slots.append(
                (
                    f"telcodesk service layer ({args.service_procs} proc)",
                    lambda r: bench_service(
                        url, customer_id, args.per_round, args.service_procs, f"sNr{r}"
                    ),
                )
            )
        http_names = []
        for variant in variants:
            target = stack.enter_context(telcodesk_server(url, customer_id, variant))
            name = variant.name(engine)
            http_names.append(name)
            slots.append(
                (name, lambda r, t=target: http_round(t, args.per_round, args.concurrency, f"r{r}"))
            )
        peer = None
        if not args.skip_peer:
            from django_helpdesk_bench import peer_server

            peer = stack.enter_context(
                peer_server(
                    engine,
                    args.workers,
                    args.concurrency,
                    sqlite_synchronous=args.sqlite_synchronous,
                )
            )
            peer_target = Target(PEER, peer.url, peer.headers, peer.body, peer.pid)
            slots.append(
                (
                    PEER,
                    lambda r: http_round(peer_target, args.per_round, args.concurrency, f"r{r}"),
                )
            )
        orders_before = count_orders(url)
        tickets_before = peer.count() if peer else 0
        for r in range(args.rounds):
            turn = slots[r % len(slots) :] + slots[: r % len(slots)]  # rotate who goes first
            for name, run in turn:
                fig = run(r)
                rounds.setdefault(name, []).append(fig)
                print(
                    f"  {engine:<11}round {r + 1}  {name:<40}{fig['rate']:>9}/s"
                    f"{fig['p50_ms']:>9} ms{fig['p99_ms']:>9} ms{fig['cpu_ms']:>8} cpu ms",
                    flush=True,
                )
        created = count_orders(url) - orders_before
        tickets = peer.count() - tickets_before if peer else 0
    expected = sum(
        f.get("created", f["ok"]) for name, figs in rounds.items() if name != PEER for f in figs
    )
    errors = sum(f.get("errors", 0) for figs in rounds.values() for f in figs)
    row: dict[str, Any] = {
        "engine": engine,
        "rounds": rounds,
        "median": {
            name: {k: median([f[k] for f in figs]) for k in ("rate", "p50_ms", "p99_ms", "cpu_ms")}
            for name, figs in rounds.items()
        },
        "orders_in_db": created,
        "verified": created == expected
        and errors == 0
        and (peer is None or tickets == sum(f["ok"] for f in rounds[PEER])),
    }
    if peer is not None:
        row["ratios"] = {
            name: [
                round(t["rate"] / p["rate"], 2)
                for t, p in zip(rounds[name], rounds[PEER], strict=True)
            ]
            for name in http_names
        }
        row["median_ratio"] = {name: median(v) for name, v in row["ratios"].items()}
        # CPU per answer of the peer ÷ telcodesk's: how much less CPU a registration takes.
        row["cpu_ratio"] = {
            name: [
                round(p["cpu_ms"] / t["cpu_ms"], 2) if t["cpu_ms"] else None
                for t, p in zip(rounds[name], rounds[PEER], strict=True)
            ]
            for name in http_names
        }
    return row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engines", default="sqlite,postgresql")
    ap.add_argument("--rounds", type=int, default=5, help="rounds of every slot")
    ap.add_argument("--per-round", type=int, default=1000, help="orders per slot and round")
    ap.add_argument("--workers", type=int, default=3, help="server processes of the peer")
    ap.add_argument("--variants", default="3", help="telcodesk set-ups: W[+noturn][+normal],…")
    ap.add_argument("--service-procs", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=8, help="requests in flight (both systems)")
    ap.add_argument("--sqlite-synchronous", choices=["FULL", "NORMAL"], default="FULL")
    ap.add_argument("--skip-peer", action="store_true")
    ap.add_argument("--skip-service", action="store_true", help="HTTP only")
    args = ap.parse_args()

    results = []
    for engine in args.engines.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            results.append(bench_engine(engine, args, Path(tmp)))

    print(
        f"\n{'engine':<11}{'median of ' + str(args.rounds) + ' rounds':<40}"
        f"{'per s':>10}{'p50 ms':>10}{'p99 ms':>10}{'cpu ms':>9}"
    )
    for r in results:
        for name, fig in r["median"].items():
            print(
                f"{r['engine']:<11}{name:<40}{fig['rate']:>10}{fig['p50_ms']:>10}"
                f"{fig['p99_ms']:>10}{fig['cpu_ms']:>9}"
            )
        for name, ratios in r.get("ratios", {}).items():
            print(
                f"{r['engine']:<11}{name + ' ÷ peer':<40}{r['median_ratio'][name]:>10}×"
                f"   rounds: {ratios}"
            )
            print(
                f"{r['engine']:<11}{'  peer CPU ÷ telcodesk CPU per answer':<40}"
                f"   rounds: {r['cpu_ratio'][name]}"
            )
        print(f"{r['engine']:<11}verified: {r['verified']} ({r['orders_in_db']} orders in db)")
    print(
        json.dumps(
            {
                "date": time.strftime("%Y-%m-%d"),
                "rounds": args.rounds,
                "per_round": args.per_round,
                "workers": args.workers,
                "concurrency": args.concurrency,
                "sqlite_synchronous": args.sqlite_synchronous,
                "results": results,
            },
            ensure_ascii=False,
        )
    )
    return 0 if all(r["verified"] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
