"""Phone numbers: one spelling per number, and the city it belongs to 号码归属地 (BH-5, CD-2).

Parsing and validation come from ``phonenumbers`` (Google's libphonenumber metadata, offline):

- **normal form** — a Chinese number is written as dialled inside China, digits only: a mobile
  as its 11 digits (``+86 138-0013-8000`` → ``13800138000``), a fixed line with its area code
  and trunk 0 (``020-12345678`` and ``+86 20 1234 5678`` → ``02012345678``), a 400/800
  number as is. A number of another country keeps its ``+`` and country code
  (``+852 2123 4567`` → ``+85221234567``). A fixed line without its area code is not a full
  number: the area code says which city's 12345678 it is.
- **attribution** — the library's Chinese geocoder names the place of a mobile number's
  segment (its first 7 digits) or of a fixed line's area code: 广东省深圳市, 广西南宁市,
  北京市. ``regions`` turns that name into the city's GB/T 2260 code (440300); names the
  library still uses from before a change (襄樊, 毕节地区) are mapped there. Numbers with no
  place (virtual operators' 170/171, 400 numbers, other countries) have no attribution, and the
  agent chooses the city.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import PhoneNumberFormat, geocoder

from telcodesk import regions
from telcodesk.errors import ValidationFailed

CHINA = 86
MAX_INPUT = 30  # a number as typed, with spaces, dashes and +86
_TYPED = re.compile(r"^\+?[0-9 ()\-]+$")


class InvalidPhone(ValidationFailed):
    code = "phone_invalid"


def _parse(raw: str) -> phonenumbers.PhoneNumber | None:
    text = raw.strip()
    if not text or len(text) > MAX_INPUT or not _TYPED.match(text):
        return None
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def normalise(raw: str, *, field: str = "phone") -> str:
    """The number's normal form; InvalidPhone (422) for anything that is not a full number."""
    number = _parse(raw)
    if number is None:
        raise InvalidPhone(
            "请填写完整的电话号码：手机号 11 位，固定电话需带区号（如 020-12345678）",
            "Give a full phone number: 11 digits for a mobile, a fixed line with its area code"
            " (e.g. 020-12345678)",
            details={"field": field},
        )
    return _normal_form(number)


def try_normalise(raw: str) -> str | None:
    """The normal form, or None while the number is incomplete (as typed, in a lookup)."""
    number = _parse(raw)
    return None if number is None else _normal_form(number)


def _normal_form(number: phonenumbers.PhoneNumber) -> str:
    if number.country_code == CHINA:
        return re.sub(r"\D", "", phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL))
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def attribution(normal: str) -> str | None:
    """The GB/T 2260 city code a number belongs to, or None when it names no city."""
    number = _parse(normal)
    if number is None or number.country_code != CHINA:
        return None
    place = geocoder.description_for_number(number, "zh")
    found = regions.province_named(place) if place else None
    if found is None:
        return None
    province, rest = found
    # "海南省海口市、三亚市": an area code shared by several cities goes to the first.
    return regions.city_named(province, rest.split("、")[0])
