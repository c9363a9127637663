"""Counter transactions (BH-7, VA-1, VA-2, VA-3): every check a kind declares refuses the
transaction before anything is written; a value-added service is activated only by the
customer's SMS yes, and an unconfirmed one expires activating nothing; a cancellation records
its retention attempt and completes in the same visit either way."""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from telcodesk import clock
from telcodesk.config import Settings
from telcodesk.counter.models import CounterTransaction
from telcodesk.customers.models import CustomerProduct
from telcodesk.db import unit_of_work
from telcodesk.notify import rules as notify_rules
from telcodesk.notify.models import OutboxMessage
from telcodesk.worker import Worker
from telcodesk.workorders.models import WorkOrder
from tests.conftest import login
from tests.counter.conftest import NOW, Counter
from tests.factories import World

SECRET = "test-sms-secret"


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, worker_interval_s=3600, sms_secret=SECRET)


def visit(client: TestClient, headers: dict[str, str], counter: Counter) -> str:
    res = client.post(
        "/api/v1/counter/visits",
        json={"customer_id": counter.customer_id, "document": counter.document},
        headers=headers,
    )
    assert res.status_code == 201, res.text
    return str(res.json()["number"])


def add(client: TestClient, headers: dict[str, str], number: str, **body: Any) -> Any:
    return client.post(f"/api/v1/counter/visits/{number}/transactions", json=body, headers=headers)


def reply(client: TestClient, phone: str, text: str) -> Any:
    raw = json.dumps({"phone": phone, "text": text}, ensure_ascii=False).encode()
    stamp, nonce = str(int(time.time())), uuid.uuid4().hex[:16]
    headers = {
        "Content-Type": "application/json",
        "X-Timestamp": stamp,
        "X-Nonce": nonce,
        "X-Signature": notify_rules.sign(SECRET, stamp, nonce, raw),
    }
    return client.post("/api/v1/counter/sms-replies", content=raw, headers=headers)


def test_a_visit_starts_only_with_the_customers_own_document(
    client: TestClient, world: World, counter: Counter
) -> None:
    agent = login(client, world.agent.username)
    other = {"id_type": "resident_id", "id_number": "440106199001011235"}
    res = client.post(
        "/api/v1/counter/visits",
        json={"customer_id": counter.customer_id, "document": other},
        headers=agent,
    )
    assert res.status_code == 422 and res.json()["code"] == "check_identity"
    res = client.post(
        "/api/v1/counter/visits",
        json={"customer_id": counter.customer_id, "document": {**other, "id_number": "4401"}},
        headers=agent,
    )
    assert res.status_code == 422 and res.json()["code"] == "id_length"
    # Another city's agent does not see the customer at all (CD-2).
    sz = login(client, world.other_city_agent.username)
    res = client.post(
        "/api/v1/counter/visits",
        json={"customer_id": counter.customer_id, "document": counter.document},
        headers=sz,
    )
    assert res.status_code == 404


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"kind": "cancel", "product_number": "13610003000"}, "check_arrears"),
        ({"kind": "cancel", "product_number": "13610002000"}, "check_contract"),
        ({"kind": "cancel", "product_number": "13610001000"}, "check_retention"),
        (
            {"kind": "plan_change", "product_number": "13610001000", "plan": "5G"},
            "check_advance_notice",
        ),
        ({"kind": "suspend", "product_number": "13610001000"}, "check_advance_notice"),
        ({"kind": "transfer", "product_number": "13610001000"}, "check_both_parties"),
        ({"kind": "sim_replace", "product_number": "13900000000"}, "check_product"),
        ({"kind": "bill_print"}, "check_product"),
        (
            {"kind": "vas_subscribe", "product_number": "13610003000", "service": "ringback"},
            "check_arrears",
        ),
        (
            {"kind": "vas_unsubscribe", "product_number": "13610001000", "service": "ringback"},
            "check_product",
        ),
        (
            {
                "kind": "payment",
                "product_number": "13610001000",
                "amount_fen": 100,
                "proxy": {"id_type": "passport", "id_number": "E1"},
            },
            "validation_error",
        ),
        (
            {
                "kind": "transfer",
                "product_number": "13610001000",
                "new_holder": {
                    "id_type": "resident_id",
                    "id_number": "440106199001011234",
                    "name": "李四",
                },
            },
            "id_checksum",
        ),
    ],
)
def test_every_check_refuses_before_anything_is_written(
    client: TestClient,
    world: World,
    counter: Counter,
    factory: sessionmaker[Session],
    body: dict[str, Any],
    code: str,
) -> None:
    agent = login(client, world.agent.username)
    number = visit(client, agent, counter)
    res = add(client, agent, number, **body)
    assert res.status_code == 422, res.text
    assert res.json()["code"] == code and res.json()["message_zh"]
    with unit_of_work(factory) as session:
        assert session.scalars(select(CounterTransaction)).all() == []
        assert session.scalars(select(WorkOrder)).all() == []
    assert counter.bss.requests == []


def test_under_contract_with_the_penalty_acknowledged_and_a_proxy_with_both_documents(
    client: TestClient, world: World, counter: Counter, factory: sessionmaker[Session]
) -> None:
    agent = login(client, world.agent.username)
    number = visit(client, agent, counter)
    res = add(
        client,
        agent,
        number,
        kind="plan_change",
        product_number=counter.contract,
        plan="5G 129",
        penalty_acknowledged=True,
        notice_acknowledged=True,
        proxy={"id_type": "passport", "id_number": "E12345678", "name": "王代办"},
    )
    assert res.status_code == 201, res.text
    done = res.json()
    assert done["state"] == "completed" and done["details"]["penalty_acknowledged"] == "2027-03-31"
    assert done["details"]["proxy"]["id_number"] == "*******78"  # masked (CD-2)
    assert [r.kind for r in counter.bss.requests] == ["plan_change"]
    with unit_of_work(factory) as session:
        order = session.scalars(select(WorkOrder)).one()
        assert (order.type, order.channel, order.status) == ("transaction", "hall", "archived")
        product = session.scalars(
            select(CustomerProduct).where(CustomerProduct.number == counter.contract)
        ).one()
        assert product.plan == "5G 129"


def test_a_value_added_service_is_activated_only_by_the_customers_sms_yes(
    client: TestClient, world: World, counter: Counter, factory: sessionmaker[Session]
) -> None:
    agent = login(client, world.agent.username)
    number = visit(client, agent, counter)
    res = add(
        client,
        agent,
        number,
        kind="vas_subscribe",
        product_number=counter.free,
        service="video_vip",
    )
    assert res.status_code == 201, res.text
    assert res.json()["state"] == "confirmation_sent"
    assert counter.bss.requests == []  # nothing activated yet (VA-1)
    with unit_of_work(factory) as session:
        sms = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "vas_confirm")
        ).one()
        assert sms.recipient == "13610001000"
        assert "视频会员" in sms.body and "15.00元/月" in sms.body and "是" in sms.body
    assert reply(client, counter.free, "好的吧").json() == {
        "matched": False,
        "state": None,
        "order_number": None,
    }
    answered = reply(client, counter.free, " y ")
    assert answered.status_code == 200 and answered.json()["state"] == "completed"
    assert [(r.kind, r.number) for r in counter.bss.requests] == [("vas_subscribe", counter.free)]
    with unit_of_work(factory) as session:
        product = session.scalars(
            select(CustomerProduct).where(CustomerProduct.number == counter.free)
        ).one()
        assert product.services == "video_vip"
        assert session.scalars(select(WorkOrder)).one().status == "archived"
    assert reply(client, counter.free, "是").json()["matched"] is False  # nothing pending


def test_a_no_declines_and_an_unconfirmed_request_expires_activating_nothing(
    client: TestClient,
    world: World,
    counter: Counter,
    factory: sessionmaker[Session],
    settings: Settings,
) -> None:
    agent = login(client, world.agent.username)
    number = visit(client, agent, counter)
    add(
        client, agent, number, kind="vas_subscribe", product_number=counter.free, service="ringback"
    )
    assert reply(client, counter.free, "否").json()["state"] == "declined"
    add(
        client,
        agent,
        number,
        kind="vas_subscribe",
        product_number=counter.free,
        service="cloud_drive",
    )
    worker = Worker(factory, settings)
    assert worker.run_job("expire_unconfirmed_services") == 0  # not yet due
    clock.set_clock(lambda: NOW + timedelta(minutes=31))
    assert worker.run_job("expire_unconfirmed_services") == 1
    assert reply(client, counter.free, "1").json()["matched"] is False  # too late
    assert counter.bss.requests == []
    with unit_of_work(factory) as session:
        states = [
            t.state
            for t in session.scalars(select(CounterTransaction).order_by(CounterTransaction.id))
        ]
        assert states == ["declined", "expired"]
        assert {o.status for o in session.scalars(select(WorkOrder))} == {"archived"}
        product = session.scalars(
            select(CustomerProduct).where(CustomerProduct.number == counter.free)
        ).one()
        assert product.services == ""


@pytest.mark.parametrize("accepted", [True, False])
def test_a_cancellation_records_its_retention_attempt_and_completes_either_way(
    client: TestClient,
    world: World,
    counter: Counter,
    factory: sessionmaker[Session],
    accepted: bool,
) -> None:
    agent = login(client, world.agent.username)
    number = visit(client, agent, counter)
    res = add(
        client,
        agent,
        number,
        kind="cancel",
        product_number=counter.free,
        retention={"offer": "discount", "accepted": accepted, "reason": "出国工作"},
    )
    assert res.status_code == 201, res.text
    details = res.json()["details"]
    assert res.json()["state"] == "completed"
    assert details["retention"] == {
        "offer": "discount",
        "offer_zh": "月费八折优惠 12 个月",
        "accepted": accepted,
        "reason": "出国工作",
    }
    with unit_of_work(factory) as session:
        product = session.scalars(
            select(CustomerProduct).where(CustomerProduct.number == counter.free)
        ).one()
        assert product.status == ("active" if accepted else "cancelled")
    assert [r.kind for r in counter.bss.requests] == (
        ["retention_offer"] if accepted else ["cancel"]
    )


def test_a_transfer_checks_both_parties_and_a_visit_is_signed_once(
    client: TestClient, world: World, counter: Counter
) -> None:
    agent = login(client, world.agent.username)
    number = visit(client, agent, counter)
    holder = {
        "id_type": "resident_id",
        "id_number": counter.document["id_number"],
        "name": "陈柜台",
    }
    res = add(
        client, agent, number, kind="transfer", product_number=counter.free, new_holder=holder
    )
    assert res.json()["code"] == "check_both_parties"  # the same person
    holder = {"id_type": "home_return_permit", "id_number": "H12345678", "name": "何新主"}
    res = add(
        client, agent, number, kind="transfer", product_number=counter.free, new_holder=holder
    )
    assert res.status_code == 201 and res.json()["details"]["new_holder"]["name"] == "何*主"
    paid = add(client, agent, number, kind="payment", product_number=counter.owing, amount_fen=5800)
    assert paid.status_code == 201 and paid.json()["fee_fen"] == 5800
    signed = client.post(f"/api/v1/counter/visits/{number}/sign", headers=agent)
    assert signed.status_code == 200 and signed.json()["total_fen"] == 5800
    assert len(signed.json()["transactions"]) == 2
    again = client.post(f"/api/v1/counter/visits/{number}/sign", headers=agent)
    assert again.status_code == 409 and again.json()["code"] == "visit_signed"
    late = add(client, agent, number, kind="bill_print", product_number=counter.free)
    assert late.status_code == 409
    assert (
        client.get(
            f"/api/v1/counter/visits/{number}",
            headers=login(client, world.other_city_agent.username),
        ).status_code
        == 404
    )


def test_opening_an_account_keeps_the_document_copy_and_adds_the_number(
    client: TestClient, world: World, counter: Counter, factory: sessionmaker[Session]
) -> None:
    agent = login(client, world.agent.username)
    number = visit(client, agent, counter)
    taken = add(client, agent, number, kind="open_account", product_number=counter.free, plan="5G")
    assert taken.json()["code"] == "check_new_document"
    res = add(
        client, agent, number, kind="open_account", product_number="13610009999", plan="5G 99"
    )
    assert res.status_code == 201, res.text
    assert res.json()["details"]["new_number"] == "13610009999"
    with unit_of_work(factory) as session:
        assert (
            session.scalars(select(CustomerProduct).where(CustomerProduct.number == "13610009999"))
            .one()
            .plan
            == "5G 99"
        )
