"""Test data built through the service layer (no hand-written rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from telcodesk import clock
from telcodesk.customers import service as customers
from telcodesk.customers.models import Customer
from telcodesk.customers.schemas import CustomerIn
from telcodesk.db import unit_of_work
from telcodesk.org import service as org
from telcodesk.org.models import Staff
from telcodesk.org.roles import Role, UnitKind
from telcodesk.sla import service as sla
from telcodesk.workorders import service as orders
from telcodesk.workorders.schemas import OrderCreate

PASSWORD = "Passw0rd!x"


@dataclass
class World:
    agent: Staff
    handler: Staff
    supervisor: Staff
    other_city_agent: Staff
    system: Staff
    admin: Staff
    auditor: Staff
    customer: Customer
    vip: Customer


def build_world(session: Session) -> World:
    orders.seed_categories(session)
    orders.seed_closure_codes(session)
    sla.seed_policies(session)
    hq = org.ensure_unit(session, code="HQ", name="总部", kind=UnitKind.HQ, region_code="100000")
    gd = org.ensure_unit(
        session, code="GD", name="广东省", kind=UnitKind.PROVINCE, region_code="440000", parent=hq
    )
    gz = org.ensure_unit(
        session, code="GZ", name="广州", kind=UnitKind.CITY, region_code="440100", parent=gd
    )
    sz = org.ensure_unit(
        session, code="SZ", name="深圳", kind=UnitKind.CITY, region_code="440300", parent=gd
    )

    def staff(username: str, name: str, unit, role: Role) -> Staff:  # type: ignore[no-untyped-def]
        return org.create_staff(
            session, username=username, display_name=name, password=PASSWORD, unit=unit, role=role
        )

    world = World(
        agent=staff("gz.agent", "李小红", gz, Role.HOTLINE_AGENT),
        handler=staff("gz.handler", "王建国", gz, Role.COMPLAINT_HANDLER),
        supervisor=staff("gd.supervisor", "陈主管", gd, Role.SUPERVISOR),
        other_city_agent=staff("sz.agent", "赵敏", sz, Role.HALL_AGENT),
        system=org.ensure_system_actor(session, hq),
        admin=staff("gd.admin", "省管理员", gd, Role.PROVINCE_ADMIN),
        auditor=staff("gd.auditor", "稽核员", gd, Role.AUDITOR),
        customer=customers.create_customer(
            session, CustomerIn(name="张三", phone="13800138000"), default_city="440100"
        ),
        vip=customers.create_customer(
            session,
            CustomerIn(name="钱多多", phone="13900139000", tier="gold"),  # type: ignore[arg-type]
            default_city="440300",
        ),
    )
    return world


def hq_admin(session: Session, username: str = "hq.admin") -> Staff:
    """An HQ admin (nationwide settings and accounts): the system actor is not one (its role
    holds only what the scheduled jobs need)."""
    return org.create_staff(
        session,
        username=username,
        display_name="总部管理员",
        password=PASSWORD,
        unit=org.get_unit_by_code(session, "HQ"),
        role=Role.HQ_ADMIN,
    )


def register_late_complaints(factory: sessionmaker[Session], world: World, count: int) -> None:
    """``count`` complaints registered 30 days ago, so every threshold of every clock is long
    due: the worker tests' batches of work (T-2, WO-3)."""
    past = clock.now() - timedelta(days=30)
    clock.set_clock(lambda: past)
    data = OrderCreate.model_validate(
        {
            "type": "complaint",
            "channel": "hotline",
            "customer_id": world.customer.id,
            "subject": "话费异议",
            "category_code": "billing.charges",
        }
    )
    with unit_of_work(factory) as session:
        for _ in range(count):
            orders.register_order(session, world.agent, data)
    clock.set_clock(None)
