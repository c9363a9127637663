"""A deadline at the end of a working day reads as that day (issue 7, item 9): the console,
the API and the export show a deadline at Beijing midnight as ``24:00`` of the day before
(截至某日24时), never ``00:00`` of the next day, which staff read as one day more."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from telcodesk import clock
from tests.conftest import console_login, login
from tests.factories import World

BJ = timedelta(hours=8)


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    """A Beijing wall-clock time as UTC."""
    return datetime(y, m, d, hh, mm, ss, tzinfo=UTC) - BJ


def test_midnight_is_the_end_of_the_day_before() -> None:
    assert clock.deadline_text(at(2026, 1, 7)) == "2026-01-06 24:00"
    assert clock.deadline_day(at(2026, 1, 7)) == date(2026, 1, 6)
    assert clock.deadline_text(at(2026, 1, 1)) == "2025-12-31 24:00"  # across a year
    assert clock.deadline_text(at(2026, 1, 6, 17, 30)) == "2026-01-06 17:30"
    assert clock.deadline_text(at(2026, 1, 7, 0, 1)) == "2026-01-07 00:01"
    assert clock.deadline_text(at(2026, 1, 7, 0, 0, 30)) == "2026-01-07 00:00"  # past the day


@given(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)))
def test_the_day_shown_is_the_day_the_deadline_ends(wall: datetime) -> None:
    due = wall.replace(tzinfo=clock.SHANGHAI).astimezone(UTC)
    text, day = clock.deadline_text(due), clock.deadline_day(due)
    assert text.startswith(f"{day:%Y-%m-%d} ")
    # the instant lies within the day shown, its end included
    start = datetime.combine(day, datetime.min.time(), clock.SHANGHAI)
    assert start < due <= start + timedelta(days=1)
    assert text.endswith(" 24:00") == (clock.local(due).time() == datetime.min.time())


def _holiday_complaint(client: TestClient, world: World) -> str:
    # Registered on 2 January 2026 (New Year holiday): due at the end of 6 January.
    clock.set_clock(lambda: at(2026, 1, 2, 10))
    body = {
        "type": "complaint",
        "channel": "hotline",
        "customer_id": world.customer.id,
        "subject": "话费异议",
        "category_code": "billing.charges",
    }
    res = client.post("/api/v1/orders", json=body, headers=login(client, world.agent.username))
    assert res.status_code == 201, res.text
    due = {d["kind"]: d for d in res.json()["deadlines"]}["resolution"]
    assert clock.local(datetime.fromisoformat(due["due_at"])).hour == 0  # the case at hand
    assert due["due_text"] == "2026-01-06 24:00"
    assert due["due_day"] == "2026-01-06"
    return str(res.json()["number"])


def test_api_console_and_export_show_the_end_of_the_day(client: TestClient, world: World) -> None:
    number = _holiday_complaint(client, world)
    got = client.get(f"/api/v1/orders/{number}", headers=login(client, world.agent.username))
    deadlines = {d["kind"]: d["due_text"] for d in got.json()["deadlines"]}
    assert deadlines["resolution"] == "2026-01-06 24:00"

    console_login(client, world.agent.username)
    page = client.get(f"/console/orders/{number}").text
    assert "2026-01-06 24:00" in page
    assert "2026-01-07 00:00" not in page

    auditor = login(client, world.auditor.username)
    res = client.get("/api/v1/exports/orders.csv", headers=auditor)
    assert res.status_code == 200, res.text
    rows = list(csv.reader(io.StringIO(res.content.decode("utf-8-sig"))))
    column = rows[0].index("办结时限 resolution due")
    assert [r[column] for r in rows[1:] if r[0] == number] == ["2026-01-06 24:00"]
