"""Demo data: complete, loaded through the service layer, idempotent (norms WO-1, WO-2, CH-3)."""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from telcodesk import clock
from telcodesk.customers import service as customers
from telcodesk.customers.models import Customer
from telcodesk.db import unit_of_work
from telcodesk.demo import DUPLICATES, demo_accounts, load_demo
from telcodesk.org import service as org
from telcodesk.org.models import OrgUnit, Staff
from telcodesk.org.roles import Role, UnitKind
from telcodesk.worker import SYSTEM_USERNAME
from telcodesk.workorders import rules
from telcodesk.workorders.models import OrderEvent, WorkOrder
from telcodesk.workorders.rules import Action, Status


def check_history(session: Session) -> None:
    """Every order's history is its registration then one row per successful transition."""
    events: dict[int, list[OrderEvent]] = defaultdict(list)
    for event in session.scalars(select(OrderEvent).order_by(OrderEvent.id)):
        events[event.order_id].append(event)
    now = clock.now()
    for order in session.scalars(select(WorkOrder)):
        history = events[order.id]
        first = history[0]
        assert first.action == Action.REGISTER and first.from_status is None
        assert first.at == order.created_at >= now - timedelta(days=61)
        # 首问负责制 (CH-3): the registering staff member owns the order, and it never moves.
        assert first.actor_id == order.first_contact_owner_id
        assert all("first_contact_owner_id" not in e.changes for e in history)
        # The version goes up once per transition, so it counts the successful ones (WO-2).
        assert len(history) == order.version
        assert history[-1].to_status == order.status
        for prev, nxt in itertools.pairwise(history):
            assert nxt.from_status == prev.to_status
            assert rules.next_status(Status(prev.to_status), Action(nxt.action)) == nxt.to_status
            assert prev.at <= nxt.at <= now  # replayed in order, never in the future
        assert (order.closed_at is not None) == rules.is_closed(Status(order.status))


def test_demo_is_complete_consistent_and_idempotent(factory: sessionmaker[Session]) -> None:
    added: list[int] = []
    summary = load_demo(factory, orders=300, password="Demo@2026!", progress=added.append)
    assert sum(added) == summary.orders_added == summary.orders_total == 300
    assert summary.customers == 2000 + DUPLICATES and summary.staff >= 30

    with unit_of_work(factory) as session:
        units = session.scalars(select(OrgUnit)).all()
        cities = {u.region_code for u in units if u.kind == UnitKind.CITY}
        assert cities == {"440100", "440300", "440600"}
        assert {UnitKind(u.kind) for u in units} >= {
            UnitKind.HQ,
            UnitKind.PROVINCE,
            UnitKind.CALL_CENTRE,
            UnitKind.COMPLAINT_CENTRE,
            UnitKind.HALL,
            UnitKind.DEPARTMENT,
        }
        staff = session.scalars(select(Staff)).all()
        assert {Role(s.role) for s in staff} == set(Role)
        assert SYSTEM_USERNAME in {s.username for s in staff}
        accounts = demo_accounts(session)
        assert len(accounts) >= 30 and SYSTEM_USERNAME not in {a[0] for a in accounts}
        assert org.authenticate(session, "admin.hq", "Demo@2026!").role == Role.HQ_ADMIN
        assert len(set(session.scalars(select(Customer.phone)))) == 2000 + DUPLICATES
        # The people registered twice share an ID card: the customer page offers the merge.
        twice = session.scalars(
            select(Customer).where(Customer.phone.like("0%"), Customer.id_number.is_not(None))
        ).all()
        admin = org.get_staff_by_username(session, "admin.gd")
        found = [c for c in twice if customers.possible_duplicates(session, admin, c)]
        assert len(found) >= DUPLICATES
        statuses = set(session.scalars(select(WorkOrder.status)))
        assert statuses == set(Status)
        check_history(session)
        # A staffing plan and a week's roster of the 10000 centre's agents (CC-3).
        from telcodesk.rostering.models import Roster, RosterShift

        roster = session.scalars(select(Roster)).one()
        assert roster.report["demand_total"] > 0 and roster.days == 7
        assert session.scalars(select(RosterShift)).first() is not None

    again = load_demo(factory, orders=300)
    assert again == replace(summary, orders_added=0)

    more = load_demo(factory, orders=350)
    assert more == replace(summary, orders_added=50, orders_total=350)
    with unit_of_work(factory) as session:
        check_history(session)
