"""Audit records, written in the caller's transaction: the change and its trace commit together."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from telcodesk import clock
from telcodesk.audit.models import AuditRecord
from telcodesk.org.models import Staff


def record(
    session: Session,
    actor: Staff | None,
    action: str,
    object_type: str,
    object_id: object = None,
    **details: Any,
) -> None:
    session.add(
        AuditRecord(
            at=clock.now(),
            actor_id=actor.id if actor else None,
            action=action,
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            details=details,
        )
    )


def recent(session: Session, *, action: str | None = None, limit: int = 100) -> list[AuditRecord]:
    stmt = select(AuditRecord).order_by(AuditRecord.id.desc()).limit(limit)
    if action:
        stmt = stmt.where(AuditRecord.action == action)
    return list(session.scalars(stmt))
