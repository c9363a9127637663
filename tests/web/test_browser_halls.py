"""The hall in a real headless Chromium (BH-1, BH-2, T-3): a customer takes a number at the
kiosk, the agent opens counter 2 and calls it on the counter page, and the big display shows
it within a second and says "请 A001 号到 2 号窗口" through speechSynthesis (a stub records
what is spoken); the phone page shows the ticket's state."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from telcodesk.app import create_app
from telcodesk.config import Settings
from telcodesk.db import create_db_engine, make_session_factory, unit_of_work, upgrade
from telcodesk.halls import setup
from telcodesk.org import service as org
from telcodesk.org.roles import Role, UnitKind
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
# Records what the display says instead of speaking it (headless Chromium has no voices).
SPEECH_STUB = """
window.__spoken = [];
window.SpeechSynthesisUtterance = function (text) { this.text = text; };
Object.defineProperty(window, "speechSynthesis", {
  value: { speak: function (u) { window.__spoken.push({ text: u.text, lang: u.lang }); } },
});
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('hall') / 'hall.db'}"
    upgrade(url)
    factory = make_session_factory(create_db_engine(url))
    with unit_of_work(factory) as session:
        build_world(session)
        city = org.get_unit_by_code(session, "GZ")
        hall = org.ensure_unit(
            session, code="GZ-TH", name="天河营业厅", kind=UnitKind.HALL, region_code="440106",
            parent=city,
        )  # fmt: skip
        token = setup.set_up_hall(session, hall).screen_token
        org.create_staff(
            session, username="th.agent", display_name="营业员小林", password=PASSWORD,
            unit=hall, role=Role.HALL_AGENT,
        )  # fmt: skip
    with live_server(create_app(Settings(database_url=url))) as base:
        yield base, token


def test_kiosk_counter_and_display_that_speaks(site: tuple[str, str]) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, token = site
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        display = browser.new_page(viewport={"width": 1600, "height": 900})
        display.add_init_script(SPEECH_STUB)
        display.goto(f"{base}/h/{token}/display")
        expect(display.locator("#now-number")).to_have_text("—")

        kiosk = browser.new_page(viewport={"width": 1024, "height": 768})
        kiosk.goto(f"{base}/h/{token}/kiosk")
        kiosk.click("#type-A")
        expect(kiosk.locator("#slip-number")).to_have_text("A001")
        expect(kiosk.locator("#slip-text")).to_contain_text("前面还有 0 人")
        phone_url = kiosk.locator("#slip-link").get_attribute("href")
        kiosk.screenshot(path=str(SHOTS / "hall-kiosk.png"))
        # The waiting count reaches the display by itself (server-sent events).
        expect(display.locator("#queues")).to_contain_text("A 业务办理")

        counter = browser.new_page(viewport={"width": 1280, "height": 800})
        counter.goto(f"{base}/login")
        counter.fill("#username", "th.agent")
        counter.fill("#password", PASSWORD)
        counter.click("button[type=submit]")
        counter.goto(f"{base}/console/halls/GZ-TH/counters/2")
        counter.click("#btn-open")
        expect(counter.locator("#counter-state")).to_have_text("open")
        counter.click("#btn-call")
        called_at = time.monotonic()
        expect(counter.locator("#current-number")).to_have_text("A001")
        expect(display.locator("#now-number")).to_have_text("A001", timeout=1500)
        assert time.monotonic() - called_at < 1.5
        expect(display.locator("#now-counter")).to_have_text("请到 2 号窗口")
        display.wait_for_function("window.__spoken.length > 0", timeout=1500)
        spoken = display.evaluate("window.__spoken")
        assert spoken == [{"text": "请 A001 号到 2 号窗口", "lang": "zh-CN"}]
        display.screenshot(path=str(SHOTS / "hall-display.png"))
        counter.screenshot(path=str(SHOTS / "hall-counter.png"))

        phone = browser.new_page(viewport={"width": 390, "height": 800})
        phone.goto(f"{base}{phone_url}")
        expect(phone.locator("#state")).to_have_text("已叫号")
        expect(phone.locator("#counter")).to_have_text("请到 2 号窗口")
        browser.close()
