"""Staffing plan and roster pages 排班 (CC-3): the units a supervisor or duty manager plans,
a plan's intervals with a chart (ECharts, vendored), a roster's grid and its report. The
rules and scope are rostering.service's: another region's unit, plan or roster is 404."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from telcodesk.deps import DbDep
from telcodesk.errors import DomainError
from telcodesk.inputs import MAX_ID
from telcodesk.rostering import service
from telcodesk.rostering.schemas import UNIT_CODE_PATTERN, PlanIn, RosterIn
from telcodesk.web.kernel import ConsoleStaff, done, failure, form_fields, render

router = APIRouter(include_in_schema=False)

UnitCode = Annotated[str, Path(pattern=UNIT_CODE_PATTERN, max_length=40)]
PlanId = Annotated[int, Path(ge=1, le=MAX_ID)]
RosterId = Annotated[int, Path(ge=1, le=MAX_ID)]
# Form field -> PlanIn field, for the numbers typed in the plan form.
PLAN_NUMBERS = (
    "total_calls", "aht_seconds", "target_sl", "answer_seconds", "max_occupancy", "shrinkage",
    "patience_seconds",
)  # fmt: skip


def _units_page(
    request: Request, staff: ConsoleStaff, db: DbDep, error: str | None = None, status: int = 200
) -> HTMLResponse:
    with db.uow() as session:
        units = service.units_in_scope(session, staff)
        plans = {u.code: service.plans_of(session, staff, u.code)[:10] for u in units}
        rosters = {u.code: service.rosters_of(session, staff, u.code)[:10] for u in units}
        return render(
            request, "rostering/units.html", staff, status=status, error=error, units=units,
            plans=plans, rosters=rosters,
        )  # fmt: skip


@router.get("/console/staffing", response_class=HTMLResponse)
def units_page(request: Request, staff: ConsoleStaff, db: DbDep) -> HTMLResponse:
    return _units_page(request, staff, db)


def _plan_in(fields: dict[str, str]) -> PlanIn:
    data: dict[str, Any] = {k: fields[k] for k in ("day", "name", "model") if k in fields}
    data["interval_minutes"] = 60 if fields.get("interval_minutes") == "60" else 30
    for key in PLAN_NUMBERS:
        if key in fields:
            data[key] = fields[key]
    if "calls" in fields:
        data["calls"] = [c for c in fields["calls"].replace("，", ",").split(",") if c.strip()]
    return PlanIn.model_validate(data)


@router.post("/console/staffing/{unit}/plans", response_model=None)
async def create_plan(request: Request, unit: UnitCode, staff: ConsoleStaff, db: DbDep) -> Response:
    fields = await form_fields(request)
    try:
        data = _plan_in(fields)
        with db.uow() as session:
            row = service.create_plan(session, staff, unit, data)
            plan_id = row.id
    except (DomainError, ValidationError) as exc:
        return _units_page(request, staff, db, *failure(request, exc))
    return done(request, f"/console/staffing/plans/{plan_id}", "排班需求已计算", "Plan computed")


def _plan_page(
    request: Request,
    staff: ConsoleStaff,
    db: DbDep,
    plan_id: int,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    with db.uow() as session:
        row, unit = service.get_plan(session, staff, plan_id)
        rosters = [r for r in service.rosters_of(session, staff, unit.code) if r.plan_id == row.id]
        return render(
            request, "rostering/plan.html", staff, status=status, error=error, plan=row,
            unit=unit, rosters=rosters,
        )  # fmt: skip


@router.get("/console/staffing/plans/{plan_id}", response_class=HTMLResponse)
def plan_page(request: Request, plan_id: PlanId, staff: ConsoleStaff, db: DbDep) -> HTMLResponse:
    return _plan_page(request, staff, db, plan_id)


def _roster_in(fields: dict[str, str]) -> RosterIn:
    names = ("min_rest_days", "max_consecutive_days", "max_consecutive_nights", "min_rest_hours")
    rules: dict[str, object] = {k: fields[k] for k in names if k in fields}
    requests = []
    for line in fields.get("leave", "").splitlines():
        username, _, day = line.strip().partition(":")
        if username:
            requests.append({"username": username.strip(), "day": day.strip(), "kind": "off"})
    return RosterIn.model_validate(
        {
            "start_day": fields.get("start_day"),
            "weeks": fields.get("weeks", "1"),
            "time_limit_s": fields.get("time_limit_s", "10"),
            "rules": rules | {"hard_cover": fields.get("hard_cover") == "1"},
            "requests": requests,
        }
    )


@router.post("/console/staffing/plans/{plan_id}/rosters", response_model=None)
async def solve_roster(
    request: Request, plan_id: PlanId, staff: ConsoleStaff, db: DbDep
) -> Response:
    fields = await form_fields(request)
    try:
        data = _roster_in(fields)
        with db.uow() as session:
            roster_id = service.solve_roster(session, staff, plan_id, data).id
    except (DomainError, ValidationError) as exc:
        message, status = failure(request, exc)
        if isinstance(exc, service.RosterInfeasible):
            message += " (" + ", ".join(exc.details["rules"]) + ")"
        return _plan_page(request, staff, db, plan_id, message, status)
    return done(request, f"/console/staffing/rosters/{roster_id}", "排班表已生成", "Roster solved")


@router.get("/console/staffing/rosters/{roster_id}", response_class=HTMLResponse)
def roster_page(
    request: Request, roster_id: RosterId, staff: ConsoleStaff, db: DbDep
) -> HTMLResponse:
    with db.uow() as session:
        row, unit = service.get_roster(session, staff, roster_id)
        grid = service.grid(session, row)
        days = [service.day_of(row, d) for d in range(row.days)]
        plan, _ = service.get_plan(session, staff, row.plan_id)
        return render(
            request, "rostering/roster.html", staff, roster=row, unit=unit, grid=grid,
            days=days, plan=plan,
        )  # fmt: skip
