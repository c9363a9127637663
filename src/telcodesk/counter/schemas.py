"""Counter API shapes: what a visit and a transaction take in and show (personal data of
the other party masked, CD-2)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from telcodesk.counter.rules import RETENTION_OFFERS, SERVICES, Kind
from telcodesk.customers.schemas import (
    ID_NUMBER_PATTERN,
    MAX_ID,
    CustomerOut,
    IdType,
    MaskedName,
    MaskedPhone,
)
from telcodesk.inputs import Line, invalid

NUMBER_PATTERN = r"^[0-9+]{5,20}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DocumentIn(Strict):
    """A document shown at the counter (BH-7)."""

    id_type: IdType
    id_number: str = Field(pattern=ID_NUMBER_PATTERN, max_length=40)
    name: Line = Field(default="", max_length=100)


class VisitIn(Strict):
    """Start a visit: the customer, identified by the document they show."""

    customer_id: int = Field(ge=1, le=MAX_ID)
    document: DocumentIn


class RetentionIn(Strict):
    offer: str = Field(pattern="^(" + "|".join(RETENTION_OFFERS) + ")$", max_length=30)
    accepted: bool
    reason: Line = Field(min_length=2, max_length=200, description="Why the customer leaves")


class TransactionIn(Strict):
    """One transaction of the visit; what its kind's checks need (counter.rules)."""

    kind: Kind
    product_number: str | None = Field(default=None, pattern=NUMBER_PATTERN, max_length=20)
    service: str | None = Field(
        default=None, pattern="^(" + "|".join(SERVICES) + ")$", max_length=30
    )
    plan: Line | None = Field(default=None, min_length=1, max_length=100)
    amount_fen: int | None = Field(default=None, ge=1, le=10_000_000, description="Payment")
    document_copy_kept: bool = Field(
        default=False, description="Opening an account: a copy of the document is kept (BH-7)"
    )
    penalty_acknowledged: bool = False
    notice_acknowledged: bool = False
    retention: RetentionIn | None = None
    new_holder: DocumentIn | None = Field(default=None, description="Transfer: the new holder")
    proxy: DocumentIn | None = Field(default=None, description="Someone acting for the customer")

    @model_validator(mode="after")
    def _shape(self) -> TransactionIn:
        if self.kind == Kind.PAYMENT and self.amount_fen is None:
            raise invalid("缴费须填写金额（分）", "a payment needs amount_fen")
        return self


class TransactionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    kind_zh: str
    state: str
    state_zh: str
    order_number: str
    product_number: str | None
    fee_fen: int
    details: dict[str, Any]
    expires_at: datetime | None
    completed_at: datetime | None


class VisitOut(BaseModel):
    number: str
    customer_id: int
    customer_name: MaskedName
    started_at: datetime
    signed_at: datetime | None
    transactions: list[TransactionOut]
    total_fen: int


class SmsReplyIn(Strict):
    """A customer's reply to a confirmation SMS, as the SMS platform forwards it 上行短信."""

    phone: str = Field(pattern=NUMBER_PATTERN, max_length=20)
    text: Line = Field(min_length=1, max_length=70)


class SmsReplyOut(BaseModel):
    matched: bool
    state: str | None = None
    order_number: str | None = None


class ProductOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: MaskedPhone
    plan: str
    status: str
    contract_end: date | None
    under_contract: bool
    arrears_fen: int
    services: list[str]


class ConsentStateOut(BaseModel):
    purpose: str
    purpose_zh: str
    third_party: str
    valid: bool
    granted: bool | None
    valid_until: date | None
    channel: str | None
    evidence: str | None
    at: datetime | None


class ConsentEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    purpose: str
    third_party: str
    granted: bool
    valid_until: date | None
    channel: str
    evidence: str
    at: datetime


class ProfileOrderOut(BaseModel):
    number: str
    type: str
    channel: str
    status: str
    subject: str
    created_at: datetime


class ProfileVisitOut(BaseModel):
    number: str
    started_at: datetime
    signed_at: datetime | None
    transactions: list[str]


class Customer360Out(BaseModel):
    """Customer 360 客户全景 in one answer, masked (CD-2)."""

    customer: CustomerOut
    kind_zh: str
    tier_zh: str
    special_care: str | None
    special_care_zh: str | None
    birth_date_year: int | None = Field(description="Only the year: the age band, not the date")
    id_copy_kept: bool
    account_manager: str | None
    products: list[ProductOut]
    consents: list[ConsentStateOut]
    consent_ledger: list[ConsentEntryOut]
    orders: list[ProfileOrderOut]
    order_count: int
    visits: list[ProfileVisitOut]
    repeat_complaints: int = Field(description="Complaints in the last 90 days")
    repeat_complainant: bool
    appeals: int


class OfferIn(Strict):
    """A marketing SMS with one of the catalogue's offers (CD-3: only with consent)."""

    offer: Line = Field(max_length=40, description="counter.rules.MARKETING_OFFERS key")


class OfferOut(BaseModel):
    customer_id: int
    offer: str
    text: str
