"""Console pages for time limits (T-2, WO-3): time left on orders, at-risk queue, editors."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from telcodesk import clock
from telcodesk.db import unit_of_work
from telcodesk.org import service as org
from telcodesk.sla import sweep
from tests.conftest import console_login
from tests.factories import World, hq_admin


def register(client: TestClient) -> str:
    res = client.post(
        "/console/orders/new",
        follow_redirects=False,
        data={
            "customer_phone": "13800138000",
            "customer_name": "张三",
            "type": "complaint",
            "channel": "hotline",
            "category_code": "billing.charges",
            "subject": "话费异议",
        },
    )
    assert res.status_code == 303
    return str(res.headers["location"].rsplit("/", 1)[1])


def test_orders_show_time_left_and_breaches_reach_the_queue(
    client: TestClient, world: World, factory: sessionmaker[Session]
) -> None:
    console_login(client, world.agent.username)
    number = register(client)
    page = client.get(f"/console/orders/{number}").text
    assert 'id="clock-resolution"' in page and "工作日" in page and 'data-risk="ok"' in page
    assert 'data-risk="ok"' in client.get("/console/orders").text
    assert client.get("/console/sla").status_code == 403  # agents have no at-risk queue

    later = clock.now() + timedelta(days=10)
    clock.set_clock(lambda: later)
    with unit_of_work(factory) as session:
        result = sweep.sweep(session, org.get_staff_by_username(session, "system"))
    assert result.breaches == 2
    console_login(client, world.agent.username)  # ten days on, the old session has expired
    page = client.get(f"/console/orders/{number}").text
    assert 'data-risk="breached"' in page and "超时" in page and "超时告警" in page

    console_login(client, world.supervisor.username)
    queue = client.get("/console/sla")
    assert queue.status_code == 200 and number in queue.text


def test_admin_edits_calendar_and_policy_in_the_console(client: TestClient, world: World) -> None:
    console_login(client, world.agent.username)
    assert (
        client.post(
            "/console/admin/calendar", data={"day": "2026-12-31", "is_workday": "0"}
        ).status_code
        == 403
    )
    with unit_of_work(client.app.state.db.factory) as session:  # type: ignore[attr-defined]
        hq_admin(session)
    console_login(client, "hq.admin")  # nationwide days and policies are HQ's
    assert "2027" in client.get("/console/admin/calendar/banner").text  # uncovered year warned
    page = client.get("/console/admin/calendar")
    assert page.status_code == 200 and 'hx-get="/console/admin/calendar/banner"' in page.text
    res = client.post(
        "/console/admin/calendar", data={"day": "2027-01-01", "is_workday": "0", "note": "元旦"}
    )
    assert res.status_code == 200 and "元旦" in res.text and "已重算" in res.text  # after a 303
    assert (
        client.post(
            "/console/admin/calendar", data={"day": "not-a-date", "is_workday": "0"}
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/console/admin/calendar", data={"day": "2027-01-02", "region_code": "12"}
        ).status_code
        == 422
    )

    form = {
        "code": "complaint",
        "name": "投诉 2 个工作日",
        "norm": "T-2",
        "precedence": "30",
        "match_type": "complaint",
        "response_amount": "24",
        "response_unit": "calendar_hours",
        "resolution_amount": "2",
        "resolution_unit": "working_days",
        "warn_shares": "0.5,0.8",
        "active": "1",
    }
    res = client.post("/console/admin/sla", data=form, follow_redirects=False)
    assert res.status_code == 303
    assert "投诉 2 个工作日" in client.get("/console/admin/sla").text
    bad = client.post("/console/admin/sla", data={**form, "warn_shares": "2"})
    assert bad.status_code == 422
