"""The lifecycle's scheduled jobs: archive unanswered call-backs (WO-1), drop old idempotency
records."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from telcodesk.config import Settings
from telcodesk.org import service as org
from telcodesk.scheduling import Job
from telcodesk.workorders import service


def _archive_callbacks(session: Session, settings: Settings) -> int:
    return service.archive_unanswered_callbacks(
        session, org.system_actor(session), timedelta(days=settings.callback_timeout_days)
    )


def _purge_idempotency(session: Session, settings: Settings) -> int:
    return service.purge_idempotency_records(
        session, timedelta(hours=settings.idempotency_retention_hours)
    )


JOBS = (
    Job(
        "archive_unanswered_callbacks",
        "归档回访超时未应答的工单 / archive unanswered call-backs (WO-1)",
        _archive_callbacks,
    ),
    Job(
        "purge_idempotency_records",
        "清理过期幂等记录 / drop old idempotency records",
        _purge_idempotency,
    ),
)
