"""SLA policies 时限标准 and the clocks they start on each order (T-1, T-2, T-5, T-6)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from telcodesk.db import Base, UTCDateTime
from telcodesk.workorders.models import WorkOrder


class SlaPolicy(Base):
    """Targets for matching orders. Empty match fields match anything; the most specific wins."""

    __tablename__ = "sla_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    norm: Mapped[str] = mapped_column(String(20), default="")  # the norm the defaults come from
    # Ties between equally specific policies: the lower precedence wins.
    precedence: Mapped[int] = mapped_column(default=100)
    active: Mapped[bool] = mapped_column(default=True)
    match_type: Mapped[str | None] = mapped_column(String(20))
    match_category: Mapped[str | None] = mapped_column(
        String(80)
    )  # code prefix: "network.broadband"
    match_priority: Mapped[str | None] = mapped_column(String(10))
    match_tier: Mapped[str | None] = mapped_column(String(20))
    match_channel: Mapped[str | None] = mapped_column(String(20))
    match_region: Mapped[str | None] = mapped_column(String(6))  # province or city code
    response_amount: Mapped[float] = mapped_column(Float)
    response_unit: Mapped[str] = mapped_column(String(20))
    resolution_amount: Mapped[float] = mapped_column(Float)
    resolution_unit: Mapped[str] = mapped_column(String(20))
    warn_shares: Mapped[list[float]] = mapped_column(JSON, default=lambda: [0.75, 0.9])
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OrderClock(Base):
    """One running clock of an order: ``response`` or ``resolution``.

    Time counts in the clock's unit (calendar hours, business hours of ``unit_id``, or PRC
    working days); ``allowed_s`` and ``paused_s`` are seconds of counted time, so a pause or an
    extension moves ``due_at`` by exactly the working time it covers.
    """

    __tablename__ = "order_clock"
    __table_args__ = (
        UniqueConstraint("order_id", "kind"),
        # The sweep reads only clocks whose next check is due: its cost follows due clocks.
        Index("ix_order_clock_next_check", "next_check_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"))
    kind: Mapped[str] = mapped_column(String(12))  # response | resolution
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("sla_policy.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))  # whose hours and calendar
    time_unit: Mapped[str] = mapped_column(String(20))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    allowed_s: Mapped[float] = mapped_column(Float)
    paused_s: Mapped[float] = mapped_column(Float, default=0.0)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    met: Mapped[bool | None] = mapped_column()
    warn_shares: Mapped[list[float]] = mapped_column(JSON, default=list)
    # How many thresholds (warnings, then the breach) have fired; the next one is stage + 1.
    stage: Mapped[int] = mapped_column(default=0)
    # Bumped when an extension or a reopening re-arms stages already fired (T-2, WO-1).
    arming: Mapped[int] = mapped_column(default=0, server_default="0")
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    order: Mapped[WorkOrder] = relationship(back_populates="clocks")


class SlaEvent(Base):
    """A warning, breach or escalation — at most once per clock, arming and stage, enforced by
    the key (a stage fires again only after an extension or a reopening re-armed it)."""

    __tablename__ = "sla_event"
    __table_args__ = (UniqueConstraint("clock_id", "arming", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clock_id: Mapped[int] = mapped_column(ForeignKey("order_clock.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), index=True)
    stage: Mapped[int] = mapped_column()
    arming: Mapped[int] = mapped_column(default=0, server_default="0")
    kind: Mapped[str] = mapped_column(String(20))  # warning | breach
    share: Mapped[float] = mapped_column(Float)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    notified: Mapped[list[int]] = mapped_column(JSON, default=list)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    clock: Mapped[OrderClock] = relationship()
