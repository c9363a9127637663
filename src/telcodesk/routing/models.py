"""Dispatch rules 派单规则: which unit handles an order, and how it picks a person (CC-1, CH-4)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from telcodesk.db import Base, UTCDateTime


class DispatchRule(Base):
    """Empty match fields match anything; the most specific active rule wins, then precedence."""

    __tablename__ = "dispatch_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    precedence: Mapped[int] = mapped_column(default=100)
    active: Mapped[bool] = mapped_column(default=True)
    match_type: Mapped[str | None] = mapped_column(String(20))
    match_category: Mapped[str | None] = mapped_column(String(80))
    match_region: Mapped[str | None] = mapped_column(String(6))
    match_tier: Mapped[str | None] = mapped_column(String(20))
    match_channel: Mapped[str | None] = mapped_column(String(20))
    required_skill: Mapped[str | None] = mapped_column(String(40))
    # The handling unit; None = the unit of the order's own city (province → city remote seats).
    target_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    target_kind: Mapped[str | None] = mapped_column(String(20))  # e.g. department in the city
    strategy: Mapped[str] = mapped_column(String(20), default="least_load")  # or round_robin
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
