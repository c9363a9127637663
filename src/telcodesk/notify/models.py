"""Notify's tables (ARCHITECTURE.md: `notify` alone writes them).

- `notification` 站内通知: what a staff member sees in the console bell and inbox;
- `notify_profile`: a staff member's email and mobile and which kinds reach them by which
  channel;
- `outbox` 发件箱: every message leaving the system (email, SMS, NATS event), written in the
  business transaction and delivered after commit by the worker, at least once, with a dedup
  key;
- `message_template` 短信模板: what the customer is told (WO-2), HQ's nationwide text or a
  province's override;
- `customer_opt_out` 退订: a customer who asked not to be messaged on a channel;
- `quiet_hours` 免打扰时段: per province, when no SMS goes out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from telcodesk.db import Base, UTCDateTime


class Notification(Base):
    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_staff_unread", "staff_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    # Higher is more urgent: breach 50 > 90 % 40 > 75 % 30 > chase 20 > information 10.
    urgency: Mapped[int] = mapped_column(default=10, server_default="10")
    message_zh: Mapped[str] = mapped_column(Text)
    message_en: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class NotifyProfile(Base):
    """A staff member's addresses and, per kind, the channels beyond the console bell."""

    __tablename__ = "notify_profile"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(200))
    mobile: Mapped[str | None] = mapped_column(String(20))
    # kind -> channels ("console", "email", "sms"); a kind absent takes the default.
    channels: Mapped[dict[str, list[str]]] = mapped_column(
        JSON, default=dict, server_default=text("'{}'")
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        # The delivery job reads only what is due.
        Index("ix_outbox_state_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))  # email | sms | event
    kind: Mapped[str] = mapped_column(String(30))
    # Email address, mobile number, or NATS subject.
    recipient: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Sent with every attempt, so a receiver seeing a message twice can drop the second.
    dedup_key: Mapped[str] = mapped_column(String(120), unique=True)
    state: Mapped[str] = mapped_column(String(12), default="pending")  # pending | sent | dead
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Why it waits: "quiet_hours" while held, else empty.
    held: Mapped[str] = mapped_column(String(20), default="", server_default="")
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    provider_id: Mapped[str | None] = mapped_column(String(100), index=True)
    # The SMS platform's delivery receipt (delivered | failed); written by the receipt endpoint
    # only, so a receipt racing the worker's own update never overwrites it.
    receipt: Mapped[str | None] = mapped_column(String(12))
    receipt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    order_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    province_code: Mapped[str | None] = mapped_column(String(6))


class MessageTemplate(Base):
    """A customer message's text (Jinja2, sandboxed): HQ's (province 100000) or a province's."""

    __tablename__ = "message_template"
    __table_args__ = (UniqueConstraint("kind", "channel", "province_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    channel: Mapped[str] = mapped_column(String(10))
    province_code: Mapped[str] = mapped_column(String(6))
    body: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class CustomerOptOut(Base):
    __tablename__ = "customer_opt_out"
    __table_args__ = (UniqueConstraint("customer_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    channel: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class QuietHours(Base):
    """No SMS between start and end (local time, HH:MM); a province's row overrides HQ's."""

    __tablename__ = "quiet_hours"

    province_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    start: Mapped[str] = mapped_column(String(5))
    end: Mapped[str] = mapped_column(String(5))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
