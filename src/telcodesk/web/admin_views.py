"""Console pages for auditors and admins: the audit log (CD-2) and the organisation (CC-1)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from telcodesk import clock, csv_rows
from telcodesk.audit import service as audit
from telcodesk.audit.schemas import AuditFilter, AuditOut
from telcodesk.deps import DbDep
from telcodesk.errors import DomainError, NotFound, ValidationFailed
from telcodesk.labels import Label
from telcodesk.org import accounts, admin
from telcodesk.org.admin_schemas import PasswordResetIn, StaffIn, UnitChangeIn, UnitIn
from telcodesk.org.roles import ROLE_LABELS, UnitKind
from telcodesk.org.schemas import RoleIn
from telcodesk.org.scope import scope_of
from telcodesk.org.security import PASSWORD_MIN_LENGTH
from telcodesk.web import audit_format  # noqa: F401  (the audit view's detail rendering)
from telcodesk.web.views import (
    ConsoleStaff,
    done,
    error_text,
    failure,
    form_fields,
    lang_of,
    render,
    templates,
)

router = APIRouter(include_in_schema=False)
# The one password policy (CD-2): the forms' minlength says what the service checks.
templates.env.globals["password_min_length"] = PASSWORD_MIN_LENGTH


@router.get("/console/audit", response_class=HTMLResponse)
def audit_log(request: Request, staff: ConsoleStaff, db: DbDep) -> HTMLResponse:
    params = {k: v.strip() for k, v in request.query_params.items() if v.strip()}
    error, next_cursor = None, None
    items: list[AuditOut] = []
    try:
        f = AuditFilter.model_validate({k: v for k, v in params.items() if k != "before_id"})
        before = int(params["before_id"]) if params.get("before_id", "").isdigit() else None
        with db.uow() as session:
            items, next_cursor = audit.search(session, staff, f, before_id=before, limit=100)
    except DomainError as exc:
        return render(
            request,
            "error.html",
            staff,
            status=exc.status,
            heading=error_text(exc, lang_of(request)),
        )
    except ValidationError as exc:
        f, error = AuditFilter(), error_text(exc, lang_of(request))
    query = [(k, v) for k, v in params.items() if k != "before_id"]
    next_url = "?" + urlencode([*query, ("before_id", next_cursor)]) if next_cursor else None
    return render(
        request, "audit/audit.html", staff, items=items, filters=f, next_url=next_url, error=error
    )


@router.get("/console/admin/org", response_class=HTMLResponse)
def organisation(request: Request, staff: ConsoleStaff, db: DbDep) -> HTMLResponse:
    return _org_page(request, staff, db)


def _org_page(
    request: Request,
    staff: Any,
    db: DbDep,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    try:
        with db.uow() as session:
            units = admin.list_units(session, staff)
            people = admin.list_staff(session, staff)
            by_parent: dict[int | None, list[Any]] = {}
            ids = {u.id for u in units}
            for u in units:  # a unit whose parent is out of scope is shown as a root
                by_parent.setdefault(u.parent_id if u.parent_id in ids else None, []).append(u)
            return render(
                request,
                "org/org.html",
                staff,
                status=status,
                by_parent=by_parent,
                people=people,
                units=units,
                # Only what the admin may create: HQ units and roles for HQ alone (CD-2).
                kinds=[k for k in UnitKind if k != UnitKind.HQ or scope_of(staff).everything],
                roles=ROLE_LABELS,
                grantable={r: ROLE_LABELS[r] for r in admin.grantable_roles(staff)},
                now=clock.now(),
                error=error,
            )
    except DomainError as exc:
        return render(
            request,
            "error.html",
            staff,
            status=exc.status,
            heading=error_text(exc, lang_of(request)),
        )


@router.post("/console/admin/org/units", response_model=None)
async def save_unit(request: Request, staff: ConsoleStaff, db: DbDep) -> Response:
    form = await form_fields(request)
    form["workdays_only"] = "true" if form.get("workdays_only") == "1" else "false"
    try:
        data = UnitIn.model_validate(form)
        with db.uow() as session:
            admin.save_unit(session, staff, data)
    except (ValidationError, DomainError) as exc:
        return _org_page(request, staff, db, *failure(request, exc))
    return done(
        request, "/console/admin/org", f"已保存单元：{data.code}", f"Unit saved: {data.code}"
    )


@router.post("/console/admin/org/staff", response_model=None)
async def add_staff(request: Request, staff: ConsoleStaff, db: DbDep) -> Response:
    form = await form_fields(request)
    raw: dict[str, Any] = {
        **form,
        "skills": [s for s in form.get("skills", "").split(",") if s.strip()],
    }
    try:
        data = StaffIn.model_validate(raw)
        with db.uow() as session:
            admin.add_staff(session, staff, data)
    except (ValidationError, DomainError) as exc:
        return _org_page(request, staff, db, *failure(request, exc))
    return done(
        request,
        "/console/admin/org",
        f"已新增账号：{data.username}",
        f"Account added: {data.username}",
    )


ACCOUNT_ACTION_LABELS = {
    "disable": Label("已停用", "disabled"),
    "enable": Label("已启用", "enabled"),
    "unlock": Label("已解除锁定", "unlocked"),
    "password": Label(
        "密码已重置，下次登录须修改", "password reset; to be changed at next sign-in"
    ),
    "role": Label("角色已变更", "role changed"),
    "unit": Label("所属单元已调整", "moved to another unit"),
}
ACCOUNT_ACTIONS = tuple(ACCOUNT_ACTION_LABELS)


@router.post("/console/admin/org/staff/{username}/{action}", response_model=None)
async def account_action(
    username: str, action: str, request: Request, staff: ConsoleStaff, db: DbDep
) -> Response:
    """Account administration (CD-2): disable, enable, unlock, reset the password, change the
    role or the unit — the same use cases, scope checks and audit as the API."""
    form = await form_fields(request)
    try:
        if action not in ACCOUNT_ACTIONS:
            raise NotFound("没有这个操作", f"No such action {action!r}", code="unknown_action")
        with db.uow() as session:
            if action in ("disable", "enable"):
                accounts.set_active(session, staff, username, action == "enable")
            elif action == "unlock":
                accounts.unlock(session, staff, username)
            elif action == "password":
                password = PasswordResetIn.model_validate({"password": form.get("password", "")})
                accounts.reset_password(session, staff, username, password.password)
            elif action == "role":
                role = RoleIn.model_validate({"role": form.get("role", "")})
                accounts.set_role(session, staff, username, role.role)
            else:
                unit = UnitChangeIn.model_validate({"unit_code": form.get("unit_code", "")})
                accounts.set_unit(session, staff, username, unit.unit_code)
    except (ValidationError, DomainError) as exc:
        return _org_page(request, staff, db, *failure(request, exc))
    label = ACCOUNT_ACTION_LABELS[action]
    return done(request, "/console/admin/org", f"{username}：{label.zh}", f"{username}: {label.en}")


@router.post("/console/admin/org/import", response_model=None)
async def import_csv(request: Request, staff: ConsoleStaff, db: DbDep) -> Response:
    form = await request.form()
    upload, what = form.get("file"), form.get("what")
    try:
        if upload is None or isinstance(upload, str):
            raise ValueError("no file")
        text = csv_rows.decode(await upload.read(csv_rows.MAX_BYTES + 1))
    except (ValueError, ValidationFailed):
        msg = (
            "请上传 UTF-8 编码的 CSV 文件（不超过 1 MB）"
            if lang_of(request) == "zh"
            else "Upload a UTF-8 CSV (max 1 MB)"
        )
        return _org_page(request, staff, db, msg, 422)
    try:
        with db.uow() as session:
            result = (admin.import_staff if what == "staff" else admin.import_units)(
                session, staff, text
            )
    except DomainError as exc:
        detail = "; ".join(f"L{e['line']}: {', '.join(e['errors'])}" for e in (exc.details or []))
        return _org_page(
            request, staff, db, f"{error_text(exc, lang_of(request))} {detail}", exc.status
        )
    return done(
        request,
        "/console/admin/org",
        f"导入完成：新增 {result.created}，更新 {result.updated}",
        f"Imported: {result.created} added, {result.updated} updated",
    )
