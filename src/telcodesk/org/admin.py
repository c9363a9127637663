"""Managing the organisation: units (HQ → province → city → halls, centres, departments) and
staff accounts, in the console, the API and by CSV import (CC-1). Every change is audited."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from telcodesk import csv_rows
from telcodesk.audit import service as audit
from telcodesk.errors import ValidationFailed
from telcodesk.org import permissions
from telcodesk.org import service as org
from telcodesk.org.admin_schemas import ImportResult, SkillsIn, StaffIn, UnitIn
from telcodesk.org.models import OrgUnit, Staff
from telcodesk.org.permissions import Permission
from telcodesk.org.roles import SYSTEM_USERNAME
from telcodesk.org.scope import scope_of

UNIT_COLUMNS = (
    "code",
    "name",
    "kind",
    "region_code",
    "parent_code",
    "open_time",
    "close_time",
    "workdays_only",
)
STAFF_COLUMNS = ("username", "display_name", "unit_code", "role", "password", "skills")


def _in_scope(viewer: Staff, unit: OrgUnit) -> bool:
    province, city = org.province_and_city(unit)
    scope = scope_of(viewer)
    return scope.everything or (unit.region_code != "100000" and scope.covers(province, city))


def list_units(session: Session, viewer: Staff) -> list[OrgUnit]:
    """Units the viewer's scope covers, parents before children."""
    units = list(session.scalars(select(OrgUnit).order_by(OrgUnit.id)))
    return [u for u in units if _in_scope(viewer, u)]


def save_unit(session: Session, actor: Staff, data: UnitIn) -> tuple[OrgUnit, bool]:
    """Create or update a unit by code; returns the unit and whether it is new."""
    permissions.require(actor, Permission.ORG_MANAGE)
    parent = org.get_unit_by_code(session, data.parent_code) if data.parent_code else None
    if parent is not None and not _in_scope(actor, parent) and not scope_of(actor).everything:
        raise ValidationFailed(
            "上级单元不在您的管理范围内",
            "The parent unit is outside your scope",
            code="unit_out_of_scope",
        )
    unit = session.scalar(select(OrgUnit).where(OrgUnit.code == data.code))
    created = unit is None
    before = (
        None
        if unit is None
        else {
            c: getattr(unit, c)
            for c in ("name", "kind", "region_code", "open_time", "close_time", "workdays_only")
        }
    )
    if unit is None:
        unit = OrgUnit(code=data.code)
        session.add(unit)
    unit.name, unit.kind, unit.region_code = data.name, data.kind, data.region_code
    unit.parent_id = parent.id if parent else None
    unit.open_time, unit.close_time, unit.workdays_only = (
        data.open_time,
        data.close_time,
        data.workdays_only,
    )
    session.flush()
    audit.record(
        session,
        actor,
        "unit_saved",
        "org_unit",
        data.code,
        before=before,
        after=data.model_dump(mode="json"),
    )
    return unit, created


def list_staff(session: Session, viewer: Staff) -> list[Staff]:
    permissions.require(viewer, Permission.ORG_MANAGE)
    rows = session.scalars(select(Staff).order_by(Staff.username))
    return [s for s in rows if _in_scope(viewer, s.unit) and s.username != SYSTEM_USERNAME]


def add_staff(session: Session, actor: Staff, data: StaffIn) -> Staff:
    permissions.require(actor, Permission.ORG_MANAGE)
    unit = org.get_unit_by_code(session, data.unit_code)
    if not _in_scope(actor, unit):
        raise ValidationFailed(
            "单元不在您的管理范围内", "The unit is outside your scope", code="unit_out_of_scope"
        )
    staff = org.create_staff(
        session,
        username=data.username,
        display_name=data.display_name,
        password=data.password,
        unit=unit,
        role=data.role,
    )
    staff.skills = list(data.skills)
    audit.record(
        session, actor, "staff_created", "staff", data.username, role=data.role, unit=data.unit_code
    )
    return staff


def set_skills(session: Session, actor: Staff, username: str, data: SkillsIn) -> Staff:
    permissions.require(actor, Permission.ORG_MANAGE)
    staff = org.get_staff_by_username(session, username)
    before = {"skills": staff.skills, "available": staff.available}
    staff.skills, staff.available = sorted(set(data.skills)), data.available
    audit.record(
        session,
        actor,
        "staff_skills_changed",
        "staff",
        username,
        before=before,
        after=data.model_dump(),
    )
    return staff


# --- CSV import -----------------------------------------------------------------------------


def _rows(text: str, columns: tuple[str, ...]) -> list[tuple[int, dict[str, Any]]]:
    # Size, row count, field length and control characters are bounded there.
    return list(csv_rows.read_rows(text, columns[:4]))


def _invalid(errors: list[dict[str, Any]]) -> ValidationFailed:
    return ValidationFailed(
        f"CSV 有 {len(errors)} 行错误，未导入任何数据",
        f"{len(errors)} CSV row(s) invalid; nothing imported",
        code="csv_invalid",
        details=errors[:50],
    )


def import_units(session: Session, actor: Staff, text: str) -> ImportResult:
    """Units from CSV (columns: code,name,kind,region_code,parent_code,open_time,close_time,
    workdays_only), parents before children. All rows or none: one bad row imports nothing."""
    permissions.require(actor, Permission.ORG_MANAGE)
    parsed, errors = [], []
    for line, row in _rows(text, UNIT_COLUMNS):
        raw = {k: v for k, v in row.items() if k in UNIT_COLUMNS and v != ""}
        raw["workdays_only"] = row.get("workdays_only", "").lower() in ("1", "true", "yes", "是")
        try:
            parsed.append((line, UnitIn.model_validate(raw)))
        except ValidationError as exc:
            errors.append({"line": line, "errors": [e["msg"] for e in exc.errors()]})
    if errors:
        raise _invalid(errors)
    created = updated = 0
    for line, data in parsed:
        try:
            _, new = save_unit(session, actor, data)
        except ValidationFailed as exc:
            errors.append({"line": line, "errors": [exc.message_en]})
            continue
        created, updated = created + new, updated + (not new)
    if errors:
        raise _invalid(errors)
    return ImportResult(created=created, updated=updated)


def import_staff(session: Session, actor: Staff, text: str) -> ImportResult:
    """Staff accounts from CSV (columns: username,display_name,unit_code,role,password,skills —
    skills separated by ';'). Existing usernames are refused; all rows or none."""
    permissions.require(actor, Permission.ORG_MANAGE)
    errors, created = [], 0
    for line, row in _rows(text, STAFF_COLUMNS):
        raw: dict[str, Any] = {k: v for k, v in row.items() if k in STAFF_COLUMNS and v != ""}
        raw["skills"] = [s for s in row.get("skills", "").split(";") if s.strip()]
        try:
            add_staff(session, actor, StaffIn.model_validate(raw))
            created += 1
        except ValidationError as exc:
            errors.append({"line": line, "errors": [e["msg"] for e in exc.errors()]})
        except (ValidationFailed, Exception) as exc:
            errors.append({"line": line, "errors": [getattr(exc, "message_en", str(exc))]})
    if errors:
        raise _invalid(errors)
    return ImportResult(created=created, updated=0)
