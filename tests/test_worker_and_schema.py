"""Scheduled jobs and the schema guard."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from telcodesk import clock
from telcodesk.app import create_app
from telcodesk.config import Settings
from telcodesk.db import (
    SchemaNotMigrated,
    create_db_engine,
    pending_migrations,
    unit_of_work,
    upgrade,
)
from telcodesk.worker import JOBS, Worker
from telcodesk.workorders import service as orders
from telcodesk.workorders.rules import Action, Status
from telcodesk.workorders.schemas import OrderCreate, TransitionIn
from tests.factories import World


def order_in_callback(factory: sessionmaker[Session], world: World) -> str:
    with unit_of_work(factory) as session:
        order, _ = orders.register_order(
            session,
            world.agent,
            OrderCreate(
                type="complaint",
                channel="hotline",
                customer_id=world.customer.id,
                subject="话费异议",
            ),
        )  # type: ignore[arg-type]
        number = order.number
    steps = [
        (Action.REVIEW_VALID, {}),
        (Action.ASSIGN, {"handler": world.handler.username}),
        (Action.START, {}),
        (Action.REPLY, {"message": "已退费"}),
        (Action.START_CALLBACK, {}),
    ]
    for action, extra in steps:
        # The owner makes the call-back, not the handler (SQ-1, CH-3).
        actor = world.agent if action == Action.START_CALLBACK else world.handler
        with unit_of_work(factory) as session:
            o = orders.get_order(session, number, viewer=None)
            orders.transition(
                session, actor, number, action, TransitionIn(version=o.version, **extra)
            )
    return number


def test_unanswered_callbacks_are_archived_once(
    factory: sessionmaker[Session], world: World, settings: Settings
) -> None:
    number = order_in_callback(factory, world)
    worker = Worker(factory, settings)
    assert worker.run_job("archive_unanswered_callbacks") == 0  # not yet due
    start = clock.now()
    clock.set_clock(lambda: start + timedelta(days=settings.callback_timeout_days, minutes=1))
    assert worker.run_job("archive_unanswered_callbacks") == 1
    assert worker.run_job("archive_unanswered_callbacks") == 0  # repeat-safe
    with unit_of_work(factory) as session:
        order = orders.get_order(session, number, viewer=None)
        assert order.status == Status.ARCHIVED
        last = orders.history(session, order)[-1]
        assert last.action == "archive" and last.actor_id == world.system.id and last.reason


def test_sweep_isolates_failures(factory: sessionmaker[Session], settings: Settings) -> None:
    # No world: the system account is missing, so the archive job fails; the others still run.
    results = Worker(factory, settings).sweep()
    assert set(results) == set(JOBS)
    assert str(results["archive_unanswered_callbacks"]).startswith("error")
    assert results["purge_idempotency_records"] == 0


def test_app_refuses_unmigrated_database(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/empty.db"
    assert pending_migrations(create_db_engine(url))
    with pytest.raises(SchemaNotMigrated, match="telcodesk db upgrade"):
        create_app(Settings(database_url=url))
    upgrade(url)
    assert pending_migrations(create_db_engine(url)) == []
    create_app(Settings(database_url=url))


def test_production_refuses_default_secret() -> None:
    with pytest.raises(ValueError, match="SECRET_KEY"):
        Settings(env="production")
    Settings(env="production", secret_key="a-real-secret-from-the-vault")
