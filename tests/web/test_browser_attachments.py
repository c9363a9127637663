"""Reply templates and attachments in a real headless Chromium (issue 9 item 7): a handler on
an order inserts a reply template (filled on the server, the customer's name masked),
attaches a screenshot without losing the reply being written — an HTML page disguised as a
PNG is refused on the page — sends the reply, and the screenshot downloads with the safe
headers (nosniff, a sandboxing CSP, inline only because it is an image)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from telcodesk.app import create_app
from telcodesk.config import Settings
from telcodesk.db import create_db_engine, make_session_factory, unit_of_work, upgrade
from telcodesk.knowledge import replies
from telcodesk.knowledge import service as kb
from telcodesk.knowledge.rules import ReplyState
from telcodesk.knowledge.schemas import ReplyTemplateIn
from telcodesk.org import service as org
from telcodesk.org.roles import Role
from telcodesk.workorders import service as orders
from telcodesk.workorders.rules import Action
from telcodesk.workorders.schemas import OrderCreate, TransitionIn
from tests.attachments.conftest import HTML, png
from tests.factories import PASSWORD, build_world
from tests.live import live_server
from tests.web.test_browser import CHROMIUM, FLAGS, pytestmark  # noqa: F401


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('attach_browser') / 'console.db'}"
    upgrade(url)
    factory = make_session_factory(create_db_engine(url))
    with unit_of_work(factory) as session:
        world = build_world(session)
        kb.seed_categories(session)
        editor = org.create_staff(
            session,
            username="gz.kbe",
            display_name="采编",
            password=PASSWORD,
            unit=org.get_unit_by_code(session, "GZ"),
            role=Role.KNOWLEDGE_EDITOR,
        )
        template = replies.create(
            session,
            editor,
            ReplyTemplateIn(
                title="宽带退费告知",
                body="{customer_name}您好，您反映的问题（工单{order_number}）已核实，"
                "多扣费用将退回原账户。坐席{agent_name}",
                category_code="network.broadband",
                region_code="440100",
            ),
        )
        replies.move(session, editor, template.id, ReplyState.ACTIVE)
        order, _ = orders.register_order(
            session,
            world.agent,
            OrderCreate.model_validate(
                {
                    "type": "complaint",
                    "channel": "hotline",
                    "customer_id": world.customer.id,
                    "subject": "宽带账单多扣费",
                    "category_code": "network.broadband.drops",
                }
            ),
        )
        number = order.number
        for actor, action, extra in [
            (world.agent, Action.REVIEW_VALID, {}),
            (world.agent, Action.ASSIGN, {"handler": "gz.handler"}),
            (world.handler, Action.START, {}),
        ]:
            current = orders.get_order(session, number, viewer=actor)
            orders.transition(
                session, actor, number, action, TransitionIn(version=current.version, **extra)
            )
    with live_server(create_app(Settings(database_url=url))) as base:
        yield base, number


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


def test_attach_a_screenshot_and_send_the_reply(
    server: tuple[str, str], browser: object, tmp_path: Path
) -> None:
    from playwright.sync_api import Browser, expect

    base, number = server
    assert isinstance(browser, Browser)
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(f"{base}/login")
    page.fill("#username", "gz.handler")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{base}/console/orders/{number}")
    # The reply template 话术: its variables filled on the server, the name masked.
    template = page.locator("#kb-replies .reply-template").filter(has_text="宽带退费告知")
    expect(template).to_have_count(1)
    template.locator(".reply-insert").click()
    reply = page.locator("form[data-action=reply] textarea[name=message]")
    said = f"张*您好，您反映的问题（工单{number}）已核实，多扣费用将退回原账户。坐席王建国"
    expect(reply).to_have_value(said)
    card = page.locator("#attachments-card")
    expect(card.locator("#attachment-form")).to_be_visible()
    # An HTML page named .png and declared image/png: refused, the reason on the card.
    card.locator("select[name=kind]").select_option("screenshot")
    card.locator("input[type=file]").set_input_files(
        files=[{"name": "账单.png", "mimeType": "image/png", "buffer": HTML}]
    )
    card.locator("button[type=submit]").click()
    expect(page.locator("#attachment-error")).to_contain_text("不允许的附件类型")
    expect(page.locator("#no-attachments")).to_be_visible()
    # The real screenshot goes in; the reply being written is still there.
    page.locator("#attachments-card select[name=kind]").select_option("screenshot")
    page.locator("#attachments-card input[type=file]").set_input_files(
        files=[{"name": "账单截图.png", "mimeType": "image/png", "buffer": png()}]
    )
    page.locator("#attachments-card button[type=submit]").click()
    link = page.locator("#attachments-card a.attachment-link")
    expect(link).to_have_text("账单截图.png")
    expect(page.locator("#attachment-error")).to_have_count(0)
    expect(reply).to_have_value(said)
    href = link.get_attribute("href")
    assert href
    page.screenshot(path=str(tmp_path / "attachment_on_order.png"), full_page=True)
    page.locator("form[data-action=reply] button[type=submit]").click()
    expect(page.locator("#order-status")).to_have_attribute("data-status", "replied")
    expect(page.locator("#timeline")).to_contain_text("附件")
    expect(page.locator("#timeline")).to_contain_text("多扣费用将退回原账户")
    # The download, with the browser's own cookies: the bytes and the safe headers.
    got = page.request.get(f"{base}{href}")
    assert got.status == 200 and got.body() == png()
    headers = got.headers
    assert headers["content-type"] == "image/png"
    assert headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in headers["content-security-policy"]
    assert headers["content-disposition"].startswith("inline;")
