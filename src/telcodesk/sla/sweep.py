"""The SLA sweep: warnings, breaches and escalation, each fired once (T-2, WO-3, CH-4).

One sweep reads the clocks whose next check has come (an index), locks them and their orders
(other workers skip them, PostgreSQL), and for each clock works out the stages now due:

- **only the latest due stage fires** (no storms). A clock found late — its 75 %, 90 % and
  breach all past — records the breach only; the earlier stages are marked passed (their
  `SlaEvent` rows say ``skipped``) so the unique key still holds each stage exactly once and
  nobody gets three alerts in the same second;
- the fired stage is a history row written through `workorders.record_events` (a breached
  resolution raised a level as `workorders.escalate` does, WO-3) whose ``changes["notified"]``
  names who is told; the notify hooks wired in `telcodesk.wiring` write their notifications
  and outbox rows. A batch's clocks, stages, history rows and notify's rows each go in as one
  statement (the hooks take the batch: `workorders.hooks.after_batch`);
- **each clock is isolated**: a clock whose stages cannot be computed (bad data) is logged
  and skipped; the batch's rows are written together, and if that write fails it is retried
  clock by clock, each in its own savepoint, so one bad clock never blocks the rest.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from telcodesk import clock
from telcodesk.org.models import Staff
from telcodesk.org.supervision import Supervision
from telcodesk.sla import batch, rules, service
from telcodesk.sla.models import OrderClock, SlaEvent
from telcodesk.workorders import service as workorders
from telcodesk.workorders.models import WorkOrder

log = logging.getLogger("telcodesk.sla")

RESPONSE, RESOLUTION = service.RESPONSE, service.RESOLUTION


@dataclass
class SweepResult:
    clocks: int = 0
    warnings: int = 0
    breaches: int = 0
    notifications: int = 0
    skipped_stages: int = 0  # passed without an alert: a later stage was due too
    failed: int = 0  # clocks logged and left for the next sweep


class _Recipients:
    """Who hears of each stage: the handler, then their supervisors, then the level above
    (one rule with dispatch and chases: `org.supervision`)."""

    def __init__(self, session: Session) -> None:
        self.supervision = Supervision.load(session)
        self.staff_unit: dict[int, int] = {
            i: u for i, u in session.execute(select(Staff.id, Staff.unit_id))
        }

    def for_stage(self, order: WorkOrder, stage: int, last: bool) -> list[int]:
        person = order.handler_id or order.first_contact_owner_id
        if stage == 1 and not last:
            return [person]
        unit = self.staff_unit.get(person)
        found = (
            self.supervision.level_above(unit) if last else self.supervision.supervisors_of(unit)
        )
        return found or [person]


@dataclass
class _Firing:
    """What one clock's sweep writes: computed first, without touching the rows."""

    clock: OrderClock
    order: WorkOrder
    stage: rules.Stage
    last: bool
    skipped: list[rules.Stage]
    notified: list[int]
    due_at: datetime
    next_check_at: datetime | None = None
    events: list[SlaEvent] = field(default_factory=list)


def _plan(
    ctx: service.Context, recipients: _Recipients, c: OrderClock, order: WorkOrder, now: datetime
) -> _Firing | None:
    all_stages = rules.stages(c.warn_shares)
    due = [
        st
        for st in all_stages
        if st.number > c.stage and service.threshold(ctx, c, st.share) <= now
    ]
    if not due:
        return None
    fired, last = due[-1], due[-1] is all_stages[-1]
    pending = [st for st in all_stages if st.number > fired.number]
    return _Firing(
        clock=c,
        order=order,
        stage=fired,
        last=last,
        skipped=due[:-1],
        notified=recipients.for_stage(order, fired.number, last),
        due_at=c.due_at,
        next_check_at=service.threshold(ctx, c, pending[0].share) if pending else None,
    )


def _write(f: _Firing, now: datetime, result: SweepResult, out: _Rows) -> None:
    """Move the clock on and add the firing's rows to ``out`` (written together after)."""
    c, order = f.clock, f.order
    details = {"clock": c.kind, "due_at": f.due_at.isoformat()}
    base = {"clock_id": c.id, "order_id": order.id, "arming": c.arming, "at": now}
    for st in f.skipped:
        out.sla_events.append(
            base
            | {
                "stage": st.number,
                "kind": st.kind,
                "share": st.share,
                "notified": [],
                "details": {**details, "skipped": True, "superseded_by": f.stage.number},
            }
        )
    out.sla_events.append(
        base
        | {
            "stage": f.stage.number,
            "kind": f.stage.kind,
            "share": f.stage.share,
            "notified": f.notified,
            "details": details,
        }
    )
    changes: dict[str, Any] = {"clock": c.kind, "share": f.stage.share, "notified": f.notified}
    if f.skipped:
        changes["skipped_shares"] = [st.share for st in f.skipped]
    # A breached resolution escalates the order (WO-3): the fourth item asks workorders to.
    escalating = f.last and c.kind == RESOLUTION
    out.history.append((order, f"sla_{f.stage.kind}", changes, escalating))
    c.stage, c.next_check_at = f.stage.number, f.next_check_at
    result.notifications += len(f.notified)
    result.skipped_stages += len(f.skipped)
    if f.stage.kind == "breach":
        result.breaches += 1
    else:
        result.warnings += 1


@dataclass
class _Rows:
    """A batch's rows: the stages (sla_event, ours) and the history rows for `workorders`."""

    sla_events: list[dict[str, Any]] = field(default_factory=list)
    history: list[workorders.EventRow] = field(default_factory=list)

    def save(
        self, session: Session, system: Staff, now: datetime, clocks: list[OrderClock]
    ) -> None:
        # The clocks first, in one statement: a later autoflush would write them one by one.
        batch.write_clocks(session, clocks)
        if self.sla_events:
            # One INSERT for the batch; the unique key (clock, stage, arming) keeps each stage
            # once: a stage written already fails the batch, then the clock-by-clock retry.
            session.execute(
                insert(SlaEvent), self.sla_events, execution_options={"render_nulls": True}
            )
        # The history rows, and through their hooks the alerts, outbox and event rows: in bulk.
        workorders.record_events(session, system, self.history, now=now)
        session.flush()


def sweep(
    session: Session, system: Staff, *, limit: int = 1000, now: datetime | None = None
) -> SweepResult:
    """Fire every threshold that has come due, once (see the module docstring)."""
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
    ctx, recipients = service.Context(session), _Recipients(session)
    firings: list[_Firing] = []
    for c in due:
        order = orders.get(c.order_id)
        if order is None:  # another worker holds the order; its clock waits for the next sweep
            continue
        try:
            firing = _plan(ctx, recipients, c, order, now)
            if firing is None:  # nothing due after all (the deadline moved): look again later
                service.reschedule(ctx, c)
            else:
                firings.append(firing)
        except Exception:  # bad data in one clock must not stall the others
            log.exception("SLA clock %s of order %s skipped", c.id, c.order_id)
            result.failed += 1
    try:
        with session.begin_nested():  # the fast path: the whole batch in one write
            written, rows = SweepResult(), _Rows()
            for f in firings:
                _write(f, now, written, rows)
            rows.save(session, system, now, due)
        _add(result, written)
    except Exception:
        log.exception("SLA sweep batch failed; writing its %d clocks one by one", len(firings))
        for f in firings:
            one, rows = SweepResult(), _Rows()
            try:
                with session.begin_nested():
                    _write(f, now, one, rows)
                    rows.save(session, system, now, [f.clock])
                _add(result, one)
            except Exception:
                log.exception("SLA clock %s of order %s skipped", f.clock.id, f.order.id)
                result.failed += 1
    return result


def _add(total: SweepResult, part: SweepResult) -> None:
    total.warnings += part.warnings
    total.breaches += part.breaches
    total.notifications += part.notifications
    total.skipped_stages += part.skipped_stages
