"""Masking rules (CD-2): what a masked value may still show, and what it never shows."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from telcodesk.customers.masking import (
    ADDRESS_HEAD,
    ELLIPSIS,
    MASK,
    mask_address,
    mask_id_number,
    mask_name,
    mask_phone,
)
from telcodesk.customers.schemas import PHONE_PATTERN

# Any spelling the API accepts (PHONE_PATTERN also admits "-----", which normalisation refuses
# with 422 phone_invalid, so no stored number lacks digits): those with a number in them.
phones = st.from_regex(PHONE_PATTERN, fullmatch=True).filter(
    lambda p: sum(ch.isdigit() for ch in p) >= 5
)
mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
landlines = st.tuples(
    st.sampled_from(["010", "020", "021", "0755", "0571", "0898"]),
    st.sampled_from(["-", ""]),
    st.from_regex(r"[2-9][0-9]{6,7}", fullmatch=True),
)
resident_ids = st.from_regex(r"[1-9][0-9]{16}[0-9X]", fullmatch=True)
names = st.text(
    alphabet=st.sampled_from("张王欧阳小明娜广州市恒达科技有限公司JohnSmith *·"), max_size=30
)


def only_hides(original: str, masked: str) -> None:
    """The same length, and every character either kept or replaced by the mask."""
    assert len(masked) == len(original)
    assert all(m in (o, MASK) for o, m in zip(original, masked, strict=True))


@pytest.mark.parametrize(
    ("mask", "value", "expected"),
    [
        (mask_phone, "13812342327", "138****2327"),
        (mask_phone, "+8613812342327", "+86138****2327"),
        (mask_phone, "020-12345678", "020-****5678"),
        (mask_phone, "075512345678", "0755****5678"),
        (mask_phone, "10086", "***86"),
        (mask_id_number, "440106199001011234", "440106********1234"),
        (mask_id_number, "E12345678", "*******78"),
        (mask_name, "张三", "张*"),
        (mask_name, "张小明", "张*明"),
        (mask_name, "欧阳娜娜", "欧**娜"),
        (mask_name, "广州市恒达科技有限公司", "广州*****有限公司"),
        (mask_name, "John Smith", "J**n S***h"),
        (mask_name, "张 三", "* *"),  # a space never lets a short name through whole
        (mask_address, "广东省广州市天河区体育西路123号", "广东省广州市天河区…"),
        (mask_address, "东莞市长安镇沙头市场路1号", "东莞市…"),
        (mask_address, "体育西路一二三四五六", "体育西路一…"),
        (mask_address, "广州市天河区", "广州市天河区"),  # nothing below the district to hide
    ],
)
def test_examples(mask: object, value: str, expected: str) -> None:
    assert mask(value) == expected  # type: ignore[operator]


def test_none_stays_none() -> None:
    assert {f(None) for f in (mask_phone, mask_id_number, mask_name, mask_address)} == {None}


@given(mobiles)
def test_a_mobile_hides_its_middle_four_digits(phone: str) -> None:
    assert mask_phone(phone) == phone[:3] + "****" + phone[7:]


@given(landlines)
def test_a_landline_keeps_its_area_code_and_last_four(parts: tuple[str, str, str]) -> None:
    area, sep, number = parts
    shown = min(4, len(number) // 2)  # 7-digit numbers show 3: never more than half
    masked = mask_phone(area + sep + number)
    assert masked == area + sep + MASK * (len(number) - shown) + number[-shown:]


@given(phones)
@example("000--")  # no area code starts 00, and nothing follows: still masked
def test_any_phone_shows_at_most_four_digits_past_its_public_part(phone: str) -> None:
    masked = mask_phone(phone)
    assert masked is not None
    only_hides(phone, masked)
    first_hidden = masked.index(MASK)  # something is always hidden
    assert first_hidden <= len("+86-138")  # a country code, mobile prefix or area code at most
    assert sum(ch.isdigit() for ch in masked[first_hidden:]) <= 4
    assert mask_phone(masked) == masked


@given(resident_ids)
def test_a_resident_id_shows_only_the_region_and_the_last_four(number: str) -> None:
    assert mask_id_number(number) == number[:6] + MASK * 8 + number[-4:]


@given(st.text(max_size=40))
def test_any_id_number_hides_its_middle(number: str) -> None:
    masked = mask_id_number(number)
    assert masked is not None
    only_hides(number, masked)
    visible = sum(m != MASK for m in masked)
    assert visible <= (10 if len(number) >= 15 else len(number) // 2)
    assert mask_id_number(masked) == masked


@given(names)
def test_names_keep_their_ends_and_hide_the_middle(name: str) -> None:
    masked = mask_name(name)
    assert masked is not None
    only_hides(name, masked)
    if " " not in name and len(name) >= 2:
        assert masked[0] == name[0] and MASK in masked
        if 3 <= len(name) < 10:
            assert masked[1:-1] == MASK * (len(name) - 2)
    assert mask_name(masked) == masked


@given(st.text(max_size=80))
def test_an_address_keeps_at_most_its_head(address: str) -> None:
    masked = mask_address(address)
    assert masked is not None
    if masked != address:
        head = masked.removesuffix(ELLIPSIS)
        assert masked.endswith(ELLIPSIS) and address.startswith(head)
        assert len(head) <= ADDRESS_HEAD
    elif not address.endswith(ELLIPSIS):
        assert len(address) <= ADDRESS_HEAD  # a longer one always loses its tail
    assert mask_address(masked) == masked
