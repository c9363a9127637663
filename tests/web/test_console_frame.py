"""The console's frame: every console error is an HTML page in the page's language, the API
keeps its JSON; the header fits a hall tablet (issue 9: language and feedback, tablets)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from telcodesk.db import unit_of_work
from telcodesk.org import service as org
from telcodesk.org.roles import Role, UnitKind
from telcodesk.workorders import rules
from tests.conftest import console_login, login
from tests.factories import PASSWORD, World


def test_unknown_console_page_is_an_html_error_page(client: TestClient, world: World) -> None:
    console_login(client, world.agent.username)
    res = client.get("/console/no-such-page")
    assert res.status_code == 404
    assert res.headers["content-type"].startswith("text/html")
    assert "资源不存在" in res.text and '"code"' not in res.text
    client.get("/lang/en")
    assert "Not found" in client.get("/console/no-such-page").text


def test_wrong_method_on_a_console_page_is_html_and_the_api_stays_json(
    client: TestClient, world: World
) -> None:
    console_login(client, world.agent.username)
    res = client.delete("/console/orders")
    assert res.status_code == 405 and res.headers["content-type"].startswith("text/html")
    assert "GET" in res.headers["allow"]
    api = client.get("/api/v1/no-such-route", headers=login(client, world.agent.username))
    assert api.status_code == 404 and api.json()["code"] == "not_found"


def test_header_groups_settings_and_serves_a_local_favicon(
    client: TestClient, world: World
) -> None:
    console_login(client, world.agent.username)
    page = client.get("/console/orders").text
    assert 'id="nav-admin"' in page and 'href="/static/favicon.svg"' in page
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")


def test_registration_fits_the_desk(
    client: TestClient, world: World, factory: sessionmaker[Session]
) -> None:
    """A hall agent's registration starts on the 营业厅 channel, a hotline agent's on the
    hotline; 当场解决 is offered for the one-touch types only (issue 9 item 5, CH-1)."""
    with unit_of_work(factory) as session:
        sz = org.get_unit_by_code(session, "SZ")
        hall = org.ensure_unit(
            session,
            code="SZ-H1",
            name="福田营业厅",
            kind=UnitKind.HALL,
            region_code="440304",
            parent=sz,
        )
        org.create_staff(
            session,
            username="sz.hall",
            display_name="柜台",
            password=PASSWORD,
            unit=hall,
            role=Role.HALL_AGENT,
        )
    console_login(client, "sz.hall")
    page = client.get("/console/orders/new").text
    assert '<option value="hall" selected>' in page
    offered = page.split('id="at-once" data-types="')[1].split('"')[0].split()
    assert set(offered) == {str(t) for t in rules.ONE_TOUCH_TYPES} and "complaint" not in offered
    client.post("/logout")
    client.headers.pop("X-CSRF-Token", None)
    console_login(client, world.agent.username)
    assert '<option value="hotline" selected>' in client.get("/console/orders/new").text


def test_codes_show_as_words(client: TestClient, world: World) -> None:
    """Unit kinds, regions, SLA units and audit actions by name, not by code (issue 9 item 6)."""
    console_login(client, world.admin.username)
    org_page = client.get("/console/admin/org").text
    assert "地市分公司" in org_page and "广州市" in org_page
    assert "· city ·" not in org_page and "· 440100 ·" not in org_page
    sla_page = client.get("/console/admin/sla").text
    assert "calendar_hours" not in sla_page.split("<form")[0].split("<table")[-1]
    assert "个工作日" in sla_page
    client.post("/logout")
    client.headers.pop("X-CSRF-Token", None)
    console_login(client, world.auditor.username)
    audit_page = client.get("/console/audit").text
    assert "登录成功" in audit_page and ">login_success<" not in audit_page


def test_form_errors_name_the_field_by_its_label(client: TestClient, world: World) -> None:
    """A bad form field is named as the page names it, in the page's language, never with
    a pattern or pydantic's text (issue 9 item 6)."""
    console_login(client, world.agent.username)
    form = {
        "customer_phone": "12ab",
        "type": "complaint",
        "channel": "hotline",
        "priority": "normal",
        "subject": "宽带断网",
    }
    res = client.post("/console/orders/new", data=form)
    assert res.status_code == 422
    alert = res.text.split('role="alert">')[1].split("</div>")[0]
    assert alert == "客户姓名：至少 1 个字符；联系电话：格式不正确"
    client.get("/lang/en")
    res = client.post("/console/orders/new", data=form)
    alert = res.text.split('role="alert">')[1].split("</div>")[0]
    name, phone = alert.split("; ")
    assert name == "Customer name: String should have at least 1 character"
    assert phone == "Phone: is not in the expected format"


def test_a_form_that_succeeds_redirects_and_says_so_once(client: TestClient, world: World) -> None:
    """POST-redirect-GET: F5 on the result does not register twice, and the page says what
    was done, once (issue 9 item 6)."""
    console_login(client, world.agent.username)
    form = {
        "customer_phone": "13800138000",
        "customer_name": "张三",
        "type": "consultation",
        "channel": "hotline",
        "priority": "normal",
        "subject": "套餐咨询",
    }
    res = client.post("/console/orders/new", data=form, follow_redirects=False)
    assert res.status_code == 303
    page = client.get(res.headers["location"])
    notice = page.text.split('id="notice">')[1].split("</div>")[0]
    assert notice.startswith("已受理：WO")
    again = client.get(res.headers["location"])  # F5: a GET, no second order, no notice
    assert 'id="notice"' not in again.text
    note = client.post(
        f"{res.headers['location']}/notes",
        data={"kind": "note", "body": "已致电"},
        follow_redirects=False,
    )
    assert note.status_code == 303
    assert "备注已添加" in client.get(note.headers["location"]).text
