"""The outbox seen by admins: list by state and channel, replay dead letters, SMS receipts.

Scope: HQ sees every row; a province admin the rows of their province (a message's province is
its order's). Replaying puts a dead letter back to pending with its attempts reset and its
dedup key kept, so a receiver that did take it once still drops the repeat.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from telcodesk import clock
from telcodesk.errors import NotFound, ValidationFailed
from telcodesk.notify import rules
from telcodesk.notify.models import OutboxMessage
from telcodesk.org import permissions
from telcodesk.org.models import Staff
from telcodesk.org.permissions import Permission
from telcodesk.org.scope import scope_of

RECEIPT_STATES = {"DELIVRD": "delivered", "DELIVERED": "delivered", "UNDELIV": "failed",
                  "FAILED": "failed", "EXPIRED": "failed", "REJECTD": "failed"}  # fmt: skip


def _scoped(actor: Staff):  # type: ignore[no-untyped-def]
    permissions.require(actor, Permission.MANAGE_OUTBOX)
    scope = scope_of(actor)
    query = select(OutboxMessage)
    if not scope.everything:
        query = query.where(OutboxMessage.province_code == (scope.province or "-"))
    return query


def list_messages(
    session: Session,
    actor: Staff,
    *,
    state: str | None = None,
    channel: str | None = None,
    limit: int = 100,
    before_id: int | None = None,
) -> list[OutboxMessage]:
    if state is not None and state not in rules.STATES:
        raise ValidationFailed(f"未知状态：{state}", f"Unknown state: {state}", code="bad_state")
    if channel is not None and channel not in rules.CHANNELS:
        raise ValidationFailed(
            f"未知渠道：{channel}", f"Unknown channel: {channel}", code="bad_channel"
        )
    query = _scoped(actor)
    if state:
        query = query.where(OutboxMessage.state == state)
    if channel:
        query = query.where(OutboxMessage.channel == channel)
    if before_id:
        query = query.where(OutboxMessage.id < before_id)
    return list(session.scalars(query.order_by(OutboxMessage.id.desc()).limit(min(limit, 500))))


def counts(session: Session, actor: Staff) -> dict[tuple[str, str], int]:
    sub = _scoped(actor).subquery()
    rows = session.execute(
        select(sub.c.state, sub.c.channel, func.count()).group_by(sub.c.state, sub.c.channel)
    )
    return {(s, c): int(n) for s, c, n in rows}


def replay(session: Session, actor: Staff, ids: Sequence[int]) -> int:
    """Send dead letters again; rows not dead or out of scope answer 404 (nothing replayed)."""
    if not ids:
        return 0
    rows = list(session.scalars(_scoped(actor).where(OutboxMessage.id.in_(set(ids)))))
    if len(rows) != len(set(ids)) or any(r.state != rules.DEAD for r in rows):
        raise NotFound(
            "只能重发范围内的死信", "Only dead letters in your scope can be replayed",
            code="not_a_dead_letter",
        )  # fmt: skip
    now = clock.now()
    for row in rows:
        row.state, row.attempts, row.next_attempt_at = rules.PENDING, 0, now
    session.flush()
    return len(rows)


def for_order(session: Session, order_id: int) -> list[OutboxMessage]:
    """Messages sent about an order, for its timeline (the caller has checked the order's
    scope); events for other systems are left out."""
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.order_id == order_id, OutboxMessage.channel != rules.EVENT)
            .order_by(OutboxMessage.id)
        )
    )


def record_receipt(
    session: Session, *, msg_id: str | None, client_ref: str | None, status: str, at: datetime
) -> OutboxMessage:
    """A delivery receipt from the SMS platform (its signature already checked)."""
    if not (msg_id or client_ref):
        raise ValidationFailed("回执缺少消息编号", "Receipt names no message", code="bad_receipt")
    conditions = []
    if client_ref:
        conditions.append(OutboxMessage.dedup_key == client_ref)
    if msg_id:
        conditions.append(OutboxMessage.provider_id == msg_id)
    row = session.scalars(
        select(OutboxMessage).where(OutboxMessage.channel == rules.SMS, or_(*conditions)).limit(1)
    ).first()
    if row is None:
        raise NotFound("回执对应的消息不存在", "No such message", code="message_not_found")
    row.receipt = RECEIPT_STATES.get(status.upper(), "failed")
    row.receipt_at = at
    session.flush()
    return row
