"""Identity documents (BH-7): the vector file (valid numbers of every kind and every kind of
invalid one, built by scripts/build_identity_vectors.py with its own check arithmetic), and
properties that hold for any number (hypothesis)."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from telcodesk.customers import identity
from telcodesk.customers.identity import DocumentInvalid, DocumentKind
from telcodesk.customers.rules import SpecialCare, age, special_care

VECTORS = Path(__file__).parent.parent / "data" / "identity_vectors.csv"
TODAY = date(2026, 6, 1)  # the day the vectors were built for
ROWS = list(csv.DictReader(VECTORS.open(encoding="utf-8")))


def test_the_vector_file_covers_every_document_and_failure() -> None:
    assert len(ROWS) >= 200
    kinds = {r["kind"] for r in ROWS if r["expect"] == "ok"}
    assert kinds == {k.value for k in DocumentKind}
    failures = {r["expect"] for r in ROWS} - {"ok"}
    assert failures == {
        *("id_format", "id_length", "id_checksum", "id_region_unknown", "id_prefix"),
        *("id_birth_date_invalid", "id_birth_date_future", "id_wrong_document"),
        *("id_org_code_checksum", "id_type_unknown"),
    }


@pytest.mark.parametrize("row", ROWS, ids=[f"{r['kind']}:{r['number']}" for r in ROWS])
def test_vector(row: dict[str, str]) -> None:
    if row["expect"] != "ok":
        with pytest.raises(DocumentInvalid) as refused:
            identity.validate(row["kind"], row["number"], today=TODAY)
        assert refused.value.code == row["expect"], row["note"]
        assert refused.value.status == 422
        assert refused.value.message_zh.startswith("证件号码有误")
        assert refused.value.message_en.startswith("Invalid document number")
        return
    document = identity.validate(row["kind"], row["number"], today=TODAY)
    assert document.number == row["normal"]
    if row["birth_date"]:
        assert document.birth_date == date.fromisoformat(row["birth_date"])


regions = st.sampled_from(["440106", "110105", "310115", "650102", "440102"])
births = st.dates(date(1900, 1, 1), TODAY)


def _resident(region: str, born: date, seq: int) -> str:
    body = f"{region}{born:%Y%m%d}{seq:03d}"
    return body + identity.id_check_character(body)


@given(regions, births, st.integers(0, 999))
def test_any_well_formed_resident_id_is_valid_and_says_birth_and_sex(
    region: str, born: date, seq: int
) -> None:
    document = identity.validate("resident_id", _resident(region, born, seq), today=TODAY)
    assert document.birth_date == born and document.region == region
    assert document.sex == ("M" if seq % 2 else "F")


@given(regions, births, st.integers(0, 999), st.integers(0, 17), st.integers(1, 10))
def test_any_single_character_error_is_caught(
    region: str, born: date, seq: int, where: int, shift: int
) -> None:
    """MOD 11-2 detects every single substitution: no changed number passes as valid."""
    number = _resident(region, born, seq)
    alphabet = "0123456789X" if where == 17 else "0123456789"
    changed = alphabet[(alphabet.index(number[where]) + shift) % len(alphabet)]
    if changed == number[where]:
        return
    with pytest.raises(DocumentInvalid):
        identity.validate(
            "resident_id", number[:where] + changed + number[where + 1 :], today=TODAY
        )


@given(regions, st.dates(date(1900, 1, 1), date(1999, 12, 31)), st.integers(0, 999))
def test_a_legacy_15_digit_id_upgrades_to_the_same_person(
    region: str, born: date, seq: int
) -> None:
    legacy = f"{region}{born:%y%m%d}{seq:03d}"
    upgraded = identity.validate("resident_id", legacy, today=TODAY)
    assert upgraded.upgraded_from == legacy
    assert upgraded.number == _resident(region, born, seq)
    assert identity.validate("resident_id", upgraded.number, today=TODAY).birth_date == born


@given(
    st.sampled_from(["91", "92", "11", "52", "Y1"]),
    st.text(identity.USCC_ALPHABET, min_size=8, max_size=8),
    st.integers(0, 17),
    st.integers(1, 30),
)
def test_any_single_error_in_a_credit_code_is_caught(
    head: str, org: str, where: int, shift: int
) -> None:
    body = f"{head}440300{org}{identity.org_code_check(org)}"
    code = body + identity.uscc_check_character(body)
    assert identity.validate("business_licence", code, today=TODAY).number == code
    alphabet = identity.USCC_ALPHABET
    changed = alphabet[(alphabet.index(code[where]) + shift) % len(alphabet)]
    with pytest.raises(DocumentInvalid):
        identity.validate(
            "business_licence", code[:where] + changed + code[where + 1 :], today=TODAY
        )


@given(st.sampled_from(list(DocumentKind)), st.text(max_size=40))
def test_any_text_is_valid_or_refused_with_a_code_never_a_crash(
    kind: DocumentKind, text: str
) -> None:
    try:
        document = identity.validate(kind, text, today=TODAY)
    except DocumentInvalid as refused:
        assert refused.code.startswith("id_") and refused.message_zh and refused.message_en
    else:
        assert document.kind == kind and document.number


@given(births, st.integers(0, 40_000))
def test_age_counts_full_years_and_65_is_elderly(born: date, days: int) -> None:
    today = born + timedelta(days=days)
    years = age(born, today)
    assert years >= 0 and age(born, today + timedelta(days=366)) >= years + 1
    assert (special_care(born, None, today) == SpecialCare.ELDERLY) == (years >= 65)


def test_recorded_care_comes_first_and_birthdays_count_on_the_day() -> None:
    born = date(1961, 6, 2)
    assert special_care(born, None, date(2026, 6, 1)) is None  # 64 until tomorrow
    assert special_care(born, None, date(2026, 6, 2)) == SpecialCare.ELDERLY
    assert special_care(born, "disabled", date(2026, 6, 2)) == SpecialCare.DISABLED
    assert special_care(None, "other", TODAY) == SpecialCare.OTHER
    assert special_care(None, None, TODAY) is None
    assert age(date(2000, 2, 29), date(2065, 2, 28)) == 64  # a leap-day birthday: 1 March
