"""The console in a real headless Chromium (Debian's package, driven by Playwright).

An agent logs in, registers an order with the phone lookup and category picker, and takes it
through every stage to the archive (WO-1), the first-contact owner staying put (CH-3).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from telcodesk.app import create_app
from telcodesk.config import Settings
from telcodesk.db import create_db_engine, make_session_factory, unit_of_work, upgrade
from tests.factories import PASSWORD, build_world
from tests.live import live_server

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM) and not os.environ.get("CI"), reason="no Chromium"
    ),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'console.db'}"
    upgrade(url)
    with unit_of_work(make_session_factory(create_db_engine(url))) as session:
        build_world(session)
    with live_server(create_app(Settings(database_url=url))) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


def test_register_and_archive_an_order(server: str, browser: object, tmp_path: Path) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    page = browser.new_page()
    page.goto(f"{server}/console/orders")
    expect(page).to_have_url(f"{server}/login")  # console pages need a session

    page.fill("#username", "gz.agent")
    page.fill("#password", "wrong-password")
    page.click("button[type=submit]")
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码错误")

    page.fill("#username", "gz.agent")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("工单查询")

    page.click("#nav-new")
    page.fill("#customer_phone", "13800138000")
    expect(page.locator("#matches")).to_contain_text("张*")  # htmx lookup by phone, masked (CD-2)
    page.select_option("#type", "complaint")
    page.select_option("#channel", "hotline")
    page.select_option("#category_code", "network.broadband.drops")
    page.fill("#subject", "家中宽带频繁掉线")
    page.fill("#description", "近一周晚上每半小时掉线一次，重启光猫无效。")
    page.click("#submit-order")

    status = page.locator("#order-status")
    expect(status).to_have_attribute("data-status", "registered")
    number = page.locator("h1").inner_text().split(" ")[0]
    assert number.startswith("WO")
    expect(page.locator("#owner")).to_contain_text("gz.agent")

    def do(action: str, on: object = None, **fields: str) -> None:
        form = (on or page).locator(f"form[data-action={action}]")  # type: ignore[attr-defined]
        details = form.locator("xpath=..")
        if not details.evaluate("d => d.open"):
            details.locator("summary").click()
        for name, value in fields.items():
            field = form.locator(f"[name={name}]")
            if field.evaluate("e => e.tagName") == "SELECT":
                field.select_option(value)
            else:
                field.fill(value)
        form.locator("button[type=submit]").click()

    do("review_valid")
    expect(status).to_have_attribute("data-status", "reviewed")
    # The picker offers only people who can take a complaint here, grouped by unit, and
    # narrows by name as one types (htmx).
    picker = page.locator("form[data-action=assign] select[name=handler]")
    expect(picker.locator("optgroup")).not_to_have_count(0)
    expect(picker).not_to_contain_text("gd.auditor")
    expect(picker).not_to_contain_text("gd.admin")
    page.locator("form[data-action=assign] input[name=q]").fill("王建")
    expect(picker.locator("option")).to_have_count(1)
    expect(picker).to_contain_text("gz.handler")
    page.screenshot(path=str(tmp_path / "assign.png"), full_page=True)
    do("assign", handler="gz.handler")
    expect(status).to_have_attribute("data-status", "assigned")
    expect(page.locator("#handler")).to_contain_text("gz.handler")
    # The work is the handler's: the owner is offered no start (it would answer 403).
    expect(page.locator("form[data-action=start]")).to_have_count(0)
    expect(page.locator("form[data-action=chase]")).to_have_count(1)  # the owner chases

    handler = browser.new_page()
    handler.goto(f"{server}/login")
    handler.fill("#username", "gz.handler")
    handler.fill("#password", PASSWORD)
    handler.click("button[type=submit]")
    handler.goto(f"{server}/console/orders/{number}")
    h_status = handler.locator("#order-status")
    do("start", handler)
    do("suspend", handler, reason="等待客户确认上门时间")
    expect(h_status).to_have_attribute("data-status", "waiting_customer")
    do("resume", handler)
    do("reply", handler, message="已更换光猫，线路测试正常。")
    expect(h_status).to_have_attribute("data-status", "replied")
    # The call-back is independent of the handler (SQ-1): none offered to them.
    expect(handler.locator("form[data-action=start_callback]")).to_have_count(0)
    expect(handler.locator("#no-actions")).to_be_visible()
    handler.screenshot(path=str(tmp_path / "handler.png"), full_page=True)
    handler.close()

    page.reload()
    do("start_callback")
    # One try that reached nobody, then the answer on the scale and the classification (SQ-1/2).
    page.select_option("#note-form select[name=kind]", "attempt")
    page.fill("#note-form textarea[name=body]", "客户未接听")
    page.click("#note-form button[type=submit]")
    expect(page.locator("#callback-outcome")).to_contain_text("未接通 1 次")
    do(
        "callback_satisfied",
        outcome="basically_satisfied",
        root_cause="network",
        responsibility="carrier",
        justified="true",
    )
    expect(status).to_have_attribute("data-status", "archived")
    expect(page.locator("#notice")).to_contain_text("回访满意")
    expect(page.locator("#callback-outcome")).to_contain_text("基本满意")
    expect(page.locator("#classification")).to_contain_text("网络质量 · 企业责任 · 属实")
    expect(page.locator("#owner")).to_contain_text("gz.agent")  # 首问负责人 unchanged
    timeline = page.locator("#timeline li")
    expect(timeline).to_have_count(11)  # 9 stage changes, the reply, the unanswered try

    # The order shows in the list with its final state, and the console switches language.
    page.goto(f"{server}/console/orders?q={number}")
    expect(page.locator("tbody tr")).to_have_count(1)
    page.click("#lang-switch")
    expect(page.locator("h1")).to_have_text("Orders")
    page.screenshot(path=str(tmp_path / "orders.png"))
    page.close()


def test_city_agent_reveals_a_number_and_the_auditor_sees_it(
    server: str, browser: object, tmp_path: Path
) -> None:
    """CD-2 end to end: masked by default, revealed with a reason, visible in the audit log."""
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    agent = browser.new_page()
    agent.goto(f"{server}/login")
    agent.fill("#username", "gz.agent")
    agent.fill("#password", PASSWORD)
    agent.click("button[type=submit]")
    agent.click("#nav-new")
    agent.fill("#customer_phone", "13800138000")
    expect(agent.locator("#matches")).to_contain_text("138****8000")
    agent.fill("#subject", "查询话费")
    agent.click("#submit-order")
    phone = agent.locator("#customer-phone")
    expect(phone).to_have_text("138****8000")  # masked by default
    expect(agent.locator("#customer")).not_to_contain_text("13800138000")

    reveal = agent.locator("details.reveal")
    reveal.locator("summary").click()
    reveal.locator("select[name=field]").select_option("phone")  # one field at a time
    reveal.locator("input[name=reason]").fill("客户来电要求回拨核实")
    reveal.locator("button[type=submit]").click()
    expect(reveal).to_contain_text("13800138000")  # revealed in place (htmx)
    expect(reveal.locator(".revealed")).not_to_contain_text("张三")  # only the field asked for
    agent.screenshot(path=str(tmp_path / "reveal.png"), full_page=True)
    agent.close()

    auditor = browser.new_page()
    auditor.goto(f"{server}/login")
    auditor.fill("#username", "gd.auditor")
    auditor.fill("#password", PASSWORD)
    auditor.click("button[type=submit]")
    auditor.click("#nav-audit")
    auditor.select_option("#a-action", "customer_reveal")
    auditor.click("form.filters button[type=submit]")
    row = auditor.locator("#audit tbody tr[data-action=customer_reveal]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("gz.agent")
    expect(row).to_contain_text("客户来电要求回拨核实")
    expect(row).to_contain_text("联系电话")  # the field, by its name, not a Python repr
    expect(row.locator("a[href^='/console/orders/']")).to_have_count(1)  # revealed from
    expect(row).not_to_contain_text("['")
    auditor.screenshot(path=str(tmp_path / "audit.png"), full_page=True)
    auditor.close()


def test_province_agent_registers_a_new_caller_in_the_numbers_city(
    server: str, browser: object, tmp_path: Path
) -> None:
    """号码归属地 (CC-1, BH-5): the lookup waits for the full number, then offers a new
    customer with the city picker set from the number; the order lands in that city."""
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    page = browser.new_page()
    page.goto(f"{server}/login")
    page.fill("#username", "gd.supervisor")  # a province-level account
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.click("#nav-new")
    page.fill("#customer_phone", "159 2000")
    expect(page.locator("#lookup-incomplete")).to_be_visible()
    expect(page.locator("#matches")).not_to_contain_text("新客户")
    page.fill("#customer_phone", "159 2000 1234")
    expect(page.locator("#lookup-new")).to_contain_text("号码归属地 广东省深圳市")
    expect(page.locator("#city_code")).to_have_value("440300")
    page.fill("#customer_name", "周八")
    page.fill("#subject", "室内手机无信号")
    page.screenshot(path=str(tmp_path / "register-city.png"), full_page=True)
    page.click("#submit-order")
    expect(page.locator("#order-status")).to_have_attribute("data-status", "registered")
    expect(page.locator("body")).to_contain_text("深圳市")  # the city by its name (issue 9)
    page.screenshot(path=str(tmp_path / "registered.png"), full_page=True)
    page.close()

    admin = browser.new_page()  # the province admin sees the merge form on a customer page
    admin.goto(f"{server}/login")
    admin.fill("#username", "gd.admin")
    admin.fill("#password", PASSWORD)
    admin.click("button[type=submit]")
    admin.goto(f"{server}/console/customers/1")
    expect(admin.locator("#merge-form")).to_be_visible()
    expect(admin.locator("#customer-city")).to_have_text("广东省广州市")
    admin.screenshot(path=str(tmp_path / "customer.png"), full_page=True)
    admin.close()
