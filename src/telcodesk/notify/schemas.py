"""Notify's API shapes: checked here before any service runs."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from telcodesk.inputs import Id, Line, Text

MAX_ID = 2**31 - 1
EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s]{1,190}\.[A-Za-z0-9-]{2,}$"
MOBILE_PATTERN = r"^1\d{10}$"
HHMM_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d$"
PROVINCE_PATTERN = r"^\d{2}0000$"

StaffChannel = Literal["console", "email", "sms"]
StaffKind = Literal["sla_breach", "sla_warning", "chase", "unassigned", "info"]
CustomerKind = Literal["registered", "progress", "reply", "callback"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class NotificationOut(BaseModel):
    id: int
    kind: str
    urgency: int
    order_id: int | None
    order_number: str | None
    message_zh: str
    message_en: str
    created_at: datetime
    read_at: datetime | None


class UnreadOut(BaseModel):
    unread: int


class MarkedOut(BaseModel):
    marked: int


class PreferencesIn(Strict):
    email: str | None = Field(default=None, max_length=200, pattern=EMAIL_PATTERN)
    mobile: str | None = Field(default=None, pattern=MOBILE_PATTERN)
    channels: dict[StaffKind, list[StaffChannel]] = Field(default_factory=dict, max_length=10)


class PreferencesOut(BaseModel):
    email: str | None
    mobile: str | None
    channels: dict[str, list[str]]  # in force, defaults included


class OutboxOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    channel: str
    kind: str
    recipient: str
    subject: str
    state: str
    held: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    provider_id: str | None
    receipt: str | None
    receipt_at: datetime | None
    dedup_key: str
    order_id: int | None
    province_code: str | None


class ReplayIn(Strict):
    ids: list[Id] = Field(min_length=1, max_length=500)


class TemplateIn(Strict):
    body: Text = Field(min_length=1, max_length=500)
    active: bool = True


class TemplateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    channel: str
    province_code: str
    body: str
    active: bool
    updated_at: datetime


class TemplateKindOut(BaseModel):
    kind: str
    default: str
    templates: list[TemplateOut]


class QuietHoursIn(Strict):
    start: str = Field(pattern=HHMM_PATTERN)
    end: str = Field(pattern=HHMM_PATTERN)


class QuietHoursOut(BaseModel):
    province_code: str
    start: str
    end: str


class OptOutIn(Strict):
    opted_out: bool


class OptOutOut(BaseModel):
    customer_id: int
    channel: str
    opted_out: bool


class ReceiptIn(BaseModel):
    """A delivery receipt from the SMS platform (signed like our requests to it)."""

    msg_id: Line | None = Field(default=None, max_length=100)
    client_ref: Line | None = Field(default=None, max_length=120)
    status: Line = Field(min_length=1, max_length=20)
    at: float | None = Field(default=None, ge=0, le=4_102_444_800)  # seconds, before 2100


class MessageOut(BaseModel):
    """A message sent about an order, for its timeline."""

    id: int
    channel: str
    kind: str
    to: str  # masked for a customer's phone
    body: str
    state: str
    held: str
    receipt: str | None
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime
