"""Counter visits and their transactions (BH-1, BH-5). The work order of each transaction is
``workorders``'; these tables hold what the counter adds: the visit, the kind, the checks'
evidence, the confirmation state and the fee."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from telcodesk.clock import local
from telcodesk.db import Base, UTCDateTime


class CounterVisit(Base):
    """One customer at one counter 一次到厅办理: every transaction of it goes on one slip."""

    __tablename__ = "counter_visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    province_code: Mapped[str] = mapped_column(String(6))
    city_code: Mapped[str] = mapped_column(String(6))
    # The document shown at the start of the visit (its kind; the number is the customer's).
    document_type: Mapped[str] = mapped_column(String(30))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    transactions: Mapped[list[CounterTransaction]] = relationship(
        back_populates="visit", order_by="CounterTransaction.id"
    )

    @property
    def number(self) -> str:
        """Public visit number, e.g. ``CV20261206-000042`` (local date and key)."""
        return f"CV{local(self.started_at):%Y%m%d}-{self.id:06d}"


class CounterTransaction(Base):
    __tablename__ = "counter_transaction"
    __table_args__ = (Index("ix_counter_transaction_state_expiry", "state", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("counter_visit.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(20))
    product_number: Mapped[str | None] = mapped_column(String(20), index=True)
    fee_fen: Mapped[int] = mapped_column(default=0)
    # What the checks saw and what was agreed: service and price, penalty acknowledged,
    # notice given, retention offer and answer, the other party (masked), the outcome.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    bss_ref: Mapped[str | None] = mapped_column(String(40))

    visit: Mapped[CounterVisit] = relationship(back_populates="transactions")
