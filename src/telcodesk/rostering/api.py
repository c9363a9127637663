"""Staffing plan and roster API (CC-3): supervisors and hall duty managers of the unit's
region (bearer token); another region's unit, plan or roster answers 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from sqlalchemy.orm import Session

from telcodesk.deps import ApiStaff, DbDep
from telcodesk.inputs import MAX_ID
from telcodesk.org.models import OrgUnit
from telcodesk.rostering import service
from telcodesk.rostering.models import Roster, StaffingPlan
from telcodesk.rostering.schemas import (
    UNIT_CODE_PATTERN,
    AssignmentOut,
    IntervalOut,
    PlanIn,
    PlanOut,
    PlanSummaryOut,
    RosterIn,
    RosterOut,
)

router = APIRouter(prefix="/api/v1/staffing", tags=["staffing"])

UnitCode = Annotated[str, Path(pattern=UNIT_CODE_PATTERN, max_length=40)]
PlanId = Annotated[int, Path(ge=1, le=MAX_ID)]
RosterId = Annotated[int, Path(ge=1, le=MAX_ID)]


def plan_out(row: StaffingPlan, unit: OrgUnit) -> PlanOut:
    return PlanOut(
        id=row.id,
        unit=unit.code,
        day=row.day,
        name=row.name,
        interval_minutes=row.interval_minutes,
        model=row.model,
        forecast=row.forecast,
        totals={k: float(v) for k, v in row.totals.items()},  # type: ignore[arg-type]
        intervals=[IntervalOut.model_validate(i) for i in row.intervals],
        created_at=row.created_at,
    )


def roster_out(session: Session, row: Roster, unit: OrgUnit) -> RosterOut:
    return RosterOut(
        id=row.id,
        unit=unit.code,
        plan_id=row.plan_id,
        start_day=row.start_day,
        days=row.days,
        status=row.status,
        shifts=row.shifts,
        rules=row.rules,
        requests=row.requests,
        report=row.report,
        people=[
            AssignmentOut(username=p.username, name=p.display_name, shifts=days)
            for p, days in service.grid(session, row)
        ],
        created_at=row.created_at,
    )


@router.post("/units/{unit}/plans", response_model=PlanOut, operation_id="staffing_plan_create")
def create_plan(unit: UnitCode, body: PlanIn, staff: ApiStaff, db: DbDep) -> PlanOut:
    """A day's staffing plan from its forecast: per interval the agents Erlang C and Erlang A
    need, with the service level, ASA, occupancy and abandonment they give (CC-3)."""
    with db.uow() as session:
        row = service.create_plan(session, staff, unit, body)
        return plan_out(row, service.unit_for(session, staff, unit))


@router.get(
    "/units/{unit}/plans", response_model=list[PlanSummaryOut], operation_id="staffing_plans"
)
def list_plans(unit: UnitCode, staff: ApiStaff, db: DbDep) -> list[PlanSummaryOut]:
    """The staffing plans of a unit, newest first (CC-3)."""
    with db.uow() as session:
        return [
            PlanSummaryOut(
                id=p.id,
                unit=unit,
                day=p.day,
                name=p.name,
                model=p.model,
                totals={k: float(v) for k, v in p.totals.items()},  # type: ignore[arg-type]
            )
            for p in service.plans_of(session, staff, unit)
        ]


@router.get("/plans/{plan_id}", response_model=PlanOut, operation_id="staffing_plan_get")
def get_plan(plan_id: PlanId, staff: ApiStaff, db: DbDep) -> PlanOut:
    """One staffing plan with its intervals: agents needed, SL, ASA, occupancy."""
    with db.uow() as session:
        return plan_out(*service.get_plan(session, staff, plan_id))


@router.post(
    "/plans/{plan_id}/rosters", response_model=RosterOut, operation_id="staffing_roster_solve"
)
def solve_roster(plan_id: PlanId, body: RosterIn, staff: ApiStaff, db: DbDep) -> RosterOut:
    """A roster against the plan (OR-Tools CP-SAT in the time limit): shifts per person and
    day, the under- and over-cover per interval, which rules bind. Rules that cannot all hold
    answer 422 ``roster_infeasible`` with the conflicting rules in ``details.rules``."""
    with db.uow() as session:
        row = service.solve_roster(session, staff, plan_id, body)
        return roster_out(session, *service.get_roster(session, staff, row.id))


@router.get("/rosters/{roster_id}", response_model=RosterOut, operation_id="staffing_roster_get")
def get_roster(roster_id: RosterId, staff: ApiStaff, db: DbDep) -> RosterOut:
    """One roster: shifts per person and day, cover against the plan."""
    with db.uow() as session:
        return roster_out(session, *service.get_roster(session, staff, roster_id))
