"""The work queues in a real headless Chromium (issue 9 item 10): a supervisor bulk-assigns
from a saved view; an edit shows in the history; a call-back records its score with the
archive's responsibility; an archive from the reply records it too; the at-risk queue lists
the clock nearest its breach first. Data is set up through the services (SQLite)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from telcodesk import clock
from telcodesk.app import create_app
from telcodesk.config import Settings
from telcodesk.db import create_db_engine, make_session_factory, unit_of_work, upgrade
from telcodesk.worklists import service as worklists
from telcodesk.worklists.schemas import ListSpec, SavedViewIn
from telcodesk.workorders import service as orders
from telcodesk.workorders.rules import Action
from telcodesk.workorders.schemas import OrderCreate, OrderFilter, TransitionIn
from tests.factories import PASSWORD, World, build_world
from tests.live import live_server
from tests.web.test_browser import CHROMIUM, FLAGS, pytestmark  # noqa: F401 - same marks

Env = dict[str, Any]


def register(factory: sessionmaker[Session], world: World, subject: str, **kw: Any) -> str:
    data = {"type": "complaint", "channel": "hotline", "customer_id": world.customer.id,
            "subject": subject, **kw}  # fmt: skip
    with unit_of_work(factory) as session:
        order, _ = orders.register_order(session, world.agent, OrderCreate.model_validate(data))
        return order.number


def act(factory: sessionmaker[Session], who: Any, number: str, action: Action, **kw: Any) -> None:
    with unit_of_work(factory) as session:
        version = orders.get_order(session, number, viewer=None).version
        orders.transition(
            session, who, number, action, TransitionIn.model_validate({"version": version, **kw})
        )


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    url = f"sqlite:///{tmp_path_factory.mktemp('queues') / 'console.db'}"
    upgrade(url)
    factory = make_session_factory(create_db_engine(url))
    with unit_of_work(factory) as session:
        world = build_world(session)
    # Late orders for the at-risk queue, registered in the past (oldest first: nearest breach).
    now = clock.now()
    late = []
    for days, subject in ((6, "最早的超时投诉"), (4, "较晚的超时投诉")):
        clock.set_clock(lambda days=days: now - timedelta(days=days))
        late.append(register(factory, world, subject))
    clock.set_clock(None)
    reviewed = [register(factory, world, f"待分派投诉{i}", priority="high") for i in range(3)]
    for number in reviewed:
        act(factory, world.supervisor, number, Action.REVIEW_VALID)
    with unit_of_work(factory) as session:
        spec = ListSpec(filters=OrderFilter(status=["reviewed"]))
        view = worklists.save_view(
            session, world.supervisor, SavedViewIn(name="待分派", spec=spec, shared=True)
        ).id
    replied = []
    for subject in ("回访打分的投诉", "答复后归档的投诉"):
        number = register(factory, world, subject)
        act(factory, world.handler, number, Action.REVIEW_VALID)
        act(factory, world.handler, number, Action.ASSIGN, handler=world.handler.username)
        act(factory, world.handler, number, Action.START)
        act(factory, world.handler, number, Action.REPLY, message="已退还多收的费用")
        replied.append(number)
    act(factory, world.agent, replied[0], Action.START_CALLBACK)
    with live_server(create_app(Settings(database_url=url, worker_interval_s=3600))) as base:
        yield {"base": base, "late": late, "reviewed": reviewed, "view": view,
               "callback": replied[0], "replied": replied[1], "factory": factory}  # fmt: skip


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


def signed_in(browser: Any, base: str, username: str) -> Any:
    page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda u: "/login" not in u)
    return page


def test_supervisor_bulk_assigns_from_a_saved_view(env: Env, browser: Any) -> None:
    from playwright.sync_api import expect

    page = signed_in(browser, env["base"], "gd.supervisor")
    page.goto(f"{env['base']}/console/orders")
    page.locator('[data-view="待分派"] a').click()
    rows = page.locator("table.worklist tbody tr")
    expect(rows).to_have_count(3)
    page.check("#select-all")
    expect(page.locator("#bulk-picked")).to_have_text("已选 3 单")
    page.select_option("#bulk-action", "assign")
    expect(page.locator("#bulk-reason")).to_be_hidden()  # only what the action takes
    page.fill("#bulk-handler", "gz.handler")
    page.click("#bulk-submit")
    summary = page.locator("#bulk-summary")
    expect(summary).to_have_attribute("data-done", "3")
    expect(summary).to_have_attribute("data-refused", "0")
    page.click("#bulk-back")
    expect(page.locator("table.worklist tbody tr")).to_have_count(0)  # the view is empty now


def test_edit_shows_in_the_history(env: Env, browser: Any) -> None:
    from playwright.sync_api import expect

    page = signed_in(browser, env["base"], "gz.agent")
    number = env["reviewed"][0]
    page.goto(f"{env['base']}/console/orders/{number}")
    page.keyboard.press("e")  # the shortcut opens the edit form
    expect(page.locator("#edit-subject")).to_be_focused()
    page.fill("#edit-subject", "待分派投诉0（已更正）")
    page.select_option("#edit-priority", "urgent")
    page.fill("#edit-reason", "客户来电补充")
    page.click("#edit-submit")
    expect(page.locator("#notice")).to_contain_text("工单已修改")
    change = page.locator("#timeline .edit-changes")
    expect(change.locator("[data-field=subject]")).to_contain_text("待分派投诉0（已更正）")
    expect(change.locator("[data-field=priority]")).to_contain_text("高 → 紧急")
    expect(page.locator("#timeline")).to_contain_text("客户来电补充")


def _classify(page: Any, form: Any) -> None:
    form.locator("select[name=root_cause]").select_option("billing")
    form.locator("select[name=responsibility]").select_option("carrier")
    form.locator("select[name=justified]").select_option("true")


def test_call_back_with_a_score_and_archive_with_responsibility(env: Env, browser: Any) -> None:
    from playwright.sync_api import expect

    page = signed_in(browser, env["base"], "gz.agent")
    page.goto(f"{env['base']}/console/orders/{env['callback']}")
    form = page.locator("form[data-action=callback_satisfied]")
    form.locator("xpath=..").evaluate("d => { d.open = true; }")
    form.locator("select[name=outcome]").select_option("basically_satisfied")
    _classify(page, form)
    form.locator("button[type=submit]").click()
    expect(page.locator("#order-status")).to_have_attribute("data-status", "archived")
    expect(page.locator("#callback-outcome")).to_contain_text("基本满意")
    expect(page.locator("#classification")).to_contain_text("企业责任")

    page.goto(f"{env['base']}/console/orders/{env['replied']}")
    form = page.locator("form[data-action=archive]")
    form.locator("xpath=..").evaluate("d => { d.open = true; }")
    form.locator("textarea[name=reason]").fill("客户无需回访")
    _classify(page, form)
    form.locator("button[type=submit]").click()
    expect(page.locator("#order-status")).to_have_attribute("data-status", "archived")
    expect(page.locator("#classification")).to_contain_text("计费差错")


def test_at_risk_queue_nearest_breach_first(env: Env, browser: Any) -> None:
    from playwright.sync_api import expect

    page = signed_in(browser, env["base"], "gd.supervisor")
    page.click("#nav-sla")
    expect(page.locator("h1")).to_contain_text("预警超时")
    numbers = page.locator("table.worklist tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.number)"
    )
    assert numbers[:2] == env["late"]  # registered earliest, so due earliest
    expect(page.locator("table.worklist .countdown").first).to_contain_text("已超")
    expect(page.locator("#groups")).to_contain_text("广州")
    page.keyboard.press("j")
    page.keyboard.press("Enter")  # j then Enter opens the first row
    expect(page).to_have_url(f"{env['base']}/console/orders/{env['late'][0]}")
    page.keyboard.press("?")
    expect(page.locator("#keys-help")).to_contain_text("快捷键")
