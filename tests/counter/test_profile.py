"""Customer 360 in one call (CD-1, BH-2), the consent ledger (CD-3) and audited edits of
master data."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from telcodesk.audit import service as audit
from telcodesk.customers import consents
from telcodesk.customers import service as customers
from telcodesk.customers.rules import Purpose
from telcodesk.db import unit_of_work
from telcodesk.workorders import service as orders
from telcodesk.workorders.schemas import OrderCreate
from tests.conftest import login
from tests.counter.conftest import Counter
from tests.factories import World


def test_the_360_shows_everything_masked_in_one_call(
    client: TestClient, world: World, counter: Counter, factory: sessionmaker[Session]
) -> None:
    with unit_of_work(factory) as session:
        for channel, kind in (("hotline", "complaint"), ("web", "complaint"), ("hall", "appeal")):
            orders.register_order(
                session,
                world.supervisor,
                OrderCreate.model_validate(
                    {
                        "type": kind,
                        "channel": channel,
                        "customer_id": counter.customer_id,
                        "subject": "信号差",
                    }
                ),
            )
    agent = login(client, world.agent.username)
    res = client.post(
        "/api/v1/counter/visits",
        json={"customer_id": counter.customer_id, "document": counter.document},
        headers=agent,
    )
    assert res.status_code == 201
    got = client.get(f"/api/v1/customers/{counter.customer_id}/profile", headers=agent)
    assert got.status_code == 200, got.text
    p = got.json()
    assert p["customer"]["name"] == "陈*台" and p["customer"]["id_number"].count("*") == 8
    assert (p["kind_zh"], p["tier_zh"], p["special_care"]) == ("个人客户", "普通客户", None)
    assert p["birth_date_year"] == 1980 and p["id_copy_kept"] is True
    numbers = {x["number"]: x for x in p["products"]}
    assert set(numbers) == {"136****1000", "136****2000", "136****3000"}
    assert (
        numbers["136****2000"]["under_contract"] and numbers["136****3000"]["arrears_fen"] == 5800
    )
    assert {o["channel"] for o in p["orders"]} == {"hotline", "web", "hall"} and p[
        "order_count"
    ] == 3
    assert p["repeat_complaints"] == 2 and p["repeat_complainant"] and p["appeals"] == 1
    assert len(p["visits"]) == 1
    assert {(c["purpose"], c["valid"]) for c in p["consents"]} == {
        ("service", False),
        ("marketing", False),
    }
    sz = login(client, world.other_city_agent.username)
    assert (
        client.get(f"/api/v1/customers/{counter.customer_id}/profile", headers=sz).status_code
        == 404
    )


def test_consents_are_appended_withdrawn_and_enforced(
    client: TestClient, world: World, counter: Counter, factory: sessionmaker[Session]
) -> None:
    agent = login(client, world.agent.username)
    url = f"/api/v1/customers/{counter.customer_id}/consents"
    grant = {
        "purpose": "marketing",
        "granted": True,
        "evidence": "授权书 GZ-0001",
        "valid_until": "2027-01-01",
    }
    assert client.post(url, json=grant, headers=agent).status_code == 201
    share = {
        "purpose": "sharing",
        "granted": True,
        "evidence": "授权书 GZ-0002",
        "third_party": "某银行",
    }
    assert client.post(url, json=share, headers=agent).status_code == 201
    bad = client.post(url, json={**share, "third_party": ""}, headers=agent)
    assert bad.status_code == 422 and bad.json()["code"] == "consent_third_party"
    with unit_of_work(factory) as session:
        customer = customers.get_customer(session, counter.customer_id, viewer=None)
        consents.require(session, customer, Purpose.MARKETING)
        consents.require(session, customer, Purpose.SHARING, "某银行")
        with pytest.raises(consents.ConsentRequired):
            consents.require(session, customer, Purpose.SHARING, "某保险公司")
    withdraw = {
        "purpose": "marketing",
        "granted": False,
        "evidence": "客户来电撤回",
        "channel": "hotline",
    }
    assert client.post(url, json=withdraw, headers=agent).status_code == 201
    with unit_of_work(factory) as session:
        customer = customers.get_customer(session, counter.customer_id, viewer=None)
        with pytest.raises(consents.ConsentRequired) as refused:
            consents.require(session, customer, Purpose.MARKETING)
        assert refused.value.status == 403
        assert len(consents.ledger(session, customer.id)) == 3  # appended, never changed
        assert {a.action for a in audit.recent(session)} >= {"consent_granted", "consent_withdrawn"}
    p = client.get(f"/api/v1/customers/{counter.customer_id}/profile", headers=agent).json()
    assert [e["granted"] for e in p["consent_ledger"]] == [False, True, True]
    with pytest.raises(DBAPIError), unit_of_work(factory) as session:  # append-only
        session.execute(text("UPDATE customer_consent SET granted = true"))


def test_editing_master_data_is_audited_and_checks_the_document(
    client: TestClient, world: World, counter: Counter, factory: sessionmaker[Session]
) -> None:
    agent = login(client, world.agent.username)
    url = f"/api/v1/customers/{counter.customer_id}"
    res = client.patch(
        url,
        json={
            "address": "广东省广州市天河区体育东路1号",
            "special_care": "disabled",
            "reason": "客户搬家",
        },
        headers=agent,
    )
    assert res.status_code == 200, res.text
    bad = client.patch(
        url,
        json={
            "id_type": "resident_id",
            "id_number": "440106199001011234",
            "reason": "更正证件",
            "correction": True,
        },
        headers=agent,
    )
    assert bad.status_code == 422 and bad.json()["code"] == "id_checksum"
    with unit_of_work(factory) as session:
        customer = customers.get_customer(session, counter.customer_id, viewer=None)
        assert (
            customer.special_care == "disabled"
            and customers.special_care_of(customer) == "disabled"
        )
        (record,) = audit.recent(session, action="customer_edited")
        assert record.details == {
            "fields": ["address", "special_care"],
            "reason": "客户搬家",
            "correction": False,
        }
    elderly = date(1950, 1, 1)
    assert customers.special_care_of(customer, on=elderly.replace(year=2030)) == "disabled"
    sz = login(client, world.other_city_agent.username)
    assert (
        client.patch(url, json={"address": "x 区", "reason": "改地址"}, headers=sz).status_code
        == 404
    )
