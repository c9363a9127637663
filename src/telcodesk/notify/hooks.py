"""What notify plugs into the order lifecycle (registered in `telcodesk.wiring`).

- `alert_notified`: an order event whose `changes["notified"]` lists staff ids (an SLA
  warning or breach, a chase, an order nobody handles …) tells each of them: the bell, and
  email / SMS by their preferences;
- `tell_customer`: registration, a progress note for the customer, the reply and the
  call-back send the customer an SMS from the templates (WO-2);
- `publish_event`: every order event goes to NATS JetStream for the carrier's other systems
  (docs/events.md).
All queue their rows for `write_queued`, wired after them, which inserts the batch's
notifications and outbox rows in one statement each, in the same transaction; the worker
delivers them after commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telcodesk.notify import customer, events, rules, service
from telcodesk.workorders.hooks import Happening, Pairs

if TYPE_CHECKING:
    from telcodesk.workorders.models import OrderEvent

_QUEUE = "notify.queued"


@dataclass
class _Queued:
    batch: Pairs
    notifications: list[dict[str, Any]] = field(default_factory=list)
    outbox: list[dict[str, Any]] = field(default_factory=list)


CLOCK_TEXT = {"response": ("首次响应", "first response"), "resolution": ("办结", "resolution")}


def _kind(event: OrderEvent) -> str:
    """The alert's kind: the event's name, or ``unassigned`` for a dispatch that left the order
    waiting in a unit's queue (CC-1: its supervisors are named in ``notified``)."""
    return "unassigned" if (event.changes or {}).get("queued") else event.action


def _text(event: OrderEvent, number: str, actor_name: str) -> tuple[str, str]:
    """The Chinese and English line of an alert, by its kind."""
    changes: dict[str, Any] = event.changes or {}
    clock_zh, clock_en = CLOCK_TEXT.get(str(changes.get("clock")), ("时限", "deadline"))
    share = changes.get("share")
    kind = _kind(event)
    if kind == "sla_warning":
        pct = f"{round(float(share) * 100)}%" if share is not None else ""
        return (
            f"时限预警：工单 {number} {clock_zh}时限已用 {pct}",
            f"SLA warning: order {number}, {pct} of the {clock_en} time used",
        )
    if kind == "sla_breach":
        escalated = "escalation_level" in changes
        return (
            f"超时告警：工单 {number} {clock_zh}已超时" + ("，已升级" if escalated else ""),
            f"SLA breach: order {number} {clock_en} overdue" + (", escalated" if escalated else ""),
        )
    if kind == "chase":
        reason = event.reason or ""
        return (
            f"催办：工单 {number} — {reason}（{actor_name}）",
            f"Chase: order {number} — {reason} ({actor_name})",
        )
    if kind == "unassigned":
        return (
            f"工单 {number} 无人处理，请尽快派单",
            f"Order {number} has nobody handling it; please dispatch it",
        )
    zh, en = rules.STAFF_KINDS.get(kind, (kind, kind, ()))[:2]
    return f"工单 {number}：{zh}", f"Order {number}: {en}"


def _queue(pairs: Pairs) -> _Queued:
    """The rows notify's hooks write for this batch, inserted together by `write_queued`
    (registered after them): a registration's customer SMS and its NATS event are one INSERT,
    a sweep's thousand alerts one per table. A queue left by a batch that failed is dropped."""
    info = pairs[0][0].session.info
    queued = info.get(_QUEUE)
    if queued is None or queued.batch is not pairs:
        queued = info[_QUEUE] = _Queued(pairs)
    return queued


def alert_notified(pairs: Pairs) -> None:
    """Tell whoever each event's ``changes["notified"]`` names (the bell; email / SMS by
    their preferences)."""
    queued = _queue(pairs)
    for happening, event in pairs:
        notified = (event.changes or {}).get("notified")
        if not notified:
            continue
        order = happening.order
        zh, en = _text(event, order.number, happening.actor.display_name)
        share = (event.changes or {}).get("share")
        notes, outbox = service.staff_rows(
            happening.session,
            [int(i) for i in notified],
            order_id=order.id,
            kind=_kind(event),
            message_zh=zh,
            message_en=en,
            at=happening.now,
            share=float(share) if share is not None else None,
            link=f"/orders/{order.number}",
            province_code=order.province_code,
        )
        queued.notifications += notes
        queued.outbox += outbox


def _persisted(happening: Happening) -> None:
    """A new order has no id (hence no number) until flushed; flushing now costs no statement
    the unit of work would not run anyway."""
    if happening.order.id is None:
        happening.session.flush()


def tell_customer(pairs: Pairs) -> None:
    """The customer is told (WO-2): which moment this event is, if any."""
    queued = _queue(pairs)
    for happening, _event in pairs:
        kind = customer.moment(happening.event, happening.data)
        if kind is None:
            continue
        _persisted(happening)
        row = customer.customer_row(
            happening.session, happening.order, kind, happening.data, happening.now
        )
        if row is not None:
            queued.outbox.append(row)


def publish_event(pairs: Pairs) -> None:
    """Every event to NATS: one outbox row each."""
    queued = _queue(pairs)
    for happening, event in pairs:
        _persisted(happening)
        queued.outbox.append(events.row(happening.order, event, happening.now))


def write_queued(pairs: Pairs) -> None:
    """Insert what notify's hooks queued for this batch: one INSERT per table."""
    queued = pairs[0][0].session.info.pop(_QUEUE, None)
    if queued is not None and queued.batch is pairs:
        service.insert_rows(pairs[0][0].session, queued.notifications, queued.outbox)
