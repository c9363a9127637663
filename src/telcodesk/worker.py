"""The worker runs named, repeat-safe scheduled jobs (the clocks of the service).

Each job is a scan that can run again at any time without doing anything twice; each
runs in its own transaction so one failure does not undo the others.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from telcodesk.config import Settings
from telcodesk.db import unit_of_work
from telcodesk.notify import jobs as notify_jobs
from telcodesk.org import service as org
from telcodesk.org.roles import SYSTEM_USERNAME
from telcodesk.sla import sweep as sla
from telcodesk.wiring import wire
from telcodesk.workorders import service as orders

log = logging.getLogger("telcodesk.worker")

__all__ = ["JOBS", "SYSTEM_USERNAME", "Job", "Worker"]


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    run: Callable[[Session, Settings], int]
    # Batches: run again, each time in a new transaction, while a batch comes back full.
    batch: int | None = None


def _archive_callbacks(session: Session, settings: Settings) -> int:
    system = org.system_actor(session)
    return orders.archive_unanswered_callbacks(
        session, system, timedelta(days=settings.callback_timeout_days)
    )


def _dispatch_reviewed(session: Session, settings: Settings) -> int:
    system = org.system_actor(session)
    after = timedelta(minutes=settings.auto_dispatch_after_minutes)
    return orders.dispatch_reviewed(session, system, after)


def _purge_idempotency(session: Session, settings: Settings) -> int:
    return orders.purge_idempotency_records(
        session, timedelta(hours=settings.idempotency_retention_hours)
    )


SLA_BATCH = 1000


def _sla_sweep(session: Session, settings: Settings) -> int:
    system = org.system_actor(session)
    return sla.sweep(session, system, limit=SLA_BATCH).clocks


JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        Job(
            "sla_sweep",
            "时限预警、超时与升级 / SLA warnings, breaches, escalation (T-2, WO-3)",
            _sla_sweep,
            batch=SLA_BATCH,
        ),
        Job(
            "archive_unanswered_callbacks",
            "归档回访超时未应答的工单 / archive unanswered call-backs (WO-1)",
            _archive_callbacks,
        ),
        Job(
            "dispatch_reviewed",
            "按派单规则分派无人认领的已审核工单 / route reviewed orders by the rules (CC-1)",
            _dispatch_reviewed,
        ),
        Job(
            "deliver_outbox",
            "投递发件箱：邮件、短信、事件 / deliver the outbox: email, SMS, events",
            notify_jobs.deliver,
            batch=notify_jobs.BATCH,
        ),
        Job(
            "purge_idempotency_records",
            "清理过期幂等记录 / drop old idempotency records",
            _purge_idempotency,
        ),
    )
}


class Worker:
    def __init__(self, factory: sessionmaker[Session], settings: Settings) -> None:
        wire()  # the jobs' lifecycle actions react as the API's do
        self.factory = factory
        self.settings = settings
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_job(self, name: str) -> int:
        job, total = JOBS[name], 0
        while True:
            with unit_of_work(self.factory) as session:
                done = job.run(session, self.settings)
            total += done
            if job.batch is None or done < job.batch or self._stop.is_set():
                return total

    def sweep(self) -> dict[str, int | str]:
        """Run every job once; a failing job is logged and the others still run."""
        results: dict[str, int | str] = {}
        for name in JOBS:
            try:
                results[name] = self.run_job(name)
            except Exception as exc:  # isolate failures per job
                log.exception("job %s failed", name)
                results[name] = f"error: {exc}"
        return results

    def run_forever(self) -> None:
        while not self._stop.is_set():
            self.sweep()
            self._stop.wait(self.settings.worker_interval_s)

    def start_in_thread(self) -> None:
        self._thread = threading.Thread(
            target=self.run_forever, name="telcodesk-worker", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
