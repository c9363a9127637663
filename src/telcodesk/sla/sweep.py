"""The SLA sweep: warnings, breaches and escalation, each fired once (T-2, WO-3, CH-4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from telcodesk import clock
from telcodesk.notify.models import Notification
from telcodesk.org.models import OrgUnit, Staff
from telcodesk.org.roles import Role
from telcodesk.sla import batch, rules, service
from telcodesk.sla.models import OrderClock, SlaEvent

if TYPE_CHECKING:
    from telcodesk.workorders.models import WorkOrder

RESPONSE, RESOLUTION = service.RESPONSE, service.RESOLUTION


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
    ctx, recipients = service.Context(session), _Recipients(session)
    for c in due:
        order = orders.get(c.order_id)
        if order is None:  # another worker holds the order; its clock waits for the next sweep
            continue
        all_stages = rules.stages(c.warn_shares)
        for st in all_stages:
            if st.number <= c.stage or service.threshold(ctx, c, st.share) > now:
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
        service.reschedule(ctx, c)
    batch.write_clocks(session, due)  # one statement for the batch's clocks, not one each
    session.flush()
    return result
