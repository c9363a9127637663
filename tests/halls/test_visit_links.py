"""Finishing a visit (issue 11 item 3; BH-1, BH-5): the ticket being served sends its
customer to a counter visit (counter: the document checked, transactions, one slip) and
registers a work order for them; halls keep the links (ticket → visit, order), counter and
workorders know nothing of tickets. Only the ticket being served, only in one's own region."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from telcodesk.customers import identity
from telcodesk.customers import service as customers
from telcodesk.customers.schemas import CustomerIn
from telcodesk.db import unit_of_work
from tests.conftest import login
from tests.factories import World
from tests.halls.conftest import Halls

BODY = "44010619800101123"
ID_NUMBER = BODY + identity.id_check_character(BODY)
DOCUMENT = {"id_type": "resident_id", "id_number": ID_NUMBER}


def _customer(factory: sessionmaker[Session]) -> int:
    with unit_of_work(factory) as session:
        data = CustomerIn(
            name="陈柜台", phone="13610001000", id_type="resident_id",  # type: ignore[arg-type]
            id_number=ID_NUMBER, id_copy_kept=True,
        )  # fmt: skip
        return customers.create_customer(session, data, default_city="440100").id


def test_served_ticket_goes_to_a_counter_visit_and_a_work_order(
    client: TestClient, factory: sessionmaker[Session], world: World, halls: Halls
) -> None:
    customer_id = _customer(factory)
    public = f"/api/v1/public/halls/{halls.token}"
    anonymous = client.post(f"{public}/tickets", json={"type": "A"}).json()  # no number given
    staff = login(client, halls.agent.username)
    base = f"/api/v1/halls/{halls.gz}"
    client.post(f"{base}/counters/2/open", headers=staff)
    called = client.post(f"{base}/counters/2/call-next", headers=staff).json()["ticket"]
    assert called["number"] == anonymous["number"]
    tid = called["id"]
    links = f"{base}/tickets/{tid}/links"
    # Not before the customer sits down.
    early = client.post(f"{links}/visit", json={"document": DOCUMENT}, headers=staff)
    assert early.status_code == 409 and early.json()["code"] == "ticket_not_serving"
    client.post(f"{base}/tickets/{tid}/start", json={}, headers=staff)
    # An anonymous ticket: the order needs the customer known first.
    res = client.post(
        f"{links}/order", json={"type": "fault", "subject": "宽带断网"}, headers=staff
    )
    assert res.status_code == 422 and res.json()["code"] == "customer_required"
    res = client.post(f"{links}/visit", json={"document": DOCUMENT}, headers=staff)
    assert res.status_code == 422 and res.json()["code"] == "customer_required"
    # The wrong document is the counter's refusal (BH-7), nothing linked.
    wrong = {"id_type": "resident_id", "id_number": "110101199001011237"}
    res = client.post(
        f"{links}/visit", json={"document": wrong, "phone": "13610001000"}, headers=staff
    )
    assert res.status_code == 422, res.text
    assert client.get(links, headers=staff).json() == []

    visit = client.post(
        f"{links}/visit", json={"document": DOCUMENT, "phone": "136 1000 1000"}, headers=staff
    )
    assert visit.status_code == 200, visit.text
    number = visit.json()["number"]
    assert number.startswith("CV") and visit.json()["url"] == f"/console/counter/visits/{number}"
    # The visit is the counter's: its own API knows it, for this customer.
    got = client.get(f"/api/v1/counter/visits/{number}", headers=staff)
    assert got.status_code == 200 and got.json()["customer_id"] == customer_id
    order = client.post(
        f"{links}/order",
        json={"type": "fault", "subject": "家中宽带无法上网", "description": "光猫红灯"},
        headers=staff,
    )
    assert order.status_code == 200, order.text
    order_number = order.json()["number"]
    detail = client.get(f"/api/v1/orders/{order_number}", headers=staff).json()
    assert detail["channel"] == "hall" and detail["customer"]["id"] == customer_id
    assert [(x["kind"], x["number"]) for x in client.get(links, headers=staff).json()] == [
        ("visit", number), ("order", order_number),
    ]  # fmt: skip
    done = client.post(
        f"{base}/tickets/{tid}/finish", json={"outcome": "order_registered"}, headers=staff
    )
    assert done.json()["outcome"] == "order_registered"
    # The ticket now knows its customer (KPIs by tier); another region's hall answers 404.
    sz = login(client, halls.sz_agent.username)
    res = client.get(links, headers=sz)
    assert res.status_code == 404 and res.json()["code"] == "hall_not_found"
    res = client.post(f"{links}/visit", json={"document": DOCUMENT}, headers=sz)
    assert res.status_code == 404
    # Bad input is a 422 with a code.
    for body in (
        {},
        {"document": {"id_type": "x", "id_number": "1"}},
        {"document": DOCUMENT, "x": 1},
    ):
        res = client.post(f"{links}/visit", json=body, headers=staff)
        assert res.status_code == 422 and res.json()["code"], body
