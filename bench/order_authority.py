"""Who may act on an order, probed over the demo organisation (CH-3, WO-1, SQ-1, CC-1).

    .venv/bin/python bench/order_authority.py [--pg postgresql+psycopg://postgres@127.0.0.1:5432]
        [--orders 400] [--per-status 8]

Loads the demo (its 60-odd staff in HQ, a province, three cities, halls and centres) into a
fresh database, samples orders of every status, and for every staff member × sampled order ×
action legal in the order's state (plus a note) runs the action through the service in a
transaction it rolls back. What the service did is compared with what the table
``rules.ORDER_ACTORS`` says, the relations being worked out here from the demo's own unit list
(parent codes and region codes), not by the service's code. Then, for everyone who may
assign or transfer a sampled order, it checks each person the candidate list offers against
the same independent reading: a role that handles the order's type, in reach, never the
system account, inspectors, auditors, admins or judicial staff.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from telcodesk import demo
from telcodesk.db import create_db_engine, make_session_factory, unit_of_work, upgrade
from telcodesk.errors import Conflict, DomainError, Forbidden, IllegalTransition, NotFound
from telcodesk.org.models import OrgUnit, Staff
from telcodesk.org.permissions import GRANTS, Permission
from telcodesk.org.roles import Role
from telcodesk.workorders import candidates, rules
from telcodesk.workorders import service as orders
from telcodesk.workorders.models import WorkOrder
from telcodesk.workorders.rules import Action, Deed, OrderType, Relation, Status
from telcodesk.workorders.schemas import NoteIn, TransitionIn

NEVER = {Role.QUALITY_INSPECTOR, Role.AUDITOR, Role.PROVINCE_ADMIN, Role.HQ_ADMIN}
NEVER_JUDICIAL = Role.JUDICIAL_OFFICER
SUPERVISING = {Role.SUPERVISOR, Role.HALL_MANAGER}


def database(pg: str | None) -> str:
    if pg is None:
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'authority.db'}"
    else:
        name = "telcodesk_bench_authority"
        admin = create_engine(f"{pg.rstrip('/')}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = f"{pg.rstrip('/')}/{name}"
    upgrade(url)
    return url


class Org:
    """The demo organisation as its own lists describe it (demo._units, the HQ unit)."""

    def __init__(self) -> None:
        self.parent: dict[str, str | None] = {"HQ": None}
        self.region: dict[str, str] = {"HQ": "100000"}
        for code, _name, _kind, region, parent in demo._units():
            self.parent[code], self.region[code] = parent, region

    def chain(self, unit: str) -> list[str]:
        out: list[str] = []
        current: str | None = unit
        while current is not None:
            out.append(current)
            current = self.parent[current]
        return out

    def covers(self, unit: str, city: str) -> bool:
        region = self.region[unit]
        if region == "100000":
            return True
        if region.endswith("0000"):
            return city[:2] == region[:2]
        return city[:4] == region[:4]


def relations(o: Org, s: Staff, unit_of: dict[int, str], order: WorkOrder) -> frozenset[Relation]:
    if s.username == "system":
        return frozenset({Relation.SYSTEM})
    role, grants, home = Role(s.role), GRANTS[Role(s.role)], unit_of[s.unit_id]
    owner_unit = unit_of[order.first_contact_owner.unit_id]
    order_unit = unit_of[order.handling_unit_id] if order.handling_unit_id else owner_unit
    found: set[Relation] = set()
    if Permission.ORDER_ACT in grants:
        if order.first_contact_owner_id == s.id:
            found.add(Relation.OWNER)
        if order.handler_id == s.id:
            found.add(Relation.HANDLER)
        if home == order_unit and OrderType(order.type) in rules.HANDLED_TYPES[role]:
            found.add(Relation.UNIT_MEMBER)
        if role in SUPERVISING and home in o.chain(order_unit):
            found.add(Relation.SUPERVISOR)
    if o.covers(home, order.city_code):
        if Permission.ORDER_DISPATCH in grants:
            found.add(Relation.DISPATCHER)
        if Permission.ORDER_CALLBACK in grants:
            found.add(Relation.INSPECTOR)
    return frozenset(found)


def inputs(action: Action, order: WorkOrder, handler: str) -> TransitionIn:
    data: dict[str, object] = {"version": order.version}
    if action == Action.EXTEND:
        data["extend_by"] = 1
    if action in rules.REASON_REQUIRED:
        data["reason"] = "probe"
    if action in rules.CUSTOMER_TEXT_REQUIRED:
        data["message"] = "probe"
    if action in rules.HANDLER_REQUIRED:
        data["handler"] = handler
    if action in rules.ARCHIVING:  # a complaint is archived classified (SQ-2)
        data.update(root_cause="network", responsibility="carrier", justified=False)
    return TransitionIn.model_validate(data)


def outcome(session: Session, actor: Staff, number: str, act: Action | Deed, handler: str) -> str:
    try:
        if isinstance(act, Deed):
            orders.add_note(session, actor, number, NoteIn(kind="note", body="probe"))
        else:
            order = orders.get_order(session, number, viewer=None)
            orders.transition(session, actor, number, act, inputs(act, order, handler))
    except NotFound:
        return "not_found"
    except IllegalTransition:
        return "illegal"
    except Forbidden as exc:
        return "denied" if exc.code == "order_action_denied" else f"forbidden:{exc.code}"
    except Conflict as exc:
        return "allowed" if exc.code.startswith("no_dispatch") else f"conflict:{exc.code}"
    except DomainError as exc:
        return f"error:{exc.code}"
    return "allowed"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pg", help="PostgreSQL server URL (default: a fresh SQLite file)")
    ap.add_argument("--orders", type=int, default=400)
    ap.add_argument("--per-status", type=int, default=8)
    args = ap.parse_args()
    url = database(args.pg)
    factory = make_session_factory(create_db_engine(url))
    demo.load_demo(factory, orders=args.orders)
    o = Org()
    with unit_of_work(factory) as session:
        unit_of = {u.id: u.code for u in session.scalars(select(OrgUnit))}
        people = [s.username for s in session.scalars(select(Staff).where(Staff.active))]
        sample: list[str] = []
        for status in Status:
            rows = session.scalars(
                select(WorkOrder).where(WorkOrder.status == status).order_by(WorkOrder.id)
            ).all()
            sample += [r.number for r in rows[: args.per_status]]
    tally: Counter[str] = Counter()
    mismatches: list[tuple[str, str, str, str, str]] = []
    offered = bad_offers = 0

    def probe(number: str, username: str, act: Action | Deed | None) -> tuple[str, str]:
        """(wanted, got) for one action, or for act None the candidate check (counts)."""
        nonlocal offered, bad_offers
        session = factory()
        try:
            actor = session.scalars(select(Staff).where(Staff.username == username)).one()
            order = orders.get_order(session, number, viewer=None)
            rel = relations(o, actor, unit_of, order)
            home = unit_of[actor.unit_id]
            visible = o.covers(home, order.city_code) or actor.id in (
                order.first_contact_owner_id,
                order.handler_id,
            )
            if act is None:
                for g in candidates.candidates(session, actor, order):
                    for c in g.candidates:
                        offered += 1
                        role, where = Role(c.staff.role), unit_of[c.staff.unit_id]
                        reach = o.covers(where, order.city_code) or (
                            Permission.ORDER_DISPATCH in GRANTS[Role(actor.role)]
                            and o.covers(home, o.region[where])
                        )
                        able = (
                            c.staff.username != "system"
                            and role not in NEVER
                            and role != NEVER_JUDICIAL
                            and OrderType(order.type) in rules.HANDLED_TYPES[role]
                            and reach
                        )
                        bad_offers += not able
                return "", ""
            # Someone any chooser may pick: the first candidate the owner would be offered.
            choices = candidates.candidates(session, order.first_contact_owner, order)
            handler = next((c.staff.username for g in choices for c in g.candidates), "system")
            if not visible:
                want = "not_found"
            elif not rules.may_act(rel, act):
                want = "denied"
            else:
                want = "allowed"
            return want, outcome(session, actor, number, act, handler)
        finally:
            session.rollback()
            session.close()

    for number in sample:
        with unit_of_work(factory) as session:
            legal = orders.allowed_actions(orders.get_order(session, number, viewer=None))
        for username in people:
            for act in [*legal, Deed.NOTE]:
                want, got = probe(number, username, act)
                tally[want] += 1
                if got != want:
                    mismatches.append((username, number, str(act), want, got))
                choosing = act in (Action.ASSIGN, Action.TRANSFER)
                if choosing and want == "allowed":
                    probe(number, username, None)
    checks = sum(tally.values())
    print(f"database: {url.split('://')[0]}")
    print(
        f"orders sampled: {len(sample)} (up to {args.per_status} per status), staff: {len(people)}"
    )
    print(f"checks (staff x order x legal action or note): {checks}")
    print(
        f"  expected allowed: {tally['allowed']}, denied (403): {tally['denied']}, "
        f"out of scope (404): {tally['not_found']}"
    )
    print(f"  service differing from the table: {len(mismatches)}")
    for m in mismatches[:20]:
        print("   ", m)
    print(
        f"candidates offered to those who may assign/transfer: {offered}, "
        f"not able to act: {bad_offers}"
    )
    return 1 if mismatches or bad_offers else 0


if __name__ == "__main__":
    sys.exit(main())
