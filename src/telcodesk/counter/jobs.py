"""The counter's scheduled job: value-added requests left unconfirmed expire, activating
nothing (VA-1)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from telcodesk.config import Settings
from telcodesk.counter import service
from telcodesk.scheduling import Job

BATCH = 200


def _expire(session: Session, settings: Settings) -> int:
    return service.expire_unconfirmed(session, limit=BATCH)


JOBS = (
    Job(
        "expire_unconfirmed_services",
        "增值业务超时未确认即失效（不开通） / expire unconfirmed value-added requests (VA-1)",
        _expire,
        batch=BATCH,
    ),
)
