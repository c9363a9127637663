"""Alerts within seconds (issue 8, WO-3, CH-4): with `telcodesk worker` running as its own
process, in real time, a 75 % warning and a breach reach the right person's bell and leave as
an email (a real SMTP server, aiosmtpd) and an SMS (the local gateway process) within seconds
of falling due, and a chase's email and SMS go out within seconds of the chase — not on the
worker's 30-second round (here an hour: only its prompt jobs can do it).

The bound is generous for a loaded machine (10 s); this checks behaviour, not speed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from telcodesk import clock
from telcodesk.db import unit_of_work
from telcodesk.notify import service as notify
from telcodesk.workorders import service as orders
from telcodesk.workorders.rules import Action
from tests.factories import World
from tests.notify.test_delivery import SECRET, smtp_server, start_gateway, taken  # noqa: F401
from tests.notify.test_notify_end_to_end import act, bell, register

WITHIN = 10.0  # seconds after the moment something fell due


def arrives(what: Callable[[], bool], due: float) -> float:
    """Seconds after ``due`` (a time.time()) at which ``what`` first holds; fails past WITHIN."""
    while True:
        if what():
            return time.time() - due
        late = time.time() - due
        assert late < WITHIN, f"not there {late:.1f} s after it fell due"
        time.sleep(0.2)


def test_warning_breach_and_chase_arrive_within_seconds(
    factory: sessionmaker[Session],
    world: World,
    db_url: str,
    smtp_server: Any,  # noqa: F811
) -> None:
    port, mails = smtp_server
    gateway, url = start_gateway()
    env = {
        **os.environ,
        "TELCODESK_DATABASE_URL": db_url,
        "TELCODESK_SMTP_HOST": "127.0.0.1",
        "TELCODESK_SMTP_PORT": str(port),
        "TELCODESK_SMS_GATEWAY_URL": url,
        "TELCODESK_SMS_SECRET": SECRET,
        "TELCODESK_WORKER_INTERVAL_S": "3600",  # only the prompt jobs run in between
        "TELCODESK_WORKER_PROMPT_S": "1",
    }
    worker = None
    try:
        with unit_of_work(factory) as session:
            every = ["console", "email", "sms"]
            notify.save_profile(
                session,
                world.handler,
                email="wang@gz.example.cn",
                mobile="13711110001",
                channels={"sla_warning": every, "chase": every},
            )
            notify.save_profile(
                session, world.supervisor, email="chen@gd.example.cn", mobile="13711110002",
                channels={},
            )  # fmt: skip
        clock.set_clock(None)  # real time, as the worker process sees it
        number = register(factory, world)
        act(factory, world.agent, number, Action.REVIEW_VALID)
        act(factory, world.agent, number, Action.ASSIGN, handler=world.handler.username)
        act(factory, world.handler, number, Action.START)

        worker = subprocess.Popen(
            [sys.executable, "-m", "telcodesk.cli", "worker"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert worker.stdout is not None
        assert b"worker running" in worker.stdout.readline()  # its first round has begun

        # The resolution clock, put a few seconds from its 75 % and from its deadline, in wall
        # hours (test set-up: the policies' limits are hours and days).
        with unit_of_work(factory) as session:
            order = orders.get_order(session, number, viewer=None)
            c = next(c for c in order.clocks if c.kind == "resolution")
            start, allowed = clock.now() + timedelta(seconds=1), 8.0
            c.time_unit, c.start_at, c.allowed_s, c.paused_s = "calendar_hours", start, allowed, 0
            c.stage, c.due_at = 0, start + timedelta(seconds=allowed)
            c.next_check_at = start + timedelta(seconds=0.75 * allowed)
            t75, due = c.next_check_at.timestamp(), c.due_at.timestamp()

        def sms_to(mobile: str, text: str) -> bool:
            return any(m["mobile"] == mobile and text in m["content"] for m in taken(url))

        def mail_to(address: str, text: str) -> bool:
            return any(address in m.rcpt_tos and text.encode() in m.content for m in mails)

        def in_bell(staff: Any, kind: str) -> Callable[[], bool]:
            return lambda: kind in [k for k, _ in bell(factory, staff)]

        seen = {
            "warning bell": arrives(in_bell(world.handler, "sla_warning"), t75),
            "warning email": arrives(lambda: mail_to("wang@gz.example.cn", number), t75),
            "warning sms": arrives(lambda: sms_to("13711110001", number), t75),
            "breach bell": arrives(in_bell(world.supervisor, "sla_breach"), due),
            "breach email": arrives(lambda: mail_to("chen@gd.example.cn", number), due),
            "breach sms": arrives(lambda: sms_to("13711110002", "超时"), due),
        }
        chased = time.time()
        act(factory, world.agent, number, Action.CHASE, reason="客户第三次来电")
        seen["chase bell"] = arrives(in_bell(world.handler, "chase"), chased)  # same commit
        seen["chase sms"] = arrives(lambda: sms_to("13711110001", "催办"), chased)
        seen["chase email"] = arrives(lambda: mail_to("wang@gz.example.cn", "Chase"), chased)
        print({k: round(v, 2) for k, v in seen.items()})  # seconds after due (pytest -s)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        gateway.kill()
        gateway.wait()
