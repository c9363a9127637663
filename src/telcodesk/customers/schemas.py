"""Customer input and output shapes. Personal data leaves masked (CD-2): the ``Masked*`` types
mask whatever they are given, so no output built from them can carry a full value; the only
unmasked shape is ``RevealOut``, answered by the audited reveal."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, computed_field, model_validator

from telcodesk import regions
from telcodesk.customers import masking
from telcodesk.customers.identity import DocumentKind
from telcodesk.customers.rules import RECORDED_CARE, ConsentChannel, SpecialCare
from telcodesk.customers.rules import Purpose as ConsentPurpose
from telcodesk.inputs import DAY_PATTERN, Line, Text, invalid


class CustomerType(StrEnum):
    INDIVIDUAL = "individual"  # 个人
    HOUSEHOLD = "household"  # 家庭
    ENTERPRISE = "enterprise"  # 政企


class Tier(StrEnum):
    """Customer level 客户等级 (club membership, BH-2)."""

    STANDARD = "standard"  # 普通
    SILVER = "silver"  # 银卡
    GOLD = "gold"  # 金卡
    DIAMOND = "diamond"  # 钻石卡


# Identity documents accepted at registration 有效证件 (BH-7), each checked by its own rules.
IdType = DocumentKind


# As typed: digits with spaces, dashes, brackets and +86; the service brings it to its normal
# form and validates it (customers.phones), 422 phone_invalid otherwise.
PHONE_PATTERN = r"^\+?[0-9 ()\-]{5,30}$"
REGION_PATTERN = r"^[1-9][0-9]{5}$"
# Letters, digits, brackets (HK 1234567(8)), and the Chinese of an officer card 军字第…号; the
# document's own rules are checked by the service (customers.identity).
ID_NUMBER_PATTERN = r"^[0-9A-Za-z()（） \u4e00-\u9fa5-]{4,40}$"
MAX_ID = 2**31 - 1  # keys are 32-bit on both engines
REASON_LENGTH = (4, 200)  # a reveal's stated reason (CD-2)
CASE_REFERENCE_LENGTH = (4, 100)

MaskedName = Annotated[
    str, AfterValidator(masking.mask_name), Field(description="Masked: 张*明 (CD-2)")
]
MaskedPhone = Annotated[
    str, AfterValidator(masking.mask_phone), Field(description="Masked: 138****2327 (CD-2)")
]
MaskedIdNumber = Annotated[
    str, AfterValidator(masking.mask_id_number), Field(description="Masked: first 6 + last 4")
]
MaskedAddress = Annotated[
    str, AfterValidator(masking.mask_address), Field(description="Masked: up to the district…")
]


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Line = Field(min_length=1, max_length=100)
    phone: str = Field(
        pattern=PHONE_PATTERN, max_length=30, description="Any spelling: +86 138-0013-8000"
    )
    alt_phone: str | None = Field(default=None, pattern=PHONE_PATTERN, max_length=30)
    type: CustomerType = CustomerType.INDIVIDUAL
    tier: Tier = Tier.STANDARD
    city_code: str | None = Field(
        default=None,
        pattern=REGION_PATTERN,
        description="GB/T 2260 city in the agent's region; defaults to the number's attribution"
        " 号码归属地, else a city agent's own city",
    )
    id_type: IdType | None = None
    id_number: str | None = Field(default=None, pattern=ID_NUMBER_PATTERN)
    address: Line | None = Field(default=None, min_length=1, max_length=200)
    special_care: SpecialCare | None = Field(
        default=None, description="Recorded need (disabled, other); elderly is derived (BH-2)"
    )
    id_copy_kept: bool = Field(default=False, description="A copy of the document is kept (BH-7)")
    account_manager_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="An enterprise's account manager 客户经理"
    )

    @model_validator(mode="after")
    def _document_complete(self) -> CustomerIn:
        if (self.id_type is None) != (self.id_number is None):
            raise invalid(
                "证件类型与证件号码须同时填写或同时不填",
                "give both id_type and id_number, or neither",
            )
        if self.special_care is not None and self.special_care not in RECORDED_CARE:
            raise invalid(
                "老年客户由证件出生日期自动识别，无需登记",
                "elderly care is derived from the birth date; record disabled or other",
            )
        return self


class CustomerOut(BaseModel):
    """A customer as staff see them: personal data masked (CD-2)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: MaskedName
    phone: MaskedPhone
    alt_phone: MaskedPhone | None
    type: CustomerType
    tier: Tier
    province_code: str
    city_code: str
    id_type: str | None
    id_number: MaskedIdNumber | None
    address: MaskedAddress | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def city_name(self) -> str | None:
        """The city by name (GB/T 2260): 广东省深圳市."""
        return regions.full_name(self.city_code)


class RevealField(StrEnum):
    """Personal data that can be revealed."""

    NAME = "name"
    PHONE = "phone"
    ALT_PHONE = "alt_phone"
    ID_NUMBER = "id_number"
    ADDRESS = "address"


class RevealIn(BaseModel):
    """Reveal 查看完整信息 of one field, with a reason; rate-limited and audited (CD-2, CD-3).
    Only the field asked for is disclosed: the least the task needs."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    field: RevealField = Field(description="The one field to disclose")
    reason: Text = Field(
        min_length=REASON_LENGTH[0],
        max_length=REASON_LENGTH[1],
        description="Why the full data is needed",
    )
    order_number: str | None = Field(
        default=None,
        max_length=40,
        pattern=r"^[0-9A-Za-z-]+$",
        description="The order the reveal is made from (kept in the audit record)",
    )


class JudicialRevealIn(RevealIn):
    """Judicial request 司法协查 (CD-2): only the designated department, with the document."""

    case_reference: Line = Field(
        min_length=CASE_REFERENCE_LENGTH[0],
        max_length=CASE_REFERENCE_LENGTH[1],
        description="Number of the judicial assistance document",
    )


class RevealOut(BaseModel):
    """The full value of the one field asked for: the one unmasked shape."""

    customer_id: int
    field: RevealField
    value: str | None
    id_type: str | None = Field(default=None, description="With id_number: the kind of document")


class MergeIn(BaseModel):
    """Merge a duplicate into this customer 合并重复客户 (BH-5): its orders move here."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    duplicate_id: int = Field(ge=1, le=MAX_ID, description="The record to fold into this one")
    reason: Text = Field(min_length=REASON_LENGTH[0], max_length=REASON_LENGTH[1])


class MergeOut(BaseModel):
    customer: CustomerOut
    merged_ids: list[int] = Field(description="Records that now point to this customer")
    orders_moved: list[str] = Field(description="Numbers of the orders that moved here")


class CustomerEdit(BaseModel):
    """Edit of customer master data 客户资料修改 (CD-1): only the fields given change; audited
    with the names of the fields changed. ``correction`` says the record was wrong (it counts
    in the data error rate, CD-4), not that the customer's details changed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Line | None = Field(default=None, min_length=1, max_length=100)
    alt_phone: str | None = Field(default=None, pattern=PHONE_PATTERN, max_length=30)
    address: Line | None = Field(default=None, min_length=1, max_length=200)
    tier: Tier | None = None
    id_type: IdType | None = None
    id_number: str | None = Field(default=None, pattern=ID_NUMBER_PATTERN, max_length=40)
    special_care: SpecialCare | None = None
    clear_special_care: bool = False
    id_copy_kept: bool | None = None
    account_manager_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    reason: Line = Field(min_length=2, max_length=200, description="Why it is changed")
    correction: bool = Field(default=False, description="The record was wrong (CD-4 error rate)")

    @model_validator(mode="after")
    def _complete(self) -> CustomerEdit:
        if (self.id_type is None) != (self.id_number is None):
            raise invalid("证件类型与证件号码须同时修改", "change id_type and id_number together")
        if self.special_care is not None and self.special_care not in RECORDED_CARE:
            raise invalid("老年客户由出生日期自动识别", "elderly care is derived")
        return self


class ConsentIn(BaseModel):
    """A grant or withdrawal for the consent ledger (CD-3)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    purpose: ConsentPurpose
    granted: bool
    third_party: Line = Field(default="", max_length=100, description="Sharing: with whom")
    valid_until: str | None = Field(
        default=None, pattern=DAY_PATTERN, max_length=10, description="Last day it holds"
    )
    channel: ConsentChannel = ConsentChannel.HALL
    evidence: Line = Field(
        min_length=2, max_length=200, description="What proves it: a signed form's number…"
    )

    @property
    def until(self) -> date | None:
        return date.fromisoformat(self.valid_until) if self.valid_until else None

    @model_validator(mode="after")
    def _real_day(self) -> ConsentIn:
        try:
            self.until  # noqa: B018 - a real calendar day, not 2026-02-30
        except ValueError:
            raise invalid("有效期须为真实日期", "valid_until is not a real day") from None
        return self


class ShareIn(BaseModel):
    """Hand the customer's data to a named third party (CD-3): needs their sharing consent for
    that very party, the reveal permission and a reason; audited."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    third_party: Line = Field(min_length=2, max_length=100, description="The partner, by name")
    reason: Text = Field(min_length=REASON_LENGTH[0], max_length=REASON_LENGTH[1])


class SharedOut(BaseModel):
    """What the partner receives: the fields its purpose needs, in full."""

    customer_id: int
    third_party: str
    name: str
    phone: str
    id_type: str | None
    id_number: str | None


class ImportJobOut(BaseModel):
    """An import by upload (CD-1): its progress while ``running``, then its counts."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    filename: str
    format: str = Field(description="csv | xlsx")
    status: str = Field(description="running | done | failed")
    total: int | None = Field(description="Rows in the file, as far as known up front")
    checked: int
    written: int
    percent: int
    imported: int
    products: int
    rejected: int
    message: str | None
    created_at: datetime
    finished_at: datetime | None
    errors_url: str
