"""Who may act on an order (CH-3, CH-4, WO-1, SQ-1), through the service on a real database.

The property: over random (actor, order, action) the service allows exactly what the table
``rules.ORDER_ACTORS`` says. The relations are worked out here independently of the service —
from the organisation this test builds (its own parent map and region codes), not from
``org.supervision`` or ``org.scope`` — so a mistake in either side shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from telcodesk.db import unit_of_work
from telcodesk.errors import Conflict, DomainError, Forbidden, IllegalTransition, NotFound
from telcodesk.org import service as org
from telcodesk.org.models import Staff
from telcodesk.org.permissions import GRANTS, Permission
from telcodesk.org.roles import Role, UnitKind
from telcodesk.workorders import candidates, rules
from telcodesk.workorders import service as orders
from telcodesk.workorders.rules import Action, Deed, OrderType, Relation, Status
from telcodesk.workorders.schemas import NoteIn, OrderCreate, TransitionIn
from tests.conftest import console_login, login
from tests.factories import PASSWORD, World

# The organisation the world and this test build: unit code -> (parent code, region code).
UNITS: dict[str, tuple[str | None, str]] = {
    "HQ": (None, "100000"),
    "GD": ("HQ", "440000"),
    "GZ": ("GD", "440100"),
    "SZ": ("GD", "440300"),
    "GZ-H1": ("GZ", "440106"),
    "GD-CMP": ("GD", "440000"),
}
# Extra staff beside the world's: (username, role, unit code).
EXTRA = [
    ("gz.hall", Role.HALL_AGENT, "GZ-H1"),
    ("gz.manager", Role.HALL_MANAGER, "GZ-H1"),
    ("gd.quality", Role.QUALITY_INSPECTOR, "GD"),
    ("gd.editor", Role.KNOWLEDGE_EDITOR, "GD"),
    ("cmp.handler", Role.COMPLAINT_HANDLER, "GD-CMP"),
    ("sz.handler", Role.COMPLAINT_HANDLER, "SZ"),
    ("sz.supervisor", Role.SUPERVISOR, "SZ"),
    ("gd.judicial", Role.JUDICIAL_OFFICER, "GD"),
]
SUPERVISING = {Role.SUPERVISOR, Role.HALL_MANAGER}


@dataclass
class Person:
    id: int
    username: str
    role: Role
    unit: str


@dataclass
class Case:
    """An order as the test knows it (re-read from the database before each example)."""

    number: str
    owner: str
    handler: str | None
    unit: str  # the handling unit, or the owner's while nobody has taken it
    city: str
    type: OrderType


def ancestors(unit: str) -> list[str]:
    chain: list[str] = []
    current: str | None = unit
    while current is not None:
        chain.append(current)
        current = UNITS[current][0]
    return chain


def covers(unit: str, city: str) -> bool:
    region = UNITS[unit][1]
    if region == "100000":
        return True
    if region.endswith("0000"):
        return city[:2] == region[:2]
    return city[:4] == region[:4]


def expected_relations(p: Person, case: Case) -> frozenset[Relation]:
    if p.username == "system":
        return frozenset({Relation.SYSTEM})
    grants = GRANTS[p.role]
    found: set[Relation] = set()
    if Permission.ORDER_ACT in grants:
        if case.owner == p.username:
            found.add(Relation.OWNER)
        if case.handler == p.username:
            found.add(Relation.HANDLER)
        if p.unit == case.unit and case.type in rules.HANDLED_TYPES[p.role]:
            found.add(Relation.UNIT_MEMBER)
        if p.role in SUPERVISING and p.unit in ancestors(case.unit):
            found.add(Relation.SUPERVISOR)
    if covers(p.unit, case.city):
        if Permission.ORDER_DISPATCH in grants:
            found.add(Relation.DISPATCHER)
        if Permission.ORDER_CALLBACK in grants:
            found.add(Relation.INSPECTOR)
    return frozenset(found)


def visible(p: Person, case: Case) -> bool:
    return covers(p.unit, case.city) or p.username in (case.owner, case.handler)


@dataclass
class Desk:
    people: list[Person]
    cases: list[Case]


def build(factory: sessionmaker[Session], world: World) -> Desk:
    with unit_of_work(factory) as session:
        gz = org.get_unit_by_code(session, "GZ")
        gd = org.get_unit_by_code(session, "GD")
        sz = org.get_unit_by_code(session, "SZ")
        hall = org.ensure_unit(
            session, code="GZ-H1", name="天河营业厅", kind=UnitKind.HALL, region_code="440106",
            parent=gz,
        )  # fmt: skip
        cmp = org.ensure_unit(
            session, code="GD-CMP", name="省投诉中心", kind=UnitKind.COMPLAINT_CENTRE,
            region_code="440000", parent=gd,
        )  # fmt: skip
        units = {"GZ-H1": hall, "GD": gd, "GD-CMP": cmp, "SZ": sz}
        for username, role, unit in EXTRA:
            org.create_staff(
                session, username=username, display_name=username, password=PASSWORD,
                unit=units[unit], role=role,
            )  # fmt: skip
    world_units = {
        world.agent.username: "GZ",
        world.handler.username: "GZ",
        world.supervisor.username: "GD",
        world.other_city_agent.username: "SZ",
        world.system.username: "HQ",
        world.admin.username: "GD",
        world.auditor.username: "GD",
    }
    with unit_of_work(factory) as session:
        people = [
            Person(s.id, s.username, Role(s.role), world_units.get(s.username) or s.unit.code)
            for s in org.list_staff(session)
        ]
    by_name = {p.username: p for p in people}

    def staff(username: str) -> Staff:
        with unit_of_work(factory) as session:
            return org.get_staff_by_username(session, username)

    def step(number: str, actor: str, action: Action, **kw: object) -> None:
        with unit_of_work(factory) as session:
            order = orders.get_order(session, number, viewer=None)
            data = TransitionIn(version=order.version, **kw)  # type: ignore[arg-type]
            orders.transition(session, staff(actor), number, action, data)

    def new(
        owner: str,
        customer_id: int,
        kind: OrderType,
        path: list[tuple[str, Action, dict[str, object]]],
    ) -> str:
        with unit_of_work(factory) as session:
            data = {
                "type": kind,
                "channel": "hall",
                "customer_id": customer_id,
                "subject": "宽带掉线",
            }
            order, _ = orders.register_order(
                session, staff(owner), OrderCreate.model_validate(data)
            )
            number = order.number
        for actor, action, kw in path:
            step(number, actor, action, **kw)
        return number

    gz_c, sz_c = world.customer.id, world.vip.id
    review = ("gz.agent", Action.REVIEW_VALID, {})
    give = ("gz.agent", Action.ASSIGN, {"handler": "gz.handler"})
    start = ("gz.handler", Action.START, {})
    reply = ("gz.handler", Action.REPLY, {"message": "已修复"})
    plans: list[tuple[str, int, OrderType, list[tuple[str, Action, dict[str, object]]], str | None, str]] = [  # noqa: E501
        ("gz.agent", gz_c, OrderType.COMPLAINT, [], None, "GZ"),
        ("gz.agent", gz_c, OrderType.COMPLAINT, [review], None, "GZ"),
        ("gz.agent", gz_c, OrderType.COMPLAINT, [review, give], "gz.handler", "GZ"),
        ("gz.agent", gz_c, OrderType.COMPLAINT, [review, give, start], "gz.handler", "GZ"),
        (
            "gz.agent", gz_c, OrderType.COMPLAINT,
            [review, give, start, ("gz.handler", Action.SUSPEND, {"reason": "待客户"})],
            "gz.handler", "GZ",
        ),
        ("gz.agent", gz_c, OrderType.COMPLAINT, [review, give, start, reply], "gz.handler", "GZ"),
        (
            "gz.agent", gz_c, OrderType.COMPLAINT,
            [review, give, start, reply, ("gz.agent", Action.START_CALLBACK, {})],
            "gz.handler", "GZ",
        ),
        # A hall order its owner handles: owner and handler are one person (SQ-1 bars them).
        (
            "gz.hall", gz_c, OrderType.TRANSACTION,
            [
                ("gz.hall", Action.REVIEW_VALID, {}),
                ("gz.hall", Action.ASSIGN, {"handler": "gz.hall"}),
                ("gz.hall", Action.START, {}),
                ("gz.hall", Action.REPLY, {"message": "已办理"}),
            ],
            "gz.hall", "GZ-H1",
        ),
        # With the provincial complaint centre.
        (
            "gz.hall", gz_c, OrderType.COMPLAINT,
            [
                ("gz.hall", Action.REVIEW_VALID, {}),
                ("gz.hall", Action.ASSIGN, {"handler": "cmp.handler"}),
                ("cmp.handler", Action.START, {}),
            ],
            "cmp.handler", "GD-CMP",
        ),
        # A suggestion for the knowledge editors, waiting with its owner's unit.
        ("gd.supervisor", gz_c, OrderType.SUGGESTION, [], None, "GD"),
        # Shenzhen: outside Guangzhou staff's reach.
        (
            "sz.agent", sz_c, OrderType.FAULT,
            [
                ("sz.agent", Action.REVIEW_VALID, {}),
                ("sz.agent", Action.ASSIGN, {"handler": "sz.handler"}),
            ],
            "sz.handler", "SZ",
        ),
    ]  # fmt: skip
    cases = []
    for owner, customer, kind, path, handler, unit in plans:
        number = new(owner, customer, kind, path)
        if handler is None:
            unit = by_name[owner].unit
        city = "440100" if customer == gz_c else "440300"
        cases.append(Case(number, owner, handler, unit, city, kind))
    return Desk(people, cases)


ACTS: list[Action | Deed] = [a for a in Action if a != Action.REGISTER] + [Deed.NOTE]


def inputs(action: Action, case: Case) -> TransitionIn:
    data: dict[str, object] = {}
    if action == Action.EXTEND:
        data["extend_by"] = 1
    if action in rules.REASON_REQUIRED:
        data["reason"] = "原因说明"
    if action in rules.CUSTOMER_TEXT_REQUIRED:
        data["message"] = "已为您处理"
    if action in rules.ARCHIVING:  # a complaint is archived classified (SQ-2)
        data.update(root_cause="network", responsibility="carrier", justified=False)
    if action in rules.HANDLER_REQUIRED:  # someone every actor may choose for this order
        data["handler"] = {"440100": "gz.handler", "440300": "sz.handler"}[case.city]
        if case.type == OrderType.SUGGESTION:
            data["handler"] = "gz.handler"
    return TransitionIn.model_validate({"version": 1, **data})


def outcome(session: Session, actor: Staff, case: Case, act: Action | Deed) -> str:
    try:
        if isinstance(act, Deed):
            orders.add_note(session, actor, case.number, NoteIn(kind="note", body="备注"))
        else:
            order = orders.get_order(session, case.number, viewer=None)
            data = inputs(act, case)
            data.version = order.version
            orders.transition(session, actor, case.number, act, data)
    except NotFound:
        return "not_found"
    except IllegalTransition:
        return "illegal"
    except Forbidden as exc:
        return "denied" if exc.code == "order_action_denied" else f"forbidden:{exc.code}"
    except Conflict as exc:
        # Dispatch got past the checks of who: there is just no rule in this world.
        return "allowed" if exc.code == "no_dispatch_rule" else f"conflict:{exc.code}"
    except DomainError as exc:
        return f"error:{exc.code}"
    return "allowed"


@pytest.fixture
def desk(factory: sessionmaker[Session], world: World) -> Desk:
    return build(factory, world)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.data())
def test_the_service_allows_exactly_what_the_table_says(
    factory: sessionmaker[Session], desk: Desk, data: st.DataObject
) -> None:
    person = data.draw(st.sampled_from(desk.people), label="actor")
    case = data.draw(st.sampled_from(desk.cases), label="order")
    act = data.draw(st.sampled_from(ACTS), label="action")
    session = factory()
    try:
        actor = org.get_staff_by_username(session, person.username)
        order = orders.get_order(session, case.number, viewer=None)
        relations = expected_relations(person, case)
        legal = isinstance(act, Deed) or act in orders.allowed_actions(order)
        if not visible(person, case):
            want = "not_found"
        elif not legal:
            want = "illegal"
        elif not rules.may_act(relations, act):
            want = "denied"
        else:
            want = "allowed"
        if visible(person, case):  # the actions offered are the legal ones the table allows
            offered = orders.allowed_actions(order, actor)
            assert offered == [
                a for a in orders.allowed_actions(order) if rules.may_act(relations, a)
            ]
        got = outcome(session, actor, case, act)
        assert got == want, (
            person.username,
            sorted(relations),
            case.number,
            Status(order.status),
            act,
        )
    finally:
        session.rollback()
        session.close()


def test_examples_of_the_table(factory: sessionmaker[Session], desk: Desk) -> None:
    """A few cases told in words, so the table's intent reads without the property."""
    by_status = {}
    with unit_of_work(factory) as session:
        for case in desk.cases:
            by_status.setdefault(orders.get_order(session, case.number, viewer=None).status, case)

    def check(username: str, case: Case, act: Action | Deed) -> str:
        session = factory()
        try:
            return outcome(session, org.get_staff_by_username(session, username), case, act)
        finally:
            session.rollback()
            session.close()

    in_progress, replied = by_status[Status.IN_PROGRESS], by_status[Status.REPLIED]
    # Only the handler or a supervisor over them starts, replies, suspends (WO-1).
    assert check("gz.agent", in_progress, Action.REPLY) == "denied"  # the owner
    assert check("sz.supervisor", in_progress, Action.REPLY) == "not_found"  # other city
    assert check("gz.handler", in_progress, Action.REPLY) == "allowed"
    assert check("gd.supervisor", in_progress, Action.SUSPEND) == "allowed"
    # The call-back is someone else's than the handler's (SQ-1).
    assert check("gz.handler", replied, Action.START_CALLBACK) == "denied"
    assert check("gd.quality", replied, Action.START_CALLBACK) == "allowed"
    assert check("gz.agent", replied, Action.START_CALLBACK) == "allowed"  # the owner (CH-3)
    # Auditors, admins and the judicial liaison see but do not work orders.
    for username in ("gd.auditor", "gd.judicial"):
        assert check(username, in_progress, Deed.NOTE) == "denied"
    assert check("gd.admin", in_progress, Action.REPLY) == "denied"
    # The worker's account has only its own rights: it archives, never replies.
    assert check("system", in_progress, Action.REPLY) == "denied"
    assert check("system", replied, Action.ARCHIVE) == "allowed"


# --- candidates (CC-1, CH-4) ------------------------------------------------------------------


def test_candidates_are_only_people_who_can_act_and_the_rest_are_refused(
    factory: sessionmaker[Session], desk: Desk
) -> None:
    """For every order and everyone who may assign it, each candidate offered handles the
    order's type and is in reach, and the assignment to them goes through; the system
    account, inspectors, auditors, admins and the judicial liaison are never offered and are
    refused when named."""
    never = {"system", "gd.quality", "gd.auditor", "gd.admin", "gd.judicial"}
    offered_total = 0
    for case in desk.cases:
        for person in desk.people:
            session = factory()
            try:
                actor = org.get_staff_by_username(session, person.username)
                order = orders.get_order(session, case.number, viewer=None)
                if not visible(person, case) or not rules.may_act(
                    expected_relations(person, case), Action.ASSIGN
                ):
                    continue
                groups = candidates.candidates(session, actor, order)
                names = [c.staff.username for g in groups for c in g.candidates]
                offered_total += len(names)
                assert not never & set(names)
                for g in groups:
                    assert {c.staff.unit_id for c in g.candidates} == {g.unit.id}
                for name in names:
                    p = next(x for x in desk.people if x.username == name)
                    assert case.type in rules.HANDLED_TYPES[p.role]
                    cross = Permission.ORDER_DISPATCH in GRANTS[person.role]
                    assert covers(p.unit, case.city) or (
                        cross and covers(person.unit, UNITS[p.unit][1])
                    )
                for name in never:
                    staff = org.get_staff_by_username(session, name)
                    with pytest.raises(Forbidden) as err:
                        candidates.require_eligible(actor, order, staff)
                    assert err.value.code == "handler_not_eligible"
            finally:
                session.rollback()
                session.close()
    assert offered_total > 0


def test_candidates_api_groups_by_unit_searches_and_checks_who_asks(
    client: TestClient, factory: sessionmaker[Session], desk: Desk, world: World
) -> None:
    reviewed = next(c for c in desk.cases if c.owner == "gz.agent" and c.handler is None)
    with unit_of_work(factory) as session:
        if orders.get_order(session, reviewed.number, viewer=None).status != Status.REVIEWED:
            reviewed = desk.cases[1]
    url = f"/api/v1/orders/{reviewed.number}/candidates"
    owner = login(client, "gz.agent")
    res = client.get(url, headers=owner)
    assert res.status_code == 200, res.text
    groups = res.json()
    units = [g["unit_code"] for g in groups]
    assert units[0] == "GZ" and len(units) == len(set(units))  # the order's city first
    names = {c["username"] for g in groups for c in g["candidates"]}
    assert {"gz.handler", "gz.agent", "cmp.handler", "gd.supervisor"} <= names
    assert not names & {"system", "gd.auditor", "gd.admin", "gd.judicial", "gd.quality"}
    assert "sz.handler" not in names  # Shenzhen is out of a Guangzhou agent's reach
    found = client.get(url, params={"q": "CMP."}, headers=owner).json()  # any case
    assert [c["username"] for g in found for c in g["candidates"]] == ["cmp.handler"]
    assert client.get(url, params={"q": "%"}, headers=owner).json() == []  # no wildcard
    # Someone who sees the order but may not assign it gets 403; out of scope 404.
    res = client.get(url, headers=login(client, "gd.auditor"))
    assert res.status_code == 403 and res.json()["code"] == "order_action_denied"
    res = client.get(url, headers=login(client, "sz.handler"))
    assert res.status_code == 404
    res = client.get(url, params={"action": "start"}, headers=owner)
    assert res.status_code == 422 and res.json()["code"] == "action_chooses_no_handler"
    assert res.json()["message_zh"]


def test_console_offers_only_what_the_viewer_may_do(
    client: TestClient, factory: sessionmaker[Session], desk: Desk
) -> None:
    in_progress = desk.cases[3]
    with unit_of_work(factory) as session:
        order = orders.get_order(session, in_progress.number, viewer=None)
        assert order.status == Status.IN_PROGRESS
        version = str(order.version)
    console_login(client, "gz.agent")  # the owner
    page = client.get(f"/console/orders/{in_progress.number}").text
    assert 'data-action="reply"' not in page and 'data-action="start"' not in page
    assert 'data-action="chase"' in page and 'id="note-form"' in page
    assert 'data-relation="owner"' in page
    res = client.post(
        f"/console/orders/{in_progress.number}/act/reply",
        data={"version": version, "message": "x"},
        follow_redirects=False,
    )
    assert res.status_code == 403 and "不允许「答复客户」" in res.text
    options = client.get(
        f"/console/orders/{in_progress.number}/candidates",
        params={"action": "escalate", "q": "王建"},
    )
    assert options.status_code == 200 and "gz.handler" in options.text
    assert "<optgroup" in options.text


def test_auditor_console_page_has_no_forms(client: TestClient, desk: Desk) -> None:
    console_login(client, "gd.auditor")
    page = client.get(f"/console/orders/{desk.cases[3].number}").text
    assert "data-action=" not in page and 'id="note-form"' not in page
    assert 'id="no-actions"' in page
