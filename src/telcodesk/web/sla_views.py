"""Console pages for time limits: the at-risk queue, SLA policies and the working-day calendar."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import escape
from pydantic import TypeAdapter, ValidationError

from telcodesk.deps import DbDep
from telcodesk.errors import DomainError
from telcodesk.inputs import Day
from telcodesk.org import permissions
from telcodesk.org.permissions import Permission
from telcodesk.sla import admin
from telcodesk.sla.schemas import OverrideIn, PolicyIn
from telcodesk.web.kernel import done
from telcodesk.web.views import ConsoleStaff, error_text, failure, form_fields, lang_of, render

router = APIRouter(include_in_schema=False)

POLICY_FIELDS = (
    "code",
    "name",
    "norm",
    "precedence",
    "match_type",
    "match_category",
    "match_priority",
    "match_tier",
    "match_channel",
    "match_region",
    "response_amount",
    "response_unit",
    "resolution_amount",
    "resolution_unit",
)


@router.get("/console/sla", response_class=RedirectResponse)
def at_risk(staff: ConsoleStaff) -> RedirectResponse:
    """The at-risk queue is a work list (web/worklist_views.py): the clock nearest its breach
    first, paused clocks apart, counts by unit (issue 9 item 1)."""
    permissions.require(staff, Permission.VIEW_AT_RISK)  # 403: the kernel's error page
    return RedirectResponse("/console/orders?queue=at_risk&group=unit", status_code=303)


@router.get("/console/admin/sla", response_class=HTMLResponse)
def policies(request: Request, staff: ConsoleStaff, db: DbDep) -> HTMLResponse:
    return _policies_page(request, staff, db)


def _policies_page(
    request: Request, staff: Any, db: DbDep, error: str | None = None, status: int = 200
) -> HTMLResponse:
    with db.uow() as session:
        rows = admin.list_policies(session)
        return render(
            request,
            "sla/sla_policies.html",
            staff,
            policies=rows,
            error=error,
            status=status,
            editable=permissions.can(staff, Permission.EDIT_SLA_POLICY),
        )


@router.post("/console/admin/sla", response_model=None)
async def save_policy(request: Request, staff: ConsoleStaff, db: DbDep) -> Response:
    form = await form_fields(request)
    raw: dict[str, Any] = {k: form[k] for k in POLICY_FIELDS if form.get(k)}
    raw["active"] = form.get("active") == "1"
    shares = [s for s in form.get("warn_shares", "").replace("，", ",").split(",") if s.strip()]
    if shares:
        raw["warn_shares"] = shares
    try:
        data = PolicyIn.model_validate(raw)
        with db.uow() as session:
            admin.save_policy(session, staff, data)
    except (ValidationError, DomainError) as exc:
        return _policies_page(request, staff, db, *failure(request, exc))
    return done(
        request, "/console/admin/sla", f"已保存时限标准：{data.code}", f"Saved: {data.code}"
    )


@router.get("/console/admin/calendar", response_class=HTMLResponse)
def calendar(request: Request, staff: ConsoleStaff, db: DbDep) -> HTMLResponse:
    return _calendar_page(request, staff, db)


def _calendar_page(
    request: Request,
    staff: Any,
    db: DbDep,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    with db.uow() as session:
        return render(
            request,
            "sla/calendar.html",
            staff,
            overrides=admin.list_overrides(session),
            calendar_status=admin.calendar_status(session),
            error=error,
            status=status,
            editable=permissions.can(staff, Permission.EDIT_CALENDAR),
        )


DAY: TypeAdapter[date] = TypeAdapter(Day)


@router.post("/console/admin/calendar", response_model=None)
async def set_override(request: Request, staff: ConsoleStaff, db: DbDep) -> Response:
    form = await form_fields(request)
    try:
        day = DAY.validate_python(form.get("day", ""))  # years 1900-2200, as the API
        data = OverrideIn(
            is_workday=form.get("is_workday") == "1",
            note=form.get("note", ""),
            region_code=form.get("region_code") or "000000",
        )
        with db.uow() as session:
            moved = admin.set_override(
                session, staff, day, data.is_workday, data.note, data.region_code
            )
    except ValueError as exc:  # a bad date, or a ValidationError (a ValueError too)
        if isinstance(exc, ValidationError):
            return _calendar_page(request, staff, db, error_text(exc, lang_of(request)), 422)
        msg = "日期格式应为 YYYY-MM-DD" if lang_of(request) == "zh" else "Date must be YYYY-MM-DD"
        return _calendar_page(request, staff, db, msg, 422)
    except DomainError as exc:
        return _calendar_page(request, staff, db, error_text(exc, lang_of(request)), exc.status)
    return _recomputed(request, moved)


def _recomputed(request: Request, moved: int) -> Response:
    return done(
        request,
        "/console/admin/calendar",
        f"日历已保存，已重算 {moved} 个未结工单的时限",
        f"Calendar saved; deadlines recomputed on {moved} open clocks",
    )


@router.post("/console/admin/calendar/{override_id}/delete", response_model=None)
def remove_override(override_id: int, request: Request, staff: ConsoleStaff, db: DbDep) -> Response:
    try:
        with db.uow() as session:
            moved = admin.remove_override(session, staff, override_id)
    except DomainError as exc:
        return _calendar_page(request, staff, db, error_text(exc, lang_of(request)), exc.status)
    return _recomputed(request, moved)


@router.get("/console/admin/calendar/banner", response_class=HTMLResponse)
def uncovered_year_banner(request: Request, staff: ConsoleStaff, db: DbDep) -> HTMLResponse:
    """Shown to admins on every page: years the official calendar data does not cover yet."""
    with db.uow() as session:
        status = admin.calendar_status(session)
    text = (status.warning_zh if lang_of(request) == "zh" else status.warning_en) or ""
    if not text or not permissions.can(staff, Permission.EDIT_CALENDAR):
        return HTMLResponse("")
    return HTMLResponse(
        f'<div class="banner" id="calendar-warning"><a href="/console/admin/calendar">'
        f"{escape(text)}</a></div>"
    )
