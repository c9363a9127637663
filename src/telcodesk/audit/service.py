"""Audit records (CD-2), written in the caller's transaction: a change and its trace commit
together. The application only ever adds rows; PostgreSQL refuses updates and deletes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from telcodesk import clock
from telcodesk.audit.models import AuditRecord
from telcodesk.audit.schemas import AuditFilter, AuditOut
from telcodesk.org import permissions
from telcodesk.org.models import OrgUnit, Staff
from telcodesk.org.permissions import Permission
from telcodesk.org.scope import scope_of


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


def count_since(session: Session, actor: Staff, actions: tuple[str, ...], since: datetime) -> int:
    """How often a staff member did something lately (rate limits on reveals, CD-2)."""
    stmt = select(func.count(AuditRecord.id)).where(
        AuditRecord.actor_id == actor.id, AuditRecord.action.in_(actions), AuditRecord.at >= since
    )
    return session.scalar(stmt) or 0


def count_for_object(session: Session, action: str, object_id: str, since: datetime) -> int:
    """How often something happened to one object lately (failed logins under a name, CD-2)."""
    stmt = select(func.count(AuditRecord.id)).where(
        AuditRecord.action == action,
        AuditRecord.object_id == object_id[:60],
        AuditRecord.at >= since,
    )
    return session.scalar(stmt) or 0


def search(
    session: Session,
    viewer: Staff,
    f: AuditFilter,
    *,
    before_id: int | None = None,
    limit: int = 100,
) -> tuple[list[AuditOut], int | None]:
    """The audit log for auditors: newest first, filtered, limited to the staff of the
    auditor's region (records without an actor, e.g. failed logins of unknown names, included)."""
    permissions.require(viewer, Permission.AUDIT_VIEW)
    actor, unit = aliased(Staff), aliased(OrgUnit)
    stmt = (
        select(AuditRecord, actor.username)
        .outerjoin(actor, actor.id == AuditRecord.actor_id)
        .outerjoin(unit, unit.id == actor.unit_id)
        .order_by(AuditRecord.id.desc())
        .limit(limit + 1)
    )
    scope = scope_of(viewer)
    if not scope.everything:
        prefix = (scope.city or "")[:4] or (scope.province or "")[:2]
        stmt = stmt.where((AuditRecord.actor_id.is_(None)) | unit.region_code.startswith(prefix))
    if f.action:
        stmt = stmt.where(AuditRecord.action == f.action)
    if f.actor:
        stmt = stmt.where(actor.username == f.actor)
    if f.object_type:
        stmt = stmt.where(AuditRecord.object_type == f.object_type)
    if f.object_id:
        stmt = stmt.where(AuditRecord.object_id == f.object_id)
    if f.at_from:
        stmt = stmt.where(AuditRecord.at >= _utc(f.at_from))
    if f.at_to:
        stmt = stmt.where(AuditRecord.at < _utc(f.at_to))
    if before_id:
        stmt = stmt.where(AuditRecord.id < before_id)
    rows = session.execute(stmt).all()
    items = [
        AuditOut(
            id=r.id,
            at=r.at,
            actor_username=username,
            action=r.action,
            object_type=r.object_type,
            object_id=r.object_id,
            details=r.details,
        )
        for r, username in rows[:limit]
    ]
    return items, items[-1].id if len(rows) > limit and items else None


def _utc(dt: datetime) -> datetime:
    return (dt if dt.tzinfo else dt.replace(tzinfo=clock.SHANGHAI)).astimezone(clock.UTC)
