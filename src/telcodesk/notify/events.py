"""Order events for the carrier's other systems (BSS/CRM, data warehouse): one outbox row per
history row, published by the worker to NATS JetStream under `telcodesk.order.<action>` with
the row's dedup key as `Nats-Msg-Id`, so JetStream drops a redelivery. The payload carries no
personal data (docs/events.md)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from telcodesk.notify import rules, service

if TYPE_CHECKING:
    from telcodesk.workorders.models import OrderEvent, WorkOrder

SUBJECT_PREFIX = "telcodesk"
SCHEMA = "telcodesk.order-event/1"


def payload(order: WorkOrder, event: OrderEvent, key: str) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "id": key,
        "order": order.number,
        "action": event.action,
        "type": order.type,
        "priority": order.priority,
        "from_status": event.from_status,
        "status": event.to_status,
        "province_code": order.province_code,
        "city_code": order.city_code,
        "escalation_level": order.escalation_level,
        "at": event.at.isoformat(),
    }


def row(order: WorkOrder, event: OrderEvent, now: datetime) -> dict[str, Any]:
    """The outbox row publishing one order event (the key is also the payload's id)."""
    key = f"td-event-{uuid.uuid4().hex}"
    return service.outbox_row(
        channel=rules.EVENT,
        kind=event.action,
        recipient=rules.event_subject(SUBJECT_PREFIX, event.action),
        payload=payload(order, event, key),
        at=now,
        order_id=order.id,
        province_code=order.province_code,
        dedup_key=key,
    )
