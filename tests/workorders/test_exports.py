"""Order export as CSV (CD-2, CD-3): masked unless revealed under the reveal rules, scoped like
the order list, audited, readable by Excel."""

from __future__ import annotations

import csv
import html
import io
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from telcodesk.audit import service as audit
from telcodesk.config import Settings
from telcodesk.customers import service as customers
from telcodesk.db import unit_of_work
from telcodesk.org import service as org
from telcodesk.org.roles import Role
from telcodesk.workorders import export_api
from tests.conftest import console_login, login
from tests.factories import PASSWORD, World

Headers = dict[str, str]
URL = "/api/v1/exports/orders.csv"
REASON = "月度投诉回访名单"
GZ_PHONE, SZ_PHONE = "13800138000", "13900139000"


def order(client: TestClient, headers: Headers, **kw: Any) -> str:
    body = {
        "type": "complaint",
        "channel": "hotline",
        "customer": {"name": "张三", "phone": GZ_PHONE},
        "subject": "话费异议",
    } | kw
    res = client.post("/api/v1/orders", json=body, headers=headers)
    assert res.status_code == 201, res.text
    return str(res.json()["number"])


@pytest.fixture
def orders(client: TestClient, agent: Headers, world: World) -> list[str]:
    """Two Guangzhou orders and one from Shenzhen, oldest first."""
    shenzhen = login(client, world.other_city_agent.username)
    return [
        order(client, agent),
        order(client, agent, type="fault", subject='=HYPERLINK("http://x")'),
        order(client, shenzhen, customer={"name": "钱多多", "phone": SZ_PHONE}, channel="hall"),
    ]


def rows(res: Any) -> list[dict[str, str]]:
    assert res.status_code == 200, res.text
    assert res.content.startswith("\ufeff".encode())  # BOM: Excel reads UTF-8
    assert res.headers["content-type"].startswith("text/csv")
    reader = csv.DictReader(io.StringIO(res.content.decode("utf-8-sig")))
    return list(reader)


def exports(factory: sessionmaker[Session], action: str = "export") -> list[Any]:
    with unit_of_work(factory) as session:
        return audit.recent(session, action=action)


def test_export_is_masked_scoped_and_audited(
    client: TestClient, world: World, orders: list[str], factory: sessionmaker[Session]
) -> None:
    supervisor = login(client, world.supervisor.username)
    res = client.get(URL, headers=supervisor)
    table = rows(res)
    assert [r["工单号 number"] for r in table] == orders[::-1]  # newest first
    assert {r["电话 phone"] for r in table} == {"138****8000", "139****9000"}
    assert {r["客户 customer"] for r in table} == {"张*", "钱*多"}
    assert GZ_PHONE not in res.text and "张三" not in res.text
    assert table[0]["状态 status"] == "已受理" and table[0]["渠道 channel"] == "营业厅"
    assert table[1]["标题 subject"].startswith("'=")  # never a live formula in Excel
    assert "filename=" in res.headers["content-disposition"]
    assert res.headers["x-export-rows"] == "3"

    (record,) = exports(factory)
    assert record.actor_id == world.supervisor.id
    assert record.details["row_count"] == 3 and record.details["revealed"] is False
    assert exports(factory, "customer_reveal") == []

    # The order list's filters, and its scope: a Guangzhou auditor-style view of one city.
    faults = rows(client.get(f"{URL}?type=fault&open_only=true", headers=supervisor))
    assert [r["工单号 number"] for r in faults] == [orders[1]]
    assert exports(factory)[0].details["filters"] == {"type": ["fault"], "open_only": True}


def test_revealed_export_needs_permission_and_reason(
    client: TestClient, world: World, orders: list[str], factory: sessionmaker[Session]
) -> None:
    supervisor = login(client, world.supervisor.username)
    res = client.get(f"{URL}?reveal=true&reason={REASON}", headers=supervisor)
    assert {r["电话 phone"] for r in rows(res)} == {GZ_PHONE, SZ_PHONE}
    export, *_ = exports(factory)
    assert export.details["revealed"] is True and export.details["reason"] == REASON
    (revealed,) = exports(factory, "customer_reveal")
    assert revealed.object_type == "export" and revealed.details["reason"] == REASON

    for query in ("reveal=true", "reveal=true&reason=", "reveal=true&reason=看看"):
        res = client.get(f"{URL}?{query}", headers=supervisor)
        assert res.status_code == 422 and res.json()["code"] == "reason_required"
    auditor = login(client, world.auditor.username)  # may export, may not reveal
    assert len(rows(client.get(URL, headers=auditor))) == 3
    res = client.get(f"{URL}?reveal=true&reason={REASON}", headers=auditor)
    assert res.status_code == 403 and res.json()["code"] == "permission_denied"
    agent = login(client, world.agent.username)  # front line: no export at all
    assert client.get(URL, headers=agent).status_code == 403
    assert len(exports(factory)) == 2  # refused exports leave nothing behind


def test_a_revealed_export_counts_as_one_reveal(
    client: TestClient,
    world: World,
    orders: list[str],
    settings: Settings,
    factory: sessionmaker[Session],
) -> None:
    settings.reveals_per_hour = 1
    supervisor = login(client, world.supervisor.username)
    assert client.get(f"{URL}?reveal=true&reason={REASON}", headers=supervisor).status_code == 200
    res = client.post(
        f"/api/v1/customers/{world.customer.id}/reveal",
        json={"reason": REASON, "field": "phone"},
        headers=supervisor,
    )
    assert res.status_code == 429
    res = client.get(f"{URL}?reveal=true&reason={REASON}", headers=supervisor)
    assert res.status_code == 429 and res.json()["code"] == "reveal_rate_limited"
    assert client.get(URL, headers=supervisor).status_code == 200  # masked exports go on


def test_revealed_export_keeps_customers_of_other_regions_masked(
    client: TestClient, agent: Headers, world: World, factory: sessionmaker[Session]
) -> None:
    """A Guangzhou duty manager owns (first contact) an order of a customer who has since moved
    to Shenzhen: the order is theirs to export, the customer is not theirs to reveal (CD-2)."""
    with unit_of_work(factory) as session:
        org.create_staff(
            session,
            username="gz.manager",
            display_name="值班经理",
            password=PASSWORD,
            unit=org.get_unit_by_code(session, "GZ"),
            role=Role.HALL_MANAGER,
        )
    manager = login(client, "gz.manager")
    order(client, agent)
    order(client, manager, customer={"name": "孙悟空", "phone": "13700137000"})
    with unit_of_work(factory) as session:  # the customer moves (a CRM update)
        (moved,) = customers.find_by_phone(session, "13700137000", viewer=None)
        moved.city_code = "440300"
    table = rows(client.get(f"{URL}?reveal=true&reason={REASON}", headers=manager))
    assert {r["电话 phone"] for r in table} == {GZ_PHONE, "137****7000"}


def test_export_pages_and_caps(
    client: TestClient,
    world: World,
    orders: list[str],
    factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(export_api, "PAGE", 1)
    supervisor = login(client, world.supervisor.username)
    assert [r["工单号 number"] for r in rows(client.get(URL, headers=supervisor))] == orders[::-1]
    monkeypatch.setattr(export_api, "MAX_ROWS", 2)
    capped = rows(client.get(URL, headers=supervisor))
    assert [r["工单号 number"] for r in capped] == orders[:0:-1]  # the newest two
    details = exports(factory)[0].details
    assert details["row_count"] == 2 and details["matched"] == 3
    assert rows(client.get(f"{URL}?q=nothing-matches", headers=supervisor)) == []


def test_console_order_list_links_the_export(
    client: TestClient, world: World, orders: list[str]
) -> None:
    console_login(client, world.supervisor.username)
    page = client.get("/console/orders?type=fault&open_only=1").text
    match = re.search(r'href="([^"]+)" id="export-csv"', page)
    assert match is not None
    href = html.unescape(match[1])
    assert href.startswith(URL) and "type=fault" in href
    table = rows(client.get(href))  # the console session is enough for it
    assert [r["工单号 number"] for r in table] == [orders[1]]
    console_login(client, world.agent.username)
    assert 'id="export-csv"' not in client.get("/console/orders").text
