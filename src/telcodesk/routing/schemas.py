"""Dispatch API shapes (Pydantic): rules in and out, and "which rule matched and why"."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from telcodesk.customers.schemas import REGION_PATTERN, Tier
from telcodesk.inputs import Line
from telcodesk.org.roles import UnitKind
from telcodesk.routing.rules import Strategy
from telcodesk.workorders.rules import Channel, OrderType

RULE_CODE_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
CATEGORY_PREFIX_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$"
SKILL_PATTERN = r"^[a-z][a-z0-9_-]*$"


class RuleIn(BaseModel):
    """A dispatch rule (CC-1, CH-4). Empty match fields match anything; the most specific
    matching rule wins, then the lower precedence. The code is the URL's."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Line = Field(min_length=1, max_length=100)
    precedence: int = Field(default=100, ge=0, le=10_000, description="Lower wins ties")
    active: bool = True
    match_type: OrderType | None = None
    match_category: str | None = Field(
        default=None,
        max_length=80,
        pattern=CATEGORY_PREFIX_PATTERN,
        description="Category code prefix, e.g. network.broadband",
    )
    match_region: str | None = Field(
        default=None, pattern=REGION_PATTERN, description="Province or city code (GB/T 2260)"
    )
    match_tier: Tier | None = None
    match_channel: Channel | None = None
    required_skill: str | None = Field(default=None, max_length=40, pattern=SKILL_PATTERN)
    target_unit_code: Line | None = Field(
        default=None, max_length=40, description="A fixed handling unit"
    )
    target_kind: UnitKind | None = Field(
        default=None,
        description="Without a fixed unit: the unit of this kind in the order's city, else in "
        "its province (no kind: the city unit itself)",
    )
    strategy: Strategy = Strategy.LEAST_LOAD


class RuleOut(RuleIn):
    code: str
    id: int
    target_unit_name: str | None = None
    updated_at: datetime


class FieldCheckOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    field: str
    wanted: str | None = Field(description="The rule's value; null matches anything")
    actual: str | None = Field(description="The order's value")
    matched: bool


class RuleCheckOut(BaseModel):
    code: str
    name: str
    precedence: int
    matched: bool
    checks: list[FieldCheckOut]


class UnitRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    code: str
    name: str


class SeatOut(BaseModel):
    username: str
    display_name: str
    load: int = Field(description="Orders in hand: assigned, in progress, waiting for customer")
    available: bool
    has_skill: bool
    eligible: bool


class ProblemOut(BaseModel):
    code: str
    message_zh: str
    message_en: str


class ExplainOut(BaseModel):
    """Which rule routes the order now and why, whom it would go to, and the stored note of
    the dispatch that happened (if any)."""

    number: str
    rule: str | None = Field(description="Code of the rule that matches now")
    rules: list[RuleCheckOut] = Field(description="Every active rule, matching ones first")
    unit: UnitRef | None
    strategy: Strategy | None
    required_skill: str | None
    candidates: list[SeatOut]
    would_choose: str | None = Field(description="Username dispatch would pick now")
    problem: ProblemOut | None = Field(description="Why dispatch would fail now")
    dispatch_note: dict[str, Any] | None = Field(description="What happened at dispatch")
