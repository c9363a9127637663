"""Work queues (issue 9 items 1, 2): multi-value filters, sort by time left, pages, saved views
own and shared (scope: a unit's view only inside that unit; applying a view never widens the
viewer's scope), the at-risk queue (nearest breach first, paused apart, counts by unit),
我的工单 with what I closed today, bulk actions each in its own transaction. Both engines."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from telcodesk import clock
from telcodesk.db import unit_of_work
from telcodesk.errors import DomainError
from telcodesk.org.models import Staff
from telcodesk.worklists import queries
from telcodesk.worklists import service as worklists
from telcodesk.worklists.schemas import BulkIn, ListSpec, SavedViewIn
from telcodesk.workorders import service as orders
from telcodesk.workorders.rules import Action
from telcodesk.workorders.schemas import OrderCreate, OrderFilter
from tests.conftest import console_login, login
from tests.factories import World
from tests.workorders.test_closure import act


def register(
    factory: sessionmaker[Session], world: World, actor: Staff | None = None, **kw: Any
) -> str:
    data = {
        "type": "complaint",
        "channel": "hotline",
        "customer_id": world.customer.id,
        "subject": "话费异议",
        **kw,
    }
    with unit_of_work(factory) as session:
        order, _ = orders.register_order(
            session, actor or world.agent, OrderCreate.model_validate(data)
        )
        return order.number


def numbers(factory: sessionmaker[Session], viewer: Staff, **spec: Any) -> list[str]:
    with unit_of_work(factory) as session:
        return [o.number for o in queries.page(session, viewer, ListSpec(**spec)).rows]


def test_sorted_by_time_left_by_default_and_filters_take_many_values(
    factory: sessionmaker[Session], world: World
) -> None:
    complaint = register(factory, world)  # 24 h / 3 working days
    consultation = register(factory, world, type="consultation")  # 2 h / 24 h: due first
    fault = register(factory, world, type="fault", channel="wechat", priority="urgent")
    vip = register(factory, world, actor=world.other_city_agent, customer_id=world.vip.id)
    everything = numbers(factory, world.supervisor)
    assert everything.index(consultation) < everything.index(complaint)
    assert numbers(factory, world.supervisor, sort="newest")[0] == vip
    assert numbers(factory, world.supervisor, sort="priority")[0] == fault
    picked = numbers(
        factory,
        world.supervisor,
        filters=OrderFilter(type=["consultation", "fault"], channel=["hotline", "wechat"]),
    )
    assert sorted(picked) == sorted([consultation, fault])
    assert numbers(factory, world.supervisor, filters=OrderFilter(tier=["gold"])) == [vip]
    assert numbers(factory, world.supervisor, filters=OrderFilter(cities=["440300"])) == [vip]
    # Handler and owner by the name people know them by, not only the username.
    assert vip in numbers(factory, world.supervisor, filters=OrderFilter(owner="赵"))
    assert vip not in numbers(factory, world.supervisor, filters=OrderFilter(owner="李小红"))
    # Pages: a page size and the page asked for; the total counts every page.
    with unit_of_work(factory) as session:
        first = queries.page(session, world.supervisor, ListSpec(page_size=10, sort="oldest"))
        assert (first.total, first.pages, first.page) == (4, 1, 1)
        assert first.rows[0].number == complaint


def test_views_own_shared_and_never_wider_than_the_viewer(
    factory: sessionmaker[Session], world: World
) -> None:
    gz = register(factory, world)
    sz = register(factory, world, actor=world.other_city_agent, customer_id=world.vip.id)
    shenzhen = ListSpec(filters=OrderFilter(cities=["440100", "440300"]))
    with unit_of_work(factory) as session:
        shared = worklists.save_view(
            session, world.agent, SavedViewIn(name="两市投诉", spec=shenzhen, shared=True)
        ).id
        private = worklists.save_view(
            session, world.agent, SavedViewIn(name="我的", spec=ListSpec(queue="mine"))
        ).id
    with unit_of_work(factory) as session:
        # A colleague of the same unit sees the shared view, not the private one.
        seen = [v.name for v in worklists.visible_views(session, world.handler)]
        assert seen == ["两市投诉"]
        # Applied by the Guangzhou handler, the view holds Guangzhou's order only.
        spec = worklists.spec_of(worklists.get_view(session, world.handler, shared))
        rows = [o.number for o in queries.page(session, world.handler, spec).rows]
        assert rows == [gz] and sz not in rows
        assert worklists.counts(
            session, world.agent, [worklists.get_view(session, world.agent, shared)]
        ) == {shared: 1}
        # Shenzhen's agent neither sees nor applies it (404, as missing).
        assert worklists.visible_views(session, world.other_city_agent) == []
        with pytest.raises(DomainError) as caught:
            worklists.get_view(session, world.other_city_agent, shared)
        assert caught.value.code == "view_not_found"
        # Only the owner deletes or changes it.
        with pytest.raises(DomainError) as caught:
            worklists.delete_view(session, world.handler, shared)
        assert caught.value.code == "view_not_found"
        with pytest.raises(DomainError) as caught:
            worklists.save_view(session, world.agent, SavedViewIn(name="我的", spec=ListSpec()))
        assert caught.value.code == "view_name_taken"
    with unit_of_work(factory) as session:
        worklists.delete_view(session, world.agent, private)
        assert [v.id for v in worklists.visible_views(session, world.agent)] == [shared]


def test_at_risk_queue_nearest_breach_first_paused_apart(
    factory: sessionmaker[Session], world: World
) -> None:
    past = clock.now() - timedelta(days=10)
    clock.set_clock(lambda: past)
    older = register(factory, world)
    clock.set_clock(lambda: past + timedelta(hours=5))
    newer = register(factory, world, type="fault")
    paused = register(factory, world)
    clock.set_clock(None)
    act(factory, world.handler, paused, Action.REVIEW_VALID)
    act(factory, world.handler, paused, Action.ASSIGN, handler=world.handler.username)
    act(factory, world.handler, paused, Action.START)
    act(factory, world.handler, paused, Action.SUSPEND, reason="等客户提供账单")
    fresh = register(factory, world)
    at_risk = numbers(factory, world.supervisor, queue="at_risk")
    assert fresh not in at_risk and paused not in at_risk
    assert set(at_risk) == {older, newer}
    with unit_of_work(factory) as session:
        due = {
            o.number: min(c.due_at for c in o.clocks if c.stopped_at is None)
            for o in queries.page(session, world.supervisor, ListSpec(queue="at_risk")).rows
        }
    assert list(due.values()) == sorted(due.values())  # the clock nearest its breach first
    assert numbers(factory, world.supervisor, queue="paused") == [paused]
    with unit_of_work(factory) as session:
        grouped = queries.page(
            session, world.supervisor, ListSpec(queue="at_risk", group="handler")
        )
        assert grouped.groups == [("", "", 2)]  # nobody handles them yet
        by_unit = queries.page(session, world.supervisor, ListSpec(queue="at_risk", group="unit"))
        assert by_unit.groups == [("GZ", "广州", 2)]  # the owner's unit while nobody has it
        with pytest.raises(DomainError) as caught:  # agents have no at-risk queue
            queries.page(session, world.agent, ListSpec(queue="at_risk"))
        assert caught.value.status == 403


def test_my_orders_open_by_urgency_and_closed_today(
    factory: sessionmaker[Session], world: World
) -> None:
    complaint = register(factory, world)
    consultation = register(factory, world, type="consultation")
    closed = register(factory, world, type="consultation")
    act(factory, world.agent, closed, Action.REVIEW_INVALID, reason="重复", message="已合并处理")
    with unit_of_work(factory) as session:
        mine = [o.number for o in worklists.my_open(session, world.agent)]
        assert mine == [consultation, complaint]
        assert [o.number for o in queries.closed_by_me_today(session, world.agent)] == [closed]
        assert queries.closed_by_me_today(session, world.handler) == []


def test_bulk_each_order_alone_with_the_single_refusals(
    factory: sessionmaker[Session], world: World
) -> None:
    reviewed = [register(factory, world) for _ in range(3)]
    for number in reviewed:
        act(factory, world.supervisor, number, Action.REVIEW_VALID)
    waiting = register(factory, world)  # not reviewed: assign is illegal
    elsewhere = register(factory, world, actor=world.other_city_agent, customer_id=world.vip.id)
    data = BulkIn(
        numbers=[*reviewed, waiting, elsewhere.lower()], action="assign", handler="gz.handler"
    )
    summary = worklists.bulk(lambda: unit_of_work(factory), world.agent, data)
    assert summary.done == reviewed
    refusals = {r.number: r.code for r in summary.refused}
    assert refusals == {waiting: "illegal_transition", elsewhere: "order_not_found"}
    with unit_of_work(factory) as session:
        for number in reviewed:
            assert orders.get_order(session, number, viewer=None).handler_id == world.handler.id
    # A chase, a note: the same authority as alone (the handler cannot chase themselves).
    chased = worklists.bulk(
        lambda: unit_of_work(factory),
        world.handler,
        BulkIn(numbers=reviewed[:1], action="chase", reason="请尽快"),
    )
    assert [r.code for r in chased.refused] == ["order_action_denied"]
    noted = worklists.bulk(
        lambda: unit_of_work(factory),
        world.handler,
        BulkIn(numbers=reviewed, action="note", body="已联系网络部"),
    )
    assert noted.done == reviewed
    with pytest.raises(DomainError):
        worklists.bulk(
            lambda: unit_of_work(factory), world.handler, BulkIn(numbers=reviewed, action="note")
        )


def test_api_and_console(client: TestClient, world: World, factory: sessionmaker[Session]) -> None:
    gz = register(factory, world)
    act(factory, world.supervisor, gz, Action.REVIEW_VALID)
    sz = register(factory, world, actor=world.other_city_agent, customer_id=world.vip.id)
    api = login(client, world.supervisor.username)
    spec = {"filters": {"type": ["complaint"]}, "page_size": 10}
    res = client.post("/api/v1/worklist", json={"spec": spec}, headers=api)
    assert res.status_code == 200, res.text
    assert res.json()["total"] == 2 and res.json()["page_size"] == 10
    made = client.post(
        "/api/v1/views", json={"name": "投诉", "spec": spec, "shared": True}, headers=api
    )
    assert made.status_code == 201, made.text
    view_id = made.json()["id"]
    listed = client.get("/api/v1/views", headers=api).json()
    assert listed[0]["count"] == 2 and listed[0]["owner"] == world.supervisor.display_name
    agent = login(client, world.agent.username)
    assert client.get(f"/api/v1/views/{view_id}/orders", headers=agent).status_code == 404
    assert client.delete(f"/api/v1/views/{view_id}", headers=agent).status_code == 404
    bulk = client.post(
        "/api/v1/orders/bulk-actions",
        json={"numbers": [gz, sz], "action": "assign", "handler": "gz.handler"},
        headers=agent,
    )
    assert bulk.status_code == 200
    assert bulk.json()["done"] == [gz]
    assert bulk.json()["refused"][0]["code"] == "order_not_found"
    mine = client.get("/api/v1/my-orders", headers=agent).json()
    assert [o["number"] for o in mine["open"]] == [gz]
    assert client.delete(f"/api/v1/views/{view_id}", headers=api).status_code == 204

    console_login(client, world.supervisor.username)
    page = client.get("/console/orders?type=complaint&page_size=10")
    assert page.status_code == 200 and gz in page.text and 'id="bulk-form"' in page.text
    saved = client.post(
        "/console/views",
        data={"name": "广深投诉", "spec_query": "type=complaint&cities=440100", "shared": "1"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    shown = client.get(saved.headers["location"])
    assert 'data-view="广深投诉"' in shown.text and sz not in shown.text.split('id="list-count"')[1]
    done = client.post(
        "/console/orders/bulk",
        data={"numbers": [gz, sz], "action": "chase", "reason": "请今天答复"},
    )
    assert done.status_code == 200 and 'data-done="1"' in done.text
    assert f'data-number="{sz}" data-code="illegal_transition"' in done.text
    assert (
        client.get("/console/sla", follow_redirects=False)
        .headers["location"]
        .startswith("/console/orders?queue=at_risk")
    )


def test_bulk_form_on_the_customer_page_and_a_picker_of_the_region(
    client: TestClient, world: World, factory: sessionmaker[Session]
) -> None:
    """Bulk actions from any list (item 2): the customer page's orders carry the form too, and
    the handler is picked by name from the actor's own region (each order still checks who may
    take it)."""
    from telcodesk.workorders import candidates

    gz = register(factory, world)
    act(factory, world.supervisor, gz, Action.REVIEW_VALID)
    with unit_of_work(factory) as session:
        city = {s.username for s in candidates.in_region(session, world.agent)}
        nationwide = {s.username for s in candidates.in_region(session, world.admin)}
    assert world.handler.username in city
    assert world.other_city_agent.username not in city  # Shenzhen is not Guangzhou's
    assert world.other_city_agent.username in nationwide and world.auditor.username not in city

    console_login(client, world.supervisor.username)
    page = client.get(f"/console/customers/{world.customer.id}")
    assert page.status_code == 200
    assert f'name="numbers" value="{gz}"' in page.text and 'id="bulk-form"' in page.text
    assert f'<option value="{world.handler.username}">{world.handler.display_name}' in page.text
    done = client.post(
        "/console/orders/bulk",
        data={
            "numbers": [gz],
            "action": "assign",
            "handler": world.handler.username,
            "back": f"/console/customers/{world.customer.id}",
        },
    )
    assert done.status_code == 200 and 'data-done="1"' in done.text
    assert f'href="/console/customers/{world.customer.id}"' in done.text


def test_the_cli_lists_views_and_acts_in_bulk(
    world: World,
    factory: sessionmaker[Session],
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`telcodesk orders views|bulk --as USER`: the same service, the same refusals."""
    from typer.testing import CliRunner

    from telcodesk import config
    from telcodesk.cli import app as cli

    gz = register(factory, world)
    act(factory, world.supervisor, gz, Action.REVIEW_VALID)
    sz = register(factory, world, actor=world.other_city_agent, customer_id=world.vip.id)
    with unit_of_work(factory) as session:
        worklists.save_view(
            session,
            world.supervisor,
            SavedViewIn(name="待派投诉", spec=ListSpec(filters=OrderFilter(type=["complaint"]))),
        )
    monkeypatch.setenv("TELCODESK_DATABASE_URL", db_url)
    config.get_settings.cache_clear()
    try:
        run = CliRunner().invoke
        views = run(cli, ["orders", "views", "--as", world.supervisor.username])
        bulk = run(cli, ["orders", "bulk", "assign", gz, sz, "--as", world.agent.username,
                         "--handler", world.handler.username])  # fmt: skip
        empty_note = run(cli, ["orders", "bulk", "note", gz, "--as", world.agent.username])
    finally:
        config.get_settings.cache_clear()
    assert views.exit_code == 0, views.output
    assert "待派投诉" in views.output
    assert bulk.exit_code == 1, bulk.output  # one refused
    assert f"done     {gz}" in bulk.output and f"refused  {sz}  order_not_found" in bulk.output
    assert empty_note.exit_code == 1 and "body" in empty_note.output
    with unit_of_work(factory) as session:
        assert orders.get_order(session, gz, viewer=world.supervisor).handler_id == world.handler.id
