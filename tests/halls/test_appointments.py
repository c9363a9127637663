"""Appointments 预约 on a real database (BH-4): slots with a capacity, bookings for gold and
diamond members only, the SMS confirmation and the reminder an hour before through the outbox,
check-in within the hall's window into the appointment queue (called by booked time, not by
arrival), late arrivals to the walk-in queue, no-shows recorded by the worker, cancellation,
the API and another region's hall (404)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from telcodesk import clock
from telcodesk.config import Settings
from telcodesk.customers import service as customers
from telcodesk.customers.schemas import CustomerIn
from telcodesk.db import unit_of_work
from telcodesk.errors import Conflict, Forbidden, NotFound, ValidationFailed
from telcodesk.halls import appointments, jobs, rules, service, setup
from telcodesk.halls.models import Appointment, HallConfig, Ticket
from telcodesk.notify.models import OutboxMessage
from tests.conftest import login
from tests.factories import World
from tests.halls.conftest import Halls

Tick = Callable[[float], datetime]
DAY = date(2026, 12, 7)  # the tick fixture starts at 09:00 Beijing on this day


def _hall(session: Session, halls: Halls):  # type: ignore[no-untyped-def]
    return setup.hall_for(session, halls.manager, halls.gz)


def _slots(session: Session, halls: Halls, capacity: int = 2) -> dict[str, int]:
    """10:00, 10:30, 11:00 and 11:30 slots for transactions (A): HH:MM -> slot id."""
    made = appointments.add_slots(
        session, halls.manager, _hall(session, halls), "A", DAY, time(10), time(12), 30, capacity
    )
    return {f"{clock.local(s.starts_at):%H:%M}": s.id for s in made}


def _diamond(session: Session, phone: str = "13700137000") -> int:
    return customers.create_customer(
        session,
        CustomerIn(name="孙钻石", phone=phone, tier="diamond"),  # type: ignore[arg-type]
        default_city="440100",
    ).id


def _sms(session: Session, kind: str) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        )
    )


def test_slots_booking_capacity_eligibility_and_confirmation_sms(
    factory: sessionmaker[Session], world: World, halls: Halls, tick: Tick
) -> None:
    with unit_of_work(factory) as session:
        slots = _slots(session, halls, capacity=1)
        assert list(slots) == ["10:00", "10:30", "11:00", "11:30"]
        hall = _hall(session, halls)
        # By number: the gold member (of another city: the number is their own, BH-4).
        made = appointments.book(session, halls.agent, hall, slots["10:00"], phone="13900139000")
        assert made.state == "booked" and made.tier == "gold"
        sms = _sms(session, "hall_appointment")
        assert [m.recipient for m in sms] == ["13900139000"]
        assert "12月7日 10:00" in sms[0].body and "09:30–10:15" in sms[0].body
        diamond = _diamond(session)
    with unit_of_work(factory) as session:
        hall = _hall(session, halls)
        with pytest.raises(Conflict) as full:
            appointments.book(session, halls.agent, hall, slots["10:00"], customer_id=diamond)
        assert full.value.code == "slot_full"
    with unit_of_work(factory) as session:
        hall = _hall(session, halls)
        with pytest.raises(ValidationFailed) as standard:
            appointments.book(session, halls.agent, hall, slots["10:30"], phone="13800138000")
        assert standard.value.code == "appointment_not_eligible"
        with pytest.raises(Conflict) as twice:
            appointments.book(session, halls.agent, hall, slots["11:00"], phone="13900139000")
        assert twice.value.code == "appointment_exists"
        # The customer id is scope-checked: the Shenzhen member is not the GZ agent's to open.
        with pytest.raises(NotFound):
            appointments.book(session, halls.agent, hall, slots["10:30"], customer_id=world.vip.id)
        # Opening slots is the duty manager's.
        with pytest.raises(Forbidden):
            appointments.add_slots(session, halls.agent, hall, "A", DAY, time(14), time(15), 30, 1)
        with pytest.raises(ValidationFailed) as appointment_queue:
            appointments.add_slots(
                session, halls.manager, hall, "Y", DAY, time(14), time(15), 30, 1
            )
        assert appointment_queue.value.code == "unknown_service_type"
    with unit_of_work(factory) as session:
        hall = _hall(session, halls)
        views = appointments.day_slots(session, hall, DAY)
        assert [(v.code, v.slot.booked, v.free) for v in views][:2] == [("A", 1, 0), ("A", 0, 1)]
        cancelled = appointments.cancel(session, halls.agent, hall, made.id)
        assert cancelled.state == "cancelled"
    with unit_of_work(factory) as session:
        hall = _hall(session, halls)
        assert appointments.day_slots(session, hall, DAY)[0].free == 1  # the place is back
        again = appointments.book(session, halls.agent, hall, slots["10:00"], customer_id=diamond)
        assert again.state == "booked"


def test_check_in_window_orders_by_booked_time_and_late_goes_walk_in(
    factory: sessionmaker[Session], world: World, halls: Halls, tick: Tick
) -> None:
    with unit_of_work(factory) as session:
        slots = _slots(session, halls)
        hall = _hall(session, halls)
        early = appointments.book(session, halls.agent, hall, slots["10:00"], phone="13900139000")
        later = appointments.book(
            session, halls.agent, hall, slots["10:30"], customer_id=_diamond(session)
        )
        third = appointments.book(
            session, halls.agent, hall, slots["10:00"], customer_id=_diamond(session, "13600136000")
        )
    tick(20)  # 09:20: the 10:00 window opens at 09:30
    with unit_of_work(factory) as session:
        with pytest.raises(Conflict) as too_early:
            appointments.check_in(session, _hall(session, halls), early.id)
        assert too_early.value.code == "appointment_too_early"
        assert too_early.value.details == {"opens": "09:30"}
    tick(45)  # 10:05: the 10:30 member checks in first, the 10:00 one after
    with unit_of_work(factory) as session:
        hall = _hall(session, halls)
        second = appointments.check_in(session, hall, later.id, halls.agent)
        tick(1)
        first = appointments.check_in(session, hall, early.id, halls.agent)
        assert (first.arrival, second.arrival) == (rules.Arrival.ON_TIME, rules.Arrival.ON_TIME)
        assert first.ticket.number.startswith("Y") and first.ticket.source == "appointment"
        assert first.appointment.state == "checked_in"
        service.move_counter(session, halls.agent, hall, 1, "open")  # the VIP counter serves Y
    with unit_of_work(factory) as session:
        hall = _hall(session, halls)
        called = service.call_next(session, halls.agent, hall, 1)
        assert called is not None and called.ticket.id == first.ticket.id  # booked 10:00
    tick(15)  # 10:21: the 10:00 window closed at 10:15
    with unit_of_work(factory) as session:
        hall = _hall(session, halls)
        late = appointments.check_in(session, hall, third.id, halls.agent)
        assert late.arrival is rules.Arrival.LATE and late.appointment.state == "late"
        # A diamond member asking for a transaction walks into the VIP lane (BH-2).
        assert late.ticket.number.startswith("V") and late.ticket.booked_at is None
        with pytest.raises(Conflict) as twice:
            appointments.check_in(session, hall, third.id)
        assert twice.value.code == "appointment_closed"


def test_worker_reminds_an_hour_before_and_records_no_shows(
    factory: sessionmaker[Session], world: World, halls: Halls, tick: Tick
) -> None:
    with unit_of_work(factory) as session:
        slots = _slots(session, halls)
        hall = _hall(session, halls)
        booked = appointments.book(session, halls.agent, hall, slots["10:30"], phone="13900139000")
        session.get(HallConfig, hall.id).checkin_late_minutes = 5  # type: ignore[union-attr]
    settings = Settings()
    with unit_of_work(factory) as session:
        assert jobs.appointments_due(session, settings) == 0  # 09:00: 90 min ahead
    tick(31)  # 09:31: within the hour
    with unit_of_work(factory) as session:
        assert jobs.appointments_due(session, settings) == 1
        assert jobs.appointments_due(session, settings) == 0  # reminded once
        (reminder,) = _sms(session, "hall_appointment_reminder")
        assert reminder.recipient == "13900139000" and "10:30" in reminder.body
    tick(63)  # 10:34: within the (5 min) late window, not a no-show yet
    with unit_of_work(factory) as session:
        assert jobs.appointments_due(session, settings) == 0
    tick(2)  # 10:36
    with unit_of_work(factory) as session:
        assert jobs.appointments_due(session, settings) == 1
        assert session.get(Appointment, booked.id).state == "no_show"  # type: ignore[union-attr]
    with unit_of_work(factory) as session:  # they turn up after all: a walk-in ticket
        came = appointments.check_in(session, _hall(session, halls), booked.id)
        assert came.arrival is rules.Arrival.LATE and came.appointment.state == "late"
        assert session.get(Ticket, came.ticket.id).number.startswith("V")  # type: ignore[union-attr]


def test_appointments_over_the_api_kiosk_check_in_and_other_region(
    client: TestClient, world: World, halls: Halls, tick: Tick
) -> None:
    manager = login(client, halls.manager.username)
    base = f"/api/v1/halls/{halls.gz}"
    made = client.post(
        f"{base}/slots",
        json={"type": "A", "day": "2026-12-07", "first": "09:00", "last": "11:00",
              "minutes": 60, "capacity": 3},
        headers=manager,
    )  # fmt: skip
    assert made.status_code == 200, made.text
    assert [s["free"] for s in made.json()] == [3, 3]
    slot_id = made.json()[1]["id"]  # 10:00
    agent = login(client, halls.agent.username)
    booked = client.post(
        f"{base}/appointments", json={"slot_id": slot_id, "phone": "13900139000"}, headers=agent
    )
    assert booked.status_code == 200, booked.text
    assert booked.json()["state"] == "booked" and booked.json()["customer_name"] == "钱多多"
    assert client.get(f"{base}/slots", headers=agent).json()[1]["booked"] == 1
    # Bad input is a 4xx with a code, never a 500.
    for body in ({"slot_id": slot_id}, {"slot_id": 0, "phone": "1"}, {"slot_id": "x"}):
        res = client.post(f"{base}/appointments", json=body, headers=agent)
        assert res.status_code == 422 and res.json()["code"], body
    bad = client.post(
        f"{base}/slots",
        json={"type": "A", "day": "2026-12-07", "first": "11:00", "last": "10:00"},
        headers=manager,
    )
    assert bad.status_code == 422 and bad.json()["code"] == "slot_range"
    assert client.post(
        f"{base}/slots", json={"type": "A", "day": "2026-12-07", "first": "25:00", "last": "x"},
        headers=manager,
    ).status_code == 422  # fmt: skip
    # Too early at the kiosk (09:00, opens 09:30), then on time.
    kiosk = f"/api/v1/public/halls/{halls.token}/check-in"
    early = client.post(kiosk, json={"phone": "139 0013 9000"})
    assert early.status_code == 409 and early.json()["code"] == "appointment_too_early"
    tick(40)
    done = client.post(kiosk, json={"phone": "139 0013 9000"})
    assert done.status_code == 200, done.text
    assert done.json()["arrival"] == "on_time" and done.json()["ticket"]["number"] == "Y001"
    listed = client.get(f"{base}/appointments", params={"day": "2026-12-07"}, headers=agent)
    assert [(a["state"], a["ticket"]) for a in listed.json()] == [("checked_in", "Y001")]
    unknown = client.post(kiosk, json={"phone": "13800138000"})
    assert unknown.status_code == 404 and unknown.json()["code"] == "appointment_not_found"
    # Another region's hall answers 404 like an unknown one.
    sz = login(client, halls.sz_agent.username)
    appointment_id = booked.json()["id"]
    for method, path, body in (
        ("GET", f"{base}/slots", None),
        ("GET", f"{base}/appointments", None),
        ("POST", f"{base}/appointments", {"slot_id": slot_id, "phone": "13900139000"}),
        ("POST", f"{base}/appointments/{appointment_id}/check-in", None),
        ("POST", f"{base}/appointments/{appointment_id}/cancel", None),
    ):
        res = client.request(method, path, json=body, headers=sz)
        assert res.status_code == 404 and res.json()["code"] == "hall_not_found", path
    # The Shenzhen hall does not see the Guangzhou hall's appointment either.
    sz_base = f"/api/v1/halls/{halls.sz}"
    res = client.post(f"{sz_base}/appointments/{appointment_id}/cancel", headers=sz)
    assert res.status_code == 404 and res.json()["code"] == "appointment_not_found"


def test_member_books_on_the_phone_page_with_a_texted_code(
    client: TestClient, factory: sessionmaker[Session], world: World, halls: Halls, tick: Tick
) -> None:
    with unit_of_work(factory) as session:
        _slots(session, halls, capacity=1)
    public = f"/api/v1/public/halls/{halls.token}"
    slots = client.get(f"{public}/slots").json()
    assert [s["free"] for s in slots] == [1, 1, 1, 1] and "booked" not in slots[0]
    page = client.get(f"/h/{halls.token}/book")
    assert page.status_code == 200 and "10:00" in page.text
    # The same answer for a member and for anyone else: the page never tells who is a member.
    for phone in ("13900139000", "13800138000", "13000000000"):
        res = client.post(f"{public}/booking-codes", json={"phone": phone})
        assert res.status_code == 202 and res.json() == {"status": "sent_if_member"}
    again = client.post(f"{public}/booking-codes", json={"phone": "13900139000"})
    assert again.status_code == 202  # within the minute: nothing sent, said the same way
    with unit_of_work(factory) as session:
        (sms,) = _sms(session, "hall_booking_code")  # only the gold member, and only once
        assert sms.recipient == "13900139000"
        code = sms.body.split("验证码 ")[1][:6]
    wrong = "000000" if code != "000000" else "111111"
    book = {"slot_id": slots[0]["id"], "phone": "139 0013 9000"}
    for _ in range(5):  # five tries per code, counted even though each is refused
        res = client.post(f"{public}/appointments", json={**book, "code": wrong})
        assert res.status_code == 422 and res.json()["code"] == "bad_code"
    res = client.post(f"{public}/appointments", json={**book, "code": code})
    assert res.status_code == 422 and res.json()["code"] == "bad_code"  # spent: a new code
    tick(2)
    client.post(f"{public}/booking-codes", json={"phone": "13900139000"})
    with unit_of_work(factory) as session:
        code = _sms(session, "hall_booking_code")[-1].body.split("验证码 ")[1][:6]
    done = client.post(f"{public}/appointments", json={**book, "code": code})
    assert done.status_code == 200, done.text
    assert done.json()["type_zh"] == "业务办理"
    reused = client.post(f"{public}/appointments", json={**book, "code": code})
    assert reused.status_code == 422 and reused.json()["code"] == "bad_code"  # used once
    with unit_of_work(factory) as session:
        made = session.get(Appointment, done.json()["appointment_id"])
        assert made is not None and made.source == "phone" and made.created_by is None
        assert _sms(session, "hall_appointment")[-1].recipient == "13900139000"  # confirmed
    assert client.get(f"{public}/slots").json()[0]["free"] == 0
    for body in ({**book, "code": "12"}, {"slot_id": 1, "phone": "x", "code": "123456"}):
        res = client.post(f"{public}/appointments", json=body)
        assert res.status_code == 422 and res.json()["code"], body
