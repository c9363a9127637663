"""Staffing plans and rosters (CC-3): use cases with the actor's scope checked here, so the
API, the console and the CLI obey the same rules. Services flush, never commit.

Who: holders of ``staffing_plan`` (supervisors, hall duty managers, admins) for a call centre
or a hall in their region; a unit outside it answers 404 like one that does not exist (CD-2),
and so do its plans and rosters. People on a roster are active agents of the unit.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from telcodesk import clock
from telcodesk.audit import service as audit
from telcodesk.errors import NotFound, ValidationFailed
from telcodesk.org.models import OrgUnit, Staff
from telcodesk.org.permissions import Permission, require
from telcodesk.org.roles import Role, UnitKind
from telcodesk.org.scope import covers_region, scope_of
from telcodesk.rostering import plan as plans
from telcodesk.rostering import solver
from telcodesk.rostering.models import Roster, RosterShift, StaffingPlan
from telcodesk.rostering.schemas import PlanIn, RosterIn

UNIT_KINDS = (UnitKind.CALL_CENTRE, UnitKind.HALL)
# Who is rostered: the people on the phones and at the counters.
ROSTERED_ROLES = (Role.HOTLINE_AGENT, Role.HALL_AGENT, Role.COMPLAINT_HANDLER)


class UnitNotFound(NotFound):
    code = "staffing_unit_not_found"
    message_zh = "呼叫中心或营业厅不存在"
    message_en = "Unknown call centre or hall"


class PlanNotFound(NotFound):
    code = "staffing_plan_not_found"
    message_zh = "排班需求计划不存在"
    message_en = "Unknown staffing plan"


class RosterNotFound(NotFound):
    code = "roster_not_found"
    message_zh = "排班表不存在"
    message_en = "Unknown roster"


class RosterInfeasible(ValidationFailed):
    code = "roster_infeasible"
    message_zh = "排班规则相互冲突,无法排出班表"
    message_en = "The rules cannot all be met: no roster exists"


class RosterTimeout(ValidationFailed):
    code = "roster_timeout"
    message_zh = "在时限内未找到班表,请放宽规则或延长时限"
    message_en = "No roster found within the time limit; relax the rules or allow more time"


def unit_for(session: Session, actor: Staff, code: str) -> OrgUnit:
    """The call centre or hall ``code`` if the actor may plan it (their permission, the unit
    in their region); otherwise 403 for the permission, 404 for the unit."""
    require(actor, Permission.STAFFING_PLAN)
    unit = session.scalar(select(OrgUnit).where(OrgUnit.code == code))
    if unit is None or unit.kind not in UNIT_KINDS:
        raise UnitNotFound()
    if not covers_region(scope_of(actor), unit.region_code):
        raise UnitNotFound()
    return unit


def units_in_scope(session: Session, actor: Staff) -> list[OrgUnit]:
    require(actor, Permission.STAFFING_PLAN)
    scope = scope_of(actor)
    rows = session.scalars(
        select(OrgUnit).where(OrgUnit.kind.in_(UNIT_KINDS)).order_by(OrgUnit.code)
    )
    return [u for u in rows if covers_region(scope, u.region_code)]


def _in_scope(session: Session, actor: Staff, unit_id: int) -> OrgUnit | None:
    require(actor, Permission.STAFFING_PLAN)
    unit = session.get(OrgUnit, unit_id)
    if unit is None or not covers_region(scope_of(actor), unit.region_code):
        return None
    return unit


# --- plans -----------------------------------------------------------------------------------


def forecast_of(data: PlanIn, unit: OrgUnit) -> plans.Forecast:
    calls = data.calls
    if calls is None:
        assert data.total_calls is not None
        calls = plans.day_profile(
            data.total_calls,
            data.interval_minutes,
            unit.open_time or "00:00",
            unit.close_time or "24:00",
        )
    f = plans.Forecast(
        calls=calls,
        interval_minutes=data.interval_minutes,
        aht_seconds=data.aht_seconds,
        target_sl=data.target_sl,
        answer_seconds=data.answer_seconds,
        max_occupancy=data.max_occupancy,
        shrinkage=data.shrinkage,
        patience_seconds=data.patience_seconds,
        model=data.model,
    )
    if plans.peak_load(f) > plans.MAX_LOAD:
        raise ValidationFailed(
            f"单个时段话务量超过 {plans.MAX_LOAD:.0f} 爱尔兰,请按技能组分别制定计划",
            f"More than {plans.MAX_LOAD:.0f} Erlangs in one interval: plan per skill group",
            code="plan_load_too_high",
            details={"peak_erlangs": round(plans.peak_load(f), 1)},
        )
    return f


def create_plan(session: Session, actor: Staff, unit_code: str, data: PlanIn) -> StaffingPlan:
    """A day's plan: per interval, the agents Erlang C and Erlang A need (CC-3)."""
    unit = unit_for(session, actor, unit_code)
    f = forecast_of(data, unit)
    intervals = plans.plan(f)
    row = StaffingPlan(
        unit_id=unit.id,
        day=data.day,
        name=data.name,
        interval_minutes=f.interval_minutes,
        model=f.model,
        forecast={k: v for k, v in asdict(f).items() if k != "calls"} | {"calls": list(f.calls)},
        intervals=plans.as_data(intervals),
        totals=asdict(plans.totals(f, intervals)),
        created_by=actor.id,
        created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    audit.record(session, actor, "staffing_plan_create", "staffing_plan", row.id, unit=unit.code)
    return row


def get_plan(session: Session, actor: Staff, plan_id: int) -> tuple[StaffingPlan, OrgUnit]:
    row = session.get(StaffingPlan, plan_id)
    unit = _in_scope(session, actor, row.unit_id) if row else None
    if row is None or unit is None:
        raise PlanNotFound()
    return row, unit


def plans_of(session: Session, actor: Staff, unit_code: str) -> list[StaffingPlan]:
    unit = unit_for(session, actor, unit_code)
    return list(
        session.scalars(
            select(StaffingPlan)
            .where(StaffingPlan.unit_id == unit.id)
            .order_by(StaffingPlan.day.desc(), StaffingPlan.id.desc())
            .limit(100)
        )
    )


# --- rosters ---------------------------------------------------------------------------------


def default_shifts(unit: OrgUnit, interval_minutes: int) -> list[solver.Shift]:
    """A call centre round the clock: morning, day, evening and night; a hall: an opening
    shift, a middle one and a closing one within its hours."""
    if unit.kind == UnitKind.HALL:
        opens = unit.open_time or "08:30"
        closes = unit.close_time or "18:30"
        oh, om = map(int, opens.split(":"))
        ch, cm = map(int, closes.split(":"))
        start, end = oh * 60 + om, ch * 60 + cm
        step = interval_minutes
        middle = (start + (end - start - 8 * 60) // 2) // step * step
        late = max(start, end - 8 * 60) // step * step

        def at(minutes: int) -> str:
            return f"{minutes // 60:02d}:{minutes % 60:02d}"

        return [
            solver.Shift("M", at(start // step * step), 8),
            solver.Shift("D", at(middle), 8),
            solver.Shift("E", at(late), 8),
        ]
    return [
        solver.Shift("M", "07:00", 8),
        solver.Shift("D", "10:00", 8),
        solver.Shift("E", "15:00", 8),
        solver.Shift("N", "23:00", 8, night=True),
    ]


def _people(session: Session, unit: OrgUnit, usernames: list[str] | None) -> list[Staff]:
    query = select(Staff).where(Staff.unit_id == unit.id, Staff.active).order_by(Staff.username)
    if usernames is None:
        return list(session.scalars(query.where(Staff.role.in_(ROSTERED_ROLES))))
    found = {s.username: s for s in session.scalars(query.where(Staff.username.in_(usernames)))}
    missing = sorted(set(usernames) - found.keys())
    if missing:
        raise ValidationFailed(
            "排班人员须为本单位在岗员工: " + ", ".join(missing),
            "People on a roster must be active staff of the unit: " + ", ".join(missing),
            code="roster_unknown_person",
            details={"usernames": missing},
        )
    return [found[u] for u in sorted(found)]


def solve_roster(session: Session, actor: Staff, plan_id: int, data: RosterIn) -> Roster:
    """People onto shifts for whole weeks against the plan (CP-SAT, in the time limit); the
    report says the under- and over-cover per interval and which rules bind. Infeasible rules
    answer 422 ``roster_infeasible`` naming the rules in conflict; nothing is stored."""
    row, unit = get_plan(session, actor, plan_id)
    people = _people(session, unit, data.people)
    if not people:
        raise ValidationFailed(
            "该单位没有可排班的员工",
            "The unit has no agents to roster",
            code="roster_no_people",
        )
    days = data.weeks * 7
    shifts = (
        [solver.Shift(s.code, s.start, s.hours, s.night) for s in data.shifts]
        if data.shifts
        else default_shifts(unit, row.interval_minutes)
    )
    by_name = {p.username: p.id for p in people}
    requests = []
    for q in data.requests:
        offset = (q.day - data.start_day).days
        if q.username not in by_name or not 0 <= offset < days:
            raise ValidationFailed(
                "请求的人员不在班表中或日期超出班表",
                f"Request for {q.username} on {q.day}: not on the roster or outside its days",
                code="roster_bad_request",
            )
        requests.append(solver.Request(by_name[q.username], offset, q.kind, q.shift))
    rules = solver.Rules(
        min_rest_days=data.rules.min_rest_days,
        max_consecutive_days=data.rules.max_consecutive_days,
        max_consecutive_nights=data.rules.max_consecutive_nights,
        min_rest_hours=data.rules.min_rest_hours,
        forbidden=tuple((a, b) for a, b in data.rules.forbidden),
        hard_cover=data.rules.hard_cover,
    )
    need = plans.demand(row.intervals, row.model)
    problem = solver.Problem(
        people=[p.id for p in people],
        days=days,
        interval_minutes=row.interval_minutes,
        demand=[need] * days,
        shifts=shifts,
        rules=rules,
        requests=requests,
    )
    try:
        solver.check(problem)
    except ValueError as exc:
        raise ValidationFailed(
            "班次或请求不符合计划: " + str(exc), str(exc), code="roster_bad_input"
        ) from exc
    try:
        found = solver.solve(problem, seconds=data.time_limit_s, explain=data.explain)
    except solver.Infeasible as exc:
        raise RosterInfeasible(details={"rules": exc.families}) from exc
    except solver.SolverTimeout as exc:
        raise RosterTimeout() from exc
    names = {p.id: p.username for p in people}
    roster = Roster(
        unit_id=unit.id,
        plan_id=row.id,
        start_day=data.start_day,
        days=days,
        status=found.status,
        shifts=[asdict(s) for s in shifts],
        rules=asdict(rules) | {"forbidden": sorted(solver.forbidden_pairs(shifts, rules))},
        requests=[q.model_dump(mode="json") for q in data.requests],
        report={
            "people": [p.id for p in people],
            "demand": need,
            "cover": found.cover,
            "under": found.under,
            "over": found.over,
            "under_total": sum(map(sum, found.under)),
            "over_total": sum(map(sum, found.over)),
            "demand_total": sum(need) * days,
            "requests_unmet": [
                {"username": names[q.person], "day": str(data.start_day + timedelta(q.day))}
                | {"kind": q.kind, "shift": q.shift}
                for q in found.requests_unmet
            ],
            "binding": found.binding,
            "at_limit": found.at_limit,
            "objective": found.objective,
            "seconds": round(found.seconds, 3),
            "time_limit_s": data.time_limit_s,
        },
        created_by=actor.id,
        created_at=clock.now(),
    )
    session.add(roster)
    session.flush()
    session.add_all(
        RosterShift(
            roster_id=roster.id,
            staff_id=person,
            day=data.start_day + timedelta(d),
            shift_code=code,
        )
        for (person, d), code in sorted(found.assignments.items())
    )
    session.flush()
    audit.record(
        session, actor, "roster_solve", "staffing_roster", roster.id, unit=unit.code, plan=row.id
    )
    return roster


def get_roster(session: Session, actor: Staff, roster_id: int) -> tuple[Roster, OrgUnit]:
    row = session.get(Roster, roster_id)
    unit = _in_scope(session, actor, row.unit_id) if row else None
    if row is None or unit is None:
        raise RosterNotFound()
    return row, unit


def rosters_of(session: Session, actor: Staff, unit_code: str) -> list[Roster]:
    unit = unit_for(session, actor, unit_code)
    return list(
        session.scalars(
            select(Roster)
            .where(Roster.unit_id == unit.id)
            .order_by(Roster.start_day.desc(), Roster.id.desc())
            .limit(100)
        )
    )


def grid(session: Session, roster: Roster) -> list[tuple[Staff, list[str | None]]]:
    """Per person, the shift code of each day (None: a day off), people by username."""
    ids = roster.report.get("people", [])
    assert isinstance(ids, list)
    empty: list[str | None] = [None] * roster.days
    people = {
        p.id: (p, list(empty)) for p in session.scalars(select(Staff).where(Staff.id.in_(ids)))
    }
    for shift in session.scalars(select(RosterShift).where(RosterShift.roster_id == roster.id)):
        people[shift.staff_id][1][(shift.day - roster.start_day).days] = shift.shift_code
    return sorted(people.values(), key=lambda e: e[0].username)


def day_of(roster: Roster, index: int) -> date:
    return roster.start_day + timedelta(index)
