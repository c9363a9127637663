"""Reading work orders: one by number, lists with filters and keyset pagination, history,
notes — always within the viewer's regional scope (CD-2)."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from telcodesk import clock
from telcodesk.customers import phones
from telcodesk.customers.models import Customer
from telcodesk.errors import NotFound, ValidationFailed
from telcodesk.matching import OrderFacts
from telcodesk.org import permissions
from telcodesk.org.models import OrgUnit, Staff
from telcodesk.org.permissions import Permission
from telcodesk.org.scope import order_filter, scope_of
from telcodesk.workorders import rules
from telcodesk.workorders.models import OrderEvent, OrderNote, WorkOrder
from telcodesk.workorders.schemas import OrderFilter


def get_order(session: Session, number: str, *, viewer: Staff | None) -> WorkOrder:
    """The order with this public number, if ``viewer`` may see it (``None``: the system).
    An order out of the viewer's scope is answered exactly like a missing one (CD-2)."""
    order_id = rules.parse_public_number(number)
    # The owner and the clocks come in the same statement: the answer and the hooks use both.
    with_them = (joinedload(WorkOrder.first_contact_owner), joinedload(WorkOrder.clocks))
    order = session.get(WorkOrder, order_id, options=with_them) if order_id is not None else None
    if order is None or order.number != number.strip().upper() or not visible(order, viewer):
        raise NotFound("工单不存在", f"Work order {number!r} not found", code="order_not_found")
    return order


def visible(order: WorkOrder, viewer: Staff | None) -> bool:
    if viewer is None:
        return True
    return (
        scope_of(viewer).covers(order.province_code, order.city_code)
        or order.handler_id == viewer.id
        or order.first_contact_owner_id == viewer.id
    )


def encode_cursor(order_id: int) -> str:
    return base64.urlsafe_b64encode(str(order_id).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        value = int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        value = 0
    if not 0 < value <= rules.MAX_KEY:  # past the key width is bad input, not an overflow
        raise ValidationFailed("分页游标无效", "Invalid cursor", code="invalid_cursor")
    return value


def _as_utc(dt: datetime) -> datetime:
    # A time without an offset is read as Beijing time, as staff would mean it.
    return (dt if dt.tzinfo else dt.replace(tzinfo=clock.SHANGHAI)).astimezone(clock.UTC)


def filter_orders(session: Session, f: OrderFilter) -> Select[WorkOrder]:
    stmt = select(WorkOrder)
    if f.status:
        stmt = stmt.where(WorkOrder.status.in_(f.status))
    if f.open_only:
        stmt = stmt.where(WorkOrder.status.not_in(rules.CLOSED))
    if f.type:
        stmt = stmt.where(WorkOrder.type.in_(f.type))
    if f.channel:
        stmt = stmt.where(WorkOrder.channel.in_(f.channel))
    if f.province_code:
        stmt = stmt.where(WorkOrder.province_code == f.province_code)
    if f.city_code:
        stmt = stmt.where(WorkOrder.city_code == f.city_code)
    if f.cities:
        stmt = stmt.where(WorkOrder.city_code.in_(f.cities))
    if f.tier:
        tiered = select(Customer.id).where(Customer.tier.in_(f.tier))
        stmt = stmt.where(WorkOrder.customer_id.in_(tiered))
    if f.escalated:
        stmt = stmt.where(WorkOrder.escalation_level > 0)
    if f.unit:  # the unit an order sits with: handling unit, else the owner's (as authority)
        unit_ids = select(OrgUnit.id).where(OrgUnit.code == f.unit)
        stmt = stmt.where(
            or_(
                WorkOrder.handling_unit_id.in_(unit_ids),
                WorkOrder.handling_unit_id.is_(None)
                & WorkOrder.first_contact_owner_id.in_(
                    select(Staff.id).where(Staff.unit_id.in_(unit_ids))
                ),
            )
        )
    if f.handler:
        stmt = stmt.where(WorkOrder.handler_id.in_(_staff_ids(f.handler)))
    if f.owner:
        stmt = stmt.where(WorkOrder.first_contact_owner_id.in_(_staff_ids(f.owner)))
    if f.customer_phone:
        # Numbers are kept in their normal form (BH-5): any spelling finds them.
        phone = phones.try_normalise(f.customer_phone) or f.customer_phone.strip()
        ids = select(Customer.id).where(or_(Customer.phone == phone, Customer.alt_phone == phone))
        stmt = stmt.where(WorkOrder.customer_id.in_(ids))
    if f.created_from:
        stmt = stmt.where(WorkOrder.created_at >= _as_utc(f.created_from))
    if f.created_to:
        stmt = stmt.where(WorkOrder.created_at < _as_utc(f.created_to))
    if f.q:
        q = f.q.strip()
        order_id = rules.parse_public_number(q)
        if order_id is not None:
            stmt = stmt.where(WorkOrder.id == order_id)
        else:
            like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            stmt = stmt.where(
                or_(
                    WorkOrder.subject.like(like, escape="\\"),
                    WorkOrder.description.like(like, escape="\\"),
                )
            )
    return stmt


def _staff_ids(who: str) -> Select[int]:
    """Staff by username, or by a part of the name people know them by (issue 9)."""
    who = who.strip()
    like = "%" + who.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return select(Staff.id).where(
        or_(Staff.username == who, Staff.display_name.like(like, escape="\\"))
    )


def list_orders(
    session: Session,
    f: OrderFilter,
    *,
    viewer: Staff | None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[WorkOrder], str | None]:
    """Newest first, keyset-paginated (stable while orders arrive), within the viewer's scope."""
    stmt = filter_orders(session, f)
    if viewer is not None:
        permissions.require(viewer, Permission.ORDER_VIEW)
        stmt = stmt.where(order_filter(scope_of(viewer), WorkOrder))
    if cursor:
        stmt = stmt.where(WorkOrder.id < decode_cursor(cursor))
    # Owners, handlers and SLA clocks in one extra query each, not one per row.
    stmt = stmt.options(
        selectinload(WorkOrder.first_contact_owner),
        selectinload(WorkOrder.handler),
        selectinload(WorkOrder.clocks),
    )
    rows = list(session.scalars(stmt.order_by(WorkOrder.id.desc()).limit(limit + 1)).unique())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1].id) if more and rows else None


def history(session: Session, order: WorkOrder) -> list[OrderEvent]:
    return list(
        session.scalars(
            select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(OrderEvent.id)
        )
    )


def notes(session: Session, order: WorkOrder) -> list[OrderNote]:
    return list(
        session.scalars(
            select(OrderNote).where(OrderNote.order_id == order.id).order_by(OrderNote.id)
        )
    )


def unit_queue(session: Session, viewer: Staff, limit: int = 200) -> list[WorkOrder]:
    """Orders waiting in the viewer's unit's queue, oldest first: dispatch placed them there
    with nobody able to take them (CC-1); a member takes one by assigning it to themselves."""
    permissions.require(viewer, Permission.ORDER_VIEW)
    stmt = (
        select(WorkOrder)
        .where(
            WorkOrder.status == rules.Status.REVIEWED,
            WorkOrder.handling_unit_id == viewer.unit_id,
            WorkOrder.handler_id.is_(None),
            order_filter(scope_of(viewer), WorkOrder),
        )
        .options(  # all the list page shows, loaded now: it renders after the session ends
            selectinload(WorkOrder.first_contact_owner),
            selectinload(WorkOrder.handler),
            selectinload(WorkOrder.clocks),
        )
        .order_by(WorkOrder.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def facts_of(order: WorkOrder) -> OrderFacts:
    """What SLA policies and dispatch rules look at in an order (one answer for both)."""
    return OrderFacts(
        type=order.type,
        category_code=order.category.code if order.category else None,
        priority=order.priority,
        tier=order.customer.tier,
        channel=order.channel,
        province_code=order.province_code,
        city_code=order.city_code,
    )
