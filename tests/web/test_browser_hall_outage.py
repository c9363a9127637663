"""The outage journey in a real headless Chromium (BH-6): the kiosk is opened and registers
while the server runs; the server is stopped; the kiosk keeps issuing offline numbers (X1-A001
…) with a pre-acceptance, a reload is served by its service worker and still knows what is
pending (IndexedDB); the server is started again on the same port and the records are entered
by themselves — none lost, none doubled, even when the page sends them a second time."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from telcodesk.app import create_app
from telcodesk.config import Settings
from telcodesk.db import create_db_engine, make_session_factory, unit_of_work, upgrade
from telcodesk.halls import setup
from telcodesk.halls.models import OfflineEntry, Ticket
from telcodesk.org import service as org
from telcodesk.org.roles import UnitKind
from tests.factories import build_world
from tests.live import free_port, live_server
from tests.web.test_browser import CHROMIUM, FLAGS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM) and not os.environ.get("CI"), reason="no Chromium"
    ),
]
SHOTS = Path(os.environ.get("TELCODESK_SCREENSHOTS", "/tmp/telcodesk-screenshots"))


def test_kiosk_issues_offline_and_enters_once_when_the_server_returns(tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    url = f"sqlite:///{tmp_path / 'hall.db'}"
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
    port = free_port()
    app = create_app(Settings(database_url=url))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        kiosk = browser.new_page(viewport={"width": 1024, "height": 900})
        with live_server(app, port=port) as base:
            kiosk.goto(f"{base}/h/{token}/kiosk")
            kiosk.wait_for_function("window.__kiosk.ready && window.__kiosk.device === 1")
            # The service worker controls the page: it will serve it while the server is down.
            kiosk.evaluate("navigator.serviceWorker.ready")
            kiosk.reload()
            kiosk.wait_for_function("navigator.serviceWorker.controller !== null")
            kiosk.click("#type-A")
            expect(kiosk.locator("#slip-number")).to_have_text("A001")

        # The server is down: numbers still come, from this device's reserved range.
        kiosk.fill("#phone", "13900139000")
        kiosk.click("#type-A")
        expect(kiosk.locator("#slip-number")).to_have_text("X1-A001")
        expect(kiosk.locator("#offline")).to_be_visible()
        kiosk.fill("#note", "办理宽带续约，已核对身份证")
        kiosk.click("#type-B")
        expect(kiosk.locator("#slip-number")).to_have_text("X1-B001")
        expect(kiosk.locator("#pending-count")).to_have_text("2")
        kiosk.reload()  # served by the service worker; IndexedDB still holds both
        kiosk.wait_for_function("window.__kiosk.ready")
        expect(kiosk.locator("#pending-count")).to_have_text("2")
        kiosk.click("#type-A")
        expect(kiosk.locator("#slip-number")).to_have_text("X1-A002")
        expect(kiosk.locator("#pending-count")).to_have_text("3")
        kiosk.screenshot(path=str(SHOTS / "hall-kiosk-offline.png"))
        sent = kiosk.evaluate("window.__pending()")
        assert sorted(r["number"] for r in sent) == ["X1-A001", "X1-A002", "X1-B001"]

        with live_server(app, port=port):  # the connection returns
            expect(kiosk.locator("#pending-count")).to_have_text("0", timeout=15000)
            expect(kiosk.locator("#synced")).to_contain_text("已登记 3 条")
            # The page sends the same records again (a lost answer): nothing is doubled.
            again = kiosk.evaluate(
                """async ([path, records]) => {
                    const res = await fetch(path, {
                        method: "POST", headers: {"Content-Type": "application/json"},
                        body: JSON.stringify({records: records}) });
                    return (await res.json()).map((r) => r.status);
                }""",
                [f"/api/v1/public/halls/{token}/offline", sent],
            )
            assert again == ["duplicate", "duplicate", "duplicate"]
        browser.close()
    with unit_of_work(factory) as session:
        numbers = sorted(session.scalars(select(Ticket.number).where(Ticket.source == "offline")))
        assert numbers == ["X1-A001", "X1-A002", "X1-B001"]
        notes = session.scalars(select(OfflineEntry.note).where(OfflineEntry.note.is_not(None)))
        assert list(notes) == ["办理宽带续约，已核对身份证"]
        assert session.scalar(select(Ticket.tier).where(Ticket.number == "X1-A001")) == "gold"
