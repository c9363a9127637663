"""Screenshots of the console's main pages, in Chinese and in English (issue 9 item 10).

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--only orders order]

Builds a fresh SQLite database with a small data set (the test suite's organisation and a
dozen orders in every state), serves the app on a free port, signs in as its people in
headless Chromium (/usr/bin/chromium) and saves one PNG per page and language:
`<page>.<lang>.png`.
`tests/web/test_screenshots.py` runs it on every CI run, into a temporary folder, and checks
that every page still renders and that the committed set in docs/screenshots/ is the same
list of pages, so the pictures do not go stale.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
PASSWORD = "Passw0rd!x"  # tests/factories.py
LANGS = ("zh", "en")


@dataclass(frozen=True)
class Shot:
    name: str  # the file's stem
    who: str  # the demo account that looks at the page
    path: str | Callable[[Any], str]  # a URL path, or one worked out from the page's data
    prepare: Callable[[Any], None] | None = None  # clicks before the picture (optional)


def _first_order(page: Any) -> str:
    page.goto(page.base + "/console/orders?sort=oldest")
    return str(page.locator("a.open-order").first.get_attribute("href"))


def _open_edit(page: Any) -> None:
    page.locator("#edit-order summary").click()


def _registration(page: Any) -> None:
    phone = page.base_phone
    page.fill("#customer_phone", phone)
    page.locator("#customer-fields input[disabled]").first.wait_for(timeout=5000)
    page.select_option("#category_code", index=1)
    page.wait_for_timeout(400)


def _select_some(page: Any) -> None:
    boxes = page.locator("input[name=numbers]")
    for i in range(min(3, boxes.count())):
        boxes.nth(i).check()
    page.keyboard.press("j")
    page.keyboard.press("j")


def _help(page: Any) -> None:
    page.keyboard.press("?")


SHOTS = (
    Shot("login", "", "/login"),
    Shot("orders", "gd.supervisor", "/console/orders?open_only=1", _select_some),
    Shot("shortcuts", "gd.supervisor", "/console/orders?open_only=1&sort=priority", _help),
    Shot("at-risk", "gd.supervisor", "/console/orders?queue=at_risk&group=unit"),
    Shot("my-orders", "gz.agent", "/console/my"),
    Shot("order", "gd.supervisor", _first_order, _open_edit),
    Shot("new-order", "gd.supervisor", "/console/orders/new", _registration),
    Shot("closure-codes", "hq.admin", "/console/admin/closure-codes"),
    Shot("knowledge", "gd.supervisor", "/console/kb"),
)


def build(url: str) -> str:
    """A small, varied data set (tests/factories.py's organisation and a dozen orders in every
    state, some late, one paused, one escalated, a shared view) in a fresh database; returns
    a customer's number that has open orders. Small on purpose: the CI run stays well under a
    minute."""
    from datetime import timedelta

    from argon2 import PasswordHasher

    from telcodesk import clock
    from telcodesk.db import create_db_engine, make_session_factory, unit_of_work, upgrade
    from telcodesk.org import security
    from telcodesk.wiring import wire
    from telcodesk.worklists import service as worklists
    from telcodesk.worklists.schemas import ListSpec, SavedViewIn
    from telcodesk.workorders import edits
    from telcodesk.workorders import service as orders
    from telcodesk.workorders.rules import Action
    from telcodesk.workorders.schemas import NoteIn, OrderCreate, OrderEdit, TransitionIn
    from tests.factories import build_world, hq_admin

    # Throwaway accounts: the cheapest password hash, as the test suite uses.
    security._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    wire()
    upgrade(url)
    factory = make_session_factory(create_db_engine(url))
    with unit_of_work(factory) as session:
        world = build_world(session)
        hq_admin(session)
    cases = [
        ("complaint", "hotline", "宽带每晚八点掉线", "network.broadband.drops", "high", 9),
        ("complaint", "wechat", "套餐外流量扣费有异议", "billing.charges", "normal", 7),
        ("fault", "hotline", "家里光猫红灯闪烁", "network.broadband.drops", "urgent", 3),
        ("consultation", "app", "国际漫游怎么开通", None, "normal", 1),
        ("complaint", "hall", "营业员态度差", None, "normal", 0),
        ("complaint", "hotline", "未经同意开通彩铃", "billing.charges", "high", 2),
        ("query", "web", "查询上月话费明细", None, "low", 0),
        ("fault", "sms", "小区信号差", None, "normal", 5),
        ("suggestion", "email", "希望营业厅延长营业时间", None, "low", 0),
        ("complaint", "hotline", "携号转网被拒", None, "urgent", 4),
    ]
    numbers: list[str] = []
    now = clock.now()
    for kind, channel, subject, category, priority, days in cases:
        at = now - timedelta(days=days, hours=2)
        clock.set_clock(lambda at=at: at)
        with unit_of_work(factory) as session:
            order, _ = orders.register_order(
                session,
                world.agent,
                OrderCreate.model_validate(
                    {"type": kind, "channel": channel, "customer_id": world.customer.id,
                     "subject": subject, "category_code": category, "priority": priority}
                ),
            )  # fmt: skip
            numbers.append(order.number)
    clock.set_clock(None)

    def act(who: Any, number: str, action: Action, **kw: Any) -> None:
        with unit_of_work(factory) as session:
            version = orders.get_order(session, number, viewer=None).version
            data = TransitionIn.model_validate({"version": version, **kw})
            orders.transition(session, who, number, action, data)

    for number in numbers[:6]:
        act(world.supervisor, number, Action.REVIEW_VALID)
    for number in numbers[:4]:
        act(world.supervisor, number, Action.ASSIGN, handler=world.handler.username)
    act(world.handler, numbers[0], Action.START)
    act(world.handler, numbers[1], Action.START)
    act(world.handler, numbers[1], Action.SUSPEND, reason="等客户提供账单截图")
    act(world.handler, numbers[2], Action.START)
    act(world.handler, numbers[2], Action.ESCALATE, reason="需网络部上门")
    act(world.agent, numbers[6], Action.RESOLVE_AT_ONCE, message="已告知明细查询方式")
    with unit_of_work(factory) as session:
        version = orders.get_order(session, numbers[0], viewer=None).version
        edits.edit_order(
            session, world.handler, numbers[0],
            OrderEdit(version=version, reason="客户补充：每晚固定时段", priority="urgent",
                      description="客户说每晚八点到十点掉线，重启光猫无效"),
        )  # fmt: skip
        orders.add_note(session, world.handler, numbers[0], NoteIn(body="已联系装维预约上门"))
        worklists.save_view(
            session, world.supervisor,
            SavedViewIn(name="紧急投诉", shared=True,
                        spec=ListSpec.model_validate({"filters": {"type": ["complaint"],
                                                      "open_only": True}, "sort": "priority"})),
        )  # fmt: skip
        worklists.save_view(
            session,
            world.supervisor,
            SavedViewIn(name="升级工单", spec=ListSpec(queue="escalated")),
        )
    return str(world.customer.phone)


def take(out: Path, only: set[str] | None = None) -> list[Path]:
    from playwright.sync_api import sync_playwright

    from telcodesk.app import create_app
    from telcodesk.config import Settings
    from tests.live import live_server

    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'screens.db'}"
        phone = build(url)
        app = create_app(Settings(database_url=url, worker_interval_s=3600))
        with live_server(app) as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
            for lang in LANGS:
                contexts: dict[str, Any] = {}
                for shot in SHOTS:
                    if only and shot.name not in only:
                        continue
                    context = contexts.get(shot.who)
                    if context is None:
                        context = browser.new_context(
                            viewport={"width": 1440, "height": 900}, locale="zh-CN"
                        )
                        context.add_cookies([{"name": "td_lang", "value": lang, "url": base}])
                        if shot.who:
                            _login(context, base, shot.who)
                        contexts[shot.who] = context
                    page = context.new_page()
                    page.base, page.base_phone = base, phone
                    path = shot.path(page) if callable(shot.path) else shot.path
                    answer = page.goto(base + path)
                    if answer is None or answer.status >= 400:
                        raise SystemExit(f"{shot.name} ({lang}): {path} answered "
                                         f"{answer.status if answer else 'nothing'}")  # fmt: skip
                    if shot.prepare:
                        shot.prepare(page)
                    target = out / f"{shot.name}.{lang}.png"
                    page.screenshot(path=str(target), full_page=False)
                    saved.append(target)
                    page.close()
                for context in contexts.values():
                    context.close()
            browser.close()
    return saved


def _login(context: Any, base: str, username: str) -> None:
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda u: "/login" not in u)
    page.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--only", nargs="*", help="page names (file stems) to take")
    args = parser.parse_args()
    started = time.monotonic()
    saved = take(args.out, set(args.only) if args.only else None)
    print(f"{len(saved)} screenshots in {args.out} ({time.monotonic() - started:.1f} s)")


if __name__ == "__main__":
    main()
