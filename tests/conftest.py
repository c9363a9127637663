"""Test fixtures: every database test runs on SQLite, and on PostgreSQL when TELCODESK_TEST_PG
is set (a server URL such as ``postgresql+psycopg://postgres@127.0.0.1:5432``; CI sets it).

Each engine gets a fresh, migrated database for the session; rows are cleared between tests.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from telcodesk import clock
from telcodesk.app import create_app
from telcodesk.config import Settings
from telcodesk.db import create_db_engine, make_session_factory, unit_of_work, upgrade
from telcodesk.models import Base
from telcodesk.org import security
from telcodesk.sla import service as sla
from telcodesk.wiring import wire
from telcodesk.workorders import service as orders
from tests.factories import World, build_world

PG_SERVER = os.environ.get("TELCODESK_TEST_PG")
# Tests need no durability at a power cut, and FULL's fsync per commit would only slow them
# on a shared disk; tests/test_db_sqlite.py checks FULL, the default.
os.environ.setdefault("TELCODESK_SQLITE_SYNCHRONOUS", "NORMAL")

# Real argon2id, at the lowest cost: tests create many accounts and logins.
security._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
# Services called directly by tests react to lifecycle actions as they do in the app.
wire()
ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if PG_SERVER:
        return
    skip = pytest.mark.skip(reason="TELCODESK_TEST_PG not set")
    for item in items:
        if "postgresql" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session", params=ENGINES)
def db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        upgrade(url)
        yield url
        return
    assert PG_SERVER
    name = f"telcodesk_test_{os.getpid()}"
    admin = create_engine(f"{PG_SERVER.rstrip('/')}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"{PG_SERVER.rstrip('/')}/{name}"
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def engine(db_url: str) -> Iterator[Engine]:
    eng = create_db_engine(db_url, sqlite_synchronous="NORMAL")
    yield eng
    eng.dispose()


def _clear(engine: Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # The audit log refuses TRUNCATE (CD-2); only a superuser's replica session can
            # bypass its trigger, as a DBA restoring a test database would.
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def factory(engine: Engine) -> Iterator[sessionmaker[Session]]:
    yield make_session_factory(engine)
    clock.set_clock(None)
    _clear(engine)
    sla.clear_caches()  # calendars and policies cached per process belong to the rows cleared
    orders.clear_caches()  # and the categories


@pytest.fixture
def world(factory: sessionmaker[Session]) -> World:
    """A small organisation: HQ, a province, two cities, staff and customers."""
    with unit_of_work(factory) as session:
        return build_world(session)


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, worker_interval_s=3600)


@pytest.fixture
def client(settings: Settings, factory: sessionmaker[Session]) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        yield c


def login(client: TestClient, username: str, password: str = "Passw0rd!x") -> dict[str, str]:
    res = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert res.status_code == 200, res.text
    return {"Authorization": f"Bearer {res.json()['access_token']}"}


def console_refusal(res: Any) -> str:
    """The error code of a console error page (HTML, not JSON: web/kernel.error_page)."""
    assert res.headers["content-type"].startswith("text/html"), res.text[:300]
    found = re.search(r'data-error-code="([^"]*)"', res.text)
    assert found, res.text[:500]
    return found.group(1)


def csrf_token(client: TestClient) -> str:
    """The console's CSRF token (td_csrf cookie), fetching the login page if there is none."""
    if "td_csrf" not in client.cookies:
        client.get("/login")
    return str(client.cookies["td_csrf"])


def console_login(client: TestClient, username: str, password: str = "Passw0rd!x") -> None:
    """Sign in to the console (cookie session) as a browser would: the login form carries the
    CSRF token, and later requests send the new session's token as htmx does (header)."""
    data = {"username": username, "password": password, "csrf_token": csrf_token(client)}
    res = client.post("/login", data=data, follow_redirects=False)
    assert res.status_code == 303, res.text
    client.headers["X-CSRF-Token"] = client.cookies["td_csrf"]


@pytest.fixture
def agent(client: TestClient, world: World) -> dict[str, str]:
    """Bearer headers of a hotline agent of Guangzhou."""
    return login(client, world.agent.username)
