"""A sweep writes its clocks in one statement, with the version check kept (sla/batch.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, event, select, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from telcodesk.db import unit_of_work
from telcodesk.sla import batch
from telcodesk.sla.models import OrderClock
from tests.factories import World
from tests.sla.test_sla import at, register, sweep


@contextmanager
def clock_updates(engine: Engine) -> Iterator[list[int]]:
    """Statements sent that UPDATE order_clock, each with its number of parameter rows."""
    seen: list[int] = []

    def listen(_c: object, _cur: object, statement: str, params: object, _ctx: object, many: bool):  # type: ignore[no-untyped-def]
        if statement.startswith("UPDATE order_clock"):
            seen.append(len(params) if many else 1)  # type: ignore[arg-type]

    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listen)


def test_a_sweep_updates_all_its_clocks_in_one_statement(
    engine: Engine, factory: sessionmaker[Session], world: World
) -> None:
    for _ in range(3):
        register(factory, world, at(2026, 11, 2, 9))
    with unit_of_work(factory) as session:
        before = {c.id: (c.stage, c.version) for c in session.scalars(select(OrderClock))}
    with clock_updates(engine) as updates:
        r = sweep(factory, world, at(2026, 11, 4, 15))  # past 75 % of every resolution clock
    assert r.warnings + r.breaches >= 3
    with unit_of_work(factory) as session:
        after = {c.id: c for c in session.scalars(select(OrderClock))}
    fired = [i for i, c in after.items() if c.stage != before[i][0]]
    assert len(fired) >= 3
    assert len(updates) == 1 and updates[0] >= len(fired)  # one statement, a row per clock
    for i in fired:  # each written once: stage moved on, version bumped by one
        assert after[i].version == before[i][1] + 1
    assert sweep(factory, world, at(2026, 11, 4, 15)).warnings == 0  # nothing fires twice


def test_a_clock_changed_meanwhile_fails_the_batch(
    factory: sessionmaker[Session], world: World
) -> None:
    register(factory, world, at(2026, 11, 2, 9))
    session = factory()
    try:
        clocks = list(session.scalars(select(OrderClock)))
        for c in clocks:
            c.stage += 1
        with unit_of_work(factory) as other:  # someone else moves one clock on
            other.execute(
                update(OrderClock)
                .where(OrderClock.id == clocks[0].id)
                .values(version=OrderClock.version + 1)
            )
        with pytest.raises(StaleDataError):
            batch.write_clocks(session, clocks)
    finally:
        session.rollback()
        session.close()


def test_clocks_with_other_changes_are_left_to_the_orm(
    factory: sessionmaker[Session], world: World
) -> None:
    register(factory, world, at(2026, 11, 2, 9))
    with unit_of_work(factory) as session:
        paused, swept = list(session.scalars(select(OrderClock).order_by(OrderClock.id)))
        paused.paused_at, paused.next_check_at = at(2026, 11, 3), None
        swept.stage += 1
        assert batch.write_clocks(session, [paused, swept]) == 1
        assert paused in session.dirty  # the ORM's flush writes it, version check and all
    with unit_of_work(factory) as session:
        again = {c.id: c for c in session.scalars(select(OrderClock))}
        assert again[paused.id].paused_at is not None and again[paused.id].version == 2
        assert again[swept.id].stage == 1 and again[swept.id].version == 2
