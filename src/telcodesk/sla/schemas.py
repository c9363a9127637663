"""SLA shapes: policies, overrides and the clocks shown on an order."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from telcodesk.calendar.rules import Unit
from telcodesk.customers.schemas import REGION_PATTERN, Tier
from telcodesk.inputs import Line, invalid
from telcodesk.workorders.rules import Channel, OrderType, Priority
from telcodesk.workorders.schemas import ClockOut  # noqa: F401 - the order answer's clocks

POLICY_CODE_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"


class PolicyIn(BaseModel):
    """An SLA policy: empty match fields match anything; the most specific policy wins."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(min_length=1, max_length=40, pattern=POLICY_CODE_PATTERN)
    name: Line = Field(min_length=1, max_length=100)
    norm: Line = Field(default="", max_length=20)
    precedence: int = Field(default=100, ge=0, le=10_000)
    active: bool = True
    match_type: OrderType | None = None
    match_category: Line | None = Field(default=None, max_length=80)
    match_priority: Priority | None = None
    match_tier: Tier | None = None
    match_channel: Channel | None = None
    match_region: str | None = Field(default=None, pattern=REGION_PATTERN)
    response_amount: float = Field(gt=0, le=10_000)
    response_unit: Unit
    resolution_amount: float = Field(gt=0, le=10_000)
    resolution_unit: Unit
    warn_shares: list[float] = Field(default=[0.75, 0.9], max_length=5)

    @field_validator("warn_shares")
    @classmethod
    def _shares_below_one(cls, v: list[float]) -> list[float]:
        if any(not 0 < s < 1 for s in v):
            raise invalid("预警比例须在 0 与 1 之间", "warning shares must be between 0 and 1")
        return sorted(set(v))


class PolicyOut(PolicyIn):
    model_config = ConfigDict(from_attributes=True)
    id: int
    updated_at: datetime


class OverrideIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    is_workday: bool
    note: Line = Field(default="", max_length=200)
    region_code: str = Field(default="000000", pattern=r"^[0-9]{6}$")


class OverrideOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    day: date
    region_code: str
    is_workday: bool
    note: str
    updated_at: datetime


class OverrideResult(BaseModel):
    override: OverrideOut | None
    deadlines_moved: int


class CalendarStatus(BaseModel):
    uncovered_years: list[int] = Field(
        description="Years the official calendar data does not cover yet"
    )
    warning_zh: str | None
    warning_en: str | None
