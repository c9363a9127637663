"""Tickets and counters on a real database (BH-1…BH-3, T-3): numbering, call next by the
policy, recall and no-show, recycle, park, transfers, walk-direct, outcomes and times, the
duty manager's alerts, and halls outside one's region."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from telcodesk.config import Settings
from telcodesk.db import unit_of_work
from telcodesk.errors import IllegalTransition
from telcodesk.halls import jobs, queries, service, setup
from telcodesk.halls.models import HallAlert, TicketEvent
from telcodesk.notify.models import Notification
from tests.factories import World
from tests.halls.conftest import Halls

Tick = Callable[[float], datetime]


def _hall(session: Session, halls: Halls, staff=None):  # type: ignore[no-untyped-def]
    return setup.hall_for(session, staff or halls.agent, halls.gz)


def test_numbers_per_type_per_day_and_vip_and_care_lanes(
    factory: sessionmaker[Session], world: World, halls: Halls, tick: Tick
) -> None:
    with unit_of_work(factory) as session:
        hall = _hall(session, halls)
        a1 = service.issue(session, hall, "A", source="kiosk")
        a2 = service.issue(session, hall, "A", source="kiosk")
        b1 = service.issue(session, hall, "B", source="phone")
        gold = service.issue(
            session, hall, "A", source="kiosk", customer_id=world.vip.id, tier="gold"
        )
        elder = service.issue(session, hall, "A", source="guide", care=True)
        assert [a1.number, a2.number, b1.number, gold.number, elder.number] == [
            "A001", "A002", "B001", "V001", "L001",
        ]  # fmt: skip
        assert gold.customer_id == world.vip.id
    tick(24 * 60)  # the next day: numbers restart
    with unit_of_work(factory) as session:
        assert service.issue(session, _hall(session, halls), "A", source="kiosk").number == "A001"


def test_call_next_follows_the_profile_and_records_wait_and_handling(
    factory: sessionmaker[Session], halls: Halls, tick: Tick
) -> None:
    with unit_of_work(factory) as session:
        hall = _hall(session, halls)
        for code in ("A", "A", "B", "C"):
            service.issue(session, hall, code, source="kiosk")
        service.move_counter(session, halls.agent, hall, 2, "open")
    tick(2)
    with unit_of_work(factory) as session:
        hall = _hall(session, halls)
        vip = service.issue(session, hall, "V", source="kiosk")
        called = service.call_next(session, halls.agent, hall, 2)
        # The VIP used 0 of its 5 min, A001 2/30: A001 first by the recipe.
        assert called is not None and called.ticket.number == "A001"
        assert called.ticket.wait_seconds == 120
        service.start(session, halls.agent, hall, called.ticket.id)
    tick(6)
    with unit_of_work(factory) as session:
        hall = _hall(session, halls)
        done = service.finish(session, halls.agent, hall, called.ticket.id, "normal")
        assert done.handle_seconds == 360 and done.outcome == "normal"
        # The VIP has now waited 6 minutes, past the 3-minute condition: next.
        nxt = service.call_next(session, halls.agent, hall, 2)
        assert nxt is not None and nxt.ticket.id == vip.id and nxt.reason == "condition"
        actions = session.scalars(
            select(TicketEvent.action).where(TicketEvent.ticket_id == done.id)
        ).all()
        assert actions == ["issue", "call", "start", "finish"]


def test_recall_then_no_show_recycle_park_and_transfers(
    factory: sessionmaker[Session], halls: Halls, tick: Tick
) -> None:
    with unit_of_work(factory) as session:
        hall = _hall(session, halls)
        for _ in range(3):
            service.issue(session, hall, "A", source="kiosk")
        service.move_counter(session, halls.agent, hall, 2, "open")
        service.move_counter(session, halls.agent2, hall, 3, "open")
        first = service.call_next(session, halls.agent, hall, 2)
        assert first is not None
        service.recall(session, halls.agent, hall, first.ticket.id)
        service.recall(session, halls.agent, hall, first.ticket.id)
        gone = service.recall(session, halls.agent, hall, first.ticket.id)  # the 4th call
        assert (gone.state, gone.outcome, gone.call_count) == ("no_show", "no_show", 3)

        second = service.call_next(session, halls.agent, hall, 2)
        assert second is not None and second.ticket.number == "A002"
        tick(1)
        back = service.recycle(session, halls.agent, hall, second.ticket.id)
        assert back.state == "waiting" and back.counter_id is None

        third = service.call_next(session, halls.agent, hall, 2)
        assert third is not None and third.ticket.number == "A003"  # A002 went to the back
        service.start(session, halls.agent, hall, third.ticket.id)
        parked = service.park(session, halls.agent, hall, third.ticket.id)
        assert parked.state == "parked"
        again = service.unpark(session, halls.agent, hall, third.ticket.id, 2)
        assert again.state == "called"
        service.start(session, halls.agent, hall, third.ticket.id)
        # Sent to counter 3's pool: counter 3 calls it before its queues.
        service.transfer(session, halls.agent, hall, third.ticket.id, to_counter=3)
        at3 = service.call_next(session, halls.agent2, hall, 3)
        assert at3 is not None and at3.ticket.id == third.ticket.id and at3.reason == "pool"
        service.start(session, halls.agent2, hall, third.ticket.id)
        moved = service.transfer(session, halls.agent2, hall, third.ticket.id, to_type="D")
        assert moved.state == "waiting" and moved.number == "A003"
        with pytest.raises(IllegalTransition):
            service.finish(session, halls.agent2, hall, third.ticket.id)
        outcomes = session.scalars(
            select(TicketEvent.outcome).where(
                TicketEvent.ticket_id == third.ticket.id, TicketEvent.outcome.is_not(None)
            )
        ).all()
        assert outcomes == ["parked", "transfer_to_counter", "transfer_to_queue"]


def test_walk_direct_and_the_display(
    factory: sessionmaker[Session], halls: Halls, tick: Tick
) -> None:
    with unit_of_work(factory) as session:
        hall = _hall(session, halls)
        service.move_counter(session, halls.agent, hall, 4, "open")
        walk = service.walk_direct(session, halls.agent, hall, 4, "B")
        assert walk.state == "serving" and walk.source == "counter"
        service.finish(session, halls.agent, hall, walk.id)
        service.issue(session, hall, "C", source="kiosk")
        called = service.call_next(session, halls.agent, hall, 4)
        assert called is not None
        shown = queries.display(session, hall)
        assert shown.calling[0].text_zh == f"请 {called.ticket.number} 号到 4 号窗口"


def test_two_counters_never_take_the_same_ticket(
    factory: sessionmaker[Session], halls: Halls
) -> None:
    with unit_of_work(factory) as session:
        hall = _hall(session, halls)
        for _ in range(2):
            service.issue(session, hall, "A", source="kiosk")
        service.move_counter(session, halls.agent, hall, 2, "open")
        service.move_counter(session, halls.agent2, hall, 3, "open")
    got = []
    for staff, counter in ((halls.agent, 2), (halls.agent2, 3)):
        with unit_of_work(factory) as session:
            called = service.call_next(session, staff, _hall(session, halls, staff), counter)
            assert called is not None
            got.append(called.ticket.number)
    assert sorted(got) == ["A001", "A002"]


def test_a_peak_alerts_the_duty_manager_once_and_clears(
    factory: sessionmaker[Session], halls: Halls, tick: Tick
) -> None:
    with unit_of_work(factory) as session:
        hall = _hall(session, halls)
        service.move_counter(session, halls.agent, hall, 2, "open")
        for _ in range(12):  # 12 transactions at 8 min on one counter: far past 30 min
            service.issue(session, hall, "A", source="kiosk")
        alerts = session.scalars(select(HallAlert).where(HallAlert.kind == "hall_peak")).all()
        assert len(alerts) == 1 and alerts[0].details["to_open"] >= 1
        told = session.scalars(
            select(Notification).where(Notification.staff_id == halls.manager.id)
        ).all()
        assert [n.kind for n in told] == ["hall_peak"]
        assert "请再开" in told[0].message_zh
        for number in (3, 4):
            service.move_counter(
                session, halls.agent2 if number == 3 else halls.manager, hall, number, "open"
            )
        for _ in range(6):  # served: the queue shrinks
            for staff, counter in ((halls.agent, 2), (halls.agent2, 3)):
                called = service.call_next(session, staff, hall, counter)
                if called:
                    service.start(session, staff, hall, called.ticket.id)
                    service.finish(session, staff, hall, called.ticket.id)
        jobs.check_halls(session, Settings())  # the worker's prompt job
        assert session.scalars(select(HallAlert).where(HallAlert.cleared_at.is_(None))).all() == []
        kinds = session.scalars(
            select(Notification.kind).where(Notification.staff_id == halls.manager.id)
        ).all()
        assert kinds == ["hall_peak", "hall_peak_cleared"]


def test_a_paused_counter_while_the_queue_is_over_target_alerts(
    factory: sessionmaker[Session], halls: Halls, tick: Tick
) -> None:
    with unit_of_work(factory) as session:
        hall = _hall(session, halls)
        service.move_counter(session, halls.agent, hall, 2, "open")
        service.move_counter(session, halls.agent, hall, 2, "pause")
        service.issue(session, hall, "V", source="kiosk")
    tick(6)  # the VIP is past its 5 minutes
    with unit_of_work(factory) as session:
        hall = _hall(session, halls)
        service.issue(session, hall, "B", source="kiosk")
        open_ = session.scalars(select(HallAlert).where(HallAlert.kind == "hall_paused")).all()
        assert len(open_) == 1 and open_[0].cleared_at is None
        service.move_counter(session, halls.agent, hall, 2, "open")
        assert open_[0].cleared_at is not None


def test_staff_act_only_on_halls_of_their_region(
    factory: sessionmaker[Session], halls: Halls
) -> None:
    with unit_of_work(factory) as session:
        with pytest.raises(setup.HallNotFound):
            setup.hall_for(session, halls.sz_agent, halls.gz)
        assert [h.code for h in setup.halls_in_scope(session, halls.agent)] == ["GZ-TH"]
