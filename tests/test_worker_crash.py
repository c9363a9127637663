"""A worker killed mid-sweep and restarted: every warning, breach and escalation exactly once
(T-2, WO-3). The sweep runs in its own process, as `telcodesk worker` does in production."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from telcodesk.db import unit_of_work
from telcodesk.notify.models import Notification
from telcodesk.sla.models import OrderClock, SlaEvent
from telcodesk.workorders.models import WorkOrder
from tests.factories import World, register_late_complaints

ORDERS = 2500  # 5,000 clocks: five batches of 1,000, so a kill lands between commits


def count(factory: sessionmaker[Session], model: type) -> int:
    with unit_of_work(factory) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_killed_worker_leaves_each_stage_fired_once(
    factory: sessionmaker[Session], world: World, db_url: str
) -> None:
    register_late_complaints(factory, world, ORDERS)
    stages_per_clock = 3  # warnings at 75 % and 90 %, then the breach
    expected = ORDERS * 2 * stages_per_clock

    env = {**os.environ, "TELCODESK_DATABASE_URL": db_url}
    cmd = [sys.executable, "-m", "telcodesk.cli", "worker", "--once"]
    worker = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while count(factory, SlaEvent) == 0 and worker.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    worker.send_signal(signal.SIGKILL)  # no clean-up, no rollback from the process itself
    worker.wait()
    at_kill = count(factory, SlaEvent)
    assert 0 < at_kill < expected, f"the kill should land mid-sweep ({at_kill} of {expected})"

    restarted = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert restarted.returncode == 0, restarted.stderr

    with unit_of_work(factory) as session:
        assert session.scalar(select(func.count()).select_from(SlaEvent)) == expected
        duplicates = session.execute(
            select(SlaEvent.clock_id, SlaEvent.stage)
            .group_by(SlaEvent.clock_id, SlaEvent.stage)
            .having(func.count() > 1)
        ).all()
        assert duplicates == []
        assert (
            session.scalar(select(func.count()).where(OrderClock.next_check_at.is_not(None))) == 0
        )
        # Each order escalated once, by its breached resolution clock.
        levels = session.execute(
            select(WorkOrder.escalation_level, func.count()).group_by(WorkOrder.escalation_level)
        ).all()
        assert levels == [(1, ORDERS)]
        # Found late, each clock fires its breach alone (no storm): the warnings are marked
        # passed without an alert, and each fired stage tells its recipients once.
        fired = session.scalars(select(SlaEvent).where(SlaEvent.kind == "breach")).all()
        assert len(fired) == ORDERS * 2 and all(not e.details.get("skipped") for e in fired)
        skipped = session.scalars(select(SlaEvent).where(SlaEvent.kind == "warning")).all()
        assert len(skipped) == ORDERS * 2 * 2 and all(e.details["skipped"] for e in skipped)
        told = sum(len(e.notified) for e in fired)
        assert session.scalar(select(func.count()).select_from(Notification)) == told >= len(fired)
