"""The SLA domain's scheduled job: the sweep of due clocks (T-2, WO-3)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from telcodesk.config import Settings
from telcodesk.org import service as org
from telcodesk.scheduling import Job
from telcodesk.sla import sweep

SLA_BATCH = 1000


def _sla_sweep(session: Session, settings: Settings) -> int:
    return sweep.sweep(session, org.system_actor(session), limit=SLA_BATCH).clocks


JOBS = (
    Job(
        "sla_sweep",
        "时限预警、超时与升级 / SLA warnings, breaches, escalation (T-2, WO-3)",
        _sla_sweep,
        batch=SLA_BATCH,
        prompt=True,  # a 75 % warning or a breach reaches people within seconds (WO-3)
    ),
)
