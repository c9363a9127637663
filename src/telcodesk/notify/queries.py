"""Reading notifications for people: each with its order's public number, and the inbox
grouped by order, the group with the most urgent unread alert first."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from telcodesk.notify import service
from telcodesk.notify.models import Notification
from telcodesk.notify.schemas import NotificationOut
from telcodesk.org.models import Staff
from telcodesk.workorders.models import WorkOrder
from telcodesk.workorders.rules import public_number


def numbers(session: Session, order_ids: set[int]) -> dict[int, str]:
    if not order_ids:
        return {}
    rows = session.execute(
        select(WorkOrder.id, WorkOrder.created_at).where(WorkOrder.id.in_(order_ids))
    )
    return {order_id: public_number(order_id, created_at) for order_id, created_at in rows}


def notifications(
    session: Session, viewer: Staff, *, unread_only: bool = False, limit: int = 200
) -> list[NotificationOut]:
    notes = service.inbox(session, viewer, unread_only=unread_only, limit=limit)
    by_id = numbers(session, {n.order_id for n in notes if n.order_id})
    return [out(n, by_id) for n in notes]


def out(n: Notification, by_id: dict[int, str]) -> NotificationOut:
    return NotificationOut(
        id=n.id,
        kind=n.kind,
        urgency=n.urgency,
        order_id=n.order_id,
        order_number=by_id.get(n.order_id) if n.order_id else None,
        message_zh=n.message_zh,
        message_en=n.message_en,
        created_at=n.created_at,
        read_at=n.read_at,
    )


@dataclass
class Group:
    order_id: int | None
    order_number: str | None
    items: list[NotificationOut] = field(default_factory=list)

    @property
    def unread(self) -> int:
        return sum(1 for n in self.items if n.read_at is None)

    @property
    def top(self) -> int:
        """The most urgent unread alert's urgency (read ones rank below any unread)."""
        unread = [n.urgency for n in self.items if n.read_at is None]
        return max(unread) if unread else -1


def grouped(session: Session, viewer: Staff, *, unread_only: bool = False) -> list[Group]:
    groups: dict[int | None, Group] = {}
    for n in notifications(session, viewer, unread_only=unread_only):
        group = groups.setdefault(n.order_id, Group(n.order_id, n.order_number))
        group.items.append(n)
    return sorted(
        groups.values(),
        key=lambda g: (g.top, max(i.created_at for i in g.items)),
        reverse=True,
    )
