"""The hall KPIs (issue 11 item 8; T-3, T-4) on both engines: counter utilisation from the
counters' recorded open and paused periods, T-4 against the hall's calendar, and the console
page with its charts for the duty manager only (an agent 403, another region's hall 404)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from telcodesk.db import unit_of_work
from telcodesk.halls import service, usage
from telcodesk.org import service as org
from tests.conftest import console_login, login
from tests.halls.conftest import Halls


def _morning(
    factory: sessionmaker[Session], halls: Halls, tick: Callable[[float], datetime]
) -> None:
    """09:00 counter 2 opens; a ticket is called at 09:05 and served 8 minutes; the counter
    pauses 09:20-09:30, then stays open until 10:00 and closes."""
    with unit_of_work(factory) as session:
        hall = org.get_unit_by_code(session, halls.gz)
        agent = session.merge(halls.agent)
        service.move_counter(session, agent, hall, 2, "open")
        service.issue(session, hall, "A", source="kiosk")
    tick(5)
    with unit_of_work(factory) as session:
        hall = org.get_unit_by_code(session, halls.gz)
        agent = session.merge(halls.agent)
        called = service.call_next(session, agent, hall, 2)
        assert called is not None
        service.start(session, agent, hall, called.ticket.id)
        tick(8)
        service.finish(session, agent, hall, called.ticket.id)
    tick(7)  # 09:20
    with unit_of_work(factory) as session:
        hall = org.get_unit_by_code(session, halls.gz)
        service.move_counter(session, session.merge(halls.agent), hall, 2, "pause")
    tick(10)  # 09:30
    with unit_of_work(factory) as session:
        hall = org.get_unit_by_code(session, halls.gz)
        service.move_counter(session, session.merge(halls.agent), hall, 2, "open")
    tick(30)  # 10:00
    with unit_of_work(factory) as session:
        hall = org.get_unit_by_code(session, halls.gz)
        service.move_counter(session, session.merge(halls.agent), hall, 2, "close")


def test_utilisation_from_the_counter_periods(
    client: TestClient,
    factory: sessionmaker[Session],
    halls: Halls,
    tick: Callable[[float], datetime],
) -> None:
    _morning(factory, halls, tick)
    with unit_of_work(factory) as session:
        periods = session.scalars(
            select(usage.CounterPeriod).order_by(usage.CounterPeriod.started_at)
        ).all()
        assert [p.state for p in periods] == ["open", "paused", "open"]
        assert all(p.ended_at is not None for p in periods)  # the close ended the last one
    body = client.get(
        f"/api/v1/halls/{halls.gz}/kpis?day=2026-12-07",
        headers=login(client, halls.manager.username),
    ).json()
    two = next(c for c in body["counters"] if c["counter"] == 2)
    assert two["open_minutes"] == 50 and two["paused_minutes"] == 10
    assert two["busy_minutes"] == 8 and abs(two["utilisation"] - 8 / 50) < 1e-9
    assert next(c for c in body["counters"] if c["counter"] == 3)["utilisation"] is None
    assert body["opening"]["ok"] is True and body["opening"]["hours"] >= 10


def test_t4_against_the_calendar(factory: sessionmaker[Session], halls: Halls) -> None:
    with unit_of_work(factory) as session:
        hall = org.get_unit_by_code(session, halls.gz)
        assert usage.opening(session, hall, date(2026, 12, 6)).ok  # a Sunday: open every day
        hall.workdays_only = True  # a hall that shuts at weekends breaches T-4
        sunday = usage.opening(session, hall, date(2026, 12, 6))
        assert not sunday.is_workday and not sunday.open_on_day and not sunday.ok
        monday = usage.opening(session, hall, date(2026, 12, 7))
        assert monday.ok and date(2026, 12, 12) in monday.closed_days_ahead
        hall.workdays_only, hall.open_time, hall.close_time = False, "09:00", "18:00"
        assert not usage.opening(session, hall, date(2026, 12, 7)).ok  # 9 hours
        session.rollback()


def test_console_page(
    client: TestClient,
    factory: sessionmaker[Session],
    halls: Halls,
    tick: Callable[[float], datetime],
) -> None:
    _morning(factory, halls, tick)
    console_login(client, halls.manager.username)
    page = client.get(f"/console/halls/{halls.gz}/kpis?day=2026-12-07")
    assert page.status_code == 200, page.text[:300]
    assert 'id="kpi-hour-chart"' in page.text and "echarts.common.min.js" in page.text
    assert 'data-counter="2"' in page.text and "16%" in page.text  # 8 busy of 50 open
    assert f'id="kpis-{halls.gz}"' in client.get("/console/halls").text
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token", None)
    console_login(client, halls.agent.username)
    assert client.get(f"/console/halls/{halls.gz}/kpis").status_code == 403
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token", None)
    console_login(client, halls.sz_agent.username)
    assert client.get(f"/console/halls/{halls.gz}/kpis").status_code in (403, 404)
