"""A well-formed unit tree and administration confined to one's region (CC-1, CD-2):
kinds fit their parents, region codes are real GB/T 2260 codes inside the parent's, no
cycles, moves are audited, and walks up the tree end even on a cycle written into the data."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from telcodesk import regions
from telcodesk.audit.models import AuditRecord
from telcodesk.db import unit_of_work
from telcodesk.org import service as org
from telcodesk.org import tree
from telcodesk.org.models import OrgUnit
from telcodesk.org.roles import Role, UnitKind
from telcodesk.routing import service as routing
from telcodesk.workorders.rules import Action
from tests.conftest import login
from tests.factories import PASSWORD, World
from tests.sla.test_sla import act, at, register, sweep


def unit(code: str, kind: str, region: str, parent: str | None, **kw: Any) -> dict[str, Any]:
    return {"code": code, "name": code, "kind": kind, "region_code": region,
            "parent_code": parent, **kw}  # fmt: skip


def hq_admin(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as session:
        org.create_staff(
            session,
            username="hq.admin",
            display_name="总部管理员",
            password=PASSWORD,
            unit=org.get_unit_by_code(session, "HQ"),
            role=Role.HQ_ADMIN,
        )


def test_retired_codes_are_known_as_such() -> None:
    assert regions.is_retired("440102") and regions.retired_name("440102") == "东山区"
    assert not regions.is_known("440102")  # not for new units
    assert not regions.is_retired("440106") and not regions.is_retired("999999")


def test_kind_must_fit_the_parent_and_the_region_the_parents() -> None:
    assert tree.problem(UnitKind.HALL, "440106", (UnitKind.CITY, "440100")) is None
    assert tree.problem(UnitKind.DEPARTMENT, "440000", (UnitKind.PROVINCE, "440000")) is None
    bad = {
        "hall under a province": (UnitKind.HALL, "440000", (UnitKind.PROVINCE, "440000")),
        "city under HQ": (UnitKind.CITY, "440100", (UnitKind.HQ, "100000")),
        "a second root": (UnitKind.PROVINCE, "440000", None),
        "hall of another city": (UnitKind.HALL, "440304", (UnitKind.CITY, "440100")),
        "unknown code": (UnitKind.HALL, "440199", (UnitKind.CITY, "440100")),
        "retired code": (UnitKind.HALL, "440102", (UnitKind.CITY, "440100")),
        "province with a city code": (UnitKind.PROVINCE, "440100", (UnitKind.HQ, "100000")),
        "provincial centre with a city code": (
            UnitKind.COMPLAINT_CENTRE,
            "440100",
            (UnitKind.PROVINCE, "440000"),
        ),
    }
    for why, args in bad.items():
        assert tree.problem(*args) is not None, why


def test_walks_up_the_tree_end_on_cycles_and_depth() -> None:
    cycle = {1: 2, 2: 3, 3: 1}
    assert list(tree.walk_up(1, cycle.get)) == [1, 2, 3]
    chain = {i: i + 1 for i in range(100)}
    assert len(list(tree.walk_up(0, chain.get))) == tree.MAX_DEPTH
    assert tree.would_cycle(3, 1, {1: 2, 2: 3, 3: None}.get)
    assert not tree.would_cycle(4, 1, {1: 2, 2: None}.get)


def test_province_admin_cannot_reach_hq_or_other_provinces(
    client: TestClient, world: World, factory: sessionmaker[Session]
) -> None:
    hq_admin(factory)
    admin, hq = login(client, world.admin.username), login(client, "hq.admin")
    put: Callable[..., Any] = lambda body, who=admin: client.put(  # noqa: E731
        f"/api/v1/org/units/{body['code']}", json=body, headers=who
    )
    zj = unit("ZJ", "province", "330000", "HQ")
    assert put(zj).status_code == 403  # a province of its own making
    assert put(zj, hq).status_code == 200  # HQ makes provinces
    assert put(unit("HQ2", "hq", "100000", None)).status_code == 403  # nationwide scope: never
    assert put(unit("HQ", "hq", "100000", None, name="改名")).status_code == 404  # HQ's unit
    assert put(unit("ZJ", "province", "330000", "HQ", name="改名")).status_code == 404
    assert put(unit("X1", "hall", "330106", "ZJ")).status_code == 403  # under another province
    assert put(unit("X2", "hall", "999999", "GZ")).status_code == 403  # not a region of GD
    # Inside its own region the tree rules answer (422), with a code saying why.
    res = put(unit("X3", "hall", "440106", "GD"))
    assert res.status_code == 422 and res.json()["code"] == "unit_kind_parent"
    res = put(unit("X4", "hall", "440304", "GZ"))
    assert res.status_code == 422 and res.json()["code"] == "unit_region_outside_parent"
    res = put(unit("X5", "hall", "440199", "GZ"))
    assert res.status_code == 422 and res.json()["code"] == "unit_region_unknown"
    res = put(unit("GD", "city", "440100", "HQ"))  # its own top unit into a city: no
    assert res.status_code == 422 and res.json()["code"] == "unit_kind_parent"
    # HQ cannot break the tree either: a city with a hall moved into another province.
    assert put(unit("GZ-H9", "hall", "440106", "GZ"), hq).status_code == 200
    res = put(unit("GZ", "city", "330100", "ZJ"), hq)
    assert res.status_code == 422 and res.json()["code"] == "unit_children_misfit"
    res = put(unit("SZ", "city", "440300", "GZ"), hq)
    assert res.status_code == 422 and res.json()["code"] == "unit_kind_parent"
    # Kind is required (no default): the API refuses a unit without one.
    body = {k: v for k, v in unit("X6", "hall", "440106", "GZ").items() if k != "kind"}
    assert put(body).status_code == 422


def test_moving_a_staffed_unit_is_rechecked_and_audited(
    client: TestClient, world: World, factory: sessionmaker[Session]
) -> None:
    hq_admin(factory)
    admin, hq = login(client, world.admin.username), login(client, "hq.admin")
    hall = unit("GZ-H1", "hall", "440106", "GZ")
    assert client.put("/api/v1/org/units/GZ-H1", json=hall, headers=admin).status_code == 200
    body = {"username": "gz.hall1", "display_name": "营业员", "unit_code": "GZ-H1",
            "role": "hall_agent", "password": "Hall2026ab"}  # fmt: skip
    assert client.post("/api/v1/org/staff", json=body, headers=admin).status_code == 201
    moved = unit("GZ-H1", "hall", "440304", "SZ")  # from Guangzhou to Shenzhen: both in GD
    assert client.put("/api/v1/org/units/GZ-H1", json=moved, headers=admin).status_code == 200
    zj = unit("ZJ", "province", "330000", "HQ")
    assert client.put("/api/v1/org/units/ZJ", json=zj, headers=hq).status_code == 200
    hz = unit("HZ", "city", "330100", "ZJ")
    assert client.put("/api/v1/org/units/HZ", json=hz, headers=hq).status_code == 200
    away = unit("GZ-H1", "hall", "330106", "HZ")  # into another province: the result is outside
    assert client.put("/api/v1/org/units/GZ-H1", json=away, headers=admin).status_code == 403
    with unit_of_work(factory) as session:
        rows = session.scalars(select(AuditRecord).where(AuditRecord.action == "unit_moved")).all()
        assert len(rows) == 1 and rows[0].details["staff"] == 1
        assert rows[0].details["before"]["parent_code"] == "GZ"
        assert rows[0].details["after"]["parent_code"] == "SZ"
        assert session.scalar(select(OrgUnit.region_code).where(OrgUnit.code == "GZ-H1")) == (
            "440304"
        )


def test_a_cycle_in_the_data_hangs_neither_the_sweep_nor_a_chase(
    factory: sessionmaker[Session], world: World
) -> None:
    number = register(factory, world, at(2026, 11, 2, 9))
    act(factory, world, number, Action.REVIEW_VALID, at(2026, 11, 2, 9, 30))
    act(factory, world, number, Action.ASSIGN, at(2026, 11, 2, 9, 30), handler="gz.handler")
    with unit_of_work(factory) as session:  # written straight into the database: GZ ⇄ SZ
        gz, sz = org.get_unit_by_code(session, "GZ"), org.get_unit_by_code(session, "SZ")
        session.execute(update(OrgUnit).where(OrgUnit.id == gz.id).values(parent_id=sz.id))
        session.execute(update(OrgUnit).where(OrgUnit.id == sz.id).values(parent_id=gz.id))
    results: dict[str, Any] = {}

    def run() -> None:
        results["sweep"] = sweep(factory, world, at(2026, 11, 20))  # every stage comes due
        with unit_of_work(factory) as session:
            results["chase"] = routing.supervisors_over(
                session, org.get_unit_by_code(session, "GZ")
            )

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(timeout=30)
    assert not t.is_alive(), "a walk up the tree did not end"
    assert results["sweep"].breaches >= 1 and results["chase"] == []


def test_the_demo_organisation_is_a_well_formed_tree() -> None:
    from telcodesk.demo import _units

    where = {"HQ": (UnitKind.HQ, "100000")}
    for code, _, kind, region, parent in _units():
        assert tree.problem(kind, region, where[parent]) is None, code
        where[code] = (kind, region)


def test_console_unit_form_makes_the_kind_a_choice(client: TestClient, world: World) -> None:
    from tests.conftest import console_login

    console_login(client, world.admin.username)
    page = client.get("/console/admin/org")
    assert '<option value="" selected disabled>' in page.text  # no kind preselected
    assert 'value="hq"' not in page.text  # not offered to a province admin
    form = {"code": "GZ-H5", "name": "厅", "region_code": "440106", "parent_code": "GZ"}
    assert client.post("/console/admin/org/units", data=form).status_code == 422
    assert client.post("/console/admin/org/units", data={**form, "kind": "hall"}).status_code == 200
