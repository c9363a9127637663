"""Registration warnings (issue 9 item 5; T-6): a customer with an open order in the same
category (重复投诉) or an earlier appeal to the regulator (越级 risk) is flagged before submit
in the console and in the API answer; the found customer fills the form. Both engines."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from telcodesk.db import unit_of_work
from telcodesk.errors import DomainError
from telcodesk.workorders import warnings
from tests.conftest import console_login, login
from tests.factories import World
from tests.workorders.test_lifecycle import new_order

BODY = {
    "type": "complaint",
    "channel": "hotline",
    "subject": "宽带又掉线",
    "category_code": "network.broadband.drops",
}


def test_repeat_and_appeal_warnings(factory: sessionmaker[Session], world: World) -> None:
    with unit_of_work(factory) as session:
        assert (
            warnings.registration_warnings(
                session, world.agent, world.customer.id, "network.broadband.drops"
            )
            == []
        )
        first = new_order(session, world)  # complaint, network.broadband.drops, open
        found = warnings.registration_warnings(
            session, world.agent, world.customer.id, "network.broadband.drops"
        )
        assert [(w.code, w.orders) for w in found] == [("repeat_complaint", [first])]
        assert "重复投诉" in found[0].message_zh
        # Another category: no repeat; no category chosen yet: nothing to compare.
        assert (
            warnings.registration_warnings(
                session, world.agent, world.customer.id, "billing.charges"
            )
            == []
        )
        appeal = new_order(session, world, type="appeal", category_code="billing.charges")
        codes = [
            w.code for w in warnings.registration_warnings(session, world.agent, world.customer.id)
        ]
        assert codes == ["appealed_before"]
        try:
            warnings.registration_warnings(session, world.other_city_agent, world.customer.id)
        except DomainError as exc:
            assert exc.code == "customer_not_found"  # out of reach: as missing (CD-2)
        else:
            raise AssertionError("another city's customer was answered")
        assert appeal


def test_api_answer_and_console_before_submit(client: TestClient, world: World) -> None:
    api = login(client, world.agent.username)
    body = {**BODY, "customer_id": world.customer.id}
    first = client.post("/api/v1/orders", json=body, headers=api)
    assert first.status_code == 201 and first.json()["warnings"] == []
    second = client.post("/api/v1/orders", json=body, headers=api)
    assert second.status_code == 201
    (warning,) = second.json()["warnings"]
    assert warning["code"] == "repeat_complaint" and warning["orders"] == [first.json()["number"]]
    before = client.get(
        f"/api/v1/customers/{world.customer.id}/registration-warnings",
        params={"category_code": "network.broadband.drops"},
        headers=api,
    )
    assert before.status_code == 200 and len(before.json()[0]["orders"]) == 2
    assert (
        client.get(
            f"/api/v1/customers/{world.vip.id}/registration-warnings", headers=api
        ).status_code
        == 404
    )

    console_login(client, world.agent.username)
    lookup = client.get("/console/customers/lookup", params={"phone": world.customer.phone})
    # The found customer fills the form: name masked, tier, city, read only.
    assert 'id="customer-fields" hx-swap-oob="true"' in lookup.text
    assert 'id="found-city" value="广州市" disabled' in lookup.text
    assert f'hx-get="/console/customers/{world.customer.id}/warnings"' in lookup.text
    shown = client.get(
        f"/console/customers/{world.customer.id}/warnings",
        params={"category_code": "network.broadband.drops"},
    )
    assert 'data-warning="repeat_complaint"' in shown.text and first.json()["number"] in shown.text
    new = client.get("/console/customers/lookup", params={"phone": "13600136000"})
    assert 'name="customer_name"' in new.text  # a new customer's fields are typed again
