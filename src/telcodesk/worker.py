"""The worker runs named, repeat-safe scheduled jobs (the clocks of the service).

Each domain lists its jobs in its own ``jobs.py`` (sla, routing, workorders); this module
composes them. Each job runs in its own transaction (per batch), so one failure does not undo
the others. ``stop()`` (SIGTERM, SIGINT) lets the batch in hand commit — or roll back if it
fails — and then returns: no batch is cut in half, and no row lock outlives the process.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy.orm import Session, sessionmaker

from telcodesk.config import Settings
from telcodesk.counter import jobs as counter_jobs
from telcodesk.db import unit_of_work
from telcodesk.halls import jobs as halls_jobs
from telcodesk.knowledge import jobs as knowledge_jobs
from telcodesk.notify import jobs as notify_jobs
from telcodesk.org.roles import SYSTEM_USERNAME
from telcodesk.routing import jobs as routing_jobs
from telcodesk.scheduling import Job
from telcodesk.sla import jobs as sla_jobs
from telcodesk.wiring import wire
from telcodesk.workorders import jobs as workorders_jobs

log = logging.getLogger("telcodesk.worker")

__all__ = ["JOBS", "SYSTEM_USERNAME", "Job", "Worker"]

# In the order one round runs them: clocks first, then the lifecycle's sweeps.
JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        *sla_jobs.JOBS,
        workorders_jobs.JOBS[0],  # archive unanswered call-backs
        *routing_jobs.JOBS,
        *halls_jobs.JOBS,  # the duty manager's alerts (BH-3), before delivery
        *counter_jobs.JOBS,  # unconfirmed value-added requests expire (VA-1)
        *notify_jobs.JOBS,  # delivery, after the jobs that queue messages
        *workorders_jobs.JOBS[1:],
        *knowledge_jobs.JOBS,  # scheduled and expiring articles (KB-2)
    )
}
SLA_BATCH = sla_jobs.SLA_BATCH


class Worker:
    def __init__(self, factory: sessionmaker[Session], settings: Settings) -> None:
        wire()  # the jobs' lifecycle actions react as the API's do
        self.factory = factory
        self.settings = settings
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run_job(self, name: str) -> int:
        """Run a job's batches, each in its own transaction, until one comes back short or
        the worker is asked to stop (the batch in hand still commits)."""
        job, total = JOBS[name], 0
        while True:
            with unit_of_work(self.factory) as session:
                done = job.run(session, self.settings)
            total += done
            if job.batch is None or done < job.batch or self._stop.is_set():
                return total

    def sweep(self, *, prompt_only: bool = False) -> dict[str, int | str]:
        """Run every job once (or only the prompt ones); a failing job is logged and the
        others still run. A stop request ends the round after the job in hand."""
        results: dict[str, int | str] = {}
        for name, job in JOBS.items():
            if self._stop.is_set():
                break
            if prompt_only and not job.prompt:
                continue
            try:
                results[name] = self.run_job(name)
            except Exception as exc:  # isolate failures per job
                log.exception("job %s failed", name)
                results[name] = f"error: {exc}"
        return results

    def run_forever(self) -> None:
        """A round of every job each ``worker_interval_s``; in between, every
        ``worker_prompt_s``, the prompt jobs (due SLA stages, outbox delivery), so an alert
        is in the bell and on its way by mail and SMS within seconds of falling due."""
        next_round = 0.0
        while not self._stop.is_set():
            if time.monotonic() >= next_round:
                self.sweep()
                next_round = time.monotonic() + self.settings.worker_interval_s
            else:
                self.sweep(prompt_only=True)
            pause = min(self.settings.worker_prompt_s, next_round - time.monotonic())
            self._stop.wait(max(0.0, pause))
        log.info("worker stopped")

    def start_in_thread(self) -> None:
        self._thread = threading.Thread(
            target=self.run_forever, name="telcodesk-worker", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
