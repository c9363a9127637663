"""Staffing in a real headless Chromium (CC-3): a province supervisor computes a call
centre's day plan from its total calls, sees the chart (ECharts, served from /static), solves
a roster with a person's leave, and reads the grid; full cover with too few people is refused
on the page naming the rules in conflict."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from telcodesk.app import create_app
from telcodesk.config import Settings
from telcodesk.db import create_db_engine, make_session_factory, unit_of_work, upgrade
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


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('staffing') / 'staffing.db'}"
    upgrade(url)
    factory = make_session_factory(create_db_engine(url))
    with unit_of_work(factory) as session:
        build_world(session)
        cc = org.ensure_unit(
            session, code="GZ-CC", name="广州呼叫中心", kind=UnitKind.CALL_CENTRE,
            region_code="440100", parent=org.get_unit_by_code(session, "GZ"),
        )  # fmt: skip
        for n in range(16):
            org.create_staff(
                session, username=f"cc.agent{n:02d}", display_name=f"坐席{n}",
                password=PASSWORD, unit=cc, role=Role.HOTLINE_AGENT,
            )  # fmt: skip
    with live_server(create_app(Settings(database_url=url))) as base:
        yield base


def test_plan_chart_roster_grid_and_refusal(site: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    base = site
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/login")
        page.fill("#username", "gd.supervisor")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.click("#nav-staffing")
        page.fill("#plan-day-GZ-CC", "2026-12-07")
        page.fill("#plan-total-GZ-CC", "1500")
        page.click("#btn-plan-GZ-CC")
        expect(page.locator("#plan-summary")).to_contain_text("1500")
        expect(page.locator("#plan-chart")).to_have_attribute("data-ready", "1")
        assert page.locator("#plan-chart canvas").count() >= 1  # ECharts drew it
        expect(page.locator("#plan-table tbody tr").first).to_be_visible()
        page.screenshot(path=str(SHOTS / "staffing-plan.png"), full_page=True)
        plan_url = page.url

        page.fill("#roster-limit", "5")
        page.fill("#roster-leave", "cc.agent00:2026-12-08")
        page.click("#btn-solve")
        expect(page.locator("#roster-grid tbody tr")).to_have_count(16)
        leave = page.locator("#roster-grid tr[data-person='cc.agent00'] td").nth(2)
        expect(leave).to_have_text("休")
        expect(page.locator("#cover-chart")).to_have_attribute("data-ready", "1")
        expect(page.locator("#roster-summary")).to_contain_text("低于计划")
        page.screenshot(path=str(SHOTS / "staffing-roster.png"), full_page=True)

        page.goto(plan_url)
        page.fill("#roster-limit", "5")
        page.check("#roster-hard")
        page.click("#btn-solve")
        expect(page.locator("#roster-error")).to_contain_text("冲突")
        expect(page.locator("#roster-error")).to_contain_text("cover")
        browser.close()
