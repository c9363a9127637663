"""Managing the organisation: units (HQ → province → city → halls, centres, departments) and
staff accounts, in the console, the API and by CSV import (CC-1). Every change is audited."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import column, func, select, table
from sqlalchemy.orm import Session

from telcodesk import csv_rows
from telcodesk.audit import service as audit
from telcodesk.errors import Conflict, NotFound, ValidationFailed
from telcodesk.org import permissions, tree
from telcodesk.org import service as org
from telcodesk.org.admin_schemas import ImportResult, SkillsIn, StaffIn, UnitIn
from telcodesk.org.models import OrgUnit, Staff
from telcodesk.org.permissions import Permission
from telcodesk.org.roles import ASSIGNABLE_ROLES, SYSTEM_USERNAME, Role, UnitKind
from telcodesk.org.scope import covers_region, out_of_scope, scope_of

SYSTEM_ACCOUNT = SYSTEM_USERNAME  # the worker's account: no admin lists or changes it
UNIT_FIELDS = ("name", "kind", "region_code", "open_time", "close_time", "workdays_only")

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
    return covers_region(scope_of(viewer), unit.region_code)


def _unit_not_found(code: str) -> NotFound:
    return NotFound("组织单元不存在", f"Unknown unit {code!r}", code="unit_not_found")


def visible_unit(session: Session, viewer: Staff, code: str) -> OrgUnit:
    """A unit in the viewer's region; any other answers 404, as if it did not exist."""
    unit = session.scalar(select(OrgUnit).where(OrgUnit.code == code))
    if unit is None or not _in_scope(viewer, unit):
        raise _unit_not_found(code)
    return unit


def visible_staff(session: Session, viewer: Staff, username: str) -> Staff:
    """An account of the viewer's region (disabled ones included); others answer 404."""
    staff = session.scalar(select(Staff).where(Staff.username == username))
    if staff is None or not _in_scope(viewer, staff.unit) or staff.username == SYSTEM_ACCOUNT:
        raise NotFound("员工不存在", f"Unknown staff member {username!r}", code="staff_not_found")
    return staff


def list_units(session: Session, viewer: Staff) -> list[OrgUnit]:
    """Units the viewer's scope covers, parents before children."""
    units = list(session.scalars(select(OrgUnit).order_by(OrgUnit.id)))
    return [u for u in units if _in_scope(viewer, u)]


def _parents(session: Session) -> dict[int, int | None]:
    return {i: p for i, p in session.execute(select(OrgUnit.id, OrgUnit.parent_id))}


def _open_orders(session: Session, unit: OrgUnit) -> int:
    # Read-only look at the orders' table, by name: org sits below workorders on the ladder.
    orders = table("work_order", column("handling_unit_id"), column("status"))
    stmt = select(func.count()).where(
        orders.c.handling_unit_id == unit.id, orders.c.status.not_in(("invalid", "archived"))
    )
    return int(session.scalar(stmt) or 0)


def save_unit(session: Session, actor: Staff, data: UnitIn) -> tuple[OrgUnit, bool]:
    """Create or update a unit by code; returns the unit and whether it is new.

    Scope (CD-2) is checked on the unit as it is (another region's unit answers 404) and as
    it would become (parent, kind and region inside the actor's region, else 403); the tree
    rules (org/tree.py) on the unit, its new parent and its children (422). Moving a unit —
    a new parent, kind or region — is audited apart, with its staff and open orders."""
    permissions.require(actor, Permission.ORG_MANAGE)
    scope = scope_of(actor)
    unit = session.scalar(select(OrgUnit).where(OrgUnit.code == data.code))
    if unit is not None and not _in_scope(actor, unit):
        raise _unit_not_found(data.code)
    parent = org.get_unit_by_code(session, data.parent_code) if data.parent_code else None
    if not covers_region(scope, data.region_code):
        raise out_of_scope(f"行政区划 {data.region_code} ", f"Region {data.region_code}")
    moved_parent = unit is None or (parent.id if parent else None) != unit.parent_id
    if parent is not None and moved_parent and not _in_scope(actor, parent):
        raise out_of_scope(f"上级单元 {parent.code} ", f"Parent unit {parent.code}")
    where = (UnitKind(parent.kind), parent.region_code) if parent else None
    problem = tree.problem(data.kind, data.region_code, where)
    if problem is not None:
        raise ValidationFailed(problem[1], problem[2], code=problem[0])
    parents = _parents(session) if unit is not None and parent is not None else {}
    if (
        unit is not None
        and parent is not None
        and tree.would_cycle(unit.id, parent.id, parents.get)
    ):
        raise ValidationFailed(
            "上级单元不能是该单元自身或其下级（会形成环）",
            "The parent cannot be the unit itself or one below it (a cycle)",
            code="unit_cycle",
        )
    before = None if unit is None else {c: getattr(unit, c) for c in UNIT_FIELDS}
    if unit is not None and (data.kind != unit.kind or data.region_code != unit.region_code):
        children = session.scalars(select(OrgUnit).where(OrgUnit.parent_id == unit.id))
        for child in children:
            misfit = tree.problem(
                UnitKind(child.kind), child.region_code, (data.kind, data.region_code)
            )
            if misfit is not None:
                raise ValidationFailed(
                    f"下级单元 {child.code} 将不再适合：{misfit[1]}",
                    f"Child unit {child.code} would no longer fit: {misfit[2]}",
                    code="unit_children_misfit",
                )
    created = unit is None
    if unit is None:
        unit = OrgUnit(code=data.code)
        session.add(unit)
    old_parent = None if created else unit.parent
    unit.name, unit.kind, unit.region_code = data.name, data.kind, data.region_code
    unit.parent_id = parent.id if parent else None
    unit.parent = parent
    unit.open_time, unit.close_time, unit.workdays_only = (
        data.open_time,
        data.close_time,
        data.workdays_only,
    )
    session.flush()
    after = data.model_dump(mode="json")
    audit.record(session, actor, "unit_saved", "org_unit", data.code, before=before, after=after)
    if before is not None and (
        moved_parent or before["kind"] != unit.kind or before["region_code"] != unit.region_code
    ):
        staff = session.scalar(select(func.count()).where(Staff.unit_id == unit.id)) or 0
        audit.record(
            session,
            actor,
            "unit_moved",
            "org_unit",
            data.code,
            before={**before, "parent_code": old_parent.code if old_parent else None},
            after=after,
            staff=int(staff),
            open_orders=_open_orders(session, unit),
        )
    return unit, created


def list_staff(session: Session, viewer: Staff) -> list[Staff]:
    permissions.require(viewer, Permission.ORG_MANAGE)
    rows = session.scalars(select(Staff).order_by(Staff.username))
    return [s for s in rows if _in_scope(viewer, s.unit) and s.username != SYSTEM_ACCOUNT]


def grantable_roles(actor: Staff) -> list[Role]:
    """Roles the admin may give: at or below its own level. Only a nationwide (HQ) admin
    makes HQ admins; the system account's role is never given by hand (CD-2)."""
    nationwide = scope_of(actor).everything and permissions.can(actor, Permission.ORG_MANAGE)
    return [r for r in Role if r in ASSIGNABLE_ROLES and (nationwide or r != Role.HQ_ADMIN)]


def require_grantable(actor: Staff, role: Role) -> None:
    if role not in grantable_roles(actor):
        raise out_of_scope(f"角色「{role}」", f"The role {role}")


def placeable_unit(session: Session, actor: Staff, code: str) -> OrgUnit:
    """A unit the admin may put an account in: in the admin's region (else 403)."""
    unit = org.get_unit_by_code(session, code)
    if not _in_scope(actor, unit):
        raise out_of_scope(f"单元 {code} ", f"Unit {code}")
    return unit


def add_staff(session: Session, actor: Staff, data: StaffIn) -> Staff:
    """A new account in the admin's region, with a role at or below the admin's level. The
    initial password meets the one policy (CD-2) and must be changed at the first login."""
    permissions.require(actor, Permission.ORG_MANAGE)
    unit = placeable_unit(session, actor, data.unit_code)
    require_grantable(actor, data.role)
    staff = org.create_staff(
        session,
        username=data.username,
        display_name=data.display_name,
        password=data.password,
        unit=unit,
        role=data.role,
        must_change_password=True,
    )
    staff.skills = list(data.skills)
    audit.record(
        session, actor, "staff_created", "staff", data.username, role=data.role, unit=data.unit_code
    )
    return staff


def set_skills(session: Session, actor: Staff, username: str, data: SkillsIn) -> Staff:
    permissions.require(actor, Permission.ORG_MANAGE)
    staff = visible_staff(session, actor, username)
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
    skills separated by ';'). Existing usernames are refused; all rows or none. A row outside
    the admin's region (unit, role) refuses the whole file with 403, as the API would."""
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
        except (ValidationFailed, Conflict, NotFound) as exc:  # a bad row; a 403 stops it all
            errors.append({"line": line, "errors": [exc.message_en]})
    if errors:
        raise _invalid(errors)
    return ImportResult(created=created, updated=0)
