"""Pure customer rules: age from the birth date, special care 特殊关爱 (BH-2), the names of
kinds, tiers and care needs. No I/O.

Special care, in the order a hall serves it first: **elderly** — derived, never typed: a
customer aged 65 or more on the day (their birth date comes from the identity document's
number, ``customers.identity``); **disabled** and **other** — recorded by staff on the
customer (``customer.special_care``). An elderly customer who is also recorded disabled is
disabled: the recorded need says more about the help they need at the counter.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from telcodesk.labels import Label

ELDERLY_AGE = 65  # BH-2: extra care and priority for the elderly


class SpecialCare(StrEnum):
    DISABLED = "disabled"  # 残障
    ELDERLY = "elderly"  # 老年 (65+, from the birth date)
    OTHER = "other"  # 其他


# Recorded by staff; elderly is derived from the birth date only.
RECORDED_CARE = (SpecialCare.DISABLED, SpecialCare.OTHER)

CARE_LABELS = {
    SpecialCare.ELDERLY: Label("老年客户", "Elderly"),
    SpecialCare.DISABLED: Label("残障客户", "Disabled"),
    SpecialCare.OTHER: Label("其他特殊关爱", "Other special care"),
}
TIER_LABELS = {
    "standard": Label("普通客户", "Standard"),
    "silver": Label("银卡会员", "Silver"),
    "gold": Label("金卡会员", "Gold"),
    "diamond": Label("钻石卡会员", "Diamond"),
}
KIND_LABELS = {
    "individual": Label("个人客户", "Individual"),
    "household": Label("家庭客户", "Household"),
    "enterprise": Label("政企客户", "Enterprise"),
}


def age(birth_date: date, today: date) -> int:
    """Full years on ``today`` (a 29 February birthday counts on 1 March in common years)."""
    before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
    return today.year - birth_date.year - before_birthday


def special_care(birth_date: date | None, recorded: str | None, today: date) -> SpecialCare | None:
    """The customer's special care need on ``today``: the recorded one (disabled, other) first,
    else elderly at 65 or more, else none."""
    if recorded:
        return SpecialCare(recorded)
    if birth_date is not None and age(birth_date, today) >= ELDERLY_AGE:
        return SpecialCare.ELDERLY
    return None


class Purpose(StrEnum):
    """What a consent is for (CD-3)."""

    SERVICE = "service"  # 服务所需
    MARKETING = "marketing"  # 营销推广
    SHARING = "sharing"  # 向第三方提供 (a named third party)


PURPOSE_LABELS = {
    Purpose.SERVICE: Label("服务所需", "Service"),
    Purpose.MARKETING: Label("营销推广", "Marketing"),
    Purpose.SHARING: Label("向第三方提供", "Sharing with a third party"),
}


class ConsentChannel(StrEnum):
    HALL = "hall"  # 营业厅 (signed form)
    HOTLINE = "hotline"  # 热线 (recorded call)
    WEB = "web"
    APP = "app"
    SMS = "sms"
