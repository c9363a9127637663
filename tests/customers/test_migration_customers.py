"""Migration 0006 on a database that has the old data (BH-5, CC-1): numbers in many
spellings, the same person twice, and province-coded customers and orders of a province
hotline. After the upgrade: one live customer per number, orders moved with history, an audit
record per merge, every customer and order in a city, and the number unique."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from telcodesk.audit.models import AuditRecord
from telcodesk.customers.models import Customer
from telcodesk.db import alembic_config, create_db_engine, make_session_factory, unit_of_work
from telcodesk.workorders.models import OrderEvent, WorkOrder
from tests.factories import build_world

PG_SERVER = os.environ.get("TELCODESK_TEST_PG")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def fresh_url(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/migrate.db"
        return
    assert PG_SERVER
    name = f"telcodesk_migrate_{os.getpid()}"
    admin = create_engine(f"{PG_SERVER.rstrip('/')}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield f"{PG_SERVER.rstrip('/')}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_merges_duplicates_and_gives_cities(fresh_url: str) -> None:
    cfg = alembic_config(fresh_url)
    command.upgrade(cfg, "head")
    engine = create_db_engine(fresh_url)
    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:  # today's data, built through the services
        world = build_world(session)
        gz, sz = world.customer.id, world.vip.id
        from telcodesk.workorders import service as orders
        from telcodesk.workorders.schemas import OrderCreate

        number = orders.register_order(
            session,
            world.agent,
            OrderCreate(type="query", channel="hotline", customer_id=gz, subject="查询"),  # type: ignore[arg-type]
        )[0].number
    command.downgrade(cfg, "0005_notify")  # back to before: then write what it allowed
    with engine.begin() as conn:
        row = conn.execute(text("SELECT * FROM customer WHERE id = :i"), {"i": gz}).mappings().one()
        copy = {k: v for k, v in row.items() if k != "id"}

        def add(phone: str, city: str) -> int:
            values = copy | {"phone": phone, "city_code": city, "province_code": city[:2] + "0000"}
            cols = ", ".join(values)
            marks = ", ".join(f":{k}" for k in values)
            return int(
                conn.execute(
                    text(f"INSERT INTO customer ({cols}) VALUES ({marks}) RETURNING id"), values
                ).scalar_one()
            )

        twice = add("+86 138-0013-8000", "440100")  # 张三 again, another spelling
        provincial = add("159-2000-1234", "440000")  # a 深圳 number, registered province-wide
        far = add("13611112222", "440000")  # a 北京 number, registered province-wide
        order = conn.execute(text("SELECT * FROM work_order")).mappings().one()
        o = dict(order) | {"customer_id": twice, "city_code": "440000"}
        o.pop("id")
        moved = conn.execute(
            text(
                f"INSERT INTO work_order ({', '.join(o)}) VALUES "
                f"({', '.join(':' + k for k in o)}) RETURNING id"
            ),
            o,
        ).scalar_one()
    command.upgrade(cfg, "head")

    with Session(engine) as session:
        kept = session.get(Customer, gz)
        dup = session.get(Customer, twice)
        assert kept is not None and dup is not None
        assert kept.phone == "13800138000" and kept.merged_into_id is None
        assert dup.phone == "13800138000" and dup.merged_into_id == gz
        assert session.get(Customer, provincial).city_code == "440300"  # type: ignore[union-attr]
        assert session.get(Customer, far).city_code == "440100"  # type: ignore[union-attr]
        assert session.get(Customer, sz).phone == "13900139000"  # type: ignore[union-attr]
        moved_order = session.get(WorkOrder, moved)
        assert moved_order is not None
        assert moved_order.customer_id == gz and moved_order.city_code == "440100"
        event = session.scalar(select(OrderEvent).where(OrderEvent.order_id == moved))
        assert event is not None and event.action == "customer_merged"
        assert event.changes == {"customer_id": [twice, gz]}
        (record,) = session.scalars(
            select(AuditRecord).where(AuditRecord.action == "customer_merged")
        )
        assert record.object_id == str(gz)
        assert record.details["merged"] == twice
        assert record.details["orders"] == [moved_order.number]
        numbers = {o.number for o in session.scalars(select(WorkOrder))}
        assert number in numbers and len(numbers) == 2
    with pytest.raises(IntegrityError), engine.begin() as conn:  # one live customer a number
        conn.execute(
            text(
                "INSERT INTO customer (name, phone, type, tier, province_code, city_code,"
                " created_at) VALUES ('x', '13800138000', 'individual', 'standard', '440000',"
                " '440100', :at)"
            ),
            {"at": kept.created_at},
        )
    command.downgrade(cfg, "0005_notify")  # and back, cleanly
    command.upgrade(cfg, "head")
    engine.dispose()
