"""Dispatch's scheduled job: route reviewed orders nobody assigned by the rules (CC-1)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from telcodesk.config import Settings
from telcodesk.org import service as org
from telcodesk.scheduling import Job
from telcodesk.workorders import service as workorders


def _dispatch_reviewed(session: Session, settings: Settings) -> int:
    after = timedelta(minutes=settings.auto_dispatch_after_minutes)
    return workorders.dispatch_reviewed(session, org.system_actor(session), after)


JOBS = (
    Job(
        "dispatch_reviewed",
        "按派单规则分派无人认领的已审核工单 / route reviewed orders by the rules (CC-1)",
        _dispatch_reviewed,
    ),
)
