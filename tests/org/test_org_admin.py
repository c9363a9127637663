"""Organisation management and the audit log (CC-1, CD-2): API, console, CSV import, CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from tests.conftest import login
from tests.factories import World

UNITS_CSV = """code,name,kind,region_code,parent_code,open_time,close_time,workdays_only
GZ-H9,广州番禺营业厅,hall,440113,GZ,08:30,18:30,
GZ-BO,广州后台支撑中心,department,440100,GZ,09:00,17:30,1
"""


def test_admin_manages_units_and_staff_and_it_is_audited(client: TestClient, world: World) -> None:
    admin, agent = login(client, world.admin.username), login(client, world.agent.username)
    unit = {
        "code": "GZ-H8",
        "name": "广州海珠营业厅",
        "kind": "hall",
        "region_code": "440105",
        "parent_code": "GZ",
        "open_time": "08:30",
        "close_time": "18:30",
    }
    assert client.put("/api/v1/org/units/GZ-H8", json=unit, headers=agent).status_code == 403
    res = client.put("/api/v1/org/units/GZ-H8", json=unit, headers=admin)
    assert res.status_code == 200, res.text
    assert res.json()["open_time"] == "08:30"
    bad = client.put("/api/v1/org/units/X", json={**unit, "close_time": "07:00"}, headers=admin)
    assert bad.status_code == 422
    assert (
        client.put(
            "/api/v1/org/units/X", json={**unit, "parent_code": "NOPE"}, headers=admin
        ).status_code
        == 404
    )
    body = {
        "username": "gz.new",
        "display_name": "新同事",
        "unit_code": "GZ-H8",
        "role": "hall_agent",
        "password": "Hall@2026x",
        "skills": ["hall"],
    }
    assert client.post("/api/v1/org/staff", json=body, headers=admin).status_code == 201
    assert client.post("/api/v1/org/staff", json=body, headers=admin).status_code == 409
    # An admin chose the password: no API token until its owner changes it (CD-2).
    res = client.post("/api/v1/auth/token", json={"username": "gz.new", "password": "Hall@2026x"})
    assert res.status_code == 403 and res.json()["code"] == "password_expired"
    res = client.put(
        "/api/v1/org/staff/gz.new/skills",
        json={"skills": ["hall", "vip"], "available": False},
        headers=admin,
    )
    assert res.json()["skills"] == ["hall", "vip"] and res.json()["available"] is False

    auditor = login(client, world.auditor.username)
    log = client.get("/api/v1/audit?actor=gd.admin", headers=auditor).json()["items"]
    assert {"unit_saved", "staff_created", "staff_skills_changed"} <= {r["action"] for r in log}
    assert client.get("/api/v1/audit", headers=agent).status_code == 403
    only_units = client.get("/api/v1/audit?action=unit_saved", headers=auditor).json()["items"]
    assert only_units and all(r["action"] == "unit_saved" for r in only_units)


def test_csv_import_is_all_or_nothing(client: TestClient, world: World) -> None:
    admin = {**login(client, world.admin.username), "Content-Type": "text/csv"}
    res = client.post("/api/v1/org/units/import", content=UNITS_CSV.encode(), headers=admin)
    assert res.status_code == 200 and res.json() == {"created": 2, "updated": 0}
    broken = UNITS_CSV.replace("GZ-H9", "GZ-H7").replace("440100,GZ", "4401,GZ")
    res = client.post("/api/v1/org/units/import", content=broken.encode(), headers=admin)
    assert res.status_code == 422 and res.json()["code"] == "csv_invalid"
    assert res.json()["details"][0]["line"] == 3
    units = {u["code"] for u in client.get("/api/v1/org/units", headers=admin).json()}
    assert "GZ-H7" not in units and {"GZ-H9", "GZ-BO"} <= units  # nothing of the bad file kept
    staff_csv = (
        "username,display_name,unit_code,role,password,skills\n"
        "gz.bo1,后台一,GZ-BO,complaint_handler,Back@2026x,fault;complaint\n"
    )
    res = client.post("/api/v1/org/staff/import", content=staff_csv.encode(), headers=admin)
    assert res.status_code == 200 and res.json()["created"] == 1
    res = client.post("/api/v1/org/units/import", content=b"\xff\xfe", headers=admin)
    assert res.status_code == 422 and res.json()["code"] == "csv_encoding"


def test_console_audit_and_org_pages(client: TestClient, world: World) -> None:
    from tests.conftest import console_login

    console_login(client, world.admin.username)
    page = client.get("/console/admin/org")
    assert page.status_code == 200 and "广州" in page.text
    console_login(client, world.agent.username)
    assert client.get("/console/admin/org").status_code == 403
    assert client.get("/console/audit").status_code == 403
    console_login(client, world.auditor.username)
    page = client.get("/console/audit")
    assert page.status_code == 200 and 'id="audit"' in page.text


def test_cli_imports_units(tmp_path: Path, world: World, db_url: str) -> None:
    csv_file = tmp_path / "units.csv"
    csv_file.write_text(UNITS_CSV, encoding="utf-8")
    env = {**os.environ, "TELCODESK_DATABASE_URL": db_url}
    cmd = [
        sys.executable,
        "-m",
        "telcodesk.cli",
        "org",
        "import-units",
        str(csv_file),
        "--actor",
        "gd.admin",
    ]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 created" in done.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name\nX,Y\n", encoding="utf-8")
    done = subprocess.run(
        [*cmd[:-3], str(bad), "--actor", "gd.admin"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and "kind" in done.stdout
