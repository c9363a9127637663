"""Work-order API shapes (Pydantic): what comes in is checked here, before any service runs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from telcodesk.calendar.rules import Unit
from telcodesk.customers.schemas import (
    REGION_PATTERN,
    CustomerIn,
    CustomerType,
    MaskedName,
    MaskedPhone,
    Tier,
)
from telcodesk.inputs import Line, Moment, Text, invalid
from telcodesk.workorders.rules import (
    Action,
    CallbackOutcome,
    Channel,
    OrderType,
    Priority,
    Status,
)

# A code of an editable list (closure codes): lower-case letters, digits and _ . -
CODE_PATTERN = r"^[a-z][a-z0-9_.-]{0,39}$"

MAX_ID = 2**31 - 1  # keys are 32-bit on both engines; larger numbers are bad input, not a 500
Id = Field(ge=1, le=MAX_ID)


class ClockOut(BaseModel):
    """A running or stopped SLA clock of an order (T-2): part of the order's answer; the SLA
    domain fills it in (composition: workorders/api.py)."""

    model_config = ConfigDict(from_attributes=True)
    kind: str = Field(description="response | resolution")
    due_at: datetime
    due_text: str = Field(
        description="Beijing time as staff read it; the end of a day is 24:00 of that day, "
        "e.g. 2026-01-06 24:00"
    )
    due_day: date = Field(description="The day the deadline ends (Beijing time)")
    risk: str = Field(description="ok | warning | breached | paused | met | missed")
    unit: Unit
    remaining_zh: str
    remaining_en: str


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OrderCreate(Strict):
    """Register a work order 受理登记 from any channel (CH-1)."""

    type: OrderType
    channel: Channel
    customer_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    customer: CustomerIn | None = Field(
        default=None, description="New or matched customer, when no customer_id is known"
    )
    subject: Line = Field(min_length=1, max_length=200)
    description: Text = Field(default="", max_length=4000)
    category_code: Line | None = Field(default=None, max_length=80)
    priority: Priority = Priority.NORMAL
    city_code: str | None = Field(
        default=None, pattern=REGION_PATTERN, description="Defaults to the customer's city"
    )
    resolve_now: bool = Field(
        default=False, description="One-touch resolution: consultation or query answered at once"
    )
    resolution: Text | None = Field(default=None, max_length=4000)

    @model_validator(mode="after")
    def _one_customer(self) -> OrderCreate:
        if (self.customer_id is None) == (self.customer is None):
            raise invalid(
                "须填写 customer_id 或 customer 其中之一",
                "give exactly one of customer_id or customer",
            )
        if self.resolve_now and not self.resolution:
            raise invalid(
                "一次办结须填写办理结果", "resolution is required when resolve_now is true"
            )
        return self


class TransitionIn(Strict):
    """Move an order through its lifecycle (WO-1). ``version`` guards against lost updates."""

    version: int = Field(ge=1, le=MAX_ID)
    reason: Text | None = Field(default=None, max_length=2000)
    handler: Line | None = Field(
        default=None, max_length=50, description="Username of the new handler"
    )
    message: Text | None = Field(
        default=None, max_length=4000, description="Text given to the customer (reply, explanation)"
    )
    extend_by: float | None = Field(
        default=None, gt=0, le=365, description="extend: more time, in the resolution clock's unit"
    )
    outcome: CallbackOutcome | None = Field(
        default=None,
        description="Call-back answer (SQ-1): satisfied / basically_satisfied with "
        "callback_satisfied; dissatisfied with callback_unsatisfied; unreachable when archiving "
        "an order in call-back",
    )
    root_cause: str | None = Field(
        default=None, max_length=40, pattern=CODE_PATTERN, description="Archive: a root_cause code"
    )
    responsibility: str | None = Field(
        default=None,
        max_length=40,
        pattern=CODE_PATTERN,
        description="Archive: a responsibility code 责任定性",
    )
    justified: bool | None = Field(
        default=None, description="Archive: was the complaint justified 投诉是否属实"
    )


class NoteIn(Strict):
    # attempt: a call-back try that reached nobody (SQ-1), counted on the order.
    kind: Literal["note", "progress", "attempt"] = "note"
    body: Text = Field(min_length=1, max_length=4000)


class StaffRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    username: str
    display_name: str


class ClosureCodeIn(Strict):
    kind: Literal["root_cause", "responsibility"]
    code: str = Field(max_length=40, pattern=CODE_PATTERN)
    name_zh: Line = Field(min_length=1, max_length=50)
    name_en: Line = Field(min_length=1, max_length=80)


class ClosureCodeOut(BaseModel):
    """An entry of the root-cause or responsibility list recorded at archive (SQ-2)."""

    model_config = ConfigDict(from_attributes=True)
    kind: Literal["root_cause", "responsibility"]
    code: str
    name_zh: str
    name_en: str


class CategoryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    code: str
    name_zh: str
    name_en: str
    parent_id: int | None


class CustomerBrief(BaseModel):
    """The order's customer, masked like every customer output (CD-2)."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    name: MaskedName
    phone: MaskedPhone
    type: CustomerType
    tier: Tier


class WarningOut(BaseModel):
    """Something the agent should know at registration (repeat complaint, appealed before)."""

    model_config = ConfigDict(from_attributes=True)
    code: str = Field(description="repeat_complaint | appealed_before")
    message_zh: str
    message_en: str
    orders: list[str] = Field(description="The orders it is about, newest first")


class OrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: str
    type: OrderType
    channel: Channel
    customer: CustomerBrief
    subject: str
    description: str
    category: CategoryOut | None
    priority: Priority
    province_code: str
    city_code: str
    first_contact_owner: StaffRef
    handler: StaffRef | None
    status: Status
    is_valid: bool | None
    invalid_reason: str | None
    escalation_level: int
    reopen_count: int
    satisfied: bool | None
    callback_outcome: CallbackOutcome | None = None
    callback_attempts: int = 0
    root_cause: str | None = None
    responsibility: str | None = None
    justified: bool | None = None
    created_at: datetime
    updated_at: datetime
    replied_at: datetime | None
    closed_at: datetime | None
    version: int
    allowed_actions: list[Action] = []
    handling_unit_id: int | None = None
    dispatch_note: dict[str, Any] | None = Field(
        default=None, description="Which dispatch rule matched and why (CC-1)"
    )
    deadlines: list[ClockOut] = Field(
        default=[], description="SLA clocks: response and resolution (T-2)"
    )
    warnings: list[WarningOut] = Field(
        default=[],
        description="Registration only: the customer's open orders of the same category "
        "(repeat complaint) or earlier appeals to the regulator (escalation risk)",
    )


class OrderPage(BaseModel):
    items: list[OrderOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= to get the next page")


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    at: datetime
    actor: StaffRef
    action: str
    from_status: Status | None
    to_status: Status
    reason: str | None
    changes: dict[str, Any]


class NoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    at: datetime
    author: StaffRef
    kind: str
    body: str


class OrderFilter(BaseModel):
    """List filters; every one optional."""

    status: list[Status] = []
    type: list[OrderType] = []
    channel: list[Channel] = []
    city_code: str | None = Field(default=None, pattern=REGION_PATTERN)
    province_code: str | None = Field(default=None, pattern=REGION_PATTERN)
    handler: Line | None = Field(
        default=None, max_length=50, description="Handler: username, or part of the name"
    )
    owner: Line | None = Field(
        default=None, max_length=50, description="First-contact owner: username or part of the name"
    )
    customer_phone: Line | None = Field(default=None, max_length=20)
    created_from: Moment | None = None
    created_to: Moment | None = None
    q: Line | None = Field(
        default=None, max_length=100, description="Free text: number, subject, description"
    )
    open_only: bool = False
    # Multi-value filters of the work queues (issue 9 item 1); each list is "any of".
    cities: list[Annotated[str, Field(pattern=REGION_PATTERN)]] = Field(
        default=[], max_length=50, description="Any of these cities"
    )
    tier: list[Tier] = Field(default=[], description="Any of these customer tiers")
    escalated: bool = Field(default=False, description="Only orders escalated at least once")
    unit: Line | None = Field(
        default=None, max_length=40, description="Code of the unit handling the order"
    )


class CandidateOut(BaseModel):
    """Someone who can take the order (CC-1): their role handles its type, it is in reach."""

    username: str
    display_name: str
    role: str
    available: bool = Field(description="Taking new orders now (not on a break or leave)")
    load: int = Field(description="Orders in hand: assigned, in progress, waiting")


class CandidateGroupOut(BaseModel):
    unit_code: str
    unit_name: str
    region_code: str
    candidates: list[CandidateOut]


class OrderEdit(Strict):
    """Correct what was registered (WO-2): only the fields given change; each change is kept
    in the order's history with its old and new value and the reason."""

    version: int = Field(ge=1, le=MAX_ID)
    reason: Text = Field(min_length=1, max_length=2000)
    type: OrderType | None = None
    category_code: Line | None = Field(default=None, max_length=80)
    priority: Priority | None = None
    subject: Line | None = Field(default=None, min_length=1, max_length=200)
    description: Text | None = Field(default=None, max_length=4000)
    customer_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    city_code: str | None = Field(default=None, pattern=REGION_PATTERN)
