"""Notify's scheduled jobs: deliver the outbox; drop order events NATS took long ago.

Each run claims up to one batch of due messages — `FOR UPDATE SKIP LOCKED` on PostgreSQL, so
several workers never send one row at the same time — hands each to its channel's adapter
and records the outcome in the same transaction: sent (with the receiver's id), or a failed
attempt retried after an exponential backoff, a dead letter after `outbox_max_attempts`.
A worker killed mid-batch commits nothing: its rows are due again and go out again, with
the same dedup key, so delivery is at least once and a receiver keeping the keys sees each
message once. Channels without an adapter (not configured) are left waiting.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from telcodesk import clock
from telcodesk.config import Settings
from telcodesk.notify import adapters as adapters_mod
from telcodesk.notify import rules
from telcodesk.notify.models import OutboxMessage
from telcodesk.scheduling import Job

log = logging.getLogger("telcodesk.notify")

BATCH = 20
PURGE_BATCH = 5000
_built: dict[tuple[object, ...], dict[str, adapters_mod.Adapter]] = {}


def _key(settings: Settings) -> tuple[object, ...]:
    return (
        settings.smtp_host,
        settings.smtp_port,
        settings.sms_gateway_url,
        settings.sms_secret,
        settings.nats_url,
        settings.nats_stream,
    )


def adapters_for(settings: Settings) -> dict[str, adapters_mod.Adapter]:
    """Adapters kept for the process's life (the NATS connection stays open)."""
    key = _key(settings)
    if key not in _built:
        _built[key] = adapters_mod.build(settings)
    return _built[key]


def deliver(
    session: Session,
    settings: Settings,
    *,
    now: datetime | None = None,
    adapters: dict[str, adapters_mod.Adapter] | None = None,
    limit: int = BATCH,
) -> int:
    """Deliver one batch of due messages; how many were tried."""
    adapters = adapters_for(settings) if adapters is None else adapters
    if not adapters:
        return 0
    now = now or clock.now()
    due = list(
        session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.state == rules.PENDING,
                OutboxMessage.next_attempt_at <= now,
                OutboxMessage.channel.in_(sorted(adapters)),
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    for message in due:
        message.attempts += 1
        try:
            message.provider_id = adapters[message.channel].send(message)
        except adapters_mod.DeliveryFailed as exc:
            message.last_error = str(exc)[:2000]
            if message.attempts >= settings.outbox_max_attempts:
                message.state = rules.DEAD
                log.warning("outbox %s dead after %s attempts", message.id, message.attempts)
            else:
                wait = rules.backoff(
                    message.attempts, settings.outbox_backoff_s, settings.outbox_backoff_cap_s
                )
                message.next_attempt_at = now + wait
            continue
        message.state, message.sent_at, message.held = rules.SENT, clock.now(), ""
    session.flush()
    return len(due)


def purge_sent_events(session: Session, settings: Settings, *, now: datetime | None = None) -> int:
    """Drop order events JetStream took longer ago than the retention: the stream keeps them,
    the outbox need not. Messages to people stay, as the order's timeline shows them (WO-2)."""
    cutoff = (now or clock.now()) - timedelta(days=settings.outbox_event_retention_days)
    ids = list(
        session.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.channel == rules.EVENT,
                OutboxMessage.state == rules.SENT,
                OutboxMessage.sent_at < cutoff,
            )
            .limit(PURGE_BATCH)
        )
    )
    if ids:
        session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(ids)))
    return len(ids)


JOBS = (
    Job(
        "deliver_outbox",
        "投递发件箱：邮件、短信、事件 / deliver the outbox: email, SMS, events",
        deliver,
        batch=BATCH,
        prompt=True,  # promptly after the commit that queued a message
    ),
    Job(
        "purge_sent_events",
        "清理已发布的订单事件 / drop order events NATS took long ago",
        purge_sent_events,
        batch=PURGE_BATCH,
    ),
)
