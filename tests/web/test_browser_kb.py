"""The knowledge base in a real headless Chromium (KB-1): a handler on an order searches the
suggestions with a two-character query (漫游), finds the standard answer and inserts it into
the reply, which goes to the customer; the insertion is counted for the editors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from telcodesk.app import create_app
from telcodesk.config import Settings
from telcodesk.db import create_db_engine, make_session_factory, unit_of_work, upgrade
from telcodesk.knowledge import service as kb
from telcodesk.knowledge.demo_content import load_articles
from telcodesk.knowledge.models import KbUsage
from telcodesk.org import service as org
from telcodesk.org.roles import Role
from telcodesk.workorders import service as orders
from telcodesk.workorders.rules import Action
from telcodesk.workorders.schemas import OrderCreate, TransitionIn
from tests.factories import PASSWORD, build_world
from tests.live import live_server
from tests.web.test_browser import CHROMIUM, FLAGS, pytestmark  # noqa: F401


@pytest.fixture(scope="module")
def kb_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:

    url = f"sqlite:///{tmp_path_factory.mktemp('kb_browser') / 'console.db'}"
    upgrade(url)
    factory = make_session_factory(create_db_engine(url))
    with unit_of_work(factory) as session:
        world = build_world(session)
        kb.seed_categories(session)
        hq = org.get_unit_by_code(session, "HQ")
        editor, reviewer = (
            org.create_staff(
                session, username=u, display_name=u, password=PASSWORD, unit=hq, role=r
            )
            for u, r in (("hq.kbe", Role.KNOWLEDGE_EDITOR), ("hq.kbr", Role.KNOWLEDGE_REVIEWER))
        )
        load_articles(session, editor, reviewer)
        order, _ = orders.register_order(
            session,
            world.agent,
            OrderCreate.model_validate(
                {
                    "type": "consultation",
                    "channel": "hotline",
                    "customer_id": world.customer.id,
                    "subject": "下月出国，咨询资费",
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
        yield base, number, url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


def test_two_characters_find_the_answer_and_it_goes_into_the_reply(
    kb_server: tuple[str, str, str], browser: object, tmp_path: Path
) -> None:
    from playwright.sync_api import Browser, expect

    server, number, url = kb_server
    assert isinstance(browser, Browser)
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(f"{server}/login")
    page.fill("#username", "gz.handler")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{server}/console/orders/{number}")
    expect(page.locator("#kb-suggestions")).to_be_visible()  # loaded for the order's text
    page.fill("#kb-suggest-q", "漫游")
    page.locator("#kb-suggestions button[type=submit]").click()
    hit = page.locator("#kb-suggestions .kb-hit").filter(has_text="国际漫游日租包资费")
    expect(hit).to_have_count(1)
    expect(hit.locator("mark").first).to_have_text("漫游")
    hit.locator(".kb-insert").click()
    expect(hit.locator(".kb-said")).to_have_text("已插入答复")
    reply = page.locator("form[data-action=reply] textarea[name=message]")
    expect(reply).to_have_value(
        "国际漫游日租包：港澳台每天25元、日韩新马泰每天30元、欧美每天40元，"
        "不限流量（每天前500MB高速），按自然日（北京时间）计费。"
    )
    page.screenshot(path=str(tmp_path / "kb_insert_reply.png"), full_page=True)
    page.locator("form[data-action=reply] button[type=submit]").click()
    expect(page.locator("#order-status")).to_have_attribute("data-status", "replied")
    expect(page.locator("#timeline")).to_contain_text("国际漫游日租包")
    with unit_of_work(make_session_factory(create_db_engine(url))) as session:
        used = session.scalars(select(KbUsage)).all()
        assert [(u.kind, u.order_id is not None) for u in used] == [("inserted", True)]
