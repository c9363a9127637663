"""Staffing plans, rosters and their shift assignments (CC-3): one writer, ``rostering``.

A plan and a roster belong to one unit (a call centre or a hall) and are seen and made only
by staff whose region covers that unit. The plan keeps its forecast and its per-interval
answer as JSON (it is read whole, never queried by interval); a roster's assignments are rows,
one per person and day, so a person's shifts are queried by index.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from telcodesk.db import Base, UTCDateTime


class StaffingPlan(Base):
    """A day's forecast and the agents it needs per interval (Erlang C and A)."""

    __tablename__ = "staffing_plan"
    __table_args__ = (Index("ix_staffing_plan_unit_day", "unit_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    day: Mapped[date] = mapped_column(Date())
    name: Mapped[str] = mapped_column(String(60))
    interval_minutes: Mapped[int] = mapped_column()
    model: Mapped[str] = mapped_column(String(10))  # erlang_c | erlang_a
    # Forecast: calls per interval, AHT, target SL and answer time, occupancy, shrinkage,
    # patience.
    forecast: Mapped[dict[str, object]] = mapped_column(JSON)
    intervals: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    totals: Mapped[dict[str, object]] = mapped_column(JSON)
    created_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Roster(Base):
    """People on shifts for whole weeks against a plan, with the solver's report."""

    __tablename__ = "staffing_roster"
    __table_args__ = (Index("ix_staffing_roster_unit_start", "unit_id", "start_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("staffing_plan.id"), index=True)
    start_day: Mapped[date] = mapped_column(Date())
    days: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(String(10))  # optimal | feasible
    # The shifts, rules and requests it was solved under, and the report: cover, under- and
    # over-cover per interval, unmet preferences, binding rules, solve time.
    shifts: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    rules: Mapped[dict[str, object]] = mapped_column(JSON)
    requests: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    report: Mapped[dict[str, object]] = mapped_column(JSON)
    created_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RosterShift(Base):
    """One person's shift on one day of a roster (no row: a day off)."""

    __tablename__ = "staffing_roster_shift"
    __table_args__ = (
        UniqueConstraint("roster_id", "staff_id", "day"),
        Index("ix_staffing_roster_shift_staff_day", "staff_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    roster_id: Mapped[int] = mapped_column(ForeignKey("staffing_roster.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    day: Mapped[date] = mapped_column(Date())
    shift_code: Mapped[str] = mapped_column(String(4))
