"""SLA sweep cost: one worker sweep over many open orders of which few are due (T-2, WO-3).

    .venv/bin/python bench/sla_sweep.py [--engines sqlite,postgresql] [--orders 1000000]
                                        [--due 1000] [--repeat 3] [--keep] [--profile]

Target: "one sweep over 1,000,000 open orders of which 1,000 are due: under 0.5 s on PostgreSQL
and on SQLite" — a sweep's cost must follow the due orders, not the open ones.

Per engine, a fresh database (a SQLite file in a temp dir / the PostgreSQL database
``telcodesk_sweep_bench``, dropped at the end unless --keep), migrated with ``upgrade``:
1. a small world built through the services (HQ → province 440000 → city 440100, supervisors at
   the province and at HQ, an agent, a handler, the ``system`` account, a customer, categories,
   policies);
2. N appeals 申诉 in progress, bulk-loaded with their two clocks (Core executemany on SQLite,
   COPY on PostgreSQL), then ANALYZE. The response clock stopped when handling started (as the
   START action does); the resolution clock (720 calendar hours) runs. ``--due`` of them are
   old enough to have passed 75 %, so the sweep fires one warning each; the others' next check
   is days ahead;
3. ``Worker.run_job("sla_sweep")`` timed as the worker runs it (batches of SLA_BATCH, each its
   own transaction), then an empty sweep right after; the events, notifications and clocks are
   checked. With --repeat, the due clocks are put back and swept again (median reported).
Prints the EXPLAIN of the due-clock query, a table and one JSON line.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Engine,
    Table,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session, sessionmaker

from telcodesk import clock
from telcodesk.calendar.rules import BusinessHours, Unit, WorkCalendar
from telcodesk.config import Settings
from telcodesk.customers import service as customers
from telcodesk.customers.schemas import CustomerIn
from telcodesk.db import create_db_engine, make_session_factory, unit_of_work, upgrade
from telcodesk.notify.models import Notification
from telcodesk.org import service as org
from telcodesk.org.roles import Role, UnitKind
from telcodesk.sla import rules
from telcodesk.sla import service as sla
from telcodesk.sla.models import OrderClock, SlaEvent
from telcodesk.worker import SYSTEM_USERNAME, Worker
from telcodesk.workorders import service as orders
from telcodesk.workorders.models import OrderEvent, WorkOrder

PG_SERVER = os.environ.get("TELCODESK_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
PG_DATABASE = "telcodesk_sweep_bench"
PASSWORD = "Bench@2026pw"
CHUNK = 10_000
# Open orders that are not due were created over this span: their first warning (75 % of
# 720 h = 22.5 days) is then at least 2.5 days ahead.
SPREAD = timedelta(days=20)
ORDER_FACTS = {"type": "appeal", "channel": "hotline", "priority": "normal"}
CATEGORY = "billing.charges"


@dataclass
class World:
    """Ids and rules the bulk rows need, read once from the world built by the services."""

    agent_id: int
    handler_id: int
    customer_id: int
    category_id: int
    unit_id: int  # the city: whose hours and calendar the clocks count in
    policy: Any  # SlaPolicy (detached)
    calendar: WorkCalendar
    hours: BusinessHours


# --- database and world ------------------------------------------------------------------


def admin_sql(statement: str) -> None:
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(statement))
    admin.dispose()


def fresh_database(engine: str, workdir: Path) -> str:
    if engine == "sqlite":
        return f"sqlite:///{workdir / 'sweep.db'}"
    admin_sql(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
    admin_sql(f"CREATE DATABASE {PG_DATABASE}")
    return f"{PG_SERVER}/{PG_DATABASE}"


def build_world(factory: sessionmaker[Session]) -> World:
    with unit_of_work(factory) as session:
        orders.seed_categories(session)
        sla.seed_policies(session)
        hq = org.ensure_unit(
            session, code="HQ", name="总部", kind=UnitKind.HQ, region_code="100000"
        )
        gd = org.ensure_unit(
            session,
            code="GD",
            name="广东省",
            kind=UnitKind.PROVINCE,
            region_code="440000",
            parent=hq,
        )
        gz = org.ensure_unit(
            session, code="GZ", name="广州", kind=UnitKind.CITY, region_code="440100", parent=gd
        )
        staff = {}
        for username, name, unit, role in (
            ("hq.supervisor", "总部主管", hq, Role.SUPERVISOR),
            ("gd.supervisor", "陈主管", gd, Role.SUPERVISOR),
            ("gz.agent", "李小红", gz, Role.HOTLINE_AGENT),
            ("gz.handler", "王建国", gz, Role.COMPLAINT_HANDLER),
            (SYSTEM_USERNAME, "系统", hq, Role.HQ_ADMIN),
        ):
            staff[username] = org.create_staff(
                session,
                username=username,
                display_name=name,
                password=PASSWORD,
                unit=unit,
                role=role,
            )
        customer = customers.create_customer(
            session, CustomerIn(name="张三", phone="13800138000"), default_city="440100"
        )
        # The policy registration would choose for these orders.
        facts = rules.OrderFacts(
            **ORDER_FACTS,
            category_code=CATEGORY,
            tier=customer.tier,
            province_code="440000",
            city_code="440100",
        )
        policy = rules.choose_policy(sla.active_policies(session), facts)
        assert policy is not None and policy.resolution_unit == Unit.CALENDAR_HOURS
        return World(
            agent_id=staff["gz.agent"].id,
            handler_id=staff["gz.handler"].id,
            customer_id=customer.id,
            category_id=orders.get_category(session, CATEGORY).id,
            unit_id=gz.id,
            policy=policy,
            calendar=sla.calendar_for(session, gz.region_code),
            hours=sla.hours_of(gz),
        )


# --- bulk rows ---------------------------------------------------------------------------


def created_at(k: int, n: int, due: int, now: datetime, first_warning_s: float) -> datetime:
    """Ids follow creation time; the first ``due`` orders are the oldest, just past 75 %."""
    if k < due:
        return now - timedelta(seconds=first_warning_s + 3600 + (due - k))
    return now - SPREAD + (SPREAD - timedelta(hours=1)) * ((k - due) / max(1, n - due))


def rows_for(
    w: World, ks: range, n: int, due: int, now: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    p = w.policy
    res_unit, resp_unit = Unit(p.resolution_unit), Unit(p.response_unit)
    res_s = rules.seconds_of(p.resolution_amount, res_unit)
    resp_s = rules.seconds_of(p.response_amount, resp_unit)
    first_share = rules.stages(p.warn_shares)[0].share

    def at(unit: Unit, start: datetime, allowed_s: float, share: float) -> datetime:
        return rules.threshold_at(w.calendar, w.hours, unit, start, allowed_s, 0.0, share)

    work_orders, clocks = [], []
    for k in ks:
        order_id, created = k + 1, created_at(k, n, due, now, first_share * res_s)
        started = created + timedelta(minutes=30)  # reviewed, assigned, handling started
        work_orders.append(
            {
                "id": order_id,
                **ORDER_FACTS,
                "customer_id": w.customer_id,
                "subject": f"话费异议申诉 #{order_id}",
                "description": "客户对上月话费中的增值业务扣费有异议，要求核查并退费。",
                "category_id": w.category_id,
                "province_code": "440000",
                "city_code": "440100",
                "first_contact_owner_id": w.agent_id,
                "handler_id": w.handler_id,
                "status": "in_progress",
                "is_valid": True,
                "invalid_reason": None,
                "escalation_level": 0,
                "reopen_count": 0,
                "satisfied": None,
                "created_at": created,
                "updated_at": started,
                "replied_at": None,
                "closed_at": None,
                "version": 1,
            }
        )
        common = {
            "order_id": order_id,
            "policy_id": p.id,
            "unit_id": w.unit_id,
            "start_at": created,
            "paused_s": 0.0,
            "paused_at": None,
            "warn_shares": list(p.warn_shares),
            "stage": 0,
            "version": 1,
        }
        response_due = at(resp_unit, created, resp_s, 1.0)
        # START stopped the response clock, in time; it is no longer checked.
        clocks.append(
            common
            | {
                "id": 2 * k + 1,
                "kind": sla.RESPONSE,
                "time_unit": resp_unit.value,
                "allowed_s": resp_s,
                "due_at": response_due,
                "stopped_at": started,
                "met": started <= response_due,
                "next_check_at": None,
            }
        )
        clocks.append(
            common
            | {
                "id": 2 * k + 2,
                "kind": sla.RESOLUTION,
                "time_unit": res_unit.value,
                "allowed_s": res_s,
                "due_at": at(res_unit, created, res_s, 1.0),
                "stopped_at": None,
                "met": None,
                "next_check_at": at(res_unit, created, res_s, first_share),
            }
        )
    return work_orders, clocks


def write(conn: Any, table: Table, rows: list[dict[str, Any]]) -> None:
    if conn.dialect.name != "postgresql":
        conn.execute(insert(table), rows)
        return
    # COPY is several times faster than INSERT; it skips SQLAlchemy's type processing, so
    # JSON goes as text (datetimes are already timezone-aware UTC).
    cols = list(rows[0])
    raw = conn.connection.driver_connection
    with (
        raw.cursor() as cur,
        cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row([json.dumps(v) if isinstance(v, list) else v for v in row.values()])


def load(engine: Engine, w: World, n: int, due: int, now: datetime) -> float:
    start = time.perf_counter()
    for first in range(0, n, CHUNK):
        work_orders, clocks = rows_for(w, range(first, min(n, first + CHUNK)), n, due, now)
        with engine.begin() as conn:  # one commit per chunk keeps SQLite's WAL small
            write(conn, WorkOrder.__table__, work_orders)
            write(conn, OrderClock.__table__, clocks)
        if (first // CHUNK) % 20 == 19:
            print(f"  {first + CHUNK:>9,} orders  {time.perf_counter() - start:6.1f} s", flush=True)
    if engine.dialect.name == "postgresql":
        # Explicit ids bypassed the sequences: move them past the loaded rows.
        with engine.begin() as conn:
            for table in ("work_order", "order_clock"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) "
                        f"FROM {table}"
                    )
                )
    return time.perf_counter() - start


def analyze(engine: Engine) -> float:
    start = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    return time.perf_counter() - start


def due_clocks(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.scalar(
                select(func.count())
                .select_from(OrderClock)
                .where(OrderClock.next_check_at <= clock.now())
            )
            or 0
        )


# --- the sweep ---------------------------------------------------------------------------


class StatementCount:
    """Statements (round trips on PostgreSQL) sent during a sweep, by their first word."""

    def __init__(self) -> None:
        self.kinds: dict[str, int] = {}

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        word = statement.split(None, 1)[0].upper()
        self.kinds[word] = self.kinds.get(word, 0) + 1


def timed_sweep(worker: Worker, profile: bool, engine: Engine) -> tuple[int, float, dict[str, int]]:
    profiler = cProfile.Profile() if profile else None
    statements = StatementCount()
    event.listen(engine, "before_cursor_execute", statements)
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    swept = worker.run_job("sla_sweep")
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - start
    event.remove(engine, "before_cursor_execute", statements)
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    return swept, elapsed, statements.kinds


def check(engine: Engine, w: World, due: int) -> dict[str, Any]:
    """What a correct sweep leaves: one warning per due order, to its handler, nothing twice."""
    count = select(func.count())
    with engine.connect() as conn:
        events = conn.scalar(count.select_from(SlaEvent))
        clocks_fired = conn.scalar(select(func.count(func.distinct(SlaEvent.clock_id))))
        orders_fired = set(conn.scalars(select(SlaEvent.order_id)))
        at_stage_1 = conn.scalar(count.select_from(OrderClock).where(OrderClock.stage == 1))
        notifications = conn.scalar(
            count.select_from(Notification).where(
                Notification.kind == "sla_warning", Notification.staff_id == w.handler_id
            )
        )
        history = conn.scalar(
            count.select_from(OrderEvent).where(OrderEvent.action == "sla_warning")
        )
    result = {
        "events": events,
        "notifications": notifications,
        "order_events": history,
        "still_due": due_clocks(engine),
    }
    # One event per clock (none fired twice), each of the due orders, each clock one stage on.
    result["verified"] = (
        events == clocks_fired == at_stage_1 == notifications == history == due
        and orders_fired == set(range(1, due + 1))
        and result["still_due"] == 0
    )
    return result


def reset(engine: Engine, w: World, n: int, due: int, now: datetime) -> None:
    """Put the due clocks back as loaded and forget what the sweep wrote (for --repeat)."""
    _, clocks = rows_for(w, range(due), n, due, now)
    back = [{"cid": c["id"], "nc": c["next_check_at"]} for c in clocks if c["next_check_at"]]
    table = OrderClock.__table__
    with engine.begin() as conn:
        conn.execute(
            update(table)
            .where(table.c.id == bindparam("cid"))
            .values(stage=0, version=1, next_check_at=bindparam("nc")),
            back,
        )
        for model in (SlaEvent, Notification, OrderEvent):
            conn.execute(delete(model))


def explain(engine: Engine, statement: str, params: Any) -> list[str]:
    prefix = "EXPLAIN" if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN"
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(f"{prefix} {statement}", params).all()
    return [str(r[0]) if len(r) == 1 else str(r[-1]) for r in rows]


class DueQueryCapture:
    """Keeps the sweep's due-clock SELECT exactly as sent to the database, to EXPLAIN it."""

    def __init__(self) -> None:
        self.found: tuple[str, Any] | None = None

    def __call__(self, conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if (
            self.found is None
            and "FROM order_clock" in statement
            and "next_check_at <=" in statement
        ):
            self.found = (statement, params)


def run_engine(name: str, args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="sla_sweep_"))
    url = fresh_database(name, workdir)
    engine = create_db_engine(url)
    try:
        upgrade(url)
        factory = make_session_factory(engine)
        w = build_world(factory)
        now = clock.now()
        print(f"{name}: loading {args.orders:,} orders ({args.due:,} due)", flush=True)
        load_s = load(engine, w, args.orders, args.due, now)
        analyze_s = analyze(engine)
        print(f"{name}: loaded in {load_s:.1f} s, ANALYZE {analyze_s:.1f} s", flush=True)
        assert due_clocks(engine) == args.due, "the load must leave exactly --due clocks due"

        worker = Worker(factory, Settings(database_url=url))
        capture, runs = DueQueryCapture(), []
        for i in range(args.repeat):
            if i:
                reset(engine, w, args.orders, args.due, now)
            swept, sweep_s, statements = timed_sweep(worker, args.profile and i == 0, engine)
            event.listen(engine, "before_cursor_execute", capture)
            start = time.perf_counter()
            empty = worker.run_job("sla_sweep")
            empty_s = time.perf_counter() - start
            event.remove(engine, "before_cursor_execute", capture)
            runs.append(
                {
                    "swept": swept,
                    "sweep_s": sweep_s,
                    "statements": statements,
                    "empty_swept": empty,
                    "empty_s": empty_s,
                }
                | check(engine, w, args.due)
            )
            print(f"{name}: run {i + 1}: {runs[-1]}", flush=True)
        assert capture.found is not None
        plan = explain(engine, *capture.found)
        print(f"{name}: plan of the due-clock query:")
        for line in plan:
            print(f"    {line}")
    finally:
        engine.dispose()
        if args.keep:
            print(f"{name}: kept {url}")
        elif name == "postgresql":
            admin_sql(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        if not (args.keep and name == "sqlite"):
            shutil.rmtree(workdir, ignore_errors=True)
    return {
        "engine": name,
        "orders": args.orders,
        "due": args.due,
        "load_s": round(load_s, 1),
        "analyze_s": round(analyze_s, 1),
        "sweep_s": round(statistics.median(r["sweep_s"] for r in runs), 3),
        "sweep_runs_s": [round(r["sweep_s"], 3) for r in runs],
        "empty_sweep_ms": round(statistics.median(r["empty_s"] for r in runs) * 1000, 1),
        "events": runs[0]["events"],
        "statements": runs[0]["statements"],
        "notifications": runs[0]["notifications"],
        "verified": all(
            r["verified"] and r["swept"] == args.due and r["empty_swept"] == 0 for r in runs
        ),
        "uses_index": any("ix_order_clock_next_check" in line for line in plan),
        "plan": plan,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engines", default="sqlite,postgresql")
    ap.add_argument("--orders", type=int, default=1_000_000, help="open orders")
    ap.add_argument("--due", type=int, default=1000, help="orders with a clock due now")
    ap.add_argument("--repeat", type=int, default=3, help="sweeps (due clocks put back between)")
    ap.add_argument("--keep", action="store_true", help="keep the databases")
    ap.add_argument("--profile", action="store_true", help="cProfile the first sweep")
    args = ap.parse_args()
    assert 0 < args.due <= args.orders

    results = [run_engine(name, args) for name in args.engines.split(",")]

    print(
        f"{'engine':<11}{'open orders':>12}{'due':>7}{'load s':>9}{'sweep s':>9}"
        f"{'empty ms':>10}{'events':>8}  ok"
    )
    for r in results:
        ok = "yes" if r["verified"] and r["uses_index"] else "NO"
        print(
            f"{r['engine']:<11}{r['orders']:>12,}{r['due']:>7,}{r['load_s']:>9}{r['sweep_s']:>9}"
            f"{r['empty_sweep_ms']:>10}{r['events']:>8}  {ok}"
        )
    print(
        json.dumps(
            {
                "date": time.strftime("%Y-%m-%d"),
                "target_s": 0.5,  # issue 8 item 5 (was 1 s in issue 3)
                "repeat": args.repeat,
                "results": [{k: v for k, v in r.items() if k != "plan"} for r in results],
            },
            ensure_ascii=False,
        )
    )
    return 0 if all(r["verified"] and r["uses_index"] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
