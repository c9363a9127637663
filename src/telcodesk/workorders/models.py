"""Work-order tables: orders, their history, notes, categories and idempotency records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from telcodesk.customers.models import Customer
from telcodesk.db import Base, UTCDateTime
from telcodesk.org.models import Staff
from telcodesk.workorders.rules import public_number


class Category(Base):
    """Complaint / fault category 分类, a tree (network → coverage → no signal)."""

    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"), index=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    name_zh: Mapped[str] = mapped_column(String(50))
    name_en: Mapped[str] = mapped_column(String(80))
    sort: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class WorkOrder(Base):
    """Work order 工单."""

    __tablename__ = "work_order"

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    priority: Mapped[str] = mapped_column(String(10))
    province_code: Mapped[str] = mapped_column(String(6))
    city_code: Mapped[str] = mapped_column(String(6))
    # 首问负责制 (CH-3): whoever registered the order owns it until it is closed; never changes.
    first_contact_owner_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # Dispatch (CC-1, CH-4): the unit handling the order and why it was chosen.
    handling_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    dispatch_note: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))
    is_valid: Mapped[bool | None] = mapped_column()
    invalid_reason: Mapped[str | None] = mapped_column(Text)
    escalation_level: Mapped[int] = mapped_column(default=0)
    reopen_count: Mapped[int] = mapped_column(default=0)
    satisfied: Mapped[bool | None] = mapped_column()
    # Closure data (SQ-1, SQ-2): the call-back's answer and tries, the complaint's classification.
    callback_outcome: Mapped[str | None] = mapped_column(String(20))
    callback_attempts: Mapped[int] = mapped_column(default=0)
    root_cause: Mapped[str | None] = mapped_column(String(40))
    responsibility: Mapped[str | None] = mapped_column(String(40))
    justified: Mapped[bool | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1)

    customer: Mapped[Customer] = relationship(lazy="joined")
    category: Mapped[Category | None] = relationship(lazy="joined")
    first_contact_owner: Mapped[Staff] = relationship(foreign_keys=[first_contact_owner_id])
    handler: Mapped[Staff | None] = relationship(foreign_keys=[handler_id])
    # The SLA clocks (sla.models.OrderClock, written by sla alone): named, not imported, so the
    # lifecycle does not depend on the domain that plugs into it; lists preload them.
    clocks: Mapped[list[Any]] = relationship("OrderClock", back_populates="order")

    # Optimistic locking: every UPDATE checks and bumps the version.
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        Index("ix_work_order_status_id", "status", "id"),
        Index("ix_work_order_handler_status", "handler_id", "status"),
        Index("ix_work_order_region", "province_code", "city_code", "id"),
        # City staff's list (CD-2 scope): newest orders of one city without a table scan.
        Index("ix_work_order_city_id", "city_code", "id"),
        Index("ix_work_order_created", "created_at"),
    )

    @property
    def number(self) -> str:
        return public_number(self.id, self.created_at)


class OrderEvent(Base):
    """History row 工单轨迹: who did what, when, from which state to which, why (WO-2)."""

    __tablename__ = "order_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[Staff] = relationship(lazy="joined")
    # Lets the registration write order, history and idempotency record in one flush.
    order: Mapped[WorkOrder] = relationship()


class OrderNote(Base):
    """A note 备注 (internal), a progress message 进度告知 or a reply 答复 (to the customer)."""

    __tablename__ = "order_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    author_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    kind: Mapped[str] = mapped_column(String(10))  # note | progress | reply | attempt
    body: Mapped[str] = mapped_column(Text)

    author: Mapped[Staff] = relationship(lazy="joined")


class ClosureCode(Base):
    """An entry of an editable code list used at archive: root causes, responsibilities."""

    __tablename__ = "closure_code"
    __table_args__ = (UniqueConstraint("kind", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # root_cause | responsibility
    code: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(50))
    name_en: Mapped[str] = mapped_column(String(80))
    sort: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class IdempotencyRecord(Base):
    """A create request seen before: a retry with the same key returns the same order."""

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("staff_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    key: Mapped[str] = mapped_column(String(100))
    request_hash: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)

    order: Mapped[WorkOrder] = relationship()


class OrderAttachment(Base):
    """A file of the attachment store given to an order: a call recording, a screenshot, a
    copy of an ID card (CD-1). Written with the history row "attachment" (WO-2); a removal
    keeps the row (who, when) and purges the bytes."""

    __tablename__ = "order_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), index=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachment.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # recording | screenshot | id_copy | other
    added_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    added_by: Mapped[Staff] = relationship(lazy="joined", foreign_keys=[added_by_id])
