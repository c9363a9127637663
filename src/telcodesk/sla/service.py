"""SLA use cases: start, pause, resume, stop and extend an order's clocks; sweep for warnings,
breaches and escalations (T-1, T-2, WO-3, CH-4); edit policies and calendar overrides.

Everything runs inside the caller's transaction: a clock change, its history row, its
notifications and its audit record commit together or not at all.
"""

from __future__ import annotations

import time as _time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as dtime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

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
from telcodesk.org.models import OrgUnit
from telcodesk.sla import rules
from telcodesk.sla.defaults import DEFAULT_POLICIES
from telcodesk.sla.models import OrderClock, SlaPolicy
from telcodesk.workorders.models import WorkOrder
from telcodesk.workorders.queries import facts_of

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
    # A more local override wins: nationwide, then the province's, then the city's.
    ordered = sorted(
        rows, key=lambda r: len(r.region_code.rstrip("0")) if r.region_code != NATIONWIDE else 0
    )
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
class Context:
    """Calendars and hours looked up once per use (a sweep touches many clocks of few units).

    A clock counts in its unit's business hours (T-3: the hall's, the hotline's 7x24) and in
    the calendar of the **order's region**: a Guangzhou typhoon day moves Guangzhou's orders,
    whoever registered them (a province hotline, HQ)."""

    session: Session
    units: dict[int, OrgUnit] = field(default_factory=dict)
    # The region of a new order's clocks, which do not belong to their order yet.
    region: str | None = None

    def unit(self, unit_id: int) -> OrgUnit:
        if unit_id not in self.units:
            self.units[unit_id] = self.session.get_one(OrgUnit, unit_id)
        return self.units[unit_id]

    def calendar(self, c: OrderClock) -> WorkCalendar:
        if c.order_id is None and self.region is not None:
            return calendar_for(self.session, self.region)
        # The order is in the identity map wherever clocks are read with their orders.
        return calendar_for(self.session, c.order.city_code)

    def hours(self, unit_id: int) -> BusinessHours:
        return hours_of(self.unit(unit_id))


def threshold(ctx: Context, c: OrderClock, share: float) -> datetime:
    return rules.threshold_at(
        ctx.calendar(c),
        ctx.hours(c.unit_id),
        Unit(c.time_unit),
        c.start_at,
        c.allowed_s,
        c.paused_s,
        share,
    )


def reschedule(ctx: Context, c: OrderClock) -> None:
    """Recompute the due time and the next threshold the sweep must look at."""
    c.due_at = threshold(ctx, c, 1.0)
    if c.stopped_at is not None or c.paused_at is not None:
        c.next_check_at = None
        return
    pending = [s for s in rules.stages(c.warn_shares) if s.number > c.stage]
    c.next_check_at = threshold(ctx, c, pending[0].share) if pending else None


def rearm(ctx: Context, c: OrderClock, now: datetime) -> None:
    """After an extension or a reopening moved the deadline: stages already fired whose new
    threshold lies ahead fire again when it comes (a new arming, so the unique key allows it);
    the new deadline is watched, not left silent (T-2, WO-1)."""
    passed = [s for s in rules.stages(c.warn_shares) if threshold(ctx, c, s.share) <= now]
    if len(passed) < c.stage:
        c.arming, c.stage = c.arming + 1, len(passed)
    reschedule(ctx, c)


def counted(ctx: Context, c: OrderClock, a: datetime, b: datetime) -> float:
    span = working_time_between(ctx.calendar(c), ctx.hours(c.unit_id), a, b, Unit(c.time_unit))
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


# --- clocks on an order -------------------------------------------------------------------


def start_clocks(session: Session, order: WorkOrder, unit: OrgUnit) -> SlaPolicy | None:
    """Start the response and resolution clocks of a new order from the matching policy;
    they count in ``unit``'s business hours and calendar (the registering unit, T-3)."""
    policy = rules.choose_policy(active_policies(session), facts_of(order))
    if policy is None:
        return None
    unit_id = unit.id
    ctx = Context(session, {unit_id: unit}, region=order.city_code)
    rows: list[dict[str, Any]] = []
    for kind, amount, time_unit in (
        (RESPONSE, policy.response_amount, policy.response_unit),
        (RESOLUTION, policy.resolution_amount, policy.resolution_unit),
    ):
        c = OrderClock(  # worked out unsaved, then both written in one statement below
            kind=kind,
            policy_id=policy.id,
            unit_id=unit_id,
            time_unit=time_unit,
            start_at=order.created_at,
            allowed_s=rules.seconds_of(amount, Unit(time_unit)),
            paused_s=0.0,
            paused_at=None,
            stopped_at=None,
            met=None,
            warn_shares=list(policy.warn_shares),
            stage=0,
            arming=0,
            version=1,
        )
        reschedule(ctx, c)  # may read the calendar (the region's, as the clock has no order)
        rows.append({col: getattr(c, col) for col in _NEW_CLOCK_COLUMNS})
    if order.id is None:
        session.flush()  # the order's id for its clocks (the registration's own INSERT)
    for row in rows:
        row["order_id"] = order.id
    # One INSERT … RETURNING for both clocks (the ORM's flush sends one per clock on SQLite);
    # the order's clock list is set as loaded, so the answer and later hooks need no query.
    # No autoflush: the history row stays pending while the hooks still add to its changes.
    with session.no_autoflush:
        written = session.scalars(
            insert(OrderClock).returning(OrderClock),
            rows,
            execution_options={"render_nulls": True},
        ).all()
    set_committed_value(order, "clocks", sorted(written, key=lambda c: c.kind != RESPONSE))
    return policy


_NEW_CLOCK_COLUMNS = (
    "kind", "policy_id", "unit_id", "time_unit", "start_at", "allowed_s", "paused_s",
    "paused_at", "due_at", "stopped_at", "met", "warn_shares", "stage", "arming",
    "next_check_at", "version",
)  # fmt: skip


def _clocks(order: WorkOrder) -> dict[str, OrderClock]:
    # Through the relationship: loaded once per unit of work, and the API answer reuses it.
    return {c.kind: c for c in order.clocks}


def clocks_of(session: Session, order_id: int) -> dict[str, OrderClock]:
    return {
        c.kind: c
        for c in session.scalars(select(OrderClock).where(OrderClock.order_id == order_id))
    }


def stop(session: Session, order: WorkOrder, kinds: Iterable[str], at: datetime) -> dict[str, Any]:
    """Stop clocks (the response given, the result replied): record met or breached."""
    changes: dict[str, Any] = {}
    for kind, c in _clocks(order).items():
        if kind in kinds and c.stopped_at is None:
            if c.paused_at is not None:  # stopping a paused clock: the pause ends here
                c.paused_s += counted(Context(session), c, c.paused_at, at)
                c.paused_at = None
            c.stopped_at, c.met, c.next_check_at = at, at <= c.due_at, None
            changes[f"{kind}_met"] = c.met
    return changes


def pause(session: Session, order: WorkOrder, at: datetime) -> None:
    for c in _clocks(order).values():
        if c.stopped_at is None and c.paused_at is None:
            c.paused_at, c.next_check_at = at, None


def resume(session: Session, order: WorkOrder, at: datetime) -> dict[str, Any]:
    """End a pause: the deadline moves by the working time the pause covered (T-2)."""
    ctx, changes = Context(session), {}
    for kind, c in _clocks(order).items():
        if c.paused_at is not None:
            before = c.due_at
            c.paused_s += counted(ctx, c, c.paused_at, at)
            c.paused_at = None
            reschedule(ctx, c)
            changes[f"{kind}_due_at"] = [before.isoformat(), c.due_at.isoformat()]
    return changes


def reopen(session: Session, order: WorkOrder, at: datetime) -> dict[str, Any]:
    """An unsatisfied call-back reopens the order: the resolution clock runs again, the time
    the customer spent evaluating the reply not counted against it (WO-1)."""
    ctx, changes = Context(session), {}
    c = _clocks(order).get(RESOLUTION)
    if c is not None and c.stopped_at is not None:
        c.paused_s += counted(ctx, c, c.stopped_at, at)
        c.stopped_at, c.met = None, None
        before = c.due_at
        rearm(ctx, c, at)
        changes["resolution_due_at"] = [before.isoformat(), c.due_at.isoformat()]
    return changes


def extend(
    session: Session, order: WorkOrder, amount: float, at: datetime | None = None
) -> dict[str, Any]:
    """Give the resolution clock more time (the customer is told, T-2); warnings already sent
    for the old deadline are re-armed for the new one."""
    c = _clocks(order).get(RESOLUTION)
    if c is None or c.stopped_at is not None:
        return {}
    before = c.due_at
    c.allowed_s += rules.seconds_of(amount, Unit(c.time_unit))
    rearm(Context(session), c, at or clock.now())
    return {"resolution_due_at": [before.isoformat(), c.due_at.isoformat()]}


@dataclass(frozen=True)
class ClockView:
    kind: str
    due_at: datetime
    risk: str  # ok | warning | breached | met | missed | paused
    unit: str
    remaining_zh: str
    remaining_en: str

    def remaining(self, lang: str) -> str:
        return self.remaining_zh if lang == "zh" else self.remaining_en

    @property
    def due_text(self) -> str:  # midnight reads 24:00 of the day before
        return clock.deadline_text(self.due_at)

    @property
    def due_day(self) -> date:
        return clock.deadline_day(self.due_at)


def view(
    session: Session, clocks: Iterable[OrderClock], now: datetime | None = None
) -> list[ClockView]:
    """How much working time is left, in words, and a colour (console and API)."""
    now = now or clock.now()
    ctx, out = Context(session), []
    for c in sorted(clocks, key=lambda c: c.kind != RESPONSE):
        unit = Unit(c.time_unit)
        if c.stopped_at is not None:
            out.append(ClockView(c.kind, c.due_at, "met" if c.met else "missed", unit, "", ""))
            continue
        cal, hours, end = ctx.calendar(c), ctx.hours(c.unit_id), c.paused_at or now
        first_share = rules.stages(c.warn_shares)[0].share
        risk = (
            "paused" if c.paused_at else rules.risk(now, threshold(ctx, c, first_share), c.due_at)
        )
        out.append(
            ClockView(
                c.kind,
                c.due_at,
                risk,
                unit,
                format_remaining(cal, hours, end, c.due_at, unit, "zh"),
                format_remaining(cal, hours, end, c.due_at, unit, "en"),
            )
        )
    return out
