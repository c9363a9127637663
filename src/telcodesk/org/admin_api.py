"""Organisation management API: units and staff accounts, CSV import (CC-1; audited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from telcodesk import csv_rows
from telcodesk.deps import ApiStaff, DbDep
from telcodesk.inputs import Line
from telcodesk.org import admin
from telcodesk.org.admin_schemas import ImportResult, SkillsIn, StaffIn, StaffOut, UnitIn, UnitOut

router = APIRouter(prefix="/api/v1/org", tags=["organisation"])


@router.get("/units", response_model=list[UnitOut], operation_id="org_units_list")
def list_units(staff: ApiStaff, db: DbDep) -> list[UnitOut]:
    with db.uow() as session:
        return [UnitOut.model_validate(u) for u in admin.list_units(session, staff)]


@router.put("/units/{code}", response_model=UnitOut, operation_id="org_units_save")
def save_unit(
    code: Annotated[Line, Path(max_length=40)], body: UnitIn, staff: ApiStaff, db: DbDep
) -> UnitOut:
    with db.uow() as session:
        unit, _ = admin.save_unit(session, staff, body.model_copy(update={"code": code}))
        return UnitOut.model_validate(unit)


@router.get("/staff", response_model=list[StaffOut], operation_id="org_staff_list")
def list_staff(staff: ApiStaff, db: DbDep) -> list[StaffOut]:
    with db.uow() as session:
        return [StaffOut.model_validate(s) for s in admin.list_staff(session, staff)]


@router.post("/staff", response_model=StaffOut, status_code=201, operation_id="org_staff_create")
def add_staff(body: StaffIn, staff: ApiStaff, db: DbDep) -> StaffOut:
    with db.uow() as session:
        return StaffOut.model_validate(admin.add_staff(session, staff, body))


@router.put("/staff/{username}/skills", response_model=StaffOut, operation_id="org_staff_skills")
def set_skills(
    username: Annotated[Line, Path(max_length=50)], body: SkillsIn, staff: ApiStaff, db: DbDep
) -> StaffOut:
    with db.uow() as session:
        return StaffOut.model_validate(admin.set_skills(session, staff, username, body))


async def _csv_text(request: Request) -> str:
    return csv_rows.decode(await request.body())


@router.post(
    "/units/import",
    response_model=ImportResult,
    operation_id="org_units_import",
    openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def import_units(request: Request, staff: ApiStaff, db: DbDep) -> ImportResult:
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
    text = await _csv_text(request)
    with db.uow() as session:
        return admin.import_staff(session, staff, text)
