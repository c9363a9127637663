"""Organisation management API: units and staff accounts, CSV import (CC-1; audited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from telcodesk import csv_rows
from telcodesk.deps import ApiStaff, DbDep
from telcodesk.inputs import Line
from telcodesk.org import accounts, admin
from telcodesk.org.admin_schemas import (
    ImportResult,
    PasswordResetIn,
    SkillsIn,
    StaffIn,
    StaffOut,
    UnitChangeIn,
    UnitIn,
    UnitOut,
)

router = APIRouter(prefix="/api/v1/org", tags=["organisation"])
Username = Annotated[Line, Path(max_length=50)]


@router.get("/units", response_model=list[UnitOut], operation_id="org_units_list")
def list_units(staff: ApiStaff, db: DbDep) -> list[UnitOut]:
    """The units of the caller's region: HQ, provinces, cities, halls, centres."""
    with db.uow() as session:
        return [UnitOut.model_validate(u) for u in admin.list_units(session, staff)]


@router.put("/units/{code}", response_model=UnitOut, operation_id="org_units_save")
def save_unit(
    code: Annotated[Line, Path(max_length=40)], body: UnitIn, staff: ApiStaff, db: DbDep
) -> UnitOut:
    """Create or change a unit inside the caller's region (audited)."""
    with db.uow() as session:
        unit, _ = admin.save_unit(session, staff, body.model_copy(update={"code": code}))
        return UnitOut.model_validate(unit)


@router.get("/staff", response_model=list[StaffOut], operation_id="org_staff_list")
def list_staff(staff: ApiStaff, db: DbDep) -> list[StaffOut]:
    """The staff of the caller's region."""
    with db.uow() as session:
        return [StaffOut.model_validate(s) for s in admin.list_staff(session, staff)]


@router.post("/staff", response_model=StaffOut, status_code=201, operation_id="org_staff_create")
def add_staff(body: StaffIn, staff: ApiStaff, db: DbDep) -> StaffOut:
    """Add a staff account in the caller's region (audited)."""
    with db.uow() as session:
        return StaffOut.model_validate(admin.add_staff(session, staff, body))


@router.put("/staff/{username}/skills", response_model=StaffOut, operation_id="org_staff_skills")
def set_skills(
    username: Annotated[Line, Path(max_length=50)], body: SkillsIn, staff: ApiStaff, db: DbDep
) -> StaffOut:
    """Set a staff member's skills, used by dispatch (audited)."""
    with db.uow() as session:
        return StaffOut.model_validate(admin.set_skills(session, staff, username, body))


@router.post("/staff/{username}/disable", response_model=StaffOut, operation_id="org_staff_disable")
def disable_staff(username: Username, staff: ApiStaff, db: DbDep) -> StaffOut:
    """Disable an account of your region (its sessions and API tokens end; audited)."""
    with db.uow() as session:
        return StaffOut.model_validate(accounts.set_active(session, staff, username, False))


@router.post("/staff/{username}/enable", response_model=StaffOut, operation_id="org_staff_enable")
def enable_staff(username: Username, staff: ApiStaff, db: DbDep) -> StaffOut:
    """Enable a disabled staff account (audited)."""
    with db.uow() as session:
        return StaffOut.model_validate(accounts.set_active(session, staff, username, True))


@router.post("/staff/{username}/unlock", response_model=StaffOut, operation_id="org_staff_unlock")
def unlock_staff(username: Username, staff: ApiStaff, db: DbDep) -> StaffOut:
    """End a lock-out before it runs out (audited)."""
    with db.uow() as session:
        return StaffOut.model_validate(accounts.unlock(session, staff, username))


@router.post(
    "/staff/{username}/password", response_model=StaffOut, operation_id="org_staff_reset_password"
)
def reset_password(
    username: Username, body: PasswordResetIn, staff: ApiStaff, db: DbDep
) -> StaffOut:
    """A temporary password, changed by its owner at next login (the one policy, 422)."""
    with db.uow() as session:
        return StaffOut.model_validate(
            accounts.reset_password(session, staff, username, body.password)
        )


@router.put("/staff/{username}/unit", response_model=StaffOut, operation_id="org_staff_set_unit")
def set_unit(username: Username, body: UnitChangeIn, staff: ApiStaff, db: DbDep) -> StaffOut:
    """Move an account to another unit of your region (403 for a unit outside it)."""
    with db.uow() as session:
        return StaffOut.model_validate(accounts.set_unit(session, staff, username, body.unit_code))


async def _csv_text(request: Request) -> str:
    return csv_rows.decode(await request.body())


@router.post(
    "/units/import",
    response_model=ImportResult,
    operation_id="org_units_import",
    openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def import_units(request: Request, staff: ApiStaff, db: DbDep) -> ImportResult:
    """Import units from CSV: all rows or none, refused rows listed."""
    text = await _csv_text(request)
    with db.uow() as session:
        return admin.import_units(session, staff, text)


@router.post(
    "/staff/import",
    response_model=ImportResult,
    operation_id="org_staff_import",
    openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def import_staff(request: Request, staff: ApiStaff, db: DbDep) -> ImportResult:
    """Import staff accounts from CSV: all rows or none, refused rows listed."""
    text = await _csv_text(request)
    with db.uow() as session:
        return admin.import_staff(session, staff, text)
