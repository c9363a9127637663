"""Outage fallback on a real database (BH-6): a kiosk registers for its device code; the
numbers it issued offline, with their pre-acceptances, are entered once each — the same batch
sent again answers duplicate with the same tickets, nothing doubled — keep their offline
number and their place in the queue from the time they were issued, and a record that cannot
be entered is refused with a code while the rest go in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from telcodesk import clock
from telcodesk.db import unit_of_work
from telcodesk.halls import offline, service, setup
from telcodesk.halls.models import OfflineEntry, Ticket
from tests.conftest import login
from tests.factories import World
from tests.halls.conftest import Halls

Tick = Callable[[float], datetime]


def test_offline_records_are_entered_once_in_their_place(
    client: TestClient, factory: sessionmaker[Session], world: World, halls: Halls, tick: Tick
) -> None:
    public = f"/api/v1/public/halls/{halls.token}"
    first = client.post(f"{public}/devices", json={"device_key": "kiosk-one-key-0001"})
    again = client.post(f"{public}/devices", json={"device_key": "kiosk-one-key-0001"})
    second = client.post(f"{public}/devices", json={"device_key": "kiosk-two-key-0002"})
    assert (first.json()["code"], again.json()["code"], second.json()["code"]) == (1, 1, 2)
    # The other hall cannot claim this hall's device.
    other = client.post(
        f"/api/v1/public/halls/{halls.sz_token}/devices", json={"device_key": "kiosk-one-key-0001"}
    )
    assert other.status_code == 409 and other.json()["code"] == "device_other_hall"

    online = client.post(f"{public}/tickets", json={"type": "A"}).json()  # A001, 09:00
    issued_offline = (clock.now() - timedelta(minutes=20)).isoformat()  # before A001
    tick(5)
    batch = {
        "records": [
            {"key": "rec-aaaaaaaa-0001", "number": "X1-A001", "type": "A",
             "issued_at": issued_offline, "phone": "13900139000", "note": "办理宽带续约"},
            {"key": "rec-aaaaaaaa-0002", "number": "X2-A001", "type": "A",
             "issued_at": (clock.now() - timedelta(minutes=2)).isoformat()},
            {"key": "rec-aaaaaaaa-0003", "number": "X9-B001", "type": "B",
             "issued_at": issued_offline},  # device 9 is not registered
        ]
    }  # fmt: skip
    entered = client.post(f"{public}/offline", json=batch)
    assert entered.status_code == 200, entered.text
    results = entered.json()
    assert [r["status"] for r in results] == ["entered", "entered", "rejected"]
    assert results[2]["code"] == "offline_number"
    # The gold member's number put their record in the VIP lane; the printed number stays.
    assert results[0]["number"] == "X1-A001"
    resent = client.post(f"{public}/offline", json=batch).json()
    assert [r["status"] for r in resent] == ["duplicate", "duplicate", "rejected"]
    assert [r["ticket_token"] for r in resent[:2]] == [r["ticket_token"] for r in results[:2]]
    with unit_of_work(factory) as session:
        assert session.scalar(select(func.count()).select_from(OfflineEntry)) == 2
        rows = session.scalars(select(Ticket).where(Ticket.source == "offline")).all()
        assert sorted(t.number for t in rows) == ["X1-A001", "X2-A001"]
        entry = session.scalar(select(OfflineEntry).where(OfflineEntry.number == "X1-A001"))
        assert entry is not None and entry.note == "办理宽带续约" and entry.phone == "13900139000"
        x1 = next(t for t in rows if t.number == "X1-A001")
        assert x1.customer_id == world.vip.id and x1.tier == "gold"
        x2 = next(t for t in rows if t.number == "X2-A001")
        assert x2.queued_at < clock.now()  # its place: from when it was issued offline

    # The counter calls the offline ticket issued before A001 first, and shows its note.
    staff = login(client, halls.agent.username)
    base = f"/api/v1/halls/{halls.gz}"
    client.post(f"{base}/counters/3/open", headers=staff)
    called = client.post(f"{base}/counters/3/call-next", headers=staff).json()
    assert called["ticket"]["number"] == "X1-A001"  # the VIP lane, or the oldest: first either way
    with unit_of_work(factory) as session:
        hall = setup.hall_for(session, halls.agent, halls.gz)
        ticket = service.get_ticket(session, hall, called["ticket"]["id"])
        noted = offline.pre_acceptance(session, ticket)
        assert noted is not None and noted.note == "办理宽带续约"
    assert online["number"] == "A001"


def test_bad_offline_records_are_refused_with_a_code(
    client: TestClient, halls: Halls, tick: Tick
) -> None:
    public = f"/api/v1/public/halls/{halls.token}"
    client.post(f"{public}/devices", json={"device_key": "kiosk-one-key-0001"})
    now = clock.now()
    cases = [
        ({"number": "X1-B001", "type": "A"}, "offline_number"),  # number and type disagree
        ({"issued_at": (now - timedelta(hours=13)).isoformat()}, "offline_time"),
        ({"issued_at": (now + timedelta(hours=1)).isoformat()}, "offline_time"),
    ]
    for i, (change, code) in enumerate(cases):
        record = {"key": f"bad-record-000{i}", "number": "X1-A001", "type": "A",
                  "issued_at": now.isoformat(), **change}  # fmt: skip
        res = client.post(f"{public}/offline", json={"records": [record]})
        assert res.status_code == 200 and res.json()[0]["code"] == code, (change, res.text)
    # The same number under a second key (a reset kiosk) is not entered twice.
    ok = {"key": "good-record-0001", "number": "X1-A002", "type": "A", "issued_at": now.isoformat()}
    assert client.post(f"{public}/offline", json={"records": [ok]}).json()[0]["status"] == "entered"
    twin = {**ok, "key": "good-record-0002"}
    res = client.post(f"{public}/offline", json={"records": [twin]}).json()[0]
    assert res["status"] == "rejected" and res["code"] == "offline_number_taken"
    for body in (
        {"records": []},
        {"records": [{**ok, "number": "A001"}]},
        {"records": [{**ok, "issued_at": "yesterday"}]},
        {"records": [{**ok, "issued_at": "2026-02-31T10:00:00"}]},
    ):
        res = client.post(f"{public}/offline", json=body)
        assert res.status_code == 422 and res.json()["code"], body
    assert (
        client.post(
            "/api/v1/public/halls/not-a-real-token/offline", json={"records": [ok]}
        ).status_code
        == 404
    )
