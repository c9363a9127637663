"""Staffing plans and rosters end to end (CC-3), on both engines: a province supervisor plans
a Guangzhou call centre and rosters its agents; an agent may not (403); a Shenzhen supervisor
sees neither the unit nor its plan or roster (404, CD-2); bad and infeasible input answer 422
with a code and both messages; the CLI does the same as the API."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from telcodesk import config
from telcodesk.cli import app as cli
from telcodesk.db import unit_of_work
from telcodesk.org import service as org
from telcodesk.org.roles import Role, UnitKind
from telcodesk.rostering.models import Roster, RosterShift
from tests.conftest import login
from tests.factories import PASSWORD, World


@dataclass
class Centre:
    code: str
    agents: list[str]
    sz_supervisor: str


@pytest.fixture
def centre(factory: sessionmaker[Session], world: World) -> Centre:
    with unit_of_work(factory) as session:
        gz = org.get_unit_by_code(session, "GZ")
        sz = org.get_unit_by_code(session, "SZ")
        cc = org.ensure_unit(
            session,
            code="GZ-CC",
            name="广州呼叫中心",
            kind=UnitKind.CALL_CENTRE,
            region_code="440100",
            parent=gz,
        )
        agents = []
        for n in range(14):
            username = f"cc.agent{n:02d}"
            org.create_staff(
                session,
                username=username,
                display_name=f"坐席{n}",
                password=PASSWORD,
                unit=cc,
                role=Role.HOTLINE_AGENT,
            )
            agents.append(username)
        org.create_staff(
            session,
            username="sz.supervisor",
            display_name="深圳主管",
            password=PASSWORD,
            unit=sz,
            role=Role.SUPERVISOR,
        )
    return Centre("GZ-CC", agents, "sz.supervisor")


# A small centre's day, hourly: quiet nights, a day peak (calls per hour).
CALLS = [4] * 7 + [30, 60, 80, 80, 70, 60, 60, 70, 70, 60, 40, 30, 20, 15, 10] + [4] * 2


def _plan(client: TestClient, headers: dict[str, str], **extra: object) -> dict[str, object]:
    body = {"day": "2026-12-07", "interval_minutes": 60, "calls": CALLS} | extra
    res = client.post("/api/v1/staffing/units/GZ-CC/plans", json=body, headers=headers)
    assert res.status_code == 200, res.text
    return dict(res.json())


def test_plan_and_roster(client: TestClient, world: World, centre: Centre) -> None:
    boss = login(client, world.supervisor.username)
    plan = _plan(client, boss)
    intervals = plan["intervals"]
    assert isinstance(intervals, list) and len(intervals) == 24
    peak = intervals[9]
    assert peak["start"] == "09:00" and peak["calls"] == 80
    assert peak["erlang_c"]["service_level"] >= 0.8
    assert peak["erlang_a"]["agents"] <= peak["erlang_c"]["agents"]
    assert plan["totals"]["peak_positions"] == max(i["erlang_c"]["positions"] for i in intervals)
    listed = client.get("/api/v1/staffing/units/GZ-CC/plans", headers=boss).json()
    assert [p["id"] for p in listed] == [plan["id"]]

    res = client.post(
        f"/api/v1/staffing/plans/{plan['id']}/rosters",
        json={
            "start_day": "2026-12-07",
            "time_limit_s": 5,
            "requests": [
                {"username": "cc.agent00", "day": "2026-12-08", "kind": "off"},
                {"username": "cc.agent01", "day": "2026-12-09", "kind": "shift", "shift": "E"},
            ],
        },
        headers=boss,
    )
    assert res.status_code == 200, res.text
    roster = res.json()
    assert roster["status"] in ("optimal", "feasible") and roster["days"] == 7
    people = {p["username"]: p["shifts"] for p in roster["people"]}
    assert sorted(people) == centre.agents  # every agent of the unit, none else
    assert people["cc.agent00"][1] is None  # the approved leave
    report = roster["report"]
    assert report["demand"] == [i["erlang_c"]["positions"] for i in intervals]
    assert len(report["under"]) == 7 and len(report["under"][0]) == 24
    assert report["under_total"] == sum(map(sum, report["under"]))
    assert set(report["at_limit"]) == {"rest_days", "consecutive_days", "consecutive_nights"}
    for shifts in people.values():  # two days off in the week, no night straight into a day
        assert sum(s is None for s in shifts) >= 2
        for today, tomorrow in zip(shifts, shifts[1:] + shifts[:1], strict=True):
            assert not (today == "N" and tomorrow in ("M", "D", "E"))
    again = client.get(f"/api/v1/staffing/rosters/{roster['id']}", headers=boss).json()
    assert again["people"] == roster["people"]


def test_scope_and_permission(client: TestClient, world: World, centre: Centre) -> None:
    boss = login(client, world.supervisor.username)
    plan = _plan(client, boss)
    roster = client.post(
        f"/api/v1/staffing/plans/{plan['id']}/rosters",
        json={"start_day": "2026-12-07", "time_limit_s": 2, "explain": False},
        headers=boss,
    ).json()
    agent = login(client, centre.agents[0])
    res = client.post(
        "/api/v1/staffing/units/GZ-CC/plans",
        json={"day": "2026-12-07", "total_calls": 500},
        headers=agent,
    )
    assert res.status_code == 403 and res.json()["code"] == "permission_denied"
    other = login(client, centre.sz_supervisor)
    for method, path, code in (
        ("GET", "/api/v1/staffing/units/GZ-CC/plans", "staffing_unit_not_found"),
        ("GET", f"/api/v1/staffing/plans/{plan['id']}", "staffing_plan_not_found"),
        ("GET", f"/api/v1/staffing/rosters/{roster['id']}", "roster_not_found"),
        ("GET", "/api/v1/staffing/units/GZ/plans", "staffing_unit_not_found"),  # a city
    ):
        res = client.request(method, path, headers=other)
        assert res.status_code == 404 and res.json()["code"] == code, path
    res = client.post(
        f"/api/v1/staffing/plans/{plan['id']}/rosters",
        json={"start_day": "2026-12-07"},
        headers=other,
    )
    assert res.status_code == 404 and res.json()["code"] == "staffing_plan_not_found"


def test_bad_and_infeasible_input(
    client: TestClient, world: World, centre: Centre, factory: sessionmaker[Session]
) -> None:
    boss = login(client, world.supervisor.username)
    base = "/api/v1/staffing/units/GZ-CC/plans"
    for body in (
        {"day": "2026-12-07", "calls": [1, 2, 3]},  # not one value per interval
        {"day": "2026-12-07"},  # no forecast at all
        {"day": "2026-12-07", "total_calls": 100, "target_sl": 1.5},
        {"day": "2026-12-07", "total_calls": 100, "shrinkage": 0.95},
        {"day": "2026-12-07", "total_calls": 100, "answer_seconds": 100, "aht_seconds": 60},
        {"day": "2026-12-07", "total_calls": 1_000_000},  # past one plan's load
    ):
        res = client.post(base, json=body, headers=boss)
        assert res.status_code == 422, (body, res.text)
        assert {"code", "message_zh", "message_en"} <= res.json().keys()
    plan = _plan(client, boss)
    url = f"/api/v1/staffing/plans/{plan['id']}/rosters"
    res = client.post(
        url,
        json={"start_day": "2026-12-07", "time_limit_s": 5, "rules": {"hard_cover": True}},
        headers=boss,
    )
    assert res.status_code == 422, res.text
    body = res.json()
    assert body["code"] == "roster_infeasible" and "cover" in body["details"]["rules"]
    assert "冲突" in body["message_zh"]
    for bad, code in (
        ({"people": ["gz.agent"]}, "roster_unknown_person"),  # not of the unit
        (
            {"requests": [{"username": "cc.agent00", "day": "2027-01-30", "kind": "off"}]},
            "roster_bad_request",
        ),
        ({"shifts": [{"code": "M", "start": "07:30", "hours": 8}]}, None),  # not on the hour
    ):
        res = client.post(url, json={"start_day": "2026-12-07"} | bad, headers=boss)
        assert res.status_code == 422, res.text
        if code:
            assert res.json()["code"] == code
    with unit_of_work(factory) as session:  # refused rosters leave nothing behind
        assert session.scalar(select(func.count()).select_from(Roster)) == 0
        assert session.scalar(select(func.count()).select_from(RosterShift)) == 0


def test_cli_plan_and_roster(
    world: World, centre: Centre, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELCODESK_DATABASE_URL", db_url)
    config.get_settings.cache_clear()
    monkeypatch.setattr("telcodesk.cli.console.width", 250)  # the whole table, not cut
    try:
        runner = CliRunner()
        args = ["staffing", "plan", "GZ-CC", "--day", "2026-12-07", "--total-calls", "900"]
        refused = runner.invoke(cli, [*args, "--as", centre.agents[0]])
        assert refused.exit_code == 1 and "无权" in refused.output
        res = runner.invoke(cli, [*args, "--as", world.supervisor.username])
        assert res.exit_code == 0, res.output
        assert "10:00" in res.output and "plan " in res.output
        plan_id = res.output.split("plan ")[-1].split(":")[0]
        solve = ["roster", "solve", plan_id, "--start", "2026-12-07", "--as", "gd.supervisor"]
        solved = runner.invoke(
            cli,
            [*solve, "--time-limit", "3", "--no-explain", "--leave", "cc.agent03:2026-12-09"],
        )
        assert solved.exit_code == 0, solved.output
        assert "cc.agent03" in solved.output and "short of the plan" in solved.output
        infeasible = runner.invoke(
            cli,
            [*solve, "--time-limit", "3", "--hard-cover"],
        )
        assert infeasible.exit_code == 1 and "冲突" in infeasible.output
    finally:
        config.get_settings.cache_clear()


def test_console_pages_confined_to_the_region(
    client: TestClient, world: World, centre: Centre
) -> None:
    from tests.conftest import console_login

    console_login(client, world.supervisor.username)
    page = client.get("/console/staffing")
    assert page.status_code == 200 and "广州呼叫中心" in page.text
    made = client.post(
        "/console/staffing/GZ-CC/plans",
        data={"day": "2026-12-07", "total_calls": "800", "interval_minutes": "60"},
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    plan_url = made.headers["location"]
    shown = client.get(plan_url)
    assert shown.status_code == 200 and "echarts.common.min.js" in shown.text
    bad = client.post("/console/staffing/GZ-CC/plans", data={"day": "2026-12-07"})
    assert bad.status_code == 422 and 'role="alert"' in bad.text
    solved = client.post(
        f"{plan_url}/rosters",
        data={"start_day": "2026-12-07", "time_limit_s": "3"},
        follow_redirects=False,
    )
    assert solved.status_code == 303, solved.text
    roster_url = solved.headers["location"]
    grid = client.get(roster_url)
    assert grid.status_code == 200 and "cc.agent13" in grid.text
    assert client.get("/static/vendor/echarts-6.1.0/echarts.common.min.js").status_code == 200

    client.cookies.clear()
    client.headers.pop("X-CSRF-Token", None)
    console_login(client, centre.sz_supervisor)
    assert "广州呼叫中心" not in client.get("/console/staffing").text
    assert client.get(plan_url).status_code == 404
    assert client.get(roster_url).status_code == 404
    refused = client.post("/console/staffing/GZ-CC/plans", data={"day": "2026-12-07"})
    assert refused.status_code in (404, 422)
    refused = client.post(
        "/console/staffing/GZ-CC/plans", data={"day": "2026-12-07", "total_calls": "800"}
    )
    assert refused.status_code == 404
