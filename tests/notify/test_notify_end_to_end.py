"""Issue 8's "done when", end to end on both engines: a 75 % warning, a breach and a chase each
reach the right person's bell and, by the worker's outbox delivery, a real SMTP server and
the SMS gateway; a registration at 03:00 texts the customer the order number and deadline at
08:00, not at 03:00. The sweep, the lifecycle and the worker's jobs are the real ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from telcodesk import clock
from telcodesk.config import Settings
from telcodesk.db import unit_of_work
from telcodesk.notify import service as notify
from telcodesk.sla import service as sla
from telcodesk.worker import Worker
from telcodesk.workorders import service as orders
from telcodesk.workorders.rules import Action
from telcodesk.workorders.schemas import OrderCreate, TransitionIn
from tests.factories import World
from tests.notify.test_delivery import SECRET, smtp_server, start_gateway, taken  # noqa: F401

BJ = timedelta(hours=8)


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=UTC) - BJ


def freeze(t: datetime) -> None:
    clock.set_clock(lambda: t)


def register(factory: sessionmaker[Session], world: World) -> str:
    data = {
        "type": "complaint",
        "channel": "hotline",
        "customer_id": world.customer.id,
        "subject": "宽带频繁掉线",
        "category_code": "network.broadband.drops",
    }
    with unit_of_work(factory) as session:
        order, _ = orders.register_order(session, world.agent, OrderCreate.model_validate(data))
        return order.number


def act(factory: sessionmaker[Session], actor: Any, number: str, action: Action, **kw: Any) -> None:
    with unit_of_work(factory) as session:
        order = orders.get_order(session, number, viewer=None)
        data = TransitionIn.model_validate({"version": order.version, **kw})
        orders.transition(session, actor, number, action, data)


def bell(factory: sessionmaker[Session], staff: Any) -> list[tuple[str, int]]:
    with unit_of_work(factory) as session:
        return [(n.kind, n.urgency) for n in notify.inbox(session, staff, unread_only=True)]


def test_warning_breach_and_chase_reach_bell_mailbox_and_phone(
    factory: sessionmaker[Session],
    world: World,
    settings: Settings,
    smtp_server: Any,  # noqa: F811
) -> None:
    port, mails = smtp_server
    gateway, url = start_gateway()
    try:
        cfg = settings.model_copy(
            update={
                "smtp_host": "127.0.0.1",
                "smtp_port": port,
                "sms_gateway_url": url,
                "sms_secret": SECRET,
            }
        )
        worker = Worker(factory, cfg)
        with unit_of_work(factory) as session:
            every = ["console", "email", "sms"]
            notify.save_profile(
                session,
                world.handler,
                email="wang@gz.example.cn",
                mobile="13711110001",
                channels={"sla_warning": every, "chase": every},
            )
            notify.save_profile(
                session,
                world.supervisor,
                email="chen@gd.example.cn",
                mobile="13711110002",
                channels={},
            )
        freeze(at(2026, 12, 1, 10))  # a Tuesday morning
        number = register(factory, world)
        act(factory, world.agent, number, Action.REVIEW_VALID)
        act(factory, world.agent, number, Action.ASSIGN, handler=world.handler.username)
        act(factory, world.handler, number, Action.START)
        with unit_of_work(factory) as session:
            order = orders.get_order(session, number, viewer=None)
            ctx = sla.Context(session)
            resolution = next(c for c in order.clocks if c.kind == "resolution")
            t75, due = sla.threshold(ctx, resolution, 0.75), resolution.due_at

        def sweep_and_deliver(when: datetime) -> None:
            freeze(when)
            worker.run_job("sla_sweep")
            worker.run_job("deliver_outbox")

        sweep_and_deliver(t75 + timedelta(minutes=1))
        assert ("sla_warning", 30) in bell(factory, world.handler)
        assert any("wang@gz.example.cn" in m.rcpt_tos for m in mails)
        assert any(m["mobile"] == "13711110001" and number in m["content"] for m in taken(url))

        sweep_and_deliver(due + timedelta(minutes=1))
        assert bell(factory, world.supervisor)[0] == ("sla_breach", 50)
        assert any("chen@gd.example.cn" in m.rcpt_tos for m in mails)
        breach_sms = [m for m in taken(url) if m["mobile"] == "13711110002"]
        assert breach_sms and "超时" in breach_sms[0]["content"]

        act(factory, world.agent, number, Action.CHASE, reason="客户第三次来电")
        worker.run_job("deliver_outbox")
        assert ("chase", 20) in bell(factory, world.handler)
        assert ("chase", 20) in bell(factory, world.supervisor)
        chase_sms = [m for m in taken(url) if "催办" in m["content"]]
        assert [m["mobile"] for m in chase_sms] == ["13711110001"]  # the supervisor: email only
        chase_mail = [m for m in mails if "催办".encode() in m.content or b"Chase" in m.content]
        assert {r for m in chase_mail for r in m.rcpt_tos} == {
            "wang@gz.example.cn",
            "chen@gd.example.cn",
        }
    finally:
        gateway.kill()
        gateway.wait()


def test_registration_at_three_in_the_morning_is_texted_at_eight(
    factory: sessionmaker[Session], world: World, settings: Settings
) -> None:
    gateway, url = start_gateway()
    try:
        cfg = settings.model_copy(update={"sms_gateway_url": url, "sms_secret": SECRET})
        worker = Worker(factory, cfg)
        freeze(at(2026, 12, 2, 3, 0))
        number = register(factory, world)
        worker.run_job("deliver_outbox")
        assert taken(url) == []  # not at 03:00
        freeze(at(2026, 12, 2, 7, 59))
        worker.run_job("deliver_outbox")
        assert taken(url) == []
        freeze(
            at(
                2026,
                12,
                2,
                8,
                0,
            )
            + timedelta(seconds=30)
        )
        worker.run_job("deliver_outbox")
        [sms] = taken(url)
        assert sms["mobile"] == world.customer.phone
        assert number in sms["content"] and "前答复" in sms["content"]
        with unit_of_work(factory) as session:
            order = orders.get_order(session, number, viewer=None)
            due = clock.local(next(c.due_at for c in order.clocks if c.kind == "resolution"))
        assert f"{due.month}月{due.day}日 {due:%H:%M}" in sms["content"]
    finally:
        gateway.kill()
        gateway.wait()
