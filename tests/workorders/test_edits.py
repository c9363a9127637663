"""Edit after registration (issue 9 item 3, WO-2): corrections as a deed with history (old →
new), scope on the old and the new state (CD-2), the SLA clocks kept (docs/sla.md). Service,
API and console, both engines."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from telcodesk.customers import service as customers
from telcodesk.customers.schemas import CustomerIn
from telcodesk.db import unit_of_work
from telcodesk.errors import DomainError
from telcodesk.org.models import Staff
from telcodesk.workorders import edits
from telcodesk.workorders import service as orders
from telcodesk.workorders.rules import Action
from telcodesk.workorders.schemas import OrderEdit
from tests.conftest import console_login, login
from tests.factories import World
from tests.workorders.test_closure import act
from tests.workorders.test_lifecycle import new_order


def edit(factory: sessionmaker[Session], actor: Staff, number: str, **kw: Any) -> None:
    with unit_of_work(factory) as session:
        version = orders.get_order(session, number, viewer=None).version
        data = OrderEdit.model_validate({"version": version, "reason": "登记有误", **kw})
        edits.edit_order(session, actor, number, data)


def refused(factory: sessionmaker[Session], actor: Staff, number: str, **kw: Any) -> str:
    with pytest.raises(DomainError) as caught:
        edit(factory, actor, number, **kw)
    return caught.value.code


@pytest.fixture
def number(factory: sessionmaker[Session], world: World) -> str:
    with unit_of_work(factory) as session:
        return new_order(session, world, type="consultation", category_code="billing.charges")


def last_event(factory: sessionmaker[Session], number: str) -> Any:
    with unit_of_work(factory) as session:
        order = orders.get_order(session, number, viewer=None)
        return orders.history(session, order)[-1]


def test_every_field_changes_with_its_history(
    factory: sessionmaker[Session], world: World, number: str
) -> None:
    with unit_of_work(factory) as session:
        other = customers.create_customer(
            session, CustomerIn(name="孙丽", phone="13700137000"), default_city="440100"
        )
        other_id = other.id
    edit(
        factory,
        world.agent,
        number,
        type="complaint",
        category_code="network.broadband.drops",
        priority="high",
        subject="宽带每晚掉线",
        description="客户说每晚八点掉线",
        customer_id=other_id,
    )
    event = last_event(factory, number)
    assert event.action == "edit" and event.reason == "登记有误"
    assert event.actor_id == world.agent.id
    assert event.changes["type"] == ["consultation", "complaint"]
    assert event.changes["category"] == ["billing.charges", "network.broadband.drops"]
    assert event.changes["priority"] == ["normal", "high"]
    assert event.changes["subject"] == ["宽带掉线", "宽带每晚掉线"]
    assert event.changes["description"] == ["", "客户说每晚八点掉线"]
    assert event.changes["customer_id"] == [world.customer.id, other_id]
    with unit_of_work(factory) as session:
        order = orders.get_order(session, number, viewer=None)
        assert (order.type, order.priority, order.customer_id) == ("complaint", "high", other_id)
        assert order.category is not None and order.category.code == "network.broadband.drops"
    # Unchanged values given again are no change; nothing at all is refused.
    assert refused(factory, world.agent, number, subject="宽带每晚掉线") == "nothing_changed"


def test_an_edit_keeps_the_clocks(
    factory: sessionmaker[Session], world: World, number: str
) -> None:
    """docs/sla.md: the policy chosen at registration stays; a consultation (2 h / 24 h)
    turned complaint keeps its deadlines, and the row says so."""
    with unit_of_work(factory) as session:
        order = orders.get_order(session, number, viewer=None)
        before = {c.kind: (c.policy_id, c.due_at, c.allowed_s) for c in order.clocks}
    edit(factory, world.agent, number, type="complaint", priority="urgent")
    with unit_of_work(factory) as session:
        order = orders.get_order(session, number, viewer=None)
        assert {c.kind: (c.policy_id, c.due_at, c.allowed_s) for c in order.clocks} == before
    assert before["resolution"][2] == 24 * 3600  # the consultation policy (T-5)
    assert last_event(factory, number).changes["sla_policy"] == "kept"


def test_scope_on_the_old_and_the_new_state(
    factory: sessionmaker[Session], world: World, number: str
) -> None:
    # Another city's agent does not see the order (404, as missing).
    assert refused(factory, world.other_city_agent, number, subject="x") == "order_not_found"
    # A city agent cannot move the order out of their city, nor give it a customer they
    # cannot see (404 as missing, CD-2).
    assert refused(factory, world.agent, number, city_code="440300") == "city_out_of_reach"
    assert refused(factory, world.agent, number, customer_id=world.vip.id) == "customer_not_found"
    # The province supervisor may move it within the province.
    edit(factory, world.supervisor, number, city_code="440300")
    assert last_event(factory, number).changes["city_code"] == ["440100", "440300"]
    # Now it lies in Shenzhen: the Guangzhou agent still owns it (CH-3) and may correct it,
    # but not bring another city's customer in, nor a city outside their own.
    assert refused(factory, world.agent, number, city_code="330100") == "city_out_of_reach"


def test_who_may_edit_and_when(factory: sessionmaker[Session], world: World) -> None:
    with unit_of_work(factory) as session:
        number = new_order(session, world)
    # An auditor sees the order but corrects nothing.
    assert refused(factory, world.auditor, number, subject="x") == "order_action_denied"
    act(factory, world.handler, number, Action.REVIEW_VALID)
    act(factory, world.handler, number, Action.ASSIGN, handler=world.handler.username)
    edit(factory, world.handler, number, subject="宽带夜间掉线")  # the handler may
    # A hotline agent handling the order could not take an appeal: the type stays.
    act(
        factory,
        world.handler,
        number,
        Action.TRANSFER,
        handler=world.agent.username,
        reason="回首问",
    )
    assert refused(factory, world.supervisor, number, type="appeal") == "handler_cannot_take_type"
    with unit_of_work(factory) as session:
        closed = new_order(session, world, type="consultation")
    act(factory, world.agent, closed, Action.REVIEW_INVALID, reason="重复", message="已合并")
    assert refused(factory, world.agent, closed, subject="x") == "order_closed"


def test_stale_version_is_refused(
    factory: sessionmaker[Session], world: World, number: str
) -> None:
    with unit_of_work(factory) as session:
        data = OrderEdit(version=99, reason="更正", subject="新")
        with pytest.raises(DomainError) as caught:
            edits.edit_order(session, world.agent, number, data)
    assert caught.value.code == "stale_version"


def test_api_and_console(client: TestClient, world: World, number: str) -> None:
    api = login(client, world.agent.username)
    got = client.get(f"/api/v1/orders/{number}", headers=api).json()
    res = client.patch(
        f"/api/v1/orders/{number}",
        json={"version": got["version"], "reason": "客户补充", "priority": "urgent"},
        headers=api,
    )
    assert res.status_code == 200, res.text
    assert res.json()["priority"] == "urgent"
    bad = client.patch(f"/api/v1/orders/{number}", json={"version": 1}, headers=api)
    assert bad.status_code == 422
    history = client.get(f"/api/v1/orders/{number}/history", headers=api).json()
    assert history[-1]["changes"]["priority"] == ["normal", "urgent"]

    console_login(client, world.agent.username)
    page = client.get(f"/console/orders/{number}")
    assert 'id="edit-form"' in page.text
    version = client.get(f"/api/v1/orders/{number}", headers=api).json()["version"]
    res = client.post(
        f"/console/orders/{number}/edit",
        data={
            "version": version,
            "reason": "标题更正",
            "subject": "话费疑问",
            "type": "consultation",
        },
        follow_redirects=False,
    )
    assert res.status_code == 303, res.text[:500]
    page = client.get(f"/console/orders/{number}")
    assert "<del>宽带掉线</del> → <ins>话费疑问</ins>" in page.text
    missing = client.post(f"/console/orders/{number}/edit", data={"version": version + 1})
    assert missing.status_code == 422
