"""Calendar overrides 工作日调整: admins mark single dates working or off, both ways (T-2)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from telcodesk.db import Base, UTCDateTime

NATIONWIDE = "000000"


class CalendarOverride(Base):
    __tablename__ = "calendar_override"
    __table_args__ = (UniqueConstraint("day", "region_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    # NATIONWIDE, or a province / city code (GB/T 2260) for a local arrangement.
    region_code: Mapped[str] = mapped_column(String(6), default=NATIONWIDE)
    is_workday: Mapped[bool] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
