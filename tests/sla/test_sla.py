"""SLA clocks on real databases: deadlines at registration, pauses, extensions, the sweep's
warnings, breaches and escalation — each exactly once (T-1, T-2, WO-3, CH-4)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from telcodesk import clock
from telcodesk.audit import service as audit
from telcodesk.db import unit_of_work
from telcodesk.errors import Forbidden, ValidationFailed
from telcodesk.notify.models import Notification
from telcodesk.org import service as org
from telcodesk.org.models import Staff
from telcodesk.org.roles import Role
from telcodesk.sla import admin as sla_admin
from telcodesk.sla import service as sla
from telcodesk.sla import sweep as sla_sweep
from telcodesk.sla.models import OrderClock, SlaEvent
from telcodesk.workorders import service as orders
from telcodesk.workorders.rules import Action
from telcodesk.workorders.schemas import OrderCreate, TransitionIn
from tests.factories import World, hq_admin

BJ = timedelta(hours=8)


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    """A Beijing wall-clock time as UTC."""
    return datetime(y, m, d, hh, mm, tzinfo=UTC) - BJ


def freeze(t: datetime) -> None:
    clock.set_clock(lambda: t)


def register(factory: sessionmaker[Session], world: World, when: datetime, **kw: object) -> str:
    freeze(when)
    data = {
        "type": "complaint",
        "channel": "hotline",
        "customer_id": world.customer.id,
        "subject": "话费异议",
        "category_code": "billing.charges",
        **kw,
    }
    with unit_of_work(factory) as session:
        order, _ = orders.register_order(session, world.agent, OrderCreate.model_validate(data))
        return order.number


def clocks(factory: sessionmaker[Session], number: str) -> dict[str, OrderClock]:
    with unit_of_work(factory) as session:
        return sla.clocks_of(session, orders.get_order(session, number, viewer=None).id)


def act(
    factory: sessionmaker[Session],
    world: World,
    number: str,
    action: Action,
    when: datetime,
    by: Staff | None = None,
    **extra: object,
) -> None:
    """Act as the handler, or as ``by`` (an extension is a supervisor's, T-2)."""
    freeze(when)
    with unit_of_work(factory) as session:
        o = orders.get_order(session, number, viewer=None)
        orders.transition(
            session, by or world.handler, number, action, TransitionIn(version=o.version, **extra)
        )


def test_complaint_deadlines_follow_the_2026_national_day_calendar(
    factory: sessionmaker[Session], world: World
) -> None:
    # Registered Wed 30 Sep 2026 10:00: Oct 1–7 are off, so 3 working days end Fri 9 Oct...
    # ...no: Oct 8 (Thu), Oct 9 (Fri), Oct 10 (Sat, make-up working day) -> Sat 10 Oct 10:00.
    number = register(factory, world, at(2026, 9, 30, 10))
    c = clocks(factory, number)
    assert c["response"].due_at == at(2026, 10, 1, 10)  # 24 calendar hours (T-2)
    assert c["resolution"].due_at == at(2026, 10, 10, 10)  # 3 working days (T-2)


def test_policy_choice_by_type_and_category(factory: sessionmaker[Session], world: World) -> None:
    fault = register(
        factory, world, at(2026, 11, 2, 9), type="fault", category_code="network.broadband.drops"
    )
    general = register(factory, world, at(2026, 11, 2, 9), type="suggestion", category_code=None)
    assert clocks(factory, fault)["resolution"].due_at == at(
        2026, 11, 3, 9
    )  # broadband fault: 24 h
    assert clocks(factory, general)["resolution"].due_at == at(
        2026, 11, 4, 9
    )  # general: 48 h (T-1)


def test_pause_moves_the_deadline_by_the_paused_working_time(
    factory: sessionmaker[Session], world: World
) -> None:
    number = register(factory, world, at(2026, 11, 2, 9))  # Monday
    before = clocks(factory, number)["resolution"].due_at
    assert before == at(2026, 11, 5, 9)
    act(factory, world, number, Action.REVIEW_VALID, at(2026, 11, 2, 10))
    act(factory, world, number, Action.ASSIGN, at(2026, 11, 2, 10), handler=world.handler.username)
    act(factory, world, number, Action.START, at(2026, 11, 2, 11))
    # Waiting for the customer from Friday 12:00 to Monday 12:00: only Friday's 12 h and
    # Monday's 12 h are working time; the weekend is not counted.
    act(factory, world, number, Action.SUSPEND, at(2026, 11, 6, 12), reason="等待客户提供账单")
    assert clocks(factory, number)["resolution"].next_check_at is None  # a paused clock waits
    act(factory, world, number, Action.RESUME, at(2026, 11, 9, 12))
    assert clocks(factory, number)["resolution"].due_at == at(
        2026, 11, 6, 9
    )  # moved by 1 working day
    with unit_of_work(factory) as session:
        last = orders.history(session, orders.get_order(session, number, viewer=None))[-1]
        assert last.changes["resolution_due_at"][1] == at(2026, 11, 6, 9).isoformat()


def test_extension_needs_reason_and_customer_text(
    factory: sessionmaker[Session], world: World
) -> None:
    number = register(factory, world, at(2026, 11, 2, 9))
    act(factory, world, number, Action.REVIEW_VALID, at(2026, 11, 2, 10))
    with pytest.raises(ValidationFailed, match=r"reason|message"):
        act(
            factory,
            world,
            number,
            Action.EXTEND,
            at(2026, 11, 2, 11),
            world.supervisor,
            extend_by=2,
        )
    act(
        factory,
        world,
        number,
        Action.EXTEND,
        at(2026, 11, 2, 11),
        world.supervisor,
        extend_by=2,
        reason="需上门测试",
        message="您的投诉需上门核查，办结时限延长 2 个工作日",
    )
    assert clocks(factory, number)["resolution"].due_at == at(
        2026, 11, 9, 9
    )  # +2 working days over a weekend


def test_reply_in_time_records_met_and_late_records_breached(
    factory: sessionmaker[Session], world: World
) -> None:
    number = register(factory, world, at(2026, 11, 2, 9))
    act(factory, world, number, Action.REVIEW_VALID, at(2026, 11, 2, 10))
    act(factory, world, number, Action.ASSIGN, at(2026, 11, 2, 10), handler=world.handler.username)
    act(factory, world, number, Action.START, at(2026, 11, 4, 10))  # 49 h: response late
    act(
        factory, world, number, Action.REPLY, at(2026, 11, 4, 11), message="已退费"
    )  # within 3 working days
    c = clocks(factory, number)
    assert c["response"].met is False and c["resolution"].met is True
    assert c["response"].next_check_at is None and c["resolution"].next_check_at is None


def sweep(factory: sessionmaker[Session], world: World, when: datetime) -> sla_sweep.SweepResult:
    freeze(when)
    with unit_of_work(factory) as session:
        return sla_sweep.sweep(session, org.get_staff_by_username(session, "system"))


def test_warnings_then_breach_notify_up_the_chain_once(
    factory: sessionmaker[Session], world: World
) -> None:
    with unit_of_work(factory) as session:  # an upper level above the Guangdong supervisor
        hq = org.get_unit_by_code(session, "HQ")
        org.create_staff(
            session,
            username="hq.supervisor",
            display_name="总部值班",
            password="Passw0rd!x",
            unit=hq,
            role=Role.SUPERVISOR,
        )
    number = register(factory, world, at(2026, 11, 2, 9))  # Monday; resolution due Thu 09:00
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
    assert sweep(factory, world, at(2026, 11, 4, 8)).warnings == 0  # 64 % of 72 h
    r = sweep(factory, world, at(2026, 11, 4, 15))  # 75 %: Wed 03:00 passed
    assert (r.warnings, r.breaches) == (1, 0)
    assert sweep(factory, world, at(2026, 11, 4, 15)).warnings == 0  # repeat-safe
    r = sweep(factory, world, at(2026, 11, 5, 2))  # 90 %: Wed 21:48 passed
    assert (r.warnings, r.breaches) == (1, 0)
    r = sweep(factory, world, at(2026, 11, 5, 9, 1))
    assert r.breaches == 1
    with unit_of_work(factory) as session:
        order = orders.get_order(session, number, viewer=None)
        assert order.escalation_level == 1  # the breach escalates (WO-3)
        events = session.scalars(
            select(SlaEvent).where(SlaEvent.order_id == order.id).order_by(SlaEvent.stage)
        ).all()
        ids = {s.username: s.id for s in org.list_staff(session)}
        assert [(e.kind, e.notified) for e in events] == [
            ("warning", [ids["gz.handler"]]),  # the handler first
            ("warning", [ids["gd.supervisor"]]),  # then the supervisor
            ("breach", [ids["hq.supervisor"]]),  # then the level above (CH-4)
        ]
        assert session.scalar(select(func.count()).select_from(Notification)) == 3
        actions = [e.action for e in orders.history(session, order)]
        assert actions.count("sla_warning") == 2 and actions.count("sla_breach") == 1
    assert sweep(factory, world, at(2026, 11, 20)).clocks == 0  # nothing left to fire


def test_override_recomputes_open_deadlines(factory: sessionmaker[Session], world: World) -> None:
    number = register(factory, world, at(2026, 11, 2, 9))
    assert clocks(factory, number)["resolution"].due_at == at(2026, 11, 5, 9)
    with unit_of_work(factory) as session:  # Tuesday becomes a local holiday
        # Nationwide days are HQ's (CD-2): the HQ admin account marks them.
        moved = sla_admin.set_override(
            session, hq_admin(session), date(2026, 11, 3), False, "台风停工"
        )
    assert moved >= 1
    assert clocks(factory, number)["resolution"].due_at == at(2026, 11, 6, 9)
    with unit_of_work(factory) as session:
        last = orders.history(session, orders.get_order(session, number, viewer=None))[-1]
        assert last.action == "sla_recomputed"
    with unit_of_work(factory) as session:  # ...and Saturday a working day
        sla_admin.set_override(
            session, org.get_staff_by_username(session, "hq.admin"), date(2026, 11, 7), True, "补班"
        )
    sla.clear_caches()
    assert clocks(factory, number)["resolution"].due_at == at(2026, 11, 6, 9)  # Sat after the due


def test_late_december_order_gets_2027_deadline(
    factory: sessionmaker[Session], world: World
) -> None:
    number = register(factory, world, at(2026, 12, 30, 15))  # Wed; 2027 falls back to weekends
    due = clocks(factory, number)["resolution"].due_at
    assert due > at(2027, 1, 1)


@pytest.mark.postgresql
def test_two_workers_fire_each_stage_once(
    factory: sessionmaker[Session], world: World, db_url: str
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("row locks with SKIP LOCKED are PostgreSQL's")
    numbers = [register(factory, world, at(2026, 11, 2, 9)) for _ in range(60)]
    freeze(at(2026, 11, 20))
    results: list[sla_sweep.SweepResult] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        barrier.wait()
        while True:
            with unit_of_work(factory) as session:
                r = sla_sweep.sweep(session, org.get_staff_by_username(session, "system"), limit=7)
            results.append(r)
            if r.clocks == 0:
                return

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with unit_of_work(factory) as session:
        per_order = session.execute(
            select(SlaEvent.order_id, func.count()).group_by(SlaEvent.order_id)
        ).all()
        assert len(per_order) == len(numbers)
        assert all(count == 6 for _, count in per_order)  # 2 clocks × (2 warnings + breach)
        levels = {orders.get_order(session, n, viewer=None).escalation_level for n in numbers}
        assert levels == {1}
    assert sum(r.breaches for r in results) == 2 * len(numbers)


def test_only_admins_edit_the_calendar(factory: sessionmaker[Session], world: World) -> None:
    with unit_of_work(factory) as session, pytest.raises(Forbidden):
        sla_admin.set_override(session, world.supervisor, date(2026, 11, 3), False, "x")
    with unit_of_work(factory) as session:
        status = sla_admin.calendar_status(session, today=date(2026, 12, 1))
        assert 2027 in status.uncovered_years and status.warning_zh and "2027" in status.warning_zh


def test_sla_api_policies_overrides_and_at_risk(client: TestClient, world: World) -> None:
    from tests.conftest import login

    # Nationwide policies and days are HQ's (CD-2): the HQ admin account edits them.
    with unit_of_work(client.app.state.db.factory) as session:  # type: ignore[attr-defined]
        hq_admin(session)
    admin, agent = login(client, "hq.admin"), login(client, world.agent.username)
    policies = client.get("/api/v1/sla/policies", headers=agent).json()
    assert {"complaint", "general", "fault-broadband"} <= {p["code"] for p in policies}
    body = {
        "code": "vas-complaint",
        "name": "增值业务投诉 2 个工作日",
        "match_type": "complaint",
        "match_category": "vas",
        "response_amount": 12,
        "response_unit": "calendar_hours",
        "resolution_amount": 2,
        "resolution_unit": "working_days",
    }
    assert (
        client.put("/api/v1/sla/policies/vas-complaint", json=body, headers=agent).status_code
        == 403
    )
    res = client.put("/api/v1/sla/policies/vas-complaint", json=body, headers=admin)
    assert res.status_code == 200, res.text
    bad = client.put("/api/v1/sla/policies/x", json={**body, "warn_shares": [1.5]}, headers=admin)
    assert bad.status_code == 422
    assert (
        client.put(
            "/api/v1/sla/policies/x", json={**body, "response_unit": "fortnights"}, headers=admin
        ).status_code
        == 422
    )
    order = client.post(
        "/api/v1/orders",
        headers=agent,
        json={
            "type": "complaint",
            "channel": "hotline",
            "customer_id": world.customer.id,
            "subject": "未经同意订购",
            "category_code": "vas.unsolicited",
        },
    ).json()
    resolution = next(d for d in order["deadlines"] if d["kind"] == "resolution")
    assert resolution["unit"] == "working_days" and resolution["risk"] == "ok"
    assert "工作日" in resolution["remaining_zh"]
    res = client.put(
        "/api/v1/calendar/overrides/2026-12-31",
        json={"is_workday": False, "note": "地方假日"},
        headers=admin,
    )
    assert res.status_code == 200 and res.json()["override"]["is_workday"] is False
    assert (
        client.put(
            "/api/v1/calendar/overrides/2026-13-01", json={"is_workday": False}, headers=admin
        ).status_code
        == 422
    )
    assert client.get("/api/v1/sla/at-risk", headers=agent).status_code == 403
    assert client.get("/api/v1/sla/at-risk", headers=admin).status_code == 200
    with unit_of_work(client.app.state.db.factory) as session:  # type: ignore[attr-defined]
        actions = [r.action for r in audit.recent(session)]
        assert "sla_policy_saved" in actions and "calendar_override_set" in actions
