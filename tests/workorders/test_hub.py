"""The order lifecycle as the hub (WO-2, WO-3, CH-4, T-2): hooks, the one history writer,
an SLA sweep without storms that isolates each clock, re-armed warnings, the calendar of the
order's region, one supervision rule, one narrow system actor."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from telcodesk.db import unit_of_work
from telcodesk.errors import Conflict, ValidationFailed
from telcodesk.notify.models import Notification
from telcodesk.org import accounts, permissions
from telcodesk.org import service as org
from telcodesk.org.models import OrgUnit
from telcodesk.org.permissions import Permission
from telcodesk.org.roles import Role, UnitKind
from telcodesk.org.supervision import Supervision, nearest_supervised, supervisors_over
from telcodesk.sla import admin as sla_admin
from telcodesk.sla.models import OrderClock, SlaEvent
from telcodesk.wiring import wire
from telcodesk.workorders import hooks
from telcodesk.workorders import service as orders
from telcodesk.workorders.models import OrderEvent
from telcodesk.workorders.rules import Action
from telcodesk.workorders.schemas import NoteIn, TransitionIn
from tests.factories import World
from tests.sla.test_sla import act, at, clocks, freeze, register, sweep


@pytest.fixture
def rewired() -> Iterator[None]:
    """Tests that plug in their own hooks leave the real wiring behind them."""
    yield
    wire()


# --- hooks ----------------------------------------------------------------------------------


def test_a_before_hook_refuses_an_action_and_nothing_is_written(
    factory: sessionmaker[Session], world: World, rewired: None
) -> None:
    number = register(factory, world, at(2026, 11, 2, 9))

    def guard(h: hooks.Happening) -> None:
        raise Conflict("需先审批", "Needs an approval first", code="approval_required")

    hooks.before(Action.REVIEW_VALID, guard)
    with pytest.raises(Conflict), unit_of_work(factory) as session:
        o = orders.get_order(session, number, viewer=None)
        orders.transition(
            session, world.handler, number, Action.REVIEW_VALID, TransitionIn(version=o.version)
        )
    with unit_of_work(factory) as session:
        o = orders.get_order(session, number, viewer=None)
        assert o.status == "registered" and o.version == 1
        assert [e.action for e in orders.history(session, o)] == ["register"]


def test_before_hook_fields_are_set_and_after_hooks_see_the_history_row(
    factory: sessionmaker[Session], world: World, rewired: None
) -> None:
    number = register(factory, world, at(2026, 11, 2, 9))
    seen: list[tuple[str, str, dict[str, object]]] = []
    hooks.before(Action.REVIEW_VALID, lambda h: {"priority": "high", "why": "VIP line"})
    hooks.after(hooks.ANY, lambda h, e: seen.append((h.event, e.action, dict(e.changes))))
    act(factory, world, number, Action.REVIEW_VALID, at(2026, 11, 2, 10))
    assert seen == [
        (
            "review_valid",
            "review_valid",
            {
                "why": "VIP line",
                "status": ["registered", "reviewed"],
                "priority": ["normal", "high"],
                "is_valid": [None, True],
            },
        )
    ]
    with unit_of_work(factory) as session:
        o = orders.get_order(session, number, viewer=None)
        assert o.priority == "high"
        assert orders.history(session, o)[-1].changes["why"] == "VIP line"


def test_a_note_is_in_the_history_and_reaches_the_note_hooks(
    factory: sessionmaker[Session], world: World, rewired: None
) -> None:
    number = register(factory, world, at(2026, 11, 2, 9))
    told: list[str] = []
    hooks.after("note", lambda h, e: told.append(h.data.body))
    with unit_of_work(factory) as session:
        orders.add_note(session, world.agent, number, NoteIn(kind="progress", body="已派维修"))
    assert told == ["已派维修"]
    with unit_of_work(factory) as session:
        last = orders.history(session, orders.get_order(session, number, viewer=None))[-1]
        assert (last.action, last.changes["kind"]) == ("note", "progress")


def test_record_events_and_escalate_write_through_the_hub(
    factory: sessionmaker[Session], world: World
) -> None:
    numbers = [register(factory, world, at(2026, 11, 2, 9)) for _ in range(3)]
    with unit_of_work(factory) as session:
        found = [orders.get_order(session, n, viewer=None) for n in numbers]
        rows = orders.record_events(
            session,
            world.system,
            [
                (o, "sla_warning", {"clock": "resolution", "notified": [world.handler.id]})
                for o in found
            ],
        )
        assert len(rows) == 3
        written = (
            select(func.count()).select_from(OrderEvent).where(OrderEvent.action == "sla_warning")
        )
        assert session.scalar(written) == 3  # one INSERT for the batch
        orders.escalate(session, found[0], world.system, "sla_breach", {"clock": "resolution"})
    with unit_of_work(factory) as session:
        assert session.scalar(select(func.count()).select_from(Notification)) == 3  # notify hook
        o = orders.get_order(session, numbers[0], viewer=None)
        assert o.escalation_level == 1
        assert orders.history(session, o)[-1].changes["escalation_level"] == [0, 1]


def test_wiring_names_every_reaction_once() -> None:
    wire()
    wire()  # safe to call again
    names = hooks.registered()
    # The clocks start before the customer is told of the deadline (hooks run in order).
    assert names["register"]["after"] == [
        "telcodesk.sla.hooks.start_clocks",
        "telcodesk.notify.hooks.tell_customer",
    ]
    assert names["dispatch"] == {"before": ["telcodesk.routing.hooks.dispatch"], "after": []}
    assert names["chase"] == {"before": ["telcodesk.routing.hooks.chase"], "after": []}
    assert names[hooks.ANY]["after"] == [
        "telcodesk.notify.hooks.alert_notified",  # whoever changes["notified"] names
        "telcodesk.notify.hooks.publish_event",
        "telcodesk.notify.hooks.write_queued",  # the rows above, one INSERT per table
    ]


# --- the sweep: no storms, isolation, re-arming -----------------------------------------------


def test_a_late_clock_fires_only_its_latest_stage(
    factory: sessionmaker[Session], world: World
) -> None:
    """Found after its breach, a clock records the breach alone: the 75 % and 90 % warnings
    are marked passed, nobody gets three alerts in the same second."""
    number = register(factory, world, at(2026, 11, 2, 9))
    r = sweep(factory, world, at(2026, 11, 20))
    assert (r.warnings, r.breaches, r.skipped_stages) == (0, 2, 4)  # response and resolution
    with unit_of_work(factory) as session:
        o = orders.get_order(session, number, viewer=None)
        events = session.scalars(
            select(SlaEvent).where(SlaEvent.order_id == o.id).order_by(SlaEvent.id)
        ).all()
        assert sorted((e.stage, e.kind, bool(e.details.get("skipped"))) for e in events) == [
            (1, "warning", True),
            (1, "warning", True),
            (2, "warning", True),
            (2, "warning", True),
            (3, "breach", False),
            (3, "breach", False),
        ]
        assert all(e.notified == [] for e in events if e.details.get("skipped"))
        assert [e.action for e in orders.history(session, o)] == [
            "register",
            "sla_breach",
            "sla_breach",
        ]
        notes = session.scalars(select(Notification)).all()
        assert {n.kind for n in notes} == {"sla_breach"} and len(notes) == r.notifications
        assert o.escalation_level == 1  # the resolution breach escalates once (WO-3)
    assert sweep(factory, world, at(2026, 11, 21)).clocks == 0


def test_a_bad_clock_is_skipped_and_the_others_fire(
    factory: sessionmaker[Session], world: World, caplog: pytest.LogCaptureFixture
) -> None:
    good, bad = (register(factory, world, at(2026, 11, 2, 9)) for _ in range(2))
    with unit_of_work(factory) as session:
        bad_id = orders.get_order(session, bad, viewer=None).id
        session.execute(  # data no code path writes: a unit of time nobody knows
            update(OrderClock).where(OrderClock.order_id == bad_id).values(time_unit="fortnights")
        )
    r = sweep(factory, world, at(2026, 11, 20))
    assert (r.breaches, r.failed) == (2, 2)
    assert "skipped" in caplog.text
    with unit_of_work(factory) as session:
        good_id = orders.get_order(session, good, viewer=None).id
        fired = set(session.scalars(select(SlaEvent.order_id)))
        assert fired == {good_id}


def test_a_failing_write_is_retried_clock_by_clock(
    factory: sessionmaker[Session], world: World
) -> None:
    """One clock's rows cannot be written (its stage is already taken): the batch falls back
    to one savepoint per clock, so the other clocks' stages are still recorded."""
    first, second = (register(factory, world, at(2026, 11, 2, 9)) for _ in range(2))
    with unit_of_work(factory) as session:
        o = orders.get_order(session, second, viewer=None)
        c = session.scalars(select(OrderClock).where(OrderClock.order_id == o.id)).first()
        assert c is not None
        session.add(  # a row the sweep's unique key will collide with
            SlaEvent(
                clock_id=c.id,
                order_id=o.id,
                stage=3,
                kind="breach",
                share=1.0,
                at=at(2026, 11, 3),
                notified=[],
                details={},
            )
        )
    r = sweep(factory, world, at(2026, 11, 20))
    assert (r.breaches, r.failed) == (3, 1)
    with unit_of_work(factory) as session:
        o1 = orders.get_order(session, first, viewer=None)
        assert [e.action for e in orders.history(session, o1)].count("sla_breach") == 2


def test_an_extension_rearms_the_warnings_for_the_new_deadline(
    factory: sessionmaker[Session], world: World
) -> None:
    number = register(factory, world, at(2026, 11, 2, 9))  # resolution due Thu 5 Nov 09:00
    act(factory, world, number, Action.REVIEW_VALID, at(2026, 11, 2, 9, 30))
    act(
        factory,
        world,
        number,
        Action.ASSIGN,
        at(2026, 11, 2, 9, 30),
        handler=world.handler.username,
    )
    act(factory, world, number, Action.START, at(2026, 11, 2, 10))
    r = sweep(factory, world, at(2026, 11, 5, 2))  # 90 % passed: one warning (75 % skipped)
    assert (r.warnings, r.skipped_stages) == (1, 1)
    act(
        factory,
        world,
        number,
        Action.EXTEND,
        at(2026, 11, 5, 3),
        by=world.supervisor,  # an extension is a supervisor's (T-2)
        extend_by=3,
        reason="待厂家",
        message="已告知客户延期三个工作日",
    )
    c = clocks(factory, number)["resolution"]
    assert (c.arming, c.stage) == (1, 0) and c.next_check_at is not None
    assert c.due_at == at(2026, 11, 10, 9)  # three more working days
    r = sweep(factory, world, at(2026, 11, 9, 9))  # past the new 75 %
    assert r.warnings == 1
    with unit_of_work(factory) as session:
        o = orders.get_order(session, number, viewer=None)
        rows = session.execute(
            select(SlaEvent.arming, SlaEvent.stage).where(SlaEvent.order_id == o.id)
        ).all()
        assert (1, 1) in rows and (0, 2) in rows


def test_a_city_calendar_day_moves_that_citys_orders_whoever_registered_them(
    factory: sessionmaker[Session], world: World
) -> None:
    """A Guangzhou typhoon day moves a Guangzhou order registered by HQ's hotline too, and
    not a Shenzhen order registered by the same desk."""
    with unit_of_work(factory) as session:
        hq = org.get_unit_by_code(session, "HQ")
        org.create_staff(
            session,
            username="hq.agent",
            display_name="总部热线",
            password="Passw0rd!x",
            unit=hq,
            role=Role.HOTLINE_AGENT,
        )
        hq_agent = org.get_staff_by_username(session, "hq.agent")
    freeze(at(2026, 11, 2, 9))
    from telcodesk.workorders.schemas import OrderCreate

    def new(actor: object, city: str) -> str:
        data = OrderCreate.model_validate(
            {
                "type": "complaint",
                "channel": "hotline",
                "customer_id": world.customer.id,
                "subject": "话费异议",
                "category_code": "billing.charges",
                "city_code": city,
            }
        )
        with unit_of_work(factory) as session:
            return orders.register_order(session, actor, data)[0].number  # type: ignore[arg-type]

    gz_by_hq, sz_by_hq = new(hq_agent, "440100"), new(hq_agent, "440300")
    with unit_of_work(factory) as session:
        sla_admin.set_override(
            session, world.admin, date(2026, 11, 3), False, "台风停工", region_code="440100"
        )
    assert clocks(factory, gz_by_hq)["resolution"].due_at == at(2026, 11, 6, 9)
    assert clocks(factory, sz_by_hq)["resolution"].due_at == at(2026, 11, 5, 9)


# --- one supervision rule ---------------------------------------------------------------------


def test_a_hall_duty_manager_supervises_the_hall_for_chases_and_the_sweep(
    factory: sessionmaker[Session], world: World
) -> None:
    with unit_of_work(factory) as session:
        gz = org.get_unit_by_code(session, "GZ")
        hall = org.ensure_unit(
            session,
            code="GZ-H1",
            name="天河厅",
            kind=UnitKind.HALL,
            region_code="440106",
            parent=gz,
        )
        manager = org.create_staff(
            session,
            username="gz.manager",
            display_name="值班经理",
            password="Passw0rd!x",
            unit=hall,
            role=Role.HALL_MANAGER,
        )
        sup = Supervision.load(session)
        assert [s.id for s in supervisors_over(session, hall)] == [manager.id]
        assert sup.supervisors_of(hall.id) == [manager.id]
        # The city has no supervisor of its own: the province's supervises it.
        assert sup.supervisors_of(gz.id) == [world.supervisor.id]
        assert sup.level_above(hall.id) == [world.supervisor.id]


def test_the_walk_up_is_bounded_on_a_cycle() -> None:
    parents = {1: 2, 2: 1}
    assert nearest_supervised(1, parents.get, lambda u: False) is None


def test_a_unit_cycle_does_not_hang_supervisors_over(
    factory: sessionmaker[Session], world: World
) -> None:
    with unit_of_work(factory) as session:
        gz, sz = org.get_unit_by_code(session, "GZ"), org.get_unit_by_code(session, "SZ")
        session.execute(update(OrgUnit).where(OrgUnit.id == gz.id).values(parent_id=sz.id))
        session.execute(update(OrgUnit).where(OrgUnit.id == sz.id).values(parent_id=gz.id))
        session.expire_all()
        assert supervisors_over(session, gz) == []


# --- one system actor ------------------------------------------------------------------------


def test_the_system_actor_holds_only_what_its_jobs_need(
    factory: sessionmaker[Session], world: World
) -> None:
    assert world.system.role == Role.SYSTEM
    for p in (Permission.ORDER_VIEW, Permission.ORDER_ACT, Permission.ORDER_DISPATCH):
        assert permissions.can(world.system, p)
    for p in (
        Permission.ORG_MANAGE,
        Permission.CUSTOMER_REVEAL,
        Permission.EDIT_SLA_POLICY,
        Permission.AUDIT_VIEW,
        Permission.MANAGE_TOKENS,
        Permission.ORDER_EXPORT,
    ):
        assert not permissions.can(world.system, p)
    with unit_of_work(factory) as session:
        assert org.system_actor(session).id == world.system.id
        gd = org.get_unit_by_code(session, "GD")
        with pytest.raises(ValidationFailed):
            org.create_staff(
                session,
                username="fake.system",
                display_name="x",
                password="Passw0rd!x",
                unit=gd,
                role=Role.SYSTEM,
            )
        hq_admin = org.create_staff(
            session,
            username="hq.admin",
            display_name="总部管理员",
            password="Passw0rd!x",
            unit=org.get_unit_by_code(session, "HQ"),
            role=Role.HQ_ADMIN,
        )
        with pytest.raises(ValidationFailed):
            accounts.set_role(session, hq_admin, world.agent.username, Role.SYSTEM)


def test_sweep_history_is_written_by_the_system_actor(
    factory: sessionmaker[Session], world: World
) -> None:
    register(factory, world, at(2026, 11, 2, 9))
    sweep(factory, world, at(2026, 11, 20))
    with unit_of_work(factory) as session:
        actors = set(
            session.scalars(select(OrderEvent.actor_id).where(OrderEvent.action == "sla_breach"))
        )
        assert actors == {world.system.id}
        _ = timedelta
