"""SLA API: policies, calendar overrides, the at-risk queue (T-1, T-2, WO-3)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from telcodesk.deps import ApiStaff, DbDep
from telcodesk.inputs import Day, Id
from telcodesk.org import permissions
from telcodesk.org.permissions import Permission
from telcodesk.sla import admin as service
from telcodesk.sla.schemas import (
    POLICY_CODE_PATTERN,
    CalendarStatus,
    OverrideIn,
    OverrideOut,
    OverrideResult,
    PolicyIn,
    PolicyOut,
)
from telcodesk.workorders.api import order_out
from telcodesk.workorders.models import WorkOrder
from telcodesk.workorders.schemas import OrderOut

router = APIRouter(prefix="/api/v1", tags=["sla"])


@router.get("/sla/policies", response_model=list[PolicyOut], operation_id="sla_policies_list")
def list_policies(staff: ApiStaff, db: DbDep) -> list[PolicyOut]:
    """The SLA policies: time limits per order type, priority and tier (T-1, T-2)."""
    with db.uow() as session:
        return [PolicyOut.model_validate(p) for p in service.list_policies(session)]


@router.put("/sla/policies/{code}", response_model=PolicyOut, operation_id="sla_policies_save")
def save_policy(
    code: Annotated[str, Path(min_length=1, max_length=40, pattern=POLICY_CODE_PATTERN)],
    body: PolicyIn,
    staff: ApiStaff,
    db: DbDep,
) -> PolicyOut:
    """Create or replace a policy (admins; audited). ``code`` in the path and body must agree."""
    with db.uow() as session:
        data = body if body.code == code else body.model_copy(update={"code": code})
        return PolicyOut.model_validate(
            service.save_policy(session, staff, PolicyIn.model_validate(data))
        )


@router.get(
    "/calendar/overrides", response_model=list[OverrideOut], operation_id="calendar_overrides_list"
)
def list_overrides(staff: ApiStaff, db: DbDep) -> list[OverrideOut]:
    """The calendar overrides (extra rest or working days) of the caller's region."""
    with db.uow() as session:
        return [OverrideOut.model_validate(o) for o in service.list_overrides(session)]


@router.put(
    "/calendar/overrides/{day}",
    response_model=OverrideResult,
    operation_id="calendar_overrides_set",
)
def set_override(day: Day, body: OverrideIn, staff: ApiStaff, db: DbDep) -> OverrideResult:
    """Mark a date working or off (admins; audited); open deadlines are recomputed."""
    with db.uow() as session:
        moved = service.set_override(
            session, staff, day, body.is_workday, body.note, body.region_code
        )
        row = next(
            o
            for o in service.list_overrides(session)
            if o.day == day and o.region_code == body.region_code
        )
        return OverrideResult(override=OverrideOut.model_validate(row), deadlines_moved=moved)


@router.delete(
    "/calendar/overrides/id/{override_id}",
    response_model=OverrideResult,
    operation_id="calendar_overrides_remove",
)
def remove_override(override_id: Id, staff: ApiStaff, db: DbDep) -> OverrideResult:
    """Remove a calendar override; clocks count on the official calendar again."""
    with db.uow() as session:
        return OverrideResult(
            override=None, deadlines_moved=service.remove_override(session, staff, override_id)
        )


@router.get("/calendar/status", response_model=CalendarStatus, operation_id="calendar_status")
def calendar_status(staff: ApiStaff, db: DbDep) -> CalendarStatus:
    """How far the shipped PRC calendar reaches, and whether next year is loaded."""
    with db.uow() as session:
        return service.calendar_status(session)


@router.get("/sla/at-risk", response_model=list[OrderOut], operation_id="sla_at_risk")
def at_risk(
    staff: ApiStaff, db: DbDep, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[OrderOut]:
    """Open orders past a warning threshold or overdue, most urgent first (supervisors)."""
    permissions.require(staff, Permission.VIEW_AT_RISK)
    with db.uow() as session:
        seen: dict[int, WorkOrder] = {}
        for c in service.at_risk(session, viewer=staff, limit=limit):
            seen.setdefault(c.order_id, c.order)
        return [order_out(session, o, staff) for o in seen.values()]
