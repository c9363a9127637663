""" "Call next" with 10,000 tickets waiting in one hall (issue 11 item 11; BH-2): p50/p99 of
one call — finding the hall, choosing by the counter's work profile from the few candidate
rows (one UNION ALL statement), taking the ticket (one UPDATE … RETURNING), the commit — on a
fresh SQLite file or PostgreSQL database.

    .venv/bin/python bench/halls_call_next.py [--engine postgresql] [--waiting 10000] [--calls 300]
        [--counter 1]

The waiting tickets are inserted in bulk (spread over the seven queues, issued over the
last hours); each measured call is its own unit of work, and the ticket called is then
started and finished outside the measurement, so the counter is free for the next call.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent))

from create_orders import fresh_database

from telcodesk import clock
from telcodesk.db import create_db_engine, make_session_factory, unit_of_work, upgrade
from telcodesk.halls import service, setup
from telcodesk.halls.models import Ticket
from telcodesk.halls.setup import types_of
from telcodesk.org import service as org
from telcodesk.org.roles import Role, UnitKind
from telcodesk.wiring import wire


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", default="sqlite", choices=["sqlite", "postgresql"])
    ap.add_argument("--waiting", type=int, default=10_000)
    ap.add_argument("--calls", type=int, default=300)
    ap.add_argument("--counter", type=int, default=2, help="2 general, 1 VIP (serves Y first)")
    args = ap.parse_args()
    url = fresh_database(args.engine, Path(tempfile.mkdtemp()))
    upgrade(url)
    wire()
    factory = make_session_factory(create_db_engine(url))
    with unit_of_work(factory) as session:
        hq = org.ensure_unit(
            session, code="HQ", name="总部", kind=UnitKind.HQ, region_code="100000"
        )
        gz = org.ensure_unit(
            session, code="GZ", name="广州", kind=UnitKind.CITY, region_code="440100", parent=hq
        )
        hall = org.ensure_unit(
            session,
            code="GZ-TH",
            name="天河营业厅",
            kind=UnitKind.HALL,
            region_code="440106",
            parent=gz,
        )
        setup.set_up_hall(session, hall)
        agent = org.create_staff(
            session,
            username="th.agent",
            display_name="营业员",
            password="Bench@2026xy",
            unit=hall,
            role=Role.HALL_AGENT,
        )
        types = list(types_of(session, hall.id).values())
        now = clock.now()
        today = clock.local(now).date()
        rows = []
        for i in range(args.waiting):
            kind = types[i % len(types)]
            at = now - timedelta(seconds=(args.waiting - i) * 2)
            seq = i // len(types) + 1
            rows.append(
                {
                    "hall_id": hall.id, "service_type_id": kind.id, "day": today, "seq": seq,
                    "number": f"{kind.code}{seq:04d}", "public_token": secrets.token_urlsafe(16),
                    "source": "kiosk", "tier": "standard", "care": False, "state": "waiting",
                    "issued_at": at, "queued_at": at,
                    "booked_at": at if kind.kind == "appointment" else None,
                    "call_count": 0, "handle_seconds": 0,
                    "province_code": "440000", "city_code": "440100",
                }
            )  # fmt: skip
        session.execute(insert(Ticket), rows)
        service.move_counter(session, agent, hall, args.counter, "open")
    timings, cpu = [], []
    for _ in range(args.calls):
        started, used = time.perf_counter(), time.process_time()
        with unit_of_work(factory) as session:
            unit = setup.hall_for(session, agent, "GZ-TH")
            called = service.call_next(session, agent, unit, args.counter)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - used) * 1000)
        assert called is not None
        with unit_of_work(factory) as session:
            unit = setup.hall_for(session, agent, "GZ-TH")
            service.start(session, agent, unit, called.ticket.id)
            service.finish(session, agent, unit, called.ticket.id)
    timings.sort()
    cpu.sort()
    cpu99 = cpu[min(len(cpu) - 1, int(len(cpu) * 0.99))]
    p50 = timings[len(timings) // 2]
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    print(
        f"{args.engine}: call next at counter {args.counter} with {args.waiting} waiting, "
        f"{args.calls} calls: "
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {timings[-1]:.1f} ms; "
        # This process's CPU per call: what the call costs here, whatever else the machine
        # runs (the database server's own CPU is not in it on PostgreSQL).
        f"CPU p50 {cpu[len(cpu) // 2]:.1f} ms, p99 {cpu99:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
