"""Notify on real databases: alerts reach the bell (and email/SMS by preference), the inbox
sorts by urgency and is the recipient's alone, the customer is told (WO-2) with opt-outs and
quiet hours honoured, templates are scoped to the admin's region."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from telcodesk import clock, wiring
from telcodesk.db import unit_of_work
from telcodesk.errors import Forbidden, NotFound, ValidationFailed
from telcodesk.notify import customer, rules
from telcodesk.notify import service as notify
from telcodesk.notify.models import OutboxMessage
from telcodesk.org.models import Staff
from telcodesk.workorders import hooks
from telcodesk.workorders import service as orders
from telcodesk.workorders.models import OrderEvent, WorkOrder
from telcodesk.workorders.schemas import OrderCreate
from tests.factories import World, hq_admin

BJ = timedelta(hours=8)


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    """A Beijing wall-clock time as UTC."""
    return datetime(y, m, d, hh, mm, tzinfo=UTC) - BJ


@pytest.fixture(autouse=True)
def wired() -> None:
    wiring.wire()


def register(session: Session, world: World, **kw: object) -> WorkOrder:
    """Register an order: `workorders` runs the registration's hooks (the customer's SMS)."""
    data = {
        "type": "complaint",
        "channel": "hotline",
        "customer_id": world.customer.id,
        "subject": "话费异议",
        "category_code": "billing.charges",
        **kw,
    }
    order, _ = orders.register_order(session, world.agent, OrderCreate.model_validate(data))
    return order


def happen(
    session: Session, order: WorkOrder, actor: Staff, action: str, changes: dict, data=None
) -> None:  # type: ignore[no-untyped-def]
    """Run the after-hooks of an event as `workorders` does once its history row is written."""
    now = clock.now()
    event = OrderEvent(
        order_id=order.id,
        at=now,
        actor_id=actor.id,
        action=action,
        from_status=order.status,
        to_status=order.status,
        reason=changes.pop("reason", None),
        changes=changes,
    )
    session.add(event)
    hooks.run_after(hooks.Happening(session, order, actor, action, now, data), event)
    session.flush()


def test_alerts_reach_each_named_person_with_urgency_and_preferred_channels(
    factory: sessionmaker[Session], world: World
) -> None:
    clock.set_clock(lambda: at(2026, 12, 1, 10))
    with unit_of_work(factory) as session:
        notify.save_profile(
            session,
            world.supervisor,
            email="chen@gd.example.cn",
            mobile="13700137000",
            channels={},
        )
        order = register(session, world)
        happen(
            session,
            order,
            world.system,
            "sla_warning",
            {"clock": "resolution", "share": 0.75, "notified": [world.handler.id]},
        )
        happen(
            session,
            order,
            world.system,
            "sla_warning",
            {"clock": "resolution", "share": 0.9, "notified": [world.handler.id]},
        )
        happen(
            session,
            order,
            world.system,
            "sla_breach",
            {
                "clock": "resolution",
                "share": 1.0,
                "escalation_level": [0, 1],
                "notified": [world.supervisor.id],
            },
        )
        happen(
            session,
            order,
            world.agent,
            "chase",
            {
                "reason": "客户第三次来电",
                "notified": [world.handler.id, world.supervisor.id, world.handler.id],
            },
        )
        number = order.number
    with unit_of_work(factory) as session:
        mine = notify.inbox(session, world.handler)
        assert [(n.kind, n.urgency) for n in mine] == [
            ("sla_warning", rules.WARN_90),
            ("sla_warning", rules.WARN_75),
            ("chase", rules.CHASE),
        ]
        assert "90%" in mine[0].message_zh and number in mine[0].message_zh
        assert "客户第三次来电" in mine[2].message_zh
        boss = notify.inbox(session, world.supervisor)
        assert [n.kind for n in boss] == ["sla_breach", "chase"]
        assert "已升级" in boss[0].message_zh
        # The supervisor gave addresses: a breach by email and SMS, a chase by email (defaults).
        sent = session.scalars(
            select(OutboxMessage).where(OutboxMessage.staff_id == world.supervisor.id)
        ).all()
        assert sorted((m.channel, m.kind) for m in sent) == [
            ("email", "chase"),
            ("email", "sla_breach"),
            ("sms", "sla_breach"),
        ]
        assert all(m.state == "pending" and m.dedup_key for m in sent)
        # The handler has no profile: the bell only.
        assert not session.scalars(
            select(OutboxMessage).where(OutboxMessage.staff_id == world.handler.id)
        ).all()
        assert notify.unread_count(session, world.handler) == 3


def test_mark_read_one_per_order_all_and_only_ones_own(
    factory: sessionmaker[Session], world: World
) -> None:
    with unit_of_work(factory) as session:
        first, second = register(session, world), register(session, world)
        for order in (first, second, second):
            happen(
                session,
                order,
                world.agent,
                "chase",
                {"reason": "催", "notified": [world.handler.id, world.supervisor.id]},
            )
        first_id, second_id = first.id, second.id
    with unit_of_work(factory) as session:
        theirs = notify.inbox(session, world.supervisor)[0]
        with pytest.raises(NotFound):
            notify.mark_read(session, world.handler, theirs.id)
        mine = next(n for n in notify.inbox(session, world.handler) if n.order_id == first_id)
        notify.mark_read(session, world.handler, mine.id)
    with unit_of_work(factory) as session:
        assert notify.unread_count(session, world.handler) == 2
        assert notify.mark_order_read(session, world.handler, second_id) == 2
    with unit_of_work(factory) as session:
        assert notify.unread_count(session, world.handler) == 0
        assert notify.unread_count(session, world.supervisor) == 3
        assert notify.mark_all_read(session, world.supervisor) == 3
        assert notify.unread_count(session, world.supervisor) == 0


def test_preferences_choose_channels_and_refuse_what_cannot_be_sent(
    factory: sessionmaker[Session], world: World
) -> None:
    with unit_of_work(factory) as session:
        with pytest.raises(ValidationFailed):
            notify.save_profile(
                session,
                world.handler,
                email=None,
                mobile=None,
                channels={"chase": ["console", "email"]},
            )
        with pytest.raises(ValidationFailed):
            notify.save_profile(
                session, world.handler, email=None, mobile=None, channels={"chase": ["pigeon"]}
            )
        notify.save_profile(
            session,
            world.handler,
            email="w@gz.example.cn",
            mobile=None,
            channels={"chase": ["email"], "sla_warning": []},
        )
        order = register(session, world)
        happen(
            session, order, world.agent, "chase", {"reason": "x", "notified": [world.handler.id]}
        )
        happen(
            session,
            order,
            world.system,
            "sla_warning",
            {"share": 0.75, "notified": [world.handler.id]},
        )
    with unit_of_work(factory) as session:
        # Chase: email only, no bell; warnings: nothing at all (the staff member's choice).
        assert notify.inbox(session, world.handler) == []
        mails = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "email"))
        assert [(m.recipient, m.kind) for m in mails] == [("w@gz.example.cn", "chase")]
        profile = notify.get_profile(session, world.handler)
        assert notify.effective_channels(profile)["sla_breach"] == ["console", "email", "sms"]


def customer_sms(session: Session, order_id: int) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.order_id == order_id, OutboxMessage.channel == "sms")
            .order_by(OutboxMessage.id)
        )
    )


def test_registration_sms_has_number_and_deadline_and_waits_out_the_night(
    factory: sessionmaker[Session], world: World
) -> None:
    clock.set_clock(lambda: at(2026, 12, 2, 3, 0))  # 03:00 in Guangzhou
    with unit_of_work(factory) as session:
        night = register(session, world)
        night_id, night_number = night.id, night.number
    clock.set_clock(lambda: at(2026, 12, 2, 10, 0))
    with unit_of_work(factory) as session:
        day = register(session, world)
        day_id = day.id
    with unit_of_work(factory) as session:
        [held] = customer_sms(session, night_id)
        assert held.recipient == world.customer.phone
        assert night_number in held.body and "月" in held.body and "前答复" in held.body
        assert held.held == "quiet_hours"
        assert held.next_attempt_at == at(2026, 12, 2, 8, 0)
        [now] = customer_sms(session, day_id)
        assert now.held == "" and now.next_attempt_at == at(2026, 12, 2, 10, 0)
        # Every history row also leaves as an event for the carrier's other systems.
        events = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "event"))
        assert {(e.recipient, e.payload["order"]) for e in events} >= {
            ("telcodesk.order.register", night_number)
        }


def test_opt_out_and_province_quiet_hours_and_template_override(
    factory: sessionmaker[Session], world: World
) -> None:
    clock.set_clock(lambda: at(2026, 12, 2, 20, 30))
    with unit_of_work(factory) as session:
        customer.save_quiet_hours(
            session, world.admin, province_code="440000", start="20:00", end="09:00"
        )
        customer.save_template(
            session,
            world.admin,
            kind="registered",
            province_code="440000",
            body="【广东】工单{{ number }}已受理",
        )
        order = register(session, world)
        first = order.id
        customer.set_opt_out(session, world.agent, world.customer.id, "sms", True)
        order = register(session, world)
        second = order.id
    with unit_of_work(factory) as session:
        [sms] = customer_sms(session, first)
        assert sms.body.startswith("【广东】工单") and sms.next_attempt_at == at(2026, 12, 3, 9)
        assert customer_sms(session, second) == []  # opted out


def test_templates_are_scoped_and_sandboxed(factory: sessionmaker[Session], world: World) -> None:
    with unit_of_work(factory) as session:
        with pytest.raises(Forbidden):  # a province admin cannot change HQ's nationwide text
            customer.save_template(
                session, world.admin, kind="reply", province_code="100000", body="x"
            )
        with pytest.raises(Forbidden):
            customer.save_template(
                session, world.admin, kind="reply", province_code="110000", body="x"
            )
        with pytest.raises(Forbidden):
            customer.save_template(
                session, world.agent, kind="reply", province_code="440000", body="x"
            )
        with pytest.raises(Forbidden):  # the system actor's role holds no settings
            customer.save_template(
                session, world.system, kind="reply", province_code="100000", body="x"
            )
        hq = hq_admin(session)
        for bad in ("{{ number.__class__.__mro__ }}", "{{ nonsense }}", "{% if %}"):
            with pytest.raises(ValidationFailed):
                customer.save_template(session, hq, kind="reply", province_code="100000", body=bad)
        saved = customer.save_template(
            session, hq, kind="reply", province_code="100000", body="{{ number }} 已答复"
        )
        assert saved.id


def test_quiet_window_and_backoff_rules() -> None:
    assert rules.quiet_release(at(2026, 12, 2, 20, 59), "21:00", "08:00") is None
    assert rules.quiet_release(at(2026, 12, 2, 21, 0), "21:00", "08:00") == at(2026, 12, 3, 8)
    assert rules.quiet_release(at(2026, 12, 3, 7, 59), "21:00", "08:00") == at(2026, 12, 3, 8)
    assert rules.quiet_release(at(2026, 12, 3, 8, 0), "21:00", "08:00") is None
    assert rules.quiet_release(at(2026, 12, 3, 13, 0), "12:00", "14:00") == at(2026, 12, 3, 14)
    assert rules.quiet_release(at(2026, 12, 3, 13, 0), "08:00", "08:00") is None
    waits = [rules.backoff(n, 30, 3600).total_seconds() for n in range(1, 9)]
    assert waits == [30, 60, 120, 240, 480, 960, 1920, 3600]
