"""Audit log API for auditors (CD-2): read only — there is no route that changes it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from telcodesk.audit import service
from telcodesk.audit.schemas import AuditFilter, AuditPage
from telcodesk.deps import ApiStaff, DbDep

router = APIRouter(prefix="/api/v1", tags=["audit"])


@router.get("/audit", response_model=AuditPage, operation_id="audit_search")
def search(
    staff: ApiStaff,
    db: DbDep,
    filters: Annotated[AuditFilter, Query()],
    before_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditPage:
    """Search the audit log (auditors and admins; masked reveals included)."""
    with db.uow() as session:
        items, next_cursor = service.search(
            session, staff, filters, before_id=before_id, limit=limit
        )
        return AuditPage(items=items, next_cursor=next_cursor)
