"""Appointments in a real headless Chromium (BH-4): the duty manager opens the morning's slots
on the console, books a gold and a diamond member; at the hall the 10:30 member checks in at
the kiosk first and the 10:00 member at the desk after, and the VIP counter calls them by
booked time (10:00 first), not by arrival. The server's clock is set (same process)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path

import pytest
from sqlalchemy import select

from telcodesk import clock
from telcodesk.app import create_app
from telcodesk.config import Settings
from telcodesk.customers import identity
from telcodesk.customers import service as customers
from telcodesk.customers.schemas import CustomerIn
from telcodesk.db import create_db_engine, make_session_factory, unit_of_work, upgrade
from telcodesk.halls import appointments, setup
from telcodesk.notify.models import OutboxMessage
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
NOW = [datetime(2026, 12, 7, 1, 0, tzinfo=UTC)]  # 09:00 Beijing
DB_URL: list[str] = []
ID_NUMBER = "44010619800101123" + identity.id_check_character("44010619800101123")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The live server's base URL and the hall's screen token (``DB_URL[0]``: its database)."""
    clock.set_clock(lambda: NOW[0])
    url = f"sqlite:///{tmp_path_factory.mktemp('appointments') / 'hall.db'}"
    DB_URL[:] = [url]
    upgrade(url)
    factory = make_session_factory(create_db_engine(url))
    with unit_of_work(factory) as session:
        build_world(session)  # the gold member 钱多多 13900139000
        customers.create_customer(
            session,
            CustomerIn(name="孙钻石", phone="13700137000", tier="diamond"),  # type: ignore[arg-type]
            default_city="440100",
        )
        customers.create_customer(  # a walk-in with her ID card on record (item 3)
            session,
            CustomerIn(
                name="陈柜台", phone="13610001000", id_type="resident_id",  # type: ignore[arg-type]
                id_number=ID_NUMBER, id_copy_kept=True,
            ),
            default_city="440100",
        )  # fmt: skip
        city = org.get_unit_by_code(session, "GZ")
        hall = org.ensure_unit(
            session, code="GZ-TH", name="天河营业厅", kind=UnitKind.HALL, region_code="440106",
            parent=city,
        )  # fmt: skip
        token = setup.set_up_hall(session, hall).screen_token
        org.create_staff(
            session, username="th.manager", display_name="值班经理", password=PASSWORD,
            unit=hall, role=Role.HALL_MANAGER,
        )  # fmt: skip
    try:
        with live_server(create_app(Settings(database_url=url))) as base:
            yield base, token
    finally:
        clock.set_clock(None)


def test_book_check_in_and_called_by_booked_time(site: tuple[str, str]) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, token = site
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        desk = browser.new_page(viewport={"width": 1280, "height": 900})

        def log_in() -> None:
            desk.goto(f"{base}/login")
            desk.fill("#username", "th.manager")
            desk.fill("#password", PASSWORD)
            desk.click("button[type=submit]")

        log_in()
        desk.goto(f"{base}/console/halls")
        desk.click("#appointments-GZ-TH")
        expect(desk.locator("#slots")).to_contain_text("当天未开放预约时段")
        desk.select_option("#slot-type", "A")
        desk.fill("#slot-first", "10:00")
        desk.fill("#slot-last", "11:00")
        desk.fill("#slot-minutes", "30")
        desk.fill("#slot-capacity", "2")
        desk.click("#btn-slots")
        expect(desk.locator("#slots tbody tr")).to_have_count(2)
        expect(desk.locator("#slots")).to_contain_text("10:30")

        desk.select_option("#book-slot", label="10:30 A 业务办理 (余 2)")
        desk.fill("#book-phone", "139 0013 9000")
        desk.click("#btn-book")
        expect(desk.locator("#appointments")).to_contain_text("钱多多")
        desk.select_option("#book-slot", label="10:00 A 业务办理 (余 2)")
        desk.fill("#book-phone", "13700137000")
        desk.click("#btn-book")
        expect(desk.locator("#appointments tbody tr")).to_have_count(2)
        # A standard customer cannot book: the page says why (BH-4).
        desk.fill("#book-phone", "13800138000")
        desk.click("#btn-book")
        expect(desk.locator(".error")).to_contain_text("金卡、钻石卡会员")
        desk.screenshot(path=str(SHOTS / "hall-appointments.png"))

        NOW[0] = datetime(2026, 12, 7, 2, 5, tzinfo=UTC)  # 10:05: both windows are open
        kiosk = browser.new_page(viewport={"width": 1024, "height": 768})
        kiosk.goto(f"{base}/h/{token}/kiosk")
        kiosk.fill("#checkin-phone", "13900139000")  # the 10:30 member arrives first
        kiosk.click("#btn-checkin")
        expect(kiosk.locator("#slip-number")).to_have_text("Y001")
        expect(kiosk.locator("#slip-text")).to_contain_text("预约签到成功")

        NOW[0] += timedelta(minutes=2)
        log_in()  # an hour later: the console session has timed out
        desk.goto(f"{base}/console/halls/GZ-TH/appointments?day=2026-12-07")
        desk.locator("#appointments tr", has_text="孙钻石").locator(".btn-check-in").click()
        expect(desk.locator("#appointments tr", has_text="孙钻石")).to_contain_text("Y002")
        expect(desk.locator("#appointments tr", has_text="钱多多")).to_contain_text("已签到")

        desk.goto(f"{base}/console/halls/GZ-TH/counters/1")  # the VIP counter serves Y first
        desk.click("#btn-open")
        desk.click("#btn-call")
        expect(desk.locator("#current-number")).to_have_text("Y002")  # booked 10:00
        desk.click("#btn-start")
        desk.click("#btn-finish")
        desk.click("#btn-call")
        expect(desk.locator("#current-number")).to_have_text("Y001")  # booked 10:30
        browser.close()


def test_finishing_a_visit_goes_to_the_counter_visit_and_its_slip(site: tuple[str, str]) -> None:
    """Item 3: the served ticket's customer goes to a counter visit from the counter page
    (the document checked), the visit's page with its slip is the counter's, and the counter
    page keeps the link."""
    from playwright.sync_api import expect, sync_playwright

    base, token = site
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        kiosk = browser.new_page(viewport={"width": 1024, "height": 768})
        kiosk.goto(f"{base}/h/{token}/kiosk")
        kiosk.click("#type-C")  # an anonymous consultation ticket
        expect(kiosk.locator("#slip-number")).to_have_text("C001")
        desk = browser.new_page(viewport={"width": 1280, "height": 900})
        desk.goto(f"{base}/login")
        desk.fill("#username", "th.manager")
        desk.fill("#password", PASSWORD)
        desk.click("button[type=submit]")
        desk.goto(f"{base}/console/halls/GZ-TH/counters/5")  # the express counter serves C
        desk.click("#btn-open")
        desk.click("#btn-call")
        expect(desk.locator("#current-number")).to_have_text("C001")
        desk.click("#btn-start")
        desk.fill("#visit-phone", "13610001000")
        desk.fill("#visit-id-number", "110101199003077777")  # not her document
        desk.click("#btn-visit")
        expect(desk.locator(".error")).to_be_visible()
        desk.fill("#visit-phone", "13610001000")
        desk.fill("#visit-id-number", ID_NUMBER)
        desk.click("#btn-visit")
        expect(desk.locator("#visit-number")).to_contain_text("CV20261207-")
        number = desk.locator("#visit-number").inner_text()
        expect(desk.locator("#slip-link")).to_be_visible()
        desk.goto(f"{base}/console/halls/GZ-TH/counters/5")
        expect(desk.locator("#visit-links")).to_contain_text(number)
        desk.fill("#order-subject", "家中宽带无法上网")
        desk.click("#btn-order")
        expect(desk.locator("#visit-links .link-order")).to_have_count(1)
        desk.screenshot(path=str(SHOTS / "hall-counter-visit-links.png"))
        browser.close()


def test_member_books_on_the_phone_page(site: tuple[str, str]) -> None:
    """BH-4 on the member's own phone: a slot chosen, a code texted (read from the outbox),
    the booking confirmed on the page and by SMS."""
    from playwright.sync_api import expect, sync_playwright

    base, token = site
    NOW[0] = datetime(2026, 12, 7, 2, 30, tzinfo=UTC)  # 10:30: the 11:00 slots are ahead
    factory = make_session_factory(create_db_engine(DB_URL[0]))
    with unit_of_work(factory) as session:
        hall = setup.hall_by_token(session, token)[0]
        manager = org.get_staff_by_username(session, "th.manager")
        appointments.add_slots(
            session, manager, hall, "B", NOW[0].date(), dt_time(11), dt_time(12), 30, 1
        )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        phone = browser.new_page(viewport={"width": 390, "height": 800})
        phone.goto(f"{base}/h/{token}/book")
        phone.locator(".slot", has_text="11:00 · 缴费充值").click()
        phone.fill("#phone", "13700137000")
        phone.click("#btn-code")
        expect(phone.locator("#code-sent")).to_contain_text("验证码已发送")
        with unit_of_work(factory) as session:
            sms = session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == "hall_booking_code")
            ).one()
            code = sms.body.split("验证码 ")[1][:6]
        phone.fill("#code", code)
        phone.click("#btn-book")
        expect(phone.locator("#result")).to_contain_text("预约成功：11:00 缴费充值")
        phone.screenshot(path=str(SHOTS / "hall-phone-booking.png"))
        browser.close()
    with unit_of_work(factory) as session:
        confirmations = session.scalars(
            select(OutboxMessage.recipient).where(OutboxMessage.kind == "hall_appointment")
        ).all()
        assert "13700137000" in confirmations
