"""Identity documents 有效证件 (BH-7): every document the norm accepts, checked by its own rules,
with one error code per kind of failure (Chinese and English). Pure: no database, no clock
(``today`` is passed in).

How each number is checked:
- **Resident ID card 居民身份证** and the **temporary ID card 临时居民身份证** (GB 11643-1999):
  18 characters = 6-digit address code (a county or city of GB/T 2260, current *or retired*:
  a card issued before a re-division keeps its code) + birth date YYYYMMDD (a real date,
  not in the future, not before 1900) + 3-digit sequence (odd: male, even: female) + the
  ISO 7064 MOD 11-2 check character: with weights w_i = 2^(17-i) mod 11 over the first 17
  digits, check = (12 - Σ a_i·w_i mod 11) mod 11, written X for 10. The 15-digit legacy card
  (before 1999: 6 address + YYMMDD in the 1900s + 3 sequence) is upgraded to 18 by inserting
  "19" before the year and appending the check character. A household register 户口簿 carries
  the same number.
- **Residence permit for Hong Kong, Macau and Taiwan residents 港澳台居民居住证** (2018): the
  resident ID's structure and check, with the address code 810000, 820000 or 830000.
- **Home Return Permit 港澳居民来往内地通行证** (2013 card): H (Hong Kong) or M (Macau) and 8
  digits, optionally the 2-digit issue count printed after it (H1234567801).
- **Taiwan compatriot permit 台湾居民来往大陆通行证**: the 2015 card's 8 digits; the older
  booklet's 10 digits, optionally with its letter in brackets (1234567890(B)).
- **Foreign permanent resident ID card 外国人永久居留身份证**: the 2017 card's 15 characters
  (3-letter ISO 3166 nationality code + 4-digit acceptance code whose first two digits are a
  province + birth date YYMMDD + 2 digits) and the 2023 card's 18 digits (9 + 2-digit
  province of acceptance + 3-digit nationality code + birth date YYYYMMDD + 3-digit sequence
  + the MOD 11-2 check, as the resident ID).
- **HK / Macau identity card 港澳居民身份证**: Hong Kong's 1-2 letters + 6 digits + check
  digit (weights 9…2 over the letters A=10…Z=35, a leading space 36 when there is one
  letter, check = (11 - Σ mod 11) mod 11, A for 10); Macau's 1/5/7 + 6 digits + 1 digit.
- **Passport 护照**: a PRC passport is E + 8 digits, E + letter (not I or O) + 7 digits, or
  G / D / S / P + 7-8 digits (older ordinary, diplomatic, service, public affairs); a
  foreign passport 5-17 letters and digits.
- **Officer and soldier cards 军官证 / 士兵证** (军字第12345678号, the branch character + 字第 +
  6-8 digits + 号) and the **police officer card 人民警察证** (6-7 digits, or 警 and them).
- **Unified social credit code 统一社会信用代码** (GB 32100-2015), for enterprises: 18
  characters of the alphabet 0-9 A-H J-N P-R T U W-Y (no I O S V Z) = registration
  authority + organisation type (a pair the standard defines) + 6-digit GB/T 2260 address
  code (or 100000 for national registration) + 9-character organisation code (GB 11714:
  weights 3 7 9 10 5 8 4 2, check = 11 - Σ mod 11, X for 10, 0 for 11) + the check
  character: weights 3^i mod 31, check = 31 - Σ mod 31 (0 for 31), as a character of the
  alphabet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from telcodesk import regions
from telcodesk.errors import ValidationFailed


class DocumentKind(StrEnum):
    """Identity documents accepted at the counter 有效证件 (BH-7); the values are those kept in
    ``customer.id_type``."""

    RESIDENT_ID = "resident_id"  # 居民身份证
    TEMPORARY_ID = "temporary_id"  # 临时居民身份证
    HOUSEHOLD_REGISTER = "household_register"  # 户口簿
    HMT_RESIDENCE_PERMIT = "hmt_residence_permit"  # 港澳台居民居住证
    PASSPORT = "passport"  # 中国护照
    HK_MACAO_ID = "hk_macao_id"  # 港澳居民身份证
    HOME_RETURN_PERMIT = "home_return_permit"  # 港澳居民来往内地通行证 (回乡证)
    TAIWAN_PERMIT = "taiwan_permit"  # 台湾居民来往大陆通行证 (台胞证)
    FOREIGN_PERMANENT_ID = "foreign_permanent_id"  # 外国人永久居留身份证
    FOREIGN_PASSPORT = "foreign_passport"  # 外国人护照
    MILITARY_ID = "military_id"  # 军官证 / 士兵证
    POLICE_ID = "police_id"  # 人民警察证
    BUSINESS_LICENCE = "business_licence"  # 营业执照 (统一社会信用代码)


LABELS: dict[DocumentKind, tuple[str, str]] = {
    DocumentKind.RESIDENT_ID: ("居民身份证", "Resident ID card"),
    DocumentKind.TEMPORARY_ID: ("临时居民身份证", "Temporary resident ID card"),
    DocumentKind.HOUSEHOLD_REGISTER: ("户口簿", "Household register"),
    DocumentKind.HMT_RESIDENCE_PERMIT: ("港澳台居民居住证", "HK/Macau/Taiwan residence permit"),
    DocumentKind.PASSPORT: ("中国护照", "PRC passport"),
    DocumentKind.HK_MACAO_ID: ("港澳居民身份证", "Hong Kong / Macau identity card"),
    DocumentKind.HOME_RETURN_PERMIT: ("港澳居民来往内地通行证", "Home Return Permit"),
    DocumentKind.TAIWAN_PERMIT: ("台湾居民来往大陆通行证", "Taiwan compatriot permit"),
    DocumentKind.FOREIGN_PERMANENT_ID: ("外国人永久居留身份证", "Foreign permanent resident ID"),
    DocumentKind.FOREIGN_PASSPORT: ("外国人护照", "Foreign passport"),
    DocumentKind.MILITARY_ID: ("军官证/士兵证", "Officer or soldier card"),
    DocumentKind.POLICE_ID: ("人民警察证", "Police officer card"),
    DocumentKind.BUSINESS_LICENCE: ("统一社会信用代码", "Unified social credit code"),
}

# Documents of a person (a customer of kind individual or household) and of an organisation.
ENTERPRISE_DOCUMENTS = frozenset({DocumentKind.BUSINESS_LICENCE})
# Documents whose number says the holder's birth date.
_DATED = frozenset(
    {
        DocumentKind.RESIDENT_ID,
        DocumentKind.TEMPORARY_ID,
        DocumentKind.HOUSEHOLD_REGISTER,
        DocumentKind.HMT_RESIDENCE_PERMIT,
        DocumentKind.FOREIGN_PERMANENT_ID,
    }
)
HMT_PREFIXES = {"810000": "香港", "820000": "澳门", "830000": "台湾"}


@dataclass(frozen=True)
class Document:
    """A checked document: its kind, the number in its normal form (a 15-digit ID upgraded to
    18), and what the number says of the holder."""

    kind: DocumentKind
    number: str
    birth_date: date | None = None
    sex: str | None = None  # "M" | "F"
    region: str | None = None  # address code (resident ID family) or province of acceptance
    upgraded_from: str | None = None  # the 15-digit legacy number it was upgraded from


class DocumentInvalid(ValidationFailed):
    """A document number that fails its rules; ``code`` names the failure."""

    code = "id_invalid"


def _fail(code: str, zh: str, en: str, kind: DocumentKind | str) -> DocumentInvalid:
    return DocumentInvalid(
        f"证件号码有误：{zh}",
        f"Invalid document number: {en}",
        code=code,
        details={"field": "id_number", "id_type": str(kind)},
    )


# --- the checks every number family shares ----------------------------------------------------

_ID_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]
_ID_CHECK = "10X98765432"  # index: Σ mod 11


def id_check_character(body17: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 17 digits (GB 11643)."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(body17, _ID_WEIGHTS, strict=True)) % 11]


def upgrade_15(number: str) -> str:
    """The 18-digit form of a 15-digit legacy resident ID (born 19YY): '19' before the year,
    the check character at the end."""
    body = number[:6] + "19" + number[6:]
    return body + id_check_character(body)


def _birth(text: str, kind: DocumentKind, today: date) -> date:
    try:
        born = date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise _fail(
            "id_birth_date_invalid",
            f"出生日期 {text} 不是真实日期",
            f"birth date {text} is not a date",
            kind,
        ) from None
    if born.year < 1900:
        raise _fail("id_birth_date_invalid", "出生年份早于 1900 年", "birth year before 1900", kind)
    if born > today:
        raise _fail("id_birth_date_future", "出生日期晚于今天", "birth date in the future", kind)
    return born


def _region(code: str, kind: DocumentKind) -> str:
    """An address code of GB/T 2260, current or retired; a province alone is no address."""
    known = regions.is_known(code) and regions.level(code) != regions.PROVINCE
    if not (known or regions.is_retired(code)):
        raise _fail(
            "id_region_unknown",
            f"地址码 {code} 不在 GB/T 2260 行政区划代码表中",
            f"address code {code} is not in GB/T 2260",
            kind,
        )
    return code


def _checked_18(number: str, kind: DocumentKind) -> None:
    if not re.fullmatch(r"[0-9]{17}[0-9X]", number):
        raise _fail(
            "id_format",
            "应为 17 位数字加 1 位校验码（数字或 X）",
            "17 digits and a check character",
            kind,
        )
    if id_check_character(number[:17]) != number[17]:
        raise _fail(
            "id_checksum", "校验码不符（GB 11643 MOD 11-2）", "check character does not match", kind
        )


def _resident(number: str, kind: DocumentKind, today: date) -> Document:
    legacy = None
    if len(number) == 15:
        if not number.isdigit():
            raise _fail(
                "id_format", "15 位旧号码应全为数字", "a 15-digit legacy number is all digits", kind
            )
        legacy, number = number, upgrade_15(number)
    elif len(number) != 18:
        raise _fail(
            "id_length",
            "应为 18 位（或 15 位旧号码）",
            "18 characters (or the 15-digit legacy form)",
            kind,
        )
    _checked_18(number, kind)
    region = number[:6]
    if region in HMT_PREFIXES:
        raise _fail(
            "id_wrong_document",
            "810000/820000/830000 开头的是港澳台居民居住证",
            "an 81/82/83 number is a HK/Macau/Taiwan residence permit",
            kind,
        )
    _region(region, kind)
    born = _birth(number[6:14], kind, today)
    sex = "M" if int(number[16]) % 2 else "F"
    return Document(kind, number, born, sex, region, legacy)


def _hmt_permit(number: str, today: date) -> Document:
    kind = DocumentKind.HMT_RESIDENCE_PERMIT
    if len(number) != 18:
        raise _fail("id_length", "应为 18 位", "18 characters", kind)
    _checked_18(number, kind)
    if number[:6] not in HMT_PREFIXES:
        raise _fail(
            "id_prefix",
            "应以 810000、820000 或 830000 开头",
            "starts with 810000, 820000 or 830000",
            kind,
        )
    born = _birth(number[6:14], kind, today)
    return Document(kind, number, born, "M" if int(number[16]) % 2 else "F", number[:6])


def _foreign_permanent(number: str, today: date) -> Document:
    kind = DocumentKind.FOREIGN_PERMANENT_ID
    if len(number) == 18:  # 2023 card
        _checked_18(number, kind)
        if number[0] != "9":
            raise _fail(
                "id_prefix",
                "2023 版永居证号码以 9 开头",
                "a 2023 card's number starts with 9",
                kind,
            )
        province = number[1:3] + "0000"
        if not regions.is_known(province):
            raise _fail(
                "id_region_unknown",
                f"受理地 {number[1:3]} 不是省级代码",
                "unknown province of acceptance",
                kind,
            )
        born = _birth(number[6:14], kind, today)
        return Document(kind, number, born, "M" if int(number[16]) % 2 else "F", province)
    if len(number) == 15:  # 2017 card
        if not re.fullmatch(r"[A-Z]{3}[0-9]{12}", number):
            raise _fail(
                "id_format",
                "2017 版应为 3 位字母国籍代码加 12 位数字",
                "3 letters and 12 digits",
                kind,
            )
        province = number[3:5] + "0000"
        if not regions.is_known(province):
            raise _fail(
                "id_region_unknown",
                f"受理地 {number[3:5]} 不是省级代码",
                "unknown province of acceptance",
                kind,
            )
        yymmdd = number[7:13]
        # The card says YYMMDD: the latest century that gives a real date not in the future.
        for century in ("20", "19"):
            try:
                return Document(kind, number, _birth(century + yymmdd, kind, today), None, province)
            except DocumentInvalid:
                continue
        raise _fail(
            "id_birth_date_invalid",
            f"出生日期 {yymmdd} 不是真实日期",
            "birth date is not a date",
            kind,
        )
    raise _fail(
        "id_length",
        "应为 18 位（2023 版）或 15 位（2017 版）",
        "18 (2023 card) or 15 (2017 card)",
        kind,
    )


_HK_VALUES = {c: 10 + i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}


def hk_check_digit(prefix: str, digits: str) -> str:
    """Hong Kong identity card check digit over 1-2 letters and 6 digits."""
    values = (
        ([36] if len(prefix) == 1 else [])
        + [_HK_VALUES[c] for c in prefix]
        + [int(d) for d in digits]
    )
    total = sum(v * w for v, w in zip(values, range(9, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return "A" if check == 10 else str(check)


def _hk_macao_id(number: str) -> Document:
    kind = DocumentKind.HK_MACAO_ID
    compact = number.replace("(", "").replace(")", "")
    if m := re.fullmatch(r"([A-Z]{1,2})([0-9]{6})([0-9A])", compact):
        if hk_check_digit(m[1], m[2]) != m[3]:
            raise _fail(
                "id_checksum",
                "香港身份证校验位不符",
                "Hong Kong identity card check digit does not match",
                kind,
            )
        return Document(kind, f"{m[1]}{m[2]}({m[3]})")
    if m := re.fullmatch(r"([157][0-9]{6})([0-9])", compact):
        return Document(kind, f"{m[1]}({m[2]})")
    raise _fail(
        "id_format",
        "香港：1-2 位字母 + 6 位数字 + 校验位；澳门：1/5/7 开头 7 位数字 + 校验位",
        "HK: A123456(7); Macau: 1234567(8)",
        kind,
    )


_PATTERNS: dict[DocumentKind, tuple[str, str, str]] = {
    DocumentKind.HOME_RETURN_PERMIT: (
        r"[HM][0-9]{8}([0-9]{2})?",
        "H 或 M 加 8 位数字",
        "H or M and 8 digits",
    ),
    DocumentKind.TAIWAN_PERMIT: (
        r"[0-9]{8}|[0-9]{10}(\([A-Z]\))?",
        "8 位数字（旧版 10 位）",
        "8 digits (older booklets: 10)",
    ),
    DocumentKind.PASSPORT: (
        r"E[0-9]{8}|E[A-HJ-NP-Z][0-9]{7}|[GDSP][0-9]{7,8}",
        "E 加 8 位数字、E 加字母加 7 位数字，或 G/D/S/P 加 7-8 位数字",
        "E and 8 digits, E, a letter and 7 digits, or G/D/S/P and 7-8 digits",
    ),
    DocumentKind.FOREIGN_PASSPORT: (
        r"[A-Z0-9]{5,17}",
        "5-17 位字母或数字",
        "5-17 letters or digits",
    ),
    DocumentKind.MILITARY_ID: (
        r"[\u4e00-\u9fa5]{1,2}字第[0-9]{6,8}号",
        "如 军字第12345678号",
        "like 军字第12345678号",
    ),
    DocumentKind.POLICE_ID: (r"警?[0-9]{6,7}", "6-7 位警号", "a 6-7 digit badge number"),
}


# --- the unified social credit code (GB 32100) ------------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [3**i % 31 for i in range(17)]
# Registration authority → the organisation types it registers (GB 32100-2015 appendix).
USCC_TYPES = {
    "1": "1239",  # 机构编制: 机关, 事业单位, 群众团体, 其他
    "2": "19",  # 外交
    "3": "123459",  # 司法行政: 律所, 公证处, 法律服务所, 鉴定, 仲裁, 其他
    "4": "19",  # 文化
    "5": "1239",  # 民政: 社会团体, 民办非企业, 基金会, 其他
    "6": "129",  # 旅游
    "7": "129",  # 宗教
    "8": "19",  # 工会
    "9": "123",  # 工商: 企业, 个体工商户, 农民专业合作社
    "A": "19",  # 中央军委改革和编制办公室
    "N": "12349",  # 农业
    "Y": "1",  # 其他
}
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


def uscc_check_character(body17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check(body8: str) -> str:
    """GB 11714 check character of an organisation code's first 8 characters."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def _uscc(number: str) -> Document:
    kind = DocumentKind.BUSINESS_LICENCE
    if len(number) != 18:
        raise _fail("id_length", "统一社会信用代码应为 18 位", "18 characters", kind)
    if any(c not in USCC_ALPHABET for c in number):
        raise _fail(
            "id_format",
            "含有不允许的字符（不用 I、O、S、V、Z）",
            "characters outside the code's alphabet",
            kind,
        )
    if number[1] not in USCC_TYPES.get(number[0], ""):
        raise _fail(
            "id_prefix",
            "登记管理部门码与机构类别码不是有效组合",
            "no such registration authority and type",
            kind,
        )
    region = number[2:8]  # a province registers too (110000); 100000 is national registration
    if not (region == regions.HQ or regions.is_known(region) or regions.is_retired(region)):
        raise _fail(
            "id_region_unknown",
            f"地址码 {region} 不在 GB/T 2260 中",
            f"address code {region} is not in GB/T 2260",
            kind,
        )
    if org_code_check(number[8:16]) != number[16]:
        raise _fail(
            "id_org_code_checksum",
            "组织机构代码校验位不符（GB 11714）",
            "organisation code check does not match",
            kind,
        )
    if uscc_check_character(number[:17]) != number[17]:
        raise _fail("id_checksum", "校验码不符（GB 32100）", "check character does not match", kind)
    return Document(kind, number, region=region)


# --- the entry point ----------------------------------------------------------------------------


def normalise(number: str) -> str:
    """As typed to its normal form: no spaces, upper case (a trailing x is X); full-width
    brackets become ASCII."""
    return re.sub(r"\s+", "", number).replace("（", "(").replace("）", ")").upper()


def validate(kind: DocumentKind | str, number: str, *, today: date) -> Document:
    """The document checked by its kind's rules, or ``DocumentInvalid`` naming the failure."""
    try:
        kind = DocumentKind(kind)
    except ValueError:
        raise _fail(
            "id_type_unknown",
            f"不支持的证件类型 {kind}",
            f"unknown document type {kind}",
            str(kind),
        ) from None
    number = normalise(number)
    if not number:
        raise _fail("id_format", "证件号码为空", "the number is empty", kind)
    match kind:
        case DocumentKind.RESIDENT_ID | DocumentKind.TEMPORARY_ID | DocumentKind.HOUSEHOLD_REGISTER:
            return _resident(number, kind, today)
        case DocumentKind.HMT_RESIDENCE_PERMIT:
            return _hmt_permit(number, today)
        case DocumentKind.FOREIGN_PERMANENT_ID:
            return _foreign_permanent(number, today)
        case DocumentKind.HK_MACAO_ID:
            return _hk_macao_id(number)
        case DocumentKind.BUSINESS_LICENCE:
            return _uscc(number)
    pattern, zh, en = _PATTERNS[kind]
    if not re.fullmatch(pattern, number):
        raise _fail("id_format", zh, en, kind)
    return Document(kind, number)


def dated(kind: DocumentKind | str) -> bool:
    """Whether the document's number says the holder's birth date."""
    return kind in _DATED
