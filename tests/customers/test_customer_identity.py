"""Customers in reach, in the right city, one per number (CC-1, CD-2, BH-5): registration over
the API and the console, and an admin merging duplicates (API, console, CLI)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from telcodesk import config
from telcodesk.audit import service as audit
from telcodesk.cli import app as cli
from telcodesk.customers import service as customers
from telcodesk.customers.models import Customer
from telcodesk.customers.schemas import CustomerIn
from telcodesk.db import unit_of_work
from telcodesk.org import service as org
from telcodesk.org.roles import Role
from telcodesk.workorders.models import OrderEvent, WorkOrder
from tests.conftest import console_login, login
from tests.factories import PASSWORD, World, hq_admin

Headers = dict[str, str]
SZ_MOBILE = "15920001234"  # a 深圳 segment
GZ_LANDLINE = "020-83456789"


def add_staff(factory: sessionmaker[Session], username: str, unit: str, role: Role) -> None:
    with unit_of_work(factory) as session:
        org.create_staff(
            session,
            username=username,
            display_name=username,
            password=PASSWORD,
            unit=org.get_unit_by_code(session, unit),
            role=role,
        )


@pytest.fixture
def province_agent(client: TestClient, world: World, factory: sessionmaker[Session]) -> Headers:
    """A hotline agent of the province (10000 号 of 广东), who serves every city."""
    add_staff(factory, "gd.agent", "GD", Role.HOTLINE_AGENT)
    return login(client, "gd.agent")


def register(client: TestClient, headers: Headers, **customer: Any) -> Any:
    body = {
        "type": "complaint",
        "channel": "hotline",
        "customer": {"name": "周八", **customer},
        "subject": "信号差",
    }
    return client.post("/api/v1/orders", json=body, headers=headers)


# --- the right city (CC-1) -----------------------------------------------------------------


def test_province_hotline_orders_land_in_the_numbers_city(
    client: TestClient, province_agent: Headers, world: World
) -> None:
    """号码归属地: a 深圳 mobile and a 广州 landline land in those cities, so their staff see
    them; a number of another province (or of no place) needs the agent to choose."""
    sz = register(client, province_agent, phone=SZ_MOBILE)
    assert sz.status_code == 201, sz.text
    assert sz.json()["city_code"] == "440300" and sz.json()["province_code"] == "440000"
    customer = client.get(
        f"/api/v1/customers/{sz.json()['customer']['id']}", headers=province_agent
    )
    assert customer.json()["city_name"] == "广东省深圳市"
    gz = register(client, province_agent, phone=GZ_LANDLINE)
    assert gz.status_code == 201 and gz.json()["city_code"] == "440100"
    shenzhen = login(client, world.other_city_agent.username)
    assert client.get(f"/api/v1/orders/{sz.json()['number']}", headers=shenzhen).status_code == 200
    assert client.get(f"/api/v1/orders/{gz.json()['number']}", headers=shenzhen).status_code == 404

    for phone in ("13611112222", "17012345678"):  # a 北京 segment; a virtual operator's
        res = register(client, province_agent, phone=phone)
        assert res.status_code == 422 and res.json()["code"] == "city_required", res.text
        assert res.json()["message_zh"].startswith("请选择客户所在地市")
    chosen = register(client, province_agent, phone="13611112222", city_code="440600")
    assert chosen.status_code == 201 and chosen.json()["city_code"] == "440600"
    # A district code stands for its city; a province code is no city.
    district = register(client, province_agent, phone="17012345678", city_code="440106")
    assert district.status_code == 201 and district.json()["city_code"] == "440100"
    province = register(client, province_agent, phone="17012345679", city_code="440000")
    assert province.status_code == 422 and province.json()["code"] == "city_required"


def test_a_city_agent_registers_for_their_city_only(
    client: TestClient, agent: Headers, world: World
) -> None:
    for city, status, code in (
        ("440300", 403, "city_out_of_reach"),  # another city
        ("450100", 403, "city_out_of_reach"),  # another province
        ("999999", 422, "region_unknown"),  # no such place
        ("440199", 422, "region_unknown"),
    ):
        for res in (
            register(client, agent, phone="13512345678", city_code=city),
            client.post(
                "/api/v1/customers",
                json={"name": "周八", "phone": "13512345678", "city_code": city},
                headers=agent,
            ),
        ):
            assert res.status_code == status and res.json()["code"] == code, (city, res.text)
            assert res.json()["message_zh"] and res.json()["message_en"]
    order = client.post(
        "/api/v1/orders",
        json={
            "type": "query",
            "channel": "hotline",
            "customer_id": world.customer.id,
            "subject": "查询",
            "city_code": "440300",
        },
        headers=agent,
    )
    assert order.status_code == 403 and order.json()["code"] == "city_out_of_reach"
    # A 深圳 number calling a 广州 agent: the customer is the agent's city's.
    own = register(client, agent, phone=SZ_MOBILE)
    assert own.status_code == 201 and own.json()["city_code"] == "440100"
    with_district = register(client, agent, phone="13512345670", city_code="440106")
    assert with_district.status_code == 201 and with_district.json()["city_code"] == "440100"


def test_hq_registers_anywhere_known(
    client: TestClient, world: World, factory: sessionmaker[Session]
) -> None:
    with unit_of_work(factory) as session:
        hq_admin(session)  # an HQ account (the system actor registers nothing)
    hq = login(client, "hq.admin")
    res = register(client, hq, phone="13611112222")  # 北京 by its segment
    assert res.status_code == 201 and res.json()["city_code"] == "110100"
    bad = register(client, hq, phone="13611112223", city_code="999999")
    assert bad.status_code == 422 and bad.json()["code"] == "region_unknown"


# --- one customer per number (BH-5) --------------------------------------------------------


@pytest.mark.parametrize(
    "spelling", ["+86 138-0013-8000", "138 0013 8000", "+8613800138000", "(138)00138000"]
)
def test_any_spelling_finds_the_one_customer(
    client: TestClient, agent: Headers, world: World, spelling: str
) -> None:
    found = client.get("/api/v1/customers", params={"phone": spelling}, headers=agent)
    assert found.status_code == 200 and [c["id"] for c in found.json()] == [world.customer.id]
    res = register(client, agent, phone=spelling)  # another name typed: still the same person
    assert res.status_code == 201 and res.json()["customer"]["id"] == world.customer.id
    listed = client.get("/api/v1/orders", params={"customer_phone": spelling}, headers=agent)
    assert [o["number"] for o in listed.json()["items"]] == [res.json()["number"]]
    again = client.post(
        "/api/v1/customers", json={"name": "张三", "phone": spelling}, headers=agent
    )
    assert again.status_code == 409 and again.json()["code"] == "customer_exists"
    assert again.json()["details"] == {"customer_id": world.customer.id}


def test_concurrent_registrations_of_a_new_number_make_one_customer(
    client: TestClient, agent: Headers, factory: sessionmaker[Session]
) -> None:
    """Eight calls from the same new number registered at once (several agents, retries): one
    customer, every order on it (the unique key and a savepoint, BH-5)."""
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: register(client, agent, phone="13512340000"), range(8)))
    assert [a.status_code for a in answers] == [201] * 8, [a.text for a in answers]
    assert len({a.json()["customer"]["id"] for a in answers}) == 1
    with unit_of_work(factory) as session:
        rows = session.scalars(select(Customer).where(Customer.phone == "13512340000"))
        assert len(list(rows)) == 1


def test_fixed_lines_and_bad_numbers(
    client: TestClient, agent: Headers, factory: sessionmaker[Session]
) -> None:
    first = register(client, agent, phone=GZ_LANDLINE)
    second = register(client, agent, phone="(020) 8345 6789")
    assert first.json()["customer"]["id"] == second.json()["customer"]["id"]
    assert first.json()["customer"]["phone"] == "020****6789"
    with unit_of_work(factory) as session:
        assert session.scalar(select(Customer.phone).where(Customer.name == "周八")) == (
            "02083456789"
        )
    for phone in ("83456789", "1380013800", "10086"):  # no area code; too short; a short code
        res = register(client, agent, phone=phone)
        assert res.status_code == 422 and res.json()["code"] == "phone_invalid", phone
        assert "区号" in res.json()["message_zh"]
    # Incomplete numbers find nobody rather than a wrong match.
    assert client.get("/api/v1/customers?phone=1380013", headers=agent).json() == []


def test_a_number_of_another_region_is_not_registered_twice(
    client: TestClient, world: World
) -> None:
    """The 深圳 customer's number, typed in 广州: no second customer, and nothing disclosed
    about the one elsewhere."""
    gz = login(client, world.agent.username)
    res = register(client, gz, phone="139-0013-9000")
    assert res.status_code == 409 and res.json()["code"] == "customer_elsewhere"
    assert "深圳" not in res.text and "钱" not in res.text
    res = client.post("/api/v1/customers", json={"name": "x", "phone": "13900139000"}, headers=gz)
    assert res.status_code == 409 and "details" not in res.json()


def test_console_lookup_waits_for_the_full_number(client: TestClient, world: World) -> None:
    console_login(client, world.agent.username)

    def lookup(phone: str, **extra: str) -> str:
        res = client.get("/console/customers/lookup", params={"phone": phone, **extra})
        assert res.status_code == 200
        return res.text

    for partial in ("138", "1380013", "138001380", "020-8345"):
        page = lookup(partial)
        assert "新客户" not in page and 'id="lookup-incomplete"' in page
    found = lookup("+86 138-0013-8000")
    assert f'value="{world.customer.id}"' in found and "新客户" not in found
    new = lookup(SZ_MOBILE)
    assert "新客户" in new and 'name="city_code"' in new
    assert 'value="440100" selected' in new  # a city agent: their city, the only choice
    elsewhere = lookup("13900139000")
    assert 'id="lookup-elsewhere"' in elsewhere and "新客户" not in elsewhere


def test_console_city_picker_is_prefilled_from_the_attribution(
    client: TestClient, world: World, factory: sessionmaker[Session]
) -> None:
    add_staff(factory, "gd.agent", "GD", Role.HOTLINE_AGENT)
    console_login(client, "gd.agent")
    page = client.get("/console/customers/lookup", params={"phone": SZ_MOBILE}).text
    assert 'value="440300" selected' in page and "广东省广州市" in page
    assert "北京" not in page  # the province's cities only
    beijing = client.get("/console/customers/lookup", params={"phone": "13611112222"}).text
    assert "selected" not in beijing and "号码归属地" not in beijing

    form = {"customer_phone": "13611112222", "customer_name": "周八", "type": "complaint"}
    form |= {"channel": "hotline", "subject": "信号差"}
    missing = client.post("/console/orders/new", data=form)
    assert missing.status_code == 422 and "请选择客户所在地市" in missing.text
    assert 'name="city_code"' in missing.text  # shown again, with the picker
    done = client.post(
        "/console/orders/new", data=form | {"city_code": "440600"}, follow_redirects=False
    )
    assert done.status_code == 303
    with unit_of_work(factory) as session:
        order = session.scalar(select(WorkOrder).where(WorkOrder.subject == "信号差"))
        assert order is not None and order.city_code == "440600"


# --- merging duplicates (BH-5) -------------------------------------------------------------


def _duplicate(factory: sessionmaker[Session], agent: Any) -> tuple[int, list[str]]:
    """张三 registered again under his landline, with two orders."""
    with unit_of_work(factory) as session:
        dup = customers.create_customer(
            session, CustomerIn(name="张三", phone="020-81234567"), default_city="440100"
        )
        return dup.id, []


def test_admin_merges_a_duplicate(
    client: TestClient, agent: Headers, world: World, factory: sessionmaker[Session]
) -> None:
    dup, _ = _duplicate(factory, agent)
    numbers = [
        client.post(
            "/api/v1/orders",
            json={"type": "query", "channel": "hotline", "customer_id": dup, "subject": s},
            headers=agent,
        ).json()["number"]
        for s in ("查询话费", "查询积分")
    ]
    admin = login(client, world.admin.username)
    url = f"/api/v1/customers/{world.customer.id}/merge"
    body = {"duplicate_id": dup, "reason": "同一客户用固话重复登记"}
    assert client.post(url, json=body, headers=agent).status_code == 403  # agents may not
    res = client.post(url, json=body, headers=admin)
    assert res.status_code == 200, res.text
    assert res.json()["merged_ids"] == [dup] and res.json()["orders_moved"] == numbers
    assert res.json()["customer"]["alt_phone"] == "020****4567"  # his other number now

    for number in numbers:
        order = client.get(f"/api/v1/orders/{number}", headers=agent).json()
        assert order["customer"]["id"] == world.customer.id
        history = client.get(f"/api/v1/orders/{number}/history", headers=agent).json()
        merged = [e for e in history if e["action"] == "customer_merged"]
        assert len(merged) == 1 and merged[0]["changes"] == {
            "customer_id": [dup, world.customer.id]
        }
        assert merged[0]["actor"]["username"] == world.admin.username
    # The old record and its number lead to the kept customer.
    assert client.get(f"/api/v1/customers/{dup}", headers=agent).json()["id"] == world.customer.id
    found = client.get("/api/v1/customers?phone=02081234567", headers=agent).json()
    assert [c["id"] for c in found] == [world.customer.id]
    with unit_of_work(factory) as session:
        (record,) = audit.recent(session, action="customer_merged")
        assert record.actor_id == world.admin.id and record.object_id == str(world.customer.id)
        assert record.details == {
            "merged": dup,
            "orders": numbers,
            "reason": "同一客户用固话重复登记",
        }
        kept_row = session.get(Customer, dup)
        assert kept_row is not None and kept_row.merged_into_id == world.customer.id
        events = session.scalars(select(OrderEvent).where(OrderEvent.action == "customer_merged"))
        assert len(list(events)) == 2

    again = client.post(url, json=body, headers=admin)
    assert again.status_code == 409 and again.json()["code"] == "customer_already_merged"
    itself = client.post(url, json=body | {"duplicate_id": world.customer.id}, headers=admin)
    assert itself.status_code == 409 and itself.json()["code"] == "merge_same_customer"
    short = client.post(url, json=body | {"reason": "重复"}, headers=admin)
    assert short.status_code == 422


def test_merging_stays_within_the_admins_region(
    client: TestClient, world: World, factory: sessionmaker[Session]
) -> None:
    with unit_of_work(factory) as session:
        beijing = customers.create_customer(
            session, CustomerIn(name="张三", phone="010-61234567"), default_city="110100"
        ).id
    admin = login(client, world.admin.username)  # 广东's
    body = {"duplicate_id": beijing, "reason": "同一客户重复登记"}
    res = client.post(f"/api/v1/customers/{world.customer.id}/merge", json=body, headers=admin)
    assert res.status_code == 404 and res.json()["code"] == "customer_not_found"
    res = client.post(
        f"/api/v1/customers/{beijing}/merge",
        json=body | {"duplicate_id": world.customer.id},
        headers=admin,
    )
    assert res.status_code == 404
    with unit_of_work(factory) as session:
        hq_admin(session)  # an HQ admin (the system actor holds no customer rights)
    hq = login(client, "hq.admin")  # HQ reaches both
    res = client.post(f"/api/v1/customers/{world.customer.id}/merge", json=body, headers=hq)
    assert res.status_code == 200


def test_console_merge(client: TestClient, world: World, factory: sessionmaker[Session]) -> None:
    dup, _ = _duplicate(factory, None)
    console_login(client, world.agent.username)
    assert 'id="merge-form"' not in client.get(f"/console/customers/{world.customer.id}").text
    console_login(client, world.admin.username)
    page = client.get(f"/console/customers/{world.customer.id}")
    assert 'id="merge-form"' in page.text
    url = f"/console/customers/{world.customer.id}/merge"
    bad = client.post(url, data={"duplicate_id": "abc", "reason": "重复登记的客户"})
    assert bad.status_code == 422 and "请填写重复客户的编号" in bad.text
    done = client.post(url, data={"duplicate_id": str(dup), "reason": "重复登记的客户"})
    assert done.status_code == 200 and 'id="merge-done"' in done.text, done.text


def test_cli_merge(
    world: World, factory: sessionmaker[Session], db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    dup, _ = _duplicate(factory, None)
    monkeypatch.setenv("TELCODESK_DATABASE_URL", db_url)
    config.get_settings.cache_clear()
    try:
        runner = CliRunner()
        args = ["customers", "merge", str(world.customer.id), str(dup), "--reason", "重复登记"]
        refused = runner.invoke(cli, [*args, "--actor", world.agent.username])
        assert refused.exit_code == 1 and "无权" in refused.output
        res = runner.invoke(cli, [*args, "--actor", world.admin.username])
        assert res.exit_code == 0, res.output
        assert f"customer {dup} merged into {world.customer.id}" in res.output
    finally:
        config.get_settings.cache_clear()
    with unit_of_work(factory) as session:
        assert session.get(Customer, dup).merged_into_id == world.customer.id  # type: ignore[union-attr]
        assert len(audit.recent(session, action="customer_merged")) == 1


def test_customer_page_offers_possible_duplicates_to_admins(
    client: TestClient, world: World, factory: sessionmaker[Session]
) -> None:
    doc = {"id_type": "resident_id", "id_number": "440106199001011235"}
    with unit_of_work(factory) as session:
        ids = [
            customers.create_customer(
                session, CustomerIn(name="王五", phone=phone, **doc), default_city=city
            ).id
            for phone, city in (
                ("13512345678", "440100"),
                ("020-85551234", "440100"),
                ("0755-85551234", "440300"),
            )
        ]
    console_login(client, world.admin.username)  # the province: all three in reach
    page = client.get(f"/console/customers/{ids[0]}").text
    assert 'id="possible-duplicates"' in page
    assert f'href="/console/customers/{ids[1]}"' in page
    assert f'href="/console/customers/{ids[2]}"' in page
    assert "440106199001011235" not in page  # masked like everything else (CD-2)
    console_login(client, world.agent.username)
    assert 'id="possible-duplicates"' not in client.get(f"/console/customers/{ids[0]}").text
