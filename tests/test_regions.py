"""The GB/T 2260 region table (CC-1, CD-2): real codes only, and the tree their digits spell."""

from __future__ import annotations

import pytest

from telcodesk import regions


@pytest.mark.parametrize("code", ["440000", "440100", "440106", "110000", "110100", "429004"])
def test_real_codes_are_known(code: str) -> None:
    assert regions.is_known(code)


@pytest.mark.parametrize("code", ["999999", "440199", "100000", "44010", "", "000000"])
def test_made_up_codes_are_not(code: str) -> None:
    assert not regions.is_known(code)
    assert regions.province_of(code) is None and regions.city_of(code) is None


def test_levels_and_parents() -> None:
    assert regions.level("440000") == regions.PROVINCE
    assert regions.level("440100") == regions.CITY
    assert regions.level("440106") == regions.COUNTY
    assert regions.province_of("440106") == "440000"
    assert regions.city_of("440106") == "440100"
    assert regions.city_of("440000") is None
    assert regions.name("440106") == "天河区"
    # A municipality's city layer is named by the municipality, not 市辖区.
    assert regions.name("110100") == "北京市"
    assert regions.full_name("440106") == "广东省广州市天河区"
    assert regions.full_name("110105") == "北京市朝阳区"


def test_contains() -> None:
    assert regions.contains(regions.HQ, "440106")
    assert regions.contains("440000", "440300")
    assert regions.contains("440100", "440106")
    assert not regions.contains("440100", "440300")
    assert not regions.contains("440000", "450100")
    assert not regions.contains("440000", "449999")  # inside by digits, but no such place


def test_every_province_has_cities() -> None:
    provinces = dict(regions.provinces())
    assert len(provinces) == 34
    for code in provinces:
        if code[:2] in {"71", "81", "82"}:  # Taiwan, Hong Kong, Macao: province level only
            continue
        assert regions.cities(code), code
    assert ("440300", "深圳市") in regions.cities("440000")


@pytest.mark.parametrize(
    ("province", "place", "city"),
    [
        ("440000", "广州市", "440100"),
        ("420000", "襄樊市", "420600"),  # former name of 襄阳
        ("520000", "毕节地区", "520500"),  # 地区 that became a 市
        ("530000", "迪庆", "533400"),
        ("530000", "芒市", "533100"),  # a county-level city gives its prefecture
        ("420000", "仙桃市", "429000"),  # governed by the province directly
        ("110000", "北京市", "110100"),
        ("500000", "", "500100"),
        ("220000", "吉林市", "220200"),  # a city named like its province
        ("440000", "", None),
        ("440000", "不存在市", None),
    ],
)
def test_city_named(province: str, place: str, city: str | None) -> None:
    assert regions.city_named(province, place) == city
