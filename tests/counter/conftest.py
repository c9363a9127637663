"""A counter customer: a resident ID on record and three numbers — one under contract, one
owing money, one free — for the counter tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from telcodesk import clock
from telcodesk.counter import bss
from telcodesk.customers import identity
from telcodesk.customers import service as customers
from telcodesk.customers.schemas import CustomerIn
from telcodesk.db import unit_of_work
from tests.factories import World

BODY = "44010619800101123"
ID_NUMBER = BODY + identity.id_check_character(BODY)
NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)  # 10:00 in Beijing: no quiet hours


@dataclass
class Counter:
    customer_id: int
    free: str  # no contract, nothing owed
    contract: str  # under contract until 2027
    owing: str  # 58.00 yuan owed
    document: dict[str, str]
    bss: bss.RecordingBss


@pytest.fixture
def counter(factory: sessionmaker[Session], world: World) -> Counter:
    clock.set_clock(lambda: NOW)
    recording = bss.RecordingBss()
    bss.use(recording)
    with unit_of_work(factory) as session:
        data = CustomerIn(
            name="陈柜台",
            phone="13610001000",
            id_type="resident_id",  # type: ignore[arg-type]
            id_number=ID_NUMBER,
            id_copy_kept=True,
            address="广东省广州市天河区体育西路 1 号",
        )
        customer = customers.create_customer(session, data, default_city="440100")
        customers.add_product(session, customer, number="13610001000", plan="畅享 129 元套餐")
        customers.add_product(
            session, customer, number="13610002000", plan="5G 199", contract_end=date(2027, 3, 31)
        )
        customers.add_product(
            session, customer, number="13610003000", plan="4G 59", arrears_fen=5800
        )
        return Counter(
            customer.id,
            "13610001000",
            "13610002000",
            "13610003000",
            {"id_type": "resident_id", "id_number": ID_NUMBER},
            recording,
        )
