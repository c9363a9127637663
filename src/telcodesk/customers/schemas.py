"""Customer input and output shapes."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


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


PHONE_PATTERN = r"^\+?[0-9][0-9-]{4,18}$"
REGION_PATTERN = r"^[1-9][0-9]{5}$"


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(pattern=PHONE_PATTERN, max_length=20)
    alt_phone: str | None = Field(default=None, pattern=PHONE_PATTERN, max_length=20)
    type: CustomerType = CustomerType.INDIVIDUAL
    tier: Tier = Tier.STANDARD
    city_code: str | None = Field(default=None, pattern=REGION_PATTERN)


class CustomerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    phone: str
    alt_phone: str | None
    type: CustomerType
    tier: Tier
    province_code: str
    city_code: str
