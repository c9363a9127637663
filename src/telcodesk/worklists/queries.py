"""Reading the work queues (issue 9 item 1): a list's page by its spec — filters, queue, sort by
time left, page — its count and its groups, always inside the viewer's scope (CD-2).

The package sits with the composition (web, app): it reads orders (workorders) with their
SLA clocks (sla), so neither domain learns about the other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, time

from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from telcodesk import clock
from telcodesk.org import permissions
from telcodesk.org.models import OrgUnit, Staff
from telcodesk.org.permissions import Permission
from telcodesk.org.scope import order_filter, scope_of
from telcodesk.sla.models import OrderClock
from telcodesk.worklists.schemas import ListSpec
from telcodesk.workorders import rules
from telcodesk.workorders.models import OrderEvent, WorkOrder
from telcodesk.workorders.queries import filter_orders

PRIORITY_RANK = {"urgent": 0, "high": 1, "normal": 2, "low": 3}


@dataclass
class Page:
    rows: list[WorkOrder]
    total: int
    page: int
    page_size: int
    groups: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))


def scoped(session: Session, viewer: Staff, spec: ListSpec) -> Select[WorkOrder]:
    """The orders of the spec's filters and queue that the viewer may see: a view never
    widens the viewer's scope, whoever saved it (CD-2)."""
    permissions.require(viewer, Permission.ORDER_VIEW)
    stmt = filter_orders(session, spec.filters).where(order_filter(scope_of(viewer), WorkOrder))
    if spec.queue == "mine":
        stmt = stmt.where(
            or_(WorkOrder.first_contact_owner_id == viewer.id, WorkOrder.handler_id == viewer.id)
        )
    elif spec.queue == "at_risk":
        permissions.require(viewer, Permission.VIEW_AT_RISK)
        now = clock.now()
        late = and_(
            OrderClock.order_id == WorkOrder.id,
            OrderClock.stopped_at.is_(None),
            OrderClock.paused_at.is_(None),  # paused clocks are kept apart: their own queue
            (OrderClock.stage >= 1) | (OrderClock.due_at <= now),
        )
        stmt = stmt.where(exists(select(OrderClock.id).where(late)))
    elif spec.queue == "paused":
        stmt = stmt.where(
            exists(
                select(OrderClock.id).where(
                    OrderClock.order_id == WorkOrder.id,
                    OrderClock.stopped_at.is_(None),
                    OrderClock.paused_at.is_not(None),
                )
            )
        )
    elif spec.queue == "escalated":
        stmt = stmt.where(WorkOrder.escalation_level > 0)
    return stmt


def _nearest(paused: bool) -> Select[int, datetime]:
    """Each order's clock nearest its deadline: running clocks (paused ones in the paused
    queue, where nothing runs)."""
    stmt = select(OrderClock.order_id, func.min(OrderClock.due_at).label("due")).where(
        OrderClock.stopped_at.is_(None)
    )
    stmt = stmt.where(
        OrderClock.paused_at.is_not(None) if paused else OrderClock.paused_at.is_(None)
    )
    return stmt.group_by(OrderClock.order_id)


def page(session: Session, viewer: Staff, spec: ListSpec, number: int = 1) -> Page:
    """One page of the list, its total and (when asked) its counts by unit or handler."""
    base = scoped(session, viewer, spec)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    pages = max(1, math.ceil(total / spec.page_size))
    number = min(max(1, number), pages)
    nearest = _nearest(spec.queue == "paused").subquery()
    stmt = base.outerjoin(nearest, nearest.c.order_id == WorkOrder.id)
    no_clock = case((nearest.c.due.is_(None), 1), else_=0)
    rank = case(PRIORITY_RANK, value=WorkOrder.priority, else_=9)
    order_by = {
        "time_left": (no_clock, nearest.c.due, WorkOrder.id),
        "newest": (WorkOrder.id.desc(),),
        "oldest": (WorkOrder.id,),
        "priority": (rank, no_clock, nearest.c.due, WorkOrder.id),
        "updated": (WorkOrder.updated_at.desc(), WorkOrder.id.desc()),
    }[spec.sort]
    stmt = (
        stmt.order_by(*order_by)
        .offset((number - 1) * spec.page_size)
        .limit(spec.page_size)
        .options(  # all the page shows, loaded now: it renders after the session ends
            selectinload(WorkOrder.first_contact_owner),
            selectinload(WorkOrder.handler),
            selectinload(WorkOrder.clocks),
        )
    )
    rows = list(session.scalars(stmt).unique())
    groups = _groups(session, base, spec) if spec.group != "none" else []
    return Page(rows, total, number, spec.page_size, groups)


def count(session: Session, viewer: Staff, spec: ListSpec) -> int:
    return (
        session.scalar(select(func.count()).select_from(scoped(session, viewer, spec).subquery()))
        or 0
    )


def _groups(
    session: Session, base: Select[WorkOrder], spec: ListSpec
) -> list[tuple[str, str, int]]:
    """(key, name, count) per handling unit or handler of the list, largest first."""
    ids = base.with_only_columns(WorkOrder.id).subquery()
    if spec.group == "unit":
        owner = aliased(Staff)
        # The unit an order sits with: its handling unit, or its owner's while nobody has it.
        unit_id = func.coalesce(WorkOrder.handling_unit_id, owner.unit_id)
        stmt = (
            select(OrgUnit.code, OrgUnit.name, func.count())
            .select_from(WorkOrder)
            .join(ids, ids.c.id == WorkOrder.id)
            .join(owner, owner.id == WorkOrder.first_contact_owner_id)
            .outerjoin(OrgUnit, OrgUnit.id == unit_id)
            .group_by(OrgUnit.code, OrgUnit.name)
        )
    else:
        stmt = (
            select(Staff.username, Staff.display_name, func.count())
            .select_from(WorkOrder)
            .join(ids, ids.c.id == WorkOrder.id)
            .outerjoin(Staff, Staff.id == WorkOrder.handler_id)
            .group_by(Staff.username, Staff.display_name)
        )
    found = [(key or "", name or "", n) for key, name, n in session.execute(stmt)]
    return sorted(found, key=lambda g: (-g[2], g[1]))


def closed_by_me_today(session: Session, viewer: Staff, limit: int = 100) -> list[WorkOrder]:
    """Orders the viewer closed (archived or found invalid) since Beijing midnight: the other
    half of 我的工单, so a day's work shows where it went."""
    permissions.require(viewer, Permission.ORDER_VIEW)
    today = clock.local(clock.now()).date()
    midnight = datetime.combine(today, time(0), tzinfo=clock.SHANGHAI).astimezone(clock.UTC)
    closing = select(OrderEvent.order_id).where(
        OrderEvent.actor_id == viewer.id,
        OrderEvent.at >= midnight,
        OrderEvent.to_status.in_([s.value for s in rules.CLOSED]),
        OrderEvent.from_status.is_distinct_from(OrderEvent.to_status),
    )
    stmt = (
        select(WorkOrder)
        .where(
            WorkOrder.id.in_(closing),
            WorkOrder.status.in_([s.value for s in rules.CLOSED]),
            order_filter(scope_of(viewer), WorkOrder),
        )
        .options(
            selectinload(WorkOrder.first_contact_owner),
            selectinload(WorkOrder.handler),
            selectinload(WorkOrder.clocks),
        )
        .order_by(WorkOrder.closed_at.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))
