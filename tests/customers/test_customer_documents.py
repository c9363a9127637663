"""A customer's identity document is checked by its own rules when registered (BH-7): a bad one
is refused with its failure's code (API: 422), a legacy 15-digit ID is kept in its 18-digit
form with the birth date it says, and the birth date makes an elderly customer one for special
care (BH-2) — the hall's queue asks ``special_care_of``."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from telcodesk import clock
from telcodesk.customers import identity
from telcodesk.customers import service as customers
from telcodesk.customers.identity import DocumentInvalid
from telcodesk.customers.models import Customer
from telcodesk.customers.rules import SpecialCare
from telcodesk.customers.schemas import CustomerIn
from telcodesk.db import unit_of_work
from tests.conftest import login
from tests.factories import World

LEGACY = "440106410101123"  # born 1941-01-01: elderly


def test_a_legacy_id_is_kept_upgraded_with_its_birth_date_and_elderly_care(
    factory: sessionmaker[Session], world: World
) -> None:
    clock.set_clock(lambda: datetime(2026, 6, 1, 2, tzinfo=UTC))
    with unit_of_work(factory) as session:
        data = CustomerIn(
            name="李老伯", phone="13711112222", id_type="resident_id", id_number=LEGACY
        )  # type: ignore[arg-type]
        customer = customers.register_customer(session, world.agent, data)
        assert customer.id_number == identity.upgrade_15(LEGACY)
        assert customer.birth_date == date(1941, 1, 1)
        assert customers.special_care_of(customer) == SpecialCare.ELDERLY
        customer.special_care = "disabled"  # recorded need comes first
        assert customers.special_care_of(customer) == SpecialCare.DISABLED
        assert customers.special_care_of(session.get(Customer, world.customer.id)) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "number", "code"),
    [
        ("resident_id", "440106199001011234", "id_checksum"),
        ("resident_id", "999999199001011238", "id_region_unknown"),
        ("passport", "E1234", "id_format"),
        ("business_licence", "91440300708461136T", "id_type_mismatch"),  # a person
    ],
)
def test_a_bad_document_is_refused_with_its_code(
    client: TestClient, world: World, kind: str, number: str, code: str
) -> None:
    agent = login(client, world.agent.username)
    body = {"name": "王五", "phone": "13722223333", "id_type": kind, "id_number": number}
    res = client.post("/api/v1/customers", json=body, headers=agent)
    assert res.status_code == 422, res.text
    assert res.json()["code"] == code and res.json()["message_zh"] and res.json()["message_en"]


def test_an_enterprise_gives_its_credit_code_and_may_have_an_account_manager(
    factory: sessionmaker[Session], world: World
) -> None:
    with unit_of_work(factory) as session:
        data = CustomerIn(
            name="深圳市腾达科技有限公司",
            phone="0755-86013388",
            type="enterprise",  # type: ignore[arg-type]
            id_type="business_licence",  # type: ignore[arg-type]
            id_number="91440300708461136t",
            account_manager_id=world.other_city_agent.id,
            city_code="440300",
        )
        firm = customers.create_customer(session, data, default_city="440300")
        assert firm.id_number == "91440300708461136T" and firm.birth_date is None
        assert firm.account_manager_id == world.other_city_agent.id
        with pytest.raises(DocumentInvalid) as refused:
            customers.create_customer(
                session,
                data.model_copy(
                    update={
                        "phone": "0755-86013399",
                        "id_type": "resident_id",
                        "id_number": "440106199001011235",
                    }
                ),
                default_city="440300",
            )
        assert refused.value.code == "id_type_mismatch"
