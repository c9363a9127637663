"""Region codes 行政区划代码 (GB/T 2260): the provinces, prefecture-level cities and counties of
China, read once from the shipped table ``data/regions.tsv`` (国家统计局 2023 codes).

A code's six digits say its place in the tree: ``PP0000`` a province, ``PPCC00`` a city (or a
city layer of a municipality: 110100 北京市辖区), ``PPCCDD`` a county or district. So the
province of any code is its first two digits and its city its first four, once the code is
known to exist: ``999999`` or ``440199`` are not places, and are refused wherever a region is
given (CC-1, units; CD-2, customers and orders).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

HQ = "100000"  # the national level of the unit tree; not a GB/T 2260 place
PROVINCE, CITY, COUNTY = "province", "city", "county"
# City layers that carry no name of their own: a municipality's districts and counties, and
# the county-level cities a province governs directly (仙桃, 济源, 五指山…).
_UNNAMED_CITY_LAYERS = {"市辖区", "县"}
_MUNICIPALITIES = {"11", "12", "31", "50"}  # 北京, 天津, 上海, 重庆: provinces without cities


@cache
def _table() -> dict[str, str]:
    text = resources.files("telcodesk").joinpath("data/regions.tsv").read_text("utf-8")
    rows = (line.split("\t") for line in text.splitlines() if line and not line.startswith("#"))
    return {code: name for code, name in rows}


def is_known(code: str | None) -> bool:
    """A real place of the table (not HQ's 100000)."""
    return code is not None and code in _table()


def level(code: str) -> str | None:
    if not is_known(code):
        return None
    if code.endswith("0000"):
        return PROVINCE
    return CITY if code.endswith("00") else COUNTY


def province_of(code: str) -> str | None:
    """The province a known code lies in (a province is its own)."""
    return code[:2] + "0000" if is_known(code) else None


def city_of(code: str) -> str | None:
    """The city a known city or county code lies in; None for a province or an unknown code."""
    if level(code) in (CITY, COUNTY):
        city = code[:4] + "00"
        return city if is_known(city) else None
    return None


def name(code: str) -> str | None:
    """The place's name; a municipality's city layer (110100 市辖区) is named by the
    municipality (北京市), as staff and customers say it."""
    found = _table().get(code)
    if found in _UNNAMED_CITY_LAYERS:
        return _table()[code[:2] + "0000"]
    return found


def full_name(code: str) -> str | None:
    """Province and place, as an address begins: 广东省广州市, 北京市 (no repeat)."""
    own = name(code)
    if own is None:
        return None
    parts = [name(code[:2] + "0000"), name(code[:4] + "00") if level(code) == COUNTY else None]
    parts.append(own)
    seen: list[str] = []
    for part in parts:
        if part and part not in seen:
            seen.append(part)
    return "".join(seen)


def contains(outer: str, inner: str) -> bool:
    """``inner`` lies in ``outer`` (or is it): HQ holds everything known."""
    if not is_known(inner):
        return False
    if outer == HQ:
        return True
    match level(outer):
        case "province":
            return inner[:2] == outer[:2]
        case "city":
            return inner[:4] == outer[:4]
        case "county":
            return inner == outer
    return False


@cache
def provinces() -> tuple[tuple[str, str], ...]:
    return tuple((c, n) for c, n in _table().items() if c.endswith("0000"))


def cities(province: str) -> list[tuple[str, str]]:
    """The cities of a province, by code (a municipality's city layers included)."""
    prefix = province[:2]
    return [
        (c, name(c) or n)
        for c, n in _table().items()
        if c.startswith(prefix) and c.endswith("00") and not c.endswith("0000")
    ]


# Former names still used by number-attribution data: 襄樊 became 襄阳 (2010), 莱芜 joined
# 济南 (2019). Every other renamed place went from 地区 to 市 (毕节, 日喀则…): the stem matches.
FORMER_NAMES = {"襄樊市": "襄阳市", "莱芜市": "济南市"}
_SUFFIXES = (
    *("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "地区"),
    *("省", "市", "盟"),
)


def _stem(place: str) -> str:
    """A place name without its kind: 广西壮族自治区 → 广西, 毕节地区 → 毕节, 北京市 → 北京."""
    for suffix in _SUFFIXES:
        if place.endswith(suffix) and len(place) > len(suffix) + 1:
            return place[: -len(suffix)]
    return place


def province_named(text: str) -> tuple[str, str] | None:
    """The province a text starts with, by full or short name (广东省…, 广西…, 内蒙古…): its
    code and the rest of the text."""
    for code, own in provinces():
        for prefix in (own, _stem(own)):
            if text.startswith(prefix):
                return code, text[len(prefix) :]
    return None


@cache
def city_named(province: str, place: str) -> str | None:
    """The city code of a place named within a province (440000, 广州市 → 440100); a county
    gives its city (420000, 仙桃市 → 429000); a municipality named alone, or nothing, gives
    its first city layer (110000, "" → 110100). Names match by stem, so 毕节地区 finds 毕节市
    and 迪庆 finds 迪庆藏族自治州."""
    place = FORMER_NAMES.get(place, place)
    if province[:2] in _MUNICIPALITIES and (
        not place or _stem(place) == _stem(name(province) or "")
    ):
        return province[:2] + "0100"
    if not place:
        return None
    stem = _stem(place)
    found = [
        code
        for code, n in _table().items()
        if code[:2] == province[:2] and not code.endswith("0000") and n.startswith(stem)
    ]
    found.sort(key=lambda c: (_table()[c] != place, len(_table()[c]), c))
    return (city_of(found[0]) or found[0]) if found else None


@cache
def _retired() -> dict[str, str]:
    text = resources.files("telcodesk").joinpath("data/regions_retired.tsv").read_text("utf-8")
    rows = (line.split("\t") for line in text.splitlines() if line and not line.startswith("#"))
    return {code: name for code, name in rows}


def is_retired(code: str | None) -> bool:
    """A code of an earlier revision of the standard (2002-2013) that is no longer in force
    (440102 东山区, merged into 越秀区 in 2005): not for new units, but an ID card issued
    before the re-division still carries it."""
    return code is not None and code in _retired() and not is_known(code)


def retired_name(code: str) -> str | None:
    return _retired().get(code) if is_retired(code) else None
