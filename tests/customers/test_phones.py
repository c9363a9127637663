"""Phone numbers (BH-5, CD-2): one normal form per number, and its city 号码归属地."""

from __future__ import annotations

from collections import Counter

import phonenumbers.geodata
import pytest
from hypothesis import given
from hypothesis import strategies as st

from telcodesk import regions
from telcodesk.customers import phones


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("13800138000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("+8613800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("020-12345678", "02012345678"),
        ("(020) 1234 5678", "02012345678"),
        ("+86 20 1234 5678", "02012345678"),
        ("0755-8888-9999", "075588889999"),
        ("400-123-4567", "4001234567"),
        ("+852 2123 4567", "+85221234567"),
    ],
)
def test_normal_form(typed: str, normal: str) -> None:
    assert phones.normalise(typed) == normal
    assert phones.normalise(normal) == normal  # the normal form is a fixed point


@pytest.mark.parametrize(
    "typed",
    ["12345678", "1380013800", "138001380001", "10086", "", "abc", "020-1234x678", "1" * 31],
)
def test_incomplete_or_bad_numbers_are_refused(typed: str) -> None:
    assert phones.try_normalise(typed) is None
    with pytest.raises(phones.InvalidPhone) as refused:
        phones.normalise(typed)
    assert refused.value.status == 422 and "区号" in refused.value.message_zh


@given(st.text(alphabet="0123456789 +-()", max_size=30))
def test_normalise_never_fails_otherwise(typed: str) -> None:
    normal = phones.try_normalise(typed)
    assert normal is None or phones.normalise(normal) == normal


@pytest.mark.parametrize(
    ("number", "city"),
    [
        ("13800138000", "110100"),  # a 北京 segment
        ("15920001234", "440300"),  # 深圳
        ("02012345678", "440100"),  # area code 020: 广州
        ("075588889999", "440300"),
        ("076088123456", "442000"),  # 中山, a prefecture without counties
        ("089866778899", "460100"),  # 0898 is shared by 海口 and 三亚: the first
        ("17012345678", None),  # a virtual operator's number names no city
        ("4001234567", None),
        ("+85221234567", None),
    ],
)
def test_attribution(number: str, city: str | None) -> None:
    assert phones.attribution(number) == city


def test_every_place_the_geocoder_names_is_a_city_of_ours() -> None:
    """All Chinese places in the library's offline data map to a real GB/T 2260 city, so the
    data cannot drift from the region table unnoticed (a library update re-runs this)."""
    places: Counter[str] = Counter(
        v["zh"]
        for k, v in phonenumbers.geodata.GEOCODE_DATA.items()
        if k.startswith("86") and "zh" in v and v["zh"] != "中国"
    )
    unmapped = []
    for place, segments in places.items():
        found = regions.province_named(place)
        city = regions.city_named(found[0], found[1].split("、")[0]) if found else None
        if city is None or regions.level(city) != regions.CITY:
            unmapped.append((place, segments))
    assert unmapped == []
    assert sum(places.values()) > 100_000  # segments and area codes covered
