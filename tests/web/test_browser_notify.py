"""The bell and the inbox in a real headless Chromium: a supervisor sees the unread count in
the header, a new alert raises it within seconds without a reload (htmx polling), the inbox
lists the breach above the 90 % warning above the chase, and opening one goes to its order."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from telcodesk.app import create_app
from telcodesk.config import Settings
from telcodesk.db import create_db_engine, make_session_factory, unit_of_work, upgrade
from telcodesk.notify import service as notify
from telcodesk.workorders import service as orders
from telcodesk.workorders.schemas import OrderCreate
from tests.factories import PASSWORD, build_world
from tests.live import live_server
from tests.web.test_browser import CHROMIUM, FLAGS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM) and not os.environ.get("CI"), reason="no Chromium"
    ),
]
SHOTS = Path(os.environ.get("TELCODESK_SCREENSHOTS", "/tmp/telcodesk-screenshots"))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, object]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('bell') / 'console.db'}"
    upgrade(url)
    factory = make_session_factory(create_db_engine(url))
    with unit_of_work(factory) as session:
        build_world(session)
    with live_server(create_app(Settings(database_url=url))) as base:
        yield base, factory


def alert(factory: object, kind: str, share: float | None, text: str) -> str:
    from telcodesk.org import service as org

    with unit_of_work(factory) as session:  # type: ignore[arg-type]
        agent = org.get_staff_by_username(session, "gz.agent")
        boss = org.get_staff_by_username(session, "gd.supervisor")
        order, _ = orders.register_order(
            session,
            agent,
            OrderCreate.model_validate(
                {
                    "type": "complaint",
                    "channel": "hotline",
                    "customer_id": 1,
                    "subject": "宽带频繁掉线",
                }
            ),
        )
        notify.send_staff(
            session,
            [boss.id],
            order_id=order.id,
            kind=kind,
            share=share,
            message_zh=f"{text}：工单 {order.number}",
            message_en=f"{kind}: order {order.number}",
        )
        return order.number


def test_bell_counts_live_and_inbox_sorts_by_urgency(site: tuple[str, object]) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, factory = site
    alert(factory, "chase", None, "催办：客户第三次来电")
    alert(factory, "sla_warning", 0.9, "时限预警：办结时限已用 90%")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"{base}/login")
        page.fill("#username", "gd.supervisor")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        expect(page.locator("#bell-count")).to_have_text("2")
        breach = alert(factory, "sla_breach", 1.0, "超时告警：办结已超时，已升级")
        # No reload: the bell polls every 5 s.
        expect(page.locator("#bell-count")).to_have_text("3", timeout=12_000)
        page.click("#bell")
        kinds = page.locator("ul.notes li").evaluate_all("els => els.map(e => e.dataset.kind)")
        assert kinds == ["sla_breach", "sla_warning", "chase"]
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "inbox.png"), full_page=True)
        page.locator("ul.notes li").first.get_by_role("button", name="查看").click()
        expect(page).to_have_url(f"{base}/console/orders/{breach}")
        expect(page.locator("#bell-count")).to_have_text("2")
        expect(page.locator("#order-messages")).to_be_visible()
        page.screenshot(path=str(SHOTS / "order.png"), full_page=True)
        browser.close()
