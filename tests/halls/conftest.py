"""A hall in Guangzhou (and one in Shenzhen) with its agents and duty manager."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from telcodesk import clock
from telcodesk.db import unit_of_work
from telcodesk.halls import setup
from telcodesk.org import service as org
from telcodesk.org.models import Staff
from telcodesk.org.roles import Role, UnitKind
from tests.factories import PASSWORD, World


@dataclass
class Halls:
    gz: str  # hall codes
    sz: str
    agent: Staff  # Guangzhou hall agent
    agent2: Staff
    manager: Staff  # Guangzhou duty manager
    sz_agent: Staff
    token: str  # Guangzhou screen token
    sz_token: str


@pytest.fixture
def halls(factory: sessionmaker[Session], world: World) -> Halls:
    with unit_of_work(factory) as session:
        gz_city = org.get_unit_by_code(session, "GZ")
        sz_city = org.get_unit_by_code(session, "SZ")
        gz = org.ensure_unit(
            session,
            code="GZ-TH",
            name="天河营业厅",
            kind=UnitKind.HALL,
            region_code="440106",
            parent=gz_city,
        )
        sz = org.ensure_unit(
            session,
            code="SZ-FT",
            name="福田营业厅",
            kind=UnitKind.HALL,
            region_code="440304",
            parent=sz_city,
        )
        gz_config = setup.set_up_hall(session, gz)
        sz_config = setup.set_up_hall(session, sz)

        def staff(username: str, unit, role: Role) -> Staff:  # type: ignore[no-untyped-def]
            return org.create_staff(
                session,
                username=username,
                display_name=username,
                password=PASSWORD,
                unit=unit,
                role=role,
            )

        return Halls(
            gz="GZ-TH",
            sz="SZ-FT",
            agent=staff("th.agent", gz, Role.HALL_AGENT),
            agent2=staff("th.agent2", gz, Role.HALL_AGENT),
            manager=staff("th.manager", gz, Role.HALL_MANAGER),
            sz_agent=staff("ft.agent", sz, Role.HALL_AGENT),
            token=gz_config.screen_token,
            sz_token=sz_config.screen_token,
        )


@pytest.fixture
def tick() -> Callable[[float], datetime]:
    """Moves the clock: ``tick(minutes)`` from a fixed morning (09:00 Beijing)."""
    now = [datetime(2026, 12, 7, 1, 0, tzinfo=UTC)]
    clock.set_clock(lambda: now[0])

    def move(minutes: float) -> datetime:
        now[0] += timedelta(minutes=minutes)
        return now[0]

    return move
