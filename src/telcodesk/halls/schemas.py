"""Hall API shapes: bounded input (inputs.py), the answers the console, kiosk and display read."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from telcodesk.clock import SHANGHAI
from telcodesk.errors import ValidationFailed
from telcodesk.inputs import DAY_PATTERN, MAX_ID, MOMENT_PATTERN, TEXT_PATTERN

HALL_CODE_PATTERN = r"^[A-Za-z0-9_.-]{1,40}$"
TYPE_CODE_PATTERN = r"^[A-Z]{1,2}$"
TOKEN_PATTERN = r"^[A-Za-z0-9_-]{8,40}$"
PHONE_PATTERN = r"^\+?[0-9 ()\-]{5,30}$"
USERNAME_PATTERN = r"^[A-Za-z0-9_.-]{1,50}$"

CounterMove = Literal["open", "pause", "close"]
TicketVerb = Literal[
    "recall", "start", "finish", "recycle", "park", "unpark", "transfer", "remove", "left", "solved"
]


class IssueIn(BaseModel):
    """A ticket from the kiosk, a phone or a guide's tablet (BH-1)."""

    model_config = ConfigDict(extra="forbid")
    type: str = Field(pattern=TYPE_CODE_PATTERN, description="A, B, C, D, V, L, Y")
    care: bool = Field(default=False, description="爱心通道: elderly or disabled (BH-2)")
    phone: str | None = Field(default=None, pattern=PHONE_PATTERN, max_length=30)


class GuideIssueIn(IssueIn):
    customer_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class WalkDirectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: str = Field(pattern=TYPE_CODE_PATTERN)
    customer_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class TicketActionIn(BaseModel):
    """What the action needs: an outcome to finish, a target to transfer, a counter to unpark."""

    model_config = ConfigDict(extra="forbid")
    outcome: Literal["normal", "order_registered", "incomplete_documents"] = "normal"
    to_type: str | None = Field(default=None, pattern=TYPE_CODE_PATTERN)
    to_counter: int | None = Field(default=None, ge=1, le=999)
    to_staff: str | None = Field(default=None, pattern=USERNAME_PATTERN, max_length=50)
    counter: int | None = Field(default=None, ge=1, le=999, description="unpark to this counter")


class TicketOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    number: str
    state: str
    source: str
    tier: str
    care: bool
    issued_at: datetime
    called_at: datetime | None
    call_count: int
    outcome: str | None
    estimate_minutes: int | None
    wait_seconds: int | None
    handle_seconds: int
    public_token: str


class CalledOut(BaseModel):
    ticket: TicketOut | None
    reason: str | None
    counter: int
    announcement_zh: str | None


class CounterOut(BaseModel):
    number: int
    state: str
    profile: str
    staff: str | None
    current: str | None


class QueueOut(BaseModel):
    code: str
    name_zh: str
    name_en: str
    waiting: int
    target_minutes: int
    predicted_minutes: float | None


class AlertOut(BaseModel):
    kind: str
    counter: int | None
    raised_at: datetime
    details: dict[str, object]


class HallOut(BaseModel):
    code: str
    name: str
    queues: list[QueueOut]
    counters: list[CounterOut]
    alerts: list[AlertOut]


class CallingOut(BaseModel):
    number: str
    counter: int
    called_at: datetime
    text_zh: str
    text_en: str


class DisplayOut(BaseModel):
    """The big screen: now calling, waiting per type (public: numbers only, no names)."""

    hall: str
    calling: list[CallingOut]
    queues: list[QueueOut]
    version: int


class TicketStatusOut(BaseModel):
    """The phone H5 page: where the ticket stands."""

    number: str
    hall: str
    type_zh: str
    state: str
    state_zh: str
    ahead: int
    estimate_minutes: int
    counter: int | None
    issued_at: datetime


class IssuedOut(BaseModel):
    number: str
    type_zh: str
    ahead: int
    estimate_minutes: int
    token: str
    issued_at: datetime


class SummaryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    tickets: int
    called: int
    wait_mean: float | None
    wait_p50: float | None
    wait_p90: float | None
    handle_mean: float | None
    handle_p50: float | None
    handle_p90: float | None
    within_target: float | None
    no_show_rate: float | None
    left_rate: float | None


class CounterUseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    counter: int
    open_minutes: float
    paused_minutes: float
    busy_minutes: float
    utilisation: float | None


class OpeningOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    open_time: str | None
    close_time: str | None
    hours: float
    workdays_only: bool
    is_workday: bool
    open_on_day: bool
    ok: bool
    closed_days_ahead: list[date]


class GroupOut(BaseModel):
    key: str
    summary: SummaryOut


class KpisOut(BaseModel):
    """A hall day's KPIs (T-3, T-4); minutes, shares in 0…1."""

    hall: str
    day: str
    overall: SummaryOut
    by_type: list[GroupOut]
    by_tier: list[GroupOut]
    by_counter: list[GroupOut]
    by_hour: list[GroupOut]
    opening_hours_ok: bool  # T-4: ≥ 10 hours
    counters: list[CounterUseOut] = []  # open, paused and busy minutes; utilisation
    opening: OpeningOut | None = None  # T-4 against the hall's calendar


# --- appointments 预约 (BH-4) ------------------------------------------------------------------

HHMM_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class SlotsIn(BaseModel):
    """A day's bookable slots for one service type: every ``minutes`` from ``first`` while a
    slot ends by ``last`` (Beijing time), each taking up to ``capacity`` bookings."""

    model_config = ConfigDict(extra="forbid")
    type: str = Field(pattern=TYPE_CODE_PATTERN, description="A, B, C, D or V")
    day: str = Field(pattern=DAY_PATTERN, description="YYYY-MM-DD")
    first: str = Field(pattern=HHMM_PATTERN, description="HH:MM, Beijing time")
    last: str = Field(pattern=HHMM_PATTERN, description="HH:MM, Beijing time")
    minutes: int = Field(default=30, ge=5, le=240)
    capacity: int = Field(default=2, ge=1, le=50)

    def on(self) -> date:
        """The day as a date (a pattern-valid text that is no date, 2026-02-31, is a 422)."""
        try:
            return date.fromisoformat(self.day)
        except ValueError as exc:
            raise ValidationFailed("日期不正确", f"Not a date: {self.day}", code="bad_day") from exc


class SlotOut(BaseModel):
    id: int
    type: str
    type_zh: str
    starts_at: datetime
    minutes: int
    capacity: int
    booked: int
    free: int


class BookIn(BaseModel):
    """A gold or diamond member, by customer id or by their number."""

    model_config = ConfigDict(extra="forbid")
    slot_id: int = Field(ge=1, le=MAX_ID)
    customer_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    phone: str | None = Field(default=None, pattern=PHONE_PATTERN, max_length=30)


class AppointmentOut(BaseModel):
    id: int
    slot_id: int
    type: str
    starts_at: datetime
    customer_id: int
    customer_name: str
    tier: str
    state: str
    source: str
    reminded_at: datetime | None
    checked_in_at: datetime | None
    ticket: str | None


class CheckInOut(BaseModel):
    """``arrival``: on_time (the appointment queue, by booked time) or late (walk-in)."""

    appointment_id: int
    arrival: str
    ticket: IssuedOut


class KioskCheckInIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phone: str = Field(pattern=PHONE_PATTERN, max_length=30)


# --- outage fallback (BH-6) ----------------------------------------------------------------

OFFLINE_NUMBER_PATTERN = r"^X[1-9][0-9]?-[A-Z]{1,2}[0-9]{3,4}$"


class DeviceIn(BaseModel):
    """A kiosk registers the key it keeps in its browser (once, while online)."""

    model_config = ConfigDict(extra="forbid")
    device_key: str = Field(pattern=TOKEN_PATTERN, max_length=40)


class DeviceOut(BaseModel):
    code: int  # offline numbers X{code}-A001


class OfflineRecordIn(BaseModel):
    """A number issued in the browser during an outage, with the pre-acceptance noted."""

    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=TOKEN_PATTERN, max_length=40, description="idempotency key")
    number: str = Field(pattern=OFFLINE_NUMBER_PATTERN, max_length=8)
    type: str = Field(pattern=TYPE_CODE_PATTERN)
    issued_at: str = Field(pattern=MOMENT_PATTERN, description="ISO 8601 (the browser's clock)")
    care: bool = False
    phone: str | None = Field(default=None, pattern=PHONE_PATTERN, max_length=30)
    note: str | None = Field(default=None, pattern=TEXT_PATTERN, max_length=500)

    def at(self) -> datetime:
        try:
            moment = datetime.fromisoformat(self.issued_at)
        except ValueError as exc:
            raise ValidationFailed(
                "时间不正确", f"Not a time: {self.issued_at}", code="bad_time"
            ) from exc
        return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


class OfflineBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    records: list[OfflineRecordIn] = Field(min_length=1, max_length=200)


class OfflineResultOut(BaseModel):
    key: str
    status: Literal["entered", "duplicate", "rejected"]
    number: str
    ticket_token: str | None
    code: str | None
    message_zh: str | None
    message_en: str | None


class CodeIn(BaseModel):
    """The member's number: a booking code is texted to it if it is a gold or diamond member's."""

    model_config = ConfigDict(extra="forbid")
    phone: str = Field(pattern=PHONE_PATTERN, max_length=30)


class PhoneBookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slot_id: int = Field(ge=1, le=MAX_ID)
    phone: str = Field(pattern=PHONE_PATTERN, max_length=30)
    code: str = Field(pattern=r"^[0-9]{6}$")


class PublicSlotOut(BaseModel):
    """A slot as the public page shows it: the time, the business, whether places are left."""

    id: int
    type: str
    type_zh: str
    starts_at: datetime
    free: int


class PhoneBookedOut(BaseModel):
    appointment_id: int
    starts_at: datetime
    type_zh: str
