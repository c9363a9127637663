"""SLA settings admins edit: policies and calendar overrides (audited), the at-risk queue."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from telcodesk import clock, regions
from telcodesk.audit import service as audit
from telcodesk.calendar.models import NATIONWIDE, CalendarOverride
from telcodesk.errors import NotFound, ValidationFailed
from telcodesk.org import permissions
from telcodesk.org.models import Staff
from telcodesk.org.permissions import Permission
from telcodesk.org.scope import covers_region, order_filter, out_of_scope, scope_of
from telcodesk.sla import service
from telcodesk.sla.models import OrderClock, SlaPolicy
from telcodesk.sla.schemas import CalendarStatus, PolicyIn
from telcodesk.workorders import service as workorders
from telcodesk.workorders.models import WorkOrder

# --- calendar overrides -------------------------------------------------------------------


def set_override(
    session: Session,
    actor: Staff,
    day: date,
    is_workday: bool,
    note: str,
    region_code: str = NATIONWIDE,
) -> int:
    """Mark a date working or off; open orders whose clocks span it get new deadlines, each
    change in their history. Returns how many clocks moved."""
    permissions.require(actor, Permission.EDIT_CALENDAR)
    _require_calendar_region(actor, region_code)
    row = session.scalar(
        select(CalendarOverride).where(
            CalendarOverride.day == day, CalendarOverride.region_code == region_code
        )
    )
    if row is None:
        row = CalendarOverride(day=day, region_code=region_code, is_workday=is_workday, note=note)
        session.add(row)
    row.is_workday, row.note, row.updated_by, row.updated_at = (
        is_workday,
        note,
        actor.id,
        clock.now(),
    )
    session.flush()
    audit.record(
        session,
        actor,
        "calendar_override_set",
        "calendar_override",
        f"{day}/{region_code}",
        is_workday=is_workday,
        note=note,
    )
    service.clear_caches()
    return recompute_open_clocks(session, actor, since=day, region_code=region_code)


def remove_override(session: Session, actor: Staff, override_id: int) -> int:
    permissions.require(actor, Permission.EDIT_CALENDAR)
    row = session.get(CalendarOverride, override_id)
    if row is None:
        raise NotFound("日历调整不存在", "Calendar override not found", code="override_not_found")
    _require_calendar_region(actor, row.region_code)
    day, region_code = row.day, row.region_code
    session.delete(row)
    session.flush()
    audit.record(
        session, actor, "calendar_override_removed", "calendar_override", f"{day}/{row.region_code}"
    )
    service.clear_caches()
    return recompute_open_clocks(session, actor, since=day, region_code=region_code)


def _require_calendar_region(actor: Staff, region_code: str) -> None:
    """Nationwide days are HQ's; a province marks days for its own region codes (CD-2).
    Overrides are reference data everyone reads, so another region's answers 403."""
    if region_code != NATIONWIDE and not regions.is_known(region_code):
        raise ValidationFailed(
            f"{region_code} 不是现行的行政区划代码",
            f"{region_code} is not a current GB/T 2260 region code",
            code="region_unknown",
        )
    if not covers_region(scope_of(actor), region_code):
        raise out_of_scope(
            "全国性的日历调整" if region_code == NATIONWIDE else f"行政区划 {region_code} 的日历",
            "A nationwide day" if region_code == NATIONWIDE else f"The calendar of {region_code}",
        )


def recompute_open_clocks(
    session: Session, actor: Staff, *, since: date, region_code: str = NATIONWIDE
) -> int:
    """Recompute running clocks that could be affected by a change on or after ``since`` in
    ``region_code`` (clocks count in their order's region's calendar); each moved deadline is
    a history row of its order (written by `workorders`)."""
    cutoff = datetime(since.year, since.month, since.day, tzinfo=clock.SHANGHAI) - timedelta(days=1)
    ctx, moved = service.Context(session), 0
    stmt = (
        select(OrderClock, WorkOrder)
        .join(WorkOrder, WorkOrder.id == OrderClock.order_id)
        .where(
            OrderClock.stopped_at.is_(None),
            or_(OrderClock.due_at >= cutoff, OrderClock.paused_at.is_not(None)),
        )
    )
    if region_code != NATIONWIDE:  # a province's or a city's override moves only its orders
        prefix = region_code[:2] if region_code.endswith("0000") else region_code[:4]
        stmt = stmt.where(WorkOrder.city_code.startswith(prefix))
    for c, order in session.execute(stmt).all():
        before = c.due_at
        service.reschedule(ctx, c)
        if c.due_at != before:
            moved += 1
            workorders.record_event(
                session,
                order,
                actor,
                "sla_recomputed",
                {f"{c.kind}_due_at": [before.isoformat(), c.due_at.isoformat()]},
                reason=f"calendar change {since}",
            )
    session.flush()
    return moved


# --- policy editing (admins, audited) -----------------------------------------------------


def list_policies(session: Session) -> list[SlaPolicy]:
    return list(session.scalars(select(SlaPolicy).order_by(SlaPolicy.precedence, SlaPolicy.id)))


def save_policy(session: Session, actor: Staff, data: PolicyIn) -> SlaPolicy:
    """Create or update a policy by code. New orders use it; running clocks keep their targets."""
    permissions.require(actor, Permission.EDIT_SLA_POLICY)
    policy = session.scalar(select(SlaPolicy).where(SlaPolicy.code == data.code))
    # Nationwide policies (no region) are HQ's; a province edits only its own, as they are
    # and as they would be (policies are read by all, so another region's answers 403).
    scope = scope_of(actor)
    for region in ([policy.match_region] if policy else []) + [data.match_region]:
        if not covers_region(scope, region):
            raise out_of_scope(
                "全国性的时限标准" if not region else f"行政区划 {region} 的时限标准",
                "A nationwide policy" if not region else f"A policy of region {region}",
            )
    before = (
        PolicyIn.model_validate(policy, from_attributes=True).model_dump(mode="json")
        if policy
        else None
    )
    if policy is None:
        policy = SlaPolicy(code=data.code)
        session.add(policy)
    for name, value in data.model_dump().items():
        setattr(policy, name, value)
    policy.updated_at = clock.now()
    session.flush()
    audit.record(
        session,
        actor,
        "sla_policy_saved",
        "sla_policy",
        data.code,
        before=before,
        after=data.model_dump(mode="json"),
    )
    service.clear_caches()
    return policy


def calendar_status(
    session: Session, region_code: str = NATIONWIDE, today: date | None = None
) -> CalendarStatus:
    """Years near today that the official calendar does not cover: deadlines there count only
    weekends and the admins' overrides, so admins must enter the holidays once published."""
    today = today or clock.local(clock.now()).date()
    near = {today.year, today.year + 1}
    missing = sorted(near & set(service.calendar_for(session, region_code).uncovered_years))
    if not missing:
        return CalendarStatus(uncovered_years=[], warning_zh=None, warning_en=None)
    years = "、".join(str(y) for y in missing)
    return CalendarStatus(
        uncovered_years=missing,
        warning_zh=f"{years} 年的法定节假日安排尚未收录：时限只按周末和手工调整计算，"
        "请在日历中录入放假与调休。",
        warning_en=f"No official holiday data for {', '.join(map(str, missing))}: deadlines "
        "count weekends and manual overrides only; enter the holidays and make-up days.",
    )


def list_overrides(session: Session) -> list[CalendarOverride]:
    return list(session.scalars(select(CalendarOverride).order_by(CalendarOverride.day.desc())))


def at_risk(
    session: Session, *, viewer: Staff | None, limit: int = 200, now: datetime | None = None
) -> list[OrderClock]:
    """Running clocks past a warning or past due, most urgent first, in the viewer's scope."""
    now = now or clock.now()
    stmt = (
        select(OrderClock)
        .join(WorkOrder, WorkOrder.id == OrderClock.order_id)
        .where(
            OrderClock.stopped_at.is_(None), or_(OrderClock.stage >= 1, OrderClock.due_at <= now)
        )
        .order_by(OrderClock.due_at)
        .limit(limit)
    )
    if viewer is not None:
        permissions.require(viewer, Permission.VIEW_AT_RISK)
        stmt = stmt.where(order_filter(scope_of(viewer), WorkOrder))
    return list(session.scalars(stmt))
