"""SLA use cases: start, pause, resume, stop and extend an order's clocks; sweep for warnings,
breaches and escalations (T-1, T-2, WO-3, CH-4); edit policies and calendar overrides.

Everything runs inside the caller's transaction: a clock change, its history row, its
notifications and its audit record commit together or not at all.
"""

from __future__ import annotations

import time as _time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from telcodesk import clock
from telcodesk.calendar.models import NATIONWIDE, CalendarOverride
from telcodesk.calendar.rules import (
    ALWAYS,
    BusinessHours,
    Unit,
    WorkCalendar,
    format_remaining,
    working_time_between,
)
from telcodesk.notify.models import Notification
from telcodesk.org.models import OrgUnit, Staff
from telcodesk.org.roles import Role
from telcodesk.sla import rules
from telcodesk.sla.defaults import DEFAULT_POLICIES
from telcodesk.sla.models import OrderClock, SlaEvent, SlaPolicy

if TYPE_CHECKING:
    from telcodesk.workorders.models import WorkOrder

RESPONSE, RESOLUTION = "response", "resolution"
CACHE_SECONDS = 30.0

# --- calendars and business hours ---------------------------------------------------------

_calendars: dict[tuple[str, str], tuple[float, WorkCalendar]] = {}


def _bind_key(session: Session) -> str:
    bind = session.get_bind()
    return str(bind.engine.url)


def calendar_for(session: Session, region_code: str) -> WorkCalendar:
    """The PRC calendar with the overrides that apply to a region (nationwide, its province,
    its city). Cached per process for a few seconds: it changes rarely and is read on every
    registration; an edit clears the cache of the process that made it."""
    key = (_bind_key(session), region_code)
    hit = _calendars.get(key)
    if hit and _time.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[1]
    regions = {NATIONWIDE, region_code[:2] + "0000", region_code[:4] + "00", region_code}
    rows = session.scalars(
        select(CalendarOverride).where(CalendarOverride.region_code.in_(regions))
    )
    # A more local override wins over a nationwide one for the same day.
    ordered = sorted(rows, key=lambda r: r.region_code != NATIONWIDE)
    cal = WorkCalendar.build(overrides={r.day: r.is_workday for r in ordered})
    _calendars[key] = (_time.monotonic(), cal)
    return cal


def clear_caches() -> None:
    _calendars.clear()
    _policies.clear()


def hours_of(unit: OrgUnit) -> BusinessHours:
    if not unit.open_time or not unit.close_time:
        return BusinessHours(workdays_only=unit.workdays_only) if unit.workdays_only else ALWAYS
    return BusinessHours(
        open=dtime.fromisoformat(unit.open_time),
        close=dtime.fromisoformat(unit.close_time),
        workdays_only=unit.workdays_only,
    )


@dataclass
class _Context:
    """Calendars and hours looked up once per use (a sweep touches many clocks of few units)."""

    session: Session
    units: dict[int, OrgUnit] = field(default_factory=dict)

    def unit(self, unit_id: int) -> OrgUnit:
        if unit_id not in self.units:
            self.units[unit_id] = self.session.get_one(OrgUnit, unit_id)
        return self.units[unit_id]

    def calendar(self, unit_id: int) -> WorkCalendar:
        return calendar_for(self.session, self.unit(unit_id).region_code)

    def hours(self, unit_id: int) -> BusinessHours:
        return hours_of(self.unit(unit_id))


def _threshold(ctx: _Context, c: OrderClock, share: float) -> datetime:
    return rules.threshold_at(
        ctx.calendar(c.unit_id),
        ctx.hours(c.unit_id),
        Unit(c.time_unit),
        c.start_at,
        c.allowed_s,
        c.paused_s,
        share,
    )


def _reschedule(ctx: _Context, c: OrderClock) -> None:
    """Recompute the due time and the next threshold the sweep must look at."""
    c.due_at = _threshold(ctx, c, 1.0)
    if c.stopped_at is not None or c.paused_at is not None:
        c.next_check_at = None
        return
    pending = [s for s in rules.stages(c.warn_shares) if s.number > c.stage]
    c.next_check_at = _threshold(ctx, c, pending[0].share) if pending else None


def _counted(ctx: _Context, c: OrderClock, a: datetime, b: datetime) -> float:
    span = working_time_between(
        ctx.calendar(c.unit_id), ctx.hours(c.unit_id), a, b, Unit(c.time_unit)
    )
    return span.total_seconds()


# --- policies -----------------------------------------------------------------------------

_policies: dict[str, tuple[float, list[SlaPolicy]]] = {}


def seed_policies(session: Session) -> int:
    existing = set(session.scalars(select(SlaPolicy.code)))
    added = 0
    for i, p in enumerate(DEFAULT_POLICIES):
        if p["code"] in existing:
            continue
        session.add(
            SlaPolicy(
                code=p["code"],
                name=p["name"],
                norm=p["norm"],
                precedence=10 * (i + 1),
                active=True,
                response_amount=p["response"][0],
                response_unit=p["response"][1],
                resolution_amount=p["resolution"][0],
                resolution_unit=p["resolution"][1],
                warn_shares=[0.75, 0.9],
                updated_at=clock.now(),
                **p["match"],
            )
        )
        added += 1
    session.flush()
    _policies.clear()
    return added


def active_policies(session: Session) -> list[SlaPolicy]:
    key = _bind_key(session)
    hit = _policies.get(key)
    if hit and _time.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[1]
    rows = list(session.scalars(select(SlaPolicy).where(SlaPolicy.active)))
    for row in rows:
        session.expunge(row)  # shared across sessions: plain values only
    _policies[key] = (_time.monotonic(), rows)
    return rows


def facts_of(order: WorkOrder) -> rules.OrderFacts:
    return rules.OrderFacts(
        type=order.type,
        category_code=order.category.code if order.category else None,
        priority=order.priority,
        tier=order.customer.tier,
        channel=order.channel,
        province_code=order.province_code,
        city_code=order.city_code,
    )


# --- clocks on an order -------------------------------------------------------------------


def start_clocks(session: Session, order: WorkOrder, unit_id: int) -> SlaPolicy | None:
    """Start the response and resolution clocks of a new order from the matching policy."""
    policy = rules.choose_policy(active_policies(session), facts_of(order))
    if policy is None:
        return None
    ctx = _Context(session)
    for kind, amount, unit in (
        (RESPONSE, policy.response_amount, policy.response_unit),
        (RESOLUTION, policy.resolution_amount, policy.resolution_unit),
    ):
        c = OrderClock(
            order=order,
            kind=kind,
            policy_id=policy.id,
            unit_id=unit_id,
            time_unit=unit,
            start_at=order.created_at,
            allowed_s=rules.seconds_of(amount, Unit(unit)),
            paused_s=0.0,
            warn_shares=list(policy.warn_shares),
            stage=0,
        )
        _reschedule(ctx, c)
        session.add(c)
    return policy


def clocks_of(session: Session, order_id: int) -> dict[str, OrderClock]:
    return {
        c.kind: c
        for c in session.scalars(select(OrderClock).where(OrderClock.order_id == order_id))
    }


def stop(session: Session, order: WorkOrder, kinds: Iterable[str], at: datetime) -> dict[str, Any]:
    """Stop clocks (the response given, the result replied): record met or breached."""
    changes: dict[str, Any] = {}
    for kind, c in clocks_of(session, order.id).items():
        if kind in kinds and c.stopped_at is None:
            if c.paused_at is not None:  # stopping a paused clock: the pause ends here
                c.paused_s += _counted(_Context(session), c, c.paused_at, at)
                c.paused_at = None
            c.stopped_at, c.met, c.next_check_at = at, at <= c.due_at, None
            changes[f"{kind}_met"] = c.met
    return changes


def pause(session: Session, order: WorkOrder, at: datetime) -> None:
    for c in clocks_of(session, order.id).values():
        if c.stopped_at is None and c.paused_at is None:
            c.paused_at, c.next_check_at = at, None


def resume(session: Session, order: WorkOrder, at: datetime) -> dict[str, Any]:
    """End a pause: the deadline moves by the working time the pause covered (T-2)."""
    ctx, changes = _Context(session), {}
    for kind, c in clocks_of(session, order.id).items():
        if c.paused_at is not None:
            before = c.due_at
            c.paused_s += _counted(ctx, c, c.paused_at, at)
            c.paused_at = None
            _reschedule(ctx, c)
            changes[f"{kind}_due_at"] = [before.isoformat(), c.due_at.isoformat()]
    return changes


def reopen(session: Session, order: WorkOrder, at: datetime) -> dict[str, Any]:
    """An unsatisfied call-back reopens the order: the resolution clock runs again, the time
    the customer spent evaluating the reply not counted against it (WO-1)."""
    ctx, changes = _Context(session), {}
    c = clocks_of(session, order.id).get(RESOLUTION)
    if c is not None and c.stopped_at is not None:
        c.paused_s += _counted(ctx, c, c.stopped_at, at)
        c.stopped_at, c.met = None, None
        before = c.due_at
        _reschedule(ctx, c)
        changes["resolution_due_at"] = [before.isoformat(), c.due_at.isoformat()]
    return changes


def extend(session: Session, order: WorkOrder, amount: float) -> dict[str, Any]:
    """Give the resolution clock more time (the customer is told, T-2)."""
    c = clocks_of(session, order.id).get(RESOLUTION)
    if c is None or c.stopped_at is not None:
        return {}
    before = c.due_at
    c.allowed_s += rules.seconds_of(amount, Unit(c.time_unit))
    _reschedule(_Context(session), c)
    return {"resolution_due_at": [before.isoformat(), c.due_at.isoformat()]}


@dataclass(frozen=True)
class ClockView:
    kind: str
    due_at: datetime
    remaining: str
    risk: str  # ok | warning | breached | met | missed | paused
    unit: str


def view(
    session: Session, clocks: Iterable[OrderClock], lang: str, now: datetime | None = None
) -> list[ClockView]:
    """How much working time is left, in words, and a colour (for the console)."""
    now = now or clock.now()
    ctx, out = _Context(session), []
    for c in sorted(clocks, key=lambda c: c.kind != RESPONSE):
        unit = Unit(c.time_unit)
        if c.stopped_at is not None:
            risk, text = ("met" if c.met else "missed"), ""
        else:
            end = c.paused_at or now
            text = format_remaining(
                ctx.calendar(c.unit_id), ctx.hours(c.unit_id), end, c.due_at, unit, lang
            )
            first_share = rules.stages(c.warn_shares)[0].share
            risk = (
                "paused"
                if c.paused_at
                else rules.risk(now, _threshold(ctx, c, first_share), c.due_at)
            )
        out.append(ClockView(c.kind, c.due_at, text, risk, unit))
    return out


# --- the sweep: warnings, breaches, escalation (WO-3, CH-4) -------------------------------


@dataclass
class SweepResult:
    clocks: int = 0
    warnings: int = 0
    breaches: int = 0
    notifications: int = 0


class _Recipients:
    """Who hears of each stage: the handler, then the supervisor, then the level above."""

    def __init__(self, session: Session) -> None:
        self.units = {u.id: u for u in session.scalars(select(OrgUnit))}
        self.supervisors: dict[int, list[int]] = {}
        for s in session.scalars(select(Staff).where(Staff.active, Staff.role == Role.SUPERVISOR)):
            self.supervisors.setdefault(s.unit_id, []).append(s.id)
        self.staff_unit: dict[int, int] = {
            i: u for i, u in session.execute(select(Staff.id, Staff.unit_id))
        }

    def _supervising_unit(self, unit_id: int | None) -> int | None:
        while unit_id is not None:
            if self.supervisors.get(unit_id):
                return unit_id
            unit_id = self.units[unit_id].parent_id
        return None

    def for_stage(self, order: WorkOrder, stage: int, last: bool) -> list[int]:
        person = order.handler_id or order.first_contact_owner_id
        if stage == 1 and not last:
            return [person]
        level = self._supervising_unit(self.staff_unit.get(person))
        if last and level is not None:  # the breach goes one level up from the supervisor
            upper = self._supervising_unit(self.units[level].parent_id)
            level = upper if upper is not None else level
        return list(self.supervisors.get(level, [])) if level is not None else [person]


KIND_TEXT = {
    ("warning", RESPONSE): ("首次响应即将超时", "first response due soon"),
    ("warning", RESOLUTION): ("办结时限即将到期", "resolution due soon"),
    ("breach", RESPONSE): ("首次响应已超时", "first response overdue"),
    ("breach", RESOLUTION): ("办结已超时，已升级", "resolution overdue, escalated"),
}


def sweep(
    session: Session, system: Staff, *, limit: int = 1000, now: datetime | None = None
) -> SweepResult:
    """Fire every threshold that has come due, once. Reads only clocks whose next check is
    due (an index), locks them so that other workers skip them (PostgreSQL), and records each
    stage under a unique key, so a repeated or concurrent sweep cannot fire it twice."""
    from telcodesk.workorders.models import OrderEvent, WorkOrder

    now = now or clock.now()
    due = list(
        session.scalars(
            select(OrderClock)
            .where(OrderClock.next_check_at <= now)
            .order_by(OrderClock.next_check_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    result = SweepResult(clocks=len(due))
    if not due:
        return result
    orders = {
        o.id: o
        for o in session.scalars(
            select(WorkOrder)
            .where(WorkOrder.id.in_({c.order_id for c in due}))
            .with_for_update(skip_locked=True, of=WorkOrder)
        )
    }
    ctx, recipients = _Context(session), _Recipients(session)
    for c in due:
        order = orders.get(c.order_id)
        if order is None:  # another worker holds the order; its clock waits for the next sweep
            continue
        all_stages = rules.stages(c.warn_shares)
        for st in all_stages:
            if st.number <= c.stage or _threshold(ctx, c, st.share) > now:
                continue
            last = st is all_stages[-1]
            notified = recipients.for_stage(order, st.number, last)
            session.add(
                SlaEvent(
                    clock_id=c.id,
                    order_id=order.id,
                    stage=st.number,
                    kind=st.kind,
                    share=st.share,
                    at=now,
                    notified=notified,
                    details={"clock": c.kind, "due_at": c.due_at.isoformat()},
                )
            )
            zh, en = KIND_TEXT[(st.kind, c.kind)]
            for staff_id in notified:
                session.add(
                    Notification(
                        staff_id=staff_id,
                        order_id=order.id,
                        kind=f"sla_{st.kind}",
                        message_zh=f"{order.number} {zh}",
                        message_en=f"{order.number} {en}",
                        created_at=now,
                    )
                )
            result.notifications += len(notified)
            changes: dict[str, Any] = {"clock": c.kind, "share": st.share, "notified": notified}
            if last and c.kind == RESOLUTION:  # a breached resolution escalates the order (WO-3)
                changes["escalation_level"] = [order.escalation_level, order.escalation_level + 1]
                order.escalation_level += 1
                order.updated_at = now
            session.add(
                OrderEvent(
                    order_id=order.id,
                    at=now,
                    actor_id=system.id,
                    action=f"sla_{st.kind}",
                    from_status=order.status,
                    to_status=order.status,
                    reason=None,
                    changes=changes,
                )
            )
            c.stage = st.number
            if st.kind == "breach":
                result.breaches += 1
            else:
                result.warnings += 1
        _reschedule(ctx, c)
    session.flush()
    return result


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
    _calendars.clear()
    return recompute_open_clocks(session, actor, since=day)


def remove_override(session: Session, actor: Staff, override_id: int) -> int:
    row = session.get(CalendarOverride, override_id)
    if row is None:
        return 0
    day = row.day
    session.delete(row)
    session.flush()
    _calendars.clear()
    return recompute_open_clocks(session, actor, since=day)


def recompute_open_clocks(session: Session, actor: Staff, *, since: date) -> int:
    """Recompute running clocks that could be affected by a change on or after ``since``."""
    from telcodesk.workorders.models import OrderEvent, WorkOrder

    cutoff = datetime(since.year, since.month, since.day, tzinfo=clock.SHANGHAI) - timedelta(days=1)
    ctx, moved = _Context(session), 0
    running = session.scalars(
        select(OrderClock).where(
            OrderClock.stopped_at.is_(None),
            or_(OrderClock.due_at >= cutoff, OrderClock.paused_at.is_not(None)),
        )
    )
    for c in running:
        before = c.due_at
        _reschedule(ctx, c)
        if c.due_at != before:
            moved += 1
            order = session.get_one(WorkOrder, c.order_id)
            session.add(
                OrderEvent(
                    order_id=order.id,
                    at=clock.now(),
                    actor_id=actor.id,
                    action="sla_recomputed",
                    from_status=order.status,
                    to_status=order.status,
                    reason=f"calendar change {since}",
                    changes={f"{c.kind}_due_at": [before.isoformat(), c.due_at.isoformat()]},
                )
            )
    session.flush()
    return moved
