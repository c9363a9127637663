"""SIGTERM stops the worker and the server cleanly (issue 7 item 8): the batch in hand
commits or rolls back, no batch is cut in half, no row lock outlives the process. Real
`telcodesk` processes, as in production."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from telcodesk.db import unit_of_work
from telcodesk.sla.models import OrderClock, SlaEvent
from telcodesk.worker import JOBS
from tests.factories import World, register_late_complaints

ORDERS = 2500  # 5,000 due clocks: five batches of 1,000
CLI = [sys.executable, "-m", "telcodesk.cli"]


def _count(factory: sessionmaker[Session], stmt: object) -> int:
    with unit_of_work(factory) as session:
        return int(session.scalar(stmt) or 0)  # type: ignore[call-overload]


def test_sigterm_lets_the_worker_finish_its_batch_and_exit(
    factory: sessionmaker[Session], world: World, db_url: str
) -> None:
    register_late_complaints(factory, world, ORDERS)
    env = {**os.environ, "TELCODESK_DATABASE_URL": db_url, "TELCODESK_WORKER_INTERVAL_S": "3600"}
    worker = subprocess.Popen(
        [*CLI, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    events = select(func.count()).select_from(SlaEvent)
    deadline = time.monotonic() + 120
    while _count(factory, events) == 0 and worker.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    worker.send_signal(signal.SIGTERM)
    try:
        rc = worker.wait(timeout=60)
    finally:
        worker.kill()
    assert rc == 0, worker.stderr.read() if worker.stderr else ""
    # Whole batches only: every clock the worker touched has its three stages (the breach
    # and the two warnings it passed), none half-written.
    swept = select(func.count()).where(OrderClock.stage == 3)
    done, rows = _count(factory, swept), _count(factory, events)
    assert 0 < done < ORDERS * 2 and rows == 3 * done and done % 1000 == 0
    with factory() as session:  # nothing is left locked: another worker takes every clock
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SET lock_timeout = '2s'"))
            locked = session.scalars(select(OrderClock.id).with_for_update(nowait=True)).all()
            assert len(locked) == ORDERS * 2
        session.rollback()
    rerun = subprocess.run(
        [*CLI, "worker", "--job", "sla_sweep"], env=env, capture_output=True, text=True, timeout=300
    )
    assert rerun.returncode == 0, rerun.stderr
    assert _count(factory, swept) == ORDERS * 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_sigterm_stops_the_server_with_its_embedded_worker(
    factory: sessionmaker[Session], world: World, db_url: str
) -> None:
    port = _free_port()
    env = {**os.environ, "TELCODESK_DATABASE_URL": db_url}
    server = subprocess.Popen(
        [*CLI, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError("the server did not start")
        started = time.monotonic()
        server.send_signal(signal.SIGTERM)
        rc = server.wait(timeout=30)
        assert rc == 0, server.stderr.read() if server.stderr else ""
        assert time.monotonic() - started < 15
    finally:
        server.kill()


def test_worker_lists_and_runs_named_jobs(db_url: str, world: World) -> None:
    env = {**os.environ, "TELCODESK_DATABASE_URL": db_url}
    listed = subprocess.run([*CLI, "worker", "--list"], env=env, capture_output=True, text=True)
    assert listed.returncode == 0
    names = [line.split("\t")[0] for line in listed.stdout.splitlines()]
    assert names == list(JOBS)  # every domain's jobs.py, as the worker composes them
    assert {"sla_sweep", "deliver_outbox", "purge_idempotency_records"} <= set(names)
    one = subprocess.run(
        [*CLI, "worker", "--job", "purge_idempotency_records"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert one.returncode == 0, one.stderr
    assert "purge_idempotency_records" in one.stdout
    bad = subprocess.run([*CLI, "worker", "--job", "nope"], env=env, capture_output=True, text=True)
    assert bad.returncode == 2
