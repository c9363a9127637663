"""Staffing plan and roster API shapes (CC-3): bounded input (inputs.py) and the answers."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from telcodesk.inputs import DAY_PATTERN
from telcodesk.inputs import Day as _Day

UNIT_CODE_PATTERN = r"^[A-Za-z0-9_.-]{1,40}$"
USERNAME_PATTERN = r"^[A-Za-z0-9_.-]{1,50}$"
SHIFT_CODE_PATTERN = r"^[A-Z][A-Z0-9]{0,3}$"
CLOCK_PATTERN = r"^([01][0-9]|2[0-3]):(00|30)$"
NAME_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]{1,60}$"
Model = Literal["erlang_c", "erlang_a"]


def _day_text(value: Any) -> Any:
    """A day in a body is text of the day's pattern: anything else is a pattern mismatch,
    as for every other text field (control characters included)."""
    if isinstance(value, str) and not re.fullmatch(DAY_PATTERN, value):
        raise PydanticCustomError(
            "string_pattern_mismatch", "String should match pattern '{pattern}'",
            {"pattern": DAY_PATTERN},
        )  # fmt: skip
    return value


Day = Annotated[_Day, BeforeValidator(_day_text)]
Username = Annotated[str, Field(pattern=USERNAME_PATTERN, max_length=50)]
ShiftCode = Annotated[str, Field(pattern=SHIFT_CODE_PATTERN, max_length=4)]


class PlanIn(BaseModel):
    """A day's forecast: calls per interval from 00:00 (24 hourly or 48 half-hourly values),
    or a day's total spread over the typical profile (``total_calls``)."""

    model_config = ConfigDict(extra="forbid")
    day: Day
    name: str = Field(default="日计划", pattern=NAME_PATTERN, max_length=60)
    interval_minutes: Literal[30, 60] = Field(
        default=30, json_schema_extra={"minimum": 30, "maximum": 60}
    )
    calls: list[float] | None = Field(default=None, max_length=48)
    total_calls: float | None = Field(default=None, gt=0, le=1_000_000)
    aht_seconds: float = Field(default=270, ge=60, le=3600)
    target_sl: float = Field(default=0.8, gt=0, lt=1)
    answer_seconds: float = Field(default=20, ge=1, le=120, description="at most the AHT")
    max_occupancy: float = Field(default=0.85, gt=0, le=1)
    shrinkage: float = Field(default=0.3, ge=0, lt=0.9)
    patience_seconds: float = Field(default=120, ge=10, le=900)
    model: Model = "erlang_c"

    @model_validator(mode="after")
    def _one_forecast(self) -> PlanIn:
        if (self.calls is None) == (self.total_calls is None):
            raise ValueError("give either calls per interval or total_calls")
        if self.answer_seconds > self.aht_seconds:
            raise ValueError("answer_seconds: at most the handling time")
        if self.calls is not None:
            if len(self.calls) != 24 * 60 // self.interval_minutes:
                raise ValueError("calls: one value per interval of the day (48 or 24)")
            if any(not 0 <= c <= 100_000 for c in self.calls):
                raise ValueError("calls: between 0 and 100000 per interval")
        return self


class StaffingOut(BaseModel):
    agents: int
    positions: int
    service_level: float
    asa_seconds: float
    occupancy: float
    waiting_probability: float
    abandonment: float


class IntervalOut(BaseModel):
    index: int
    start: str
    calls: float
    load: float
    erlang_c: StaffingOut
    erlang_a: StaffingOut


class PlanOut(BaseModel):
    id: int
    unit: str
    day: date
    name: str
    interval_minutes: int
    model: str
    forecast: dict[str, object]
    totals: dict[str, float]
    intervals: list[IntervalOut]
    created_at: datetime


class PlanSummaryOut(BaseModel):
    id: int
    unit: str
    day: date
    name: str
    model: str
    totals: dict[str, float]


class ShiftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=SHIFT_CODE_PATTERN, max_length=4)
    start: str = Field(pattern=CLOCK_PATTERN, max_length=5)
    hours: float = Field(ge=1, le=12)
    night: bool = False


class RulesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min_rest_days: int = Field(default=2, ge=0, le=6)
    max_consecutive_days: int = Field(default=5, ge=1, le=7)
    max_consecutive_nights: int = Field(default=3, ge=0, le=7)
    min_rest_hours: float = Field(default=11, ge=0, le=24)
    forbidden: list[tuple[ShiftCode, ShiftCode]] = Field(
        default_factory=list, max_length=50, description="(shift, next day's shift) pairs"
    )
    hard_cover: bool = False


class RequestIn(BaseModel):
    """A person's request: approved leave (``off``, a hard rule), or a preference."""

    model_config = ConfigDict(extra="forbid")
    username: str = Field(pattern=USERNAME_PATTERN, max_length=50)
    day: Day
    kind: Literal["off", "prefer_off", "shift", "avoid"]
    shift: str | None = Field(default=None, pattern=SHIFT_CODE_PATTERN, max_length=4)


class RosterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start_day: Day
    weeks: int = Field(default=1, ge=1, le=4)
    shifts: list[ShiftIn] | None = Field(default=None, max_length=12)
    rules: RulesIn = Field(default_factory=RulesIn)
    requests: list[RequestIn] = Field(default_factory=list, max_length=500)
    people: list[Username] | None = Field(
        default=None, max_length=300, description="usernames; default: the unit's agents"
    )
    time_limit_s: float = Field(default=10, gt=0, le=120)
    explain: bool = Field(default=True, description="measure which rules bind (more solves)")


class AssignmentOut(BaseModel):
    username: str
    name: str
    shifts: list[str | None]  # per day: a shift code, None for a day off


class RosterOut(BaseModel):
    id: int
    unit: str
    plan_id: int
    start_day: date
    days: int
    status: str
    shifts: list[dict[str, object]]
    rules: dict[str, object]
    requests: list[dict[str, object]]
    report: dict[str, object]
    people: list[AssignmentOut]
    created_at: datetime
