"""A counter visit in a real headless Chromium (issue 10 item 8): the agent looks the customer
up by ID card, does two transactions — a payment and a value-added service — the customer
confirms the service by SMS reply (signed as the SMS platform forwards it), and the agent has
the combined slip signed and shows it for printing, then downloads the same slip as PDF. A
screenshot of the slip and the PDF are kept."""

from __future__ import annotations

import json
import os
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pypdf
import pytest

from telcodesk.app import create_app
from telcodesk.config import Settings
from telcodesk.customers import identity
from telcodesk.customers import service as customers
from telcodesk.customers.schemas import CustomerIn
from telcodesk.db import create_db_engine, make_session_factory, unit_of_work, upgrade
from telcodesk.notify import rules as notify_rules
from tests.factories import PASSWORD, build_world
from tests.live import live_server
from tests.web.test_browser import CHROMIUM, FLAGS

SECRET = "browser-sms-secret"
BODY = "44010619580808123"  # born 1958: an elderly customer (BH-2)
ID_NUMBER = BODY + identity.id_check_character(BODY)
SHOTS = Path(os.environ.get("TELCODESK_SCREENSHOTS", "/tmp/telcodesk-screens"))

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="no Chromium"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('counter') / 'counter.db'}"
    upgrade(url)
    with unit_of_work(make_session_factory(create_db_engine(url))) as session:
        build_world(session)
        customer = customers.create_customer(
            session,
            CustomerIn(
                name="林柜台",
                phone="13620001000",
                id_type="resident_id",  # type: ignore[arg-type]
                id_number=ID_NUMBER,
                address="广东省广州市天河区天河路 100 号",
                id_copy_kept=True,
            ),
            default_city="440100",
        )
        customers.add_product(session, customer, number="13620001000", plan="5G 畅享 129 元")
        customers.add_product(
            session, customer, number="13620002000", plan="4G 59", arrears_fen=5800
        )
    settings = Settings(database_url=url, sms_secret=SECRET, worker_interval_s=3600)
    with live_server(create_app(settings)) as base:
        yield base


def sms_reply(server: str, phone: str, text: str) -> dict[str, object]:
    raw = json.dumps({"phone": phone, "text": text}, ensure_ascii=False).encode()
    stamp, nonce = str(int(time.time())), uuid.uuid4().hex[:16]
    headers = {
        "Content-Type": "application/json",
        "X-Timestamp": stamp,
        "X-Nonce": nonce,
        "X-Signature": notify_rules.sign(SECRET, stamp, nonce, raw),
    }
    request = urllib.request.Request(
        f"{server}/api/v1/counter/sms-replies", data=raw, headers=headers, method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as res:
        assert res.status == 200
        return dict(json.loads(res.read()))


def test_a_counter_visit(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1024, "height": 900})
        page.goto(f"{server}/login")
        page.fill("#username", "gz.agent")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.click("#nav-counter")
        page.select_option("#id_type", "resident_id")
        page.fill("#id_number", ID_NUMBER)
        page.click("#document-lookup button[type=submit]")
        expect(page.locator("#counter-found")).to_contain_text("林*台")
        page.locator("[id^=start-visit-]").first.click()
        expect(page.locator("#visit-number")).to_contain_text("CV")

        page.select_option("#kind", "payment")
        page.select_option("#product_number", "13620002000")
        page.fill("#amount_yuan", "58")
        page.click("#add-transaction")
        expect(page.locator("#visit-transactions")).to_contain_text("缴费 58.00 元")

        page.select_option("#kind", "vas_subscribe")
        page.select_option("#product_number", "13620001000")
        page.select_option("#service", "video_vip")
        page.click("#add-transaction")
        expect(page.locator("#visit-transactions")).to_contain_text("待客户短信确认")

        answer = sms_reply(server, "13620001000", "是")
        assert answer["state"] == "completed"
        page.reload()
        expect(page.locator("#visit-transactions")).to_contain_text("视频会员已开通")

        page.click("#sign-visit")
        slip = page.locator("#slip")
        expect(slip).to_contain_text("业务受理单")
        expect(page.locator("#slip-total")).to_have_text("58.00")
        expect(page.locator("#slip-signature")).to_contain_text("已签字确认")
        assert ID_NUMBER not in page.content()  # the slip shows the document masked
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "counter_slip.png"), full_page=True)
        page.emulate_media(media="print")  # printed: the slip alone, no console header
        expect(page.locator("header.top")).to_be_hidden()
        expect(page.locator("#print-slip")).to_be_hidden()
        page.screenshot(path=str(SHOTS / "counter_slip_print.png"), full_page=True)
        page.emulate_media(media="screen")

        # The same slip as PDF, downloaded from the slip's link (BH-5): the transactions and
        # the masked document in its text, never the full number.
        with page.expect_download() as downloaded:
            page.click("#slip-pdf")
        pdf = Path(downloaded.value.path())
        number = page.locator("#slip-number").inner_text()
        assert downloaded.value.suggested_filename == f"{number}.pdf"
        reader = pypdf.PdfReader(pdf)
        text = "".join("".join(p.extract_text().split()) for p in reader.pages)
        assert number in text and "缴费" in text and "视频会员已开通" in text
        assert "58.00" in text and "440106********" in text and ID_NUMBER not in text
        (SHOTS / "counter_slip.pdf").write_bytes(pdf.read_bytes())
        browser.close()
