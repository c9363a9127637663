"""Account administration (CD-2): disable, enable, unlock, reset, role and unit within the
admin's region, all audited; one password policy everywhere; login throttling per client
address; the same sub-commands in the CLI, passwords from stdin or a prompt."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from telcodesk import clock
from telcodesk.app import create_app
from telcodesk.audit.models import AuditRecord
from telcodesk.config import Settings
from telcodesk.db import unit_of_work
from telcodesk.org import service as org
from telcodesk.org.roles import Role
from telcodesk.org.throttle import ClientThrottle
from tests.conftest import console_login, csrf_token, login
from tests.factories import PASSWORD, World

NEW = "Fresh2026ab"


def token_for(client: TestClient, username: str, password: str = PASSWORD) -> int:
    res = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    return res.status_code


def actions(factory: sessionmaker[Session], username: str) -> list[str]:
    with unit_of_work(factory) as session:
        stmt = select(AuditRecord.action).where(
            AuditRecord.object_id == username, AuditRecord.action.not_like("login%")
        )
        return list(session.scalars(stmt.order_by(AuditRecord.id)))


def test_disable_enable_unlock_reset_and_move_are_audited(
    client: TestClient, world: World, factory: sessionmaker[Session]
) -> None:
    admin = login(client, world.admin.username)
    agent = login(client, world.agent.username)
    base = "/api/v1/org/staff/gz.agent"
    res = client.post(f"{base}/disable", headers=admin)
    assert res.status_code == 200 and res.json()["active"] is False
    assert client.get("/api/v1/auth/me", headers=agent).status_code == 401  # its token ended
    assert token_for(client, "gz.agent") == 401
    assert client.post(f"{base}/enable", headers=admin).json()["active"] is True
    assert token_for(client, "gz.agent") == 200
    for _ in range(5):  # the lock-out (CD-2) ...
        token_for(client, "gz.agent", "wrong-password-1")
    assert token_for(client, "gz.agent") == 423
    assert client.post(f"{base}/unlock", headers=admin).json()["locked_until"] is None
    assert token_for(client, "gz.agent") == 200  # ... ended early by the admin
    weak = client.post(f"{base}/password", json={"password": "short1"}, headers=admin)
    assert weak.status_code == 422 and weak.json()["code"] == "password_too_short"
    res = client.post(f"{base}/password", json={"password": NEW}, headers=admin)
    assert res.status_code == 200 and res.json()["must_change_password"] is True
    assert token_for(client, "gz.agent", PASSWORD) == 401
    expired = client.post("/api/v1/auth/token", json={"username": "gz.agent", "password": NEW})
    assert expired.status_code == 403 and expired.json()["code"] == "password_expired"
    # The owner signs in to the console, is sent to choose a new password, and may go on.
    data = {"username": "gz.agent", "password": NEW, "csrf_token": csrf_token(client)}
    res = client.post("/login", data=data, follow_redirects=False)
    assert res.headers["location"] == "/console/account/password"
    client.headers["X-CSRF-Token"] = client.cookies["td_csrf"]
    mine = "Mine2026xyz"
    res = client.post(
        "/console/account/password",
        data={"current": NEW, "new": mine, "confirm": mine},
        follow_redirects=False,
    )
    assert res.status_code == 303
    assert token_for(client, "gz.agent", mine) == 200
    res = client.put(f"{base}/unit", json={"unit_code": "SZ"}, headers=admin)
    assert res.status_code == 200
    with unit_of_work(factory) as session:
        assert org.get_staff_by_username(session, "gz.agent").unit.code == "SZ"
    assert client.put(f"{base}/unit", json={"unit_code": "HQ"}, headers=admin).status_code == 403
    own = client.post("/api/v1/org/staff/gd.admin/disable", headers=admin)
    assert own.status_code == 403 and own.json()["code"] == "own_account"
    assert client.post("/api/v1/org/staff/system/disable", headers=admin).status_code == 404
    assert actions(factory, "gz.agent") == [
        "staff_disabled",
        "staff_enabled",
        "staff_unlocked",
        "password_reset",
        "password_changed",
        "staff_unit_changed",
    ]


def test_one_password_policy_for_every_way_in(
    client: TestClient, world: World, factory: sessionmaker[Session]
) -> None:
    admin = login(client, world.admin.username)
    body = {"username": "gz.x", "display_name": "新", "unit_code": "GZ", "role": "hotline_agent"}
    for weak, code in [
        ("Short12", "password_too_short"),  # the console used to take 8
        ("lettersonlyhere", "password_needs_letters_and_digits"),
        ("gz.x2026abcd", "password_contains_username"),
    ]:
        res = client.post("/api/v1/org/staff", json={**body, "password": weak}, headers=admin)
        assert res.status_code == 422 and res.json()["code"] == code, weak
    csv = "username,display_name,unit_code,role,password\ngz.y,新,GZ,hotline_agent,Abc12345\n"
    res = client.post(
        "/api/v1/org/staff/import",
        content=csv.encode(),
        headers={**admin, "Content-Type": "text/csv"},
    )
    assert res.status_code == 422 and "10 characters" in str(res.json()["details"])
    console_login(client, world.admin.username)
    page = client.post("/console/admin/org/staff", data={**body, "password": "Abc12345"})
    assert page.status_code == 422 and "10" in page.text
    ok = client.post("/api/v1/org/staff", json={**body, "password": NEW}, headers=admin)
    assert ok.status_code == 201 and ok.json()["must_change_password"] is True


def test_console_account_actions(client: TestClient, world: World) -> None:
    console_login(client, world.admin.username)
    page = client.get("/console/admin/org")
    assert page.status_code == 200 and 'id="account-admin"' in page.text
    assert 'value="hq_admin"' not in page.text  # not offered to a province admin
    assert client.post("/console/admin/org/staff/gz.agent/disable").status_code == 200
    assert token_for(client, "gz.agent") == 401
    assert client.post("/console/admin/org/staff/gz.agent/enable").status_code == 200
    res = client.post("/console/admin/org/staff/gz.agent/role", data={"role": "hq_admin"})
    assert res.status_code == 403
    res = client.post("/console/admin/org/staff/gz.agent/password", data={"password": NEW})
    assert res.status_code == 200
    assert client.post("/console/admin/org/staff/system/unlock").status_code == 404
    assert client.post("/console/admin/org/staff/gz.agent/explode").status_code == 404


def test_one_client_cannot_keep_every_account_locked(
    settings: Settings, world: World, factory: sessionmaker[Session]
) -> None:
    tight = settings.model_copy(update={"login_throttle_failures": 6})
    with TestClient(create_app(tight), raise_server_exceptions=False) as attacker:
        for name in ["gz.agent", "gz.handler", "sz.agent"] * 2:  # 6 failures, none locked
            assert token_for(attacker, name, "guess-2026-x") == 401
        res = attacker.post("/api/v1/auth/token", json={"username": "gd.auditor", "password": "x"})
        assert res.status_code == 429 and res.json()["code"] == "login_throttled"
        # Refused before the account is read: nobody is locked, other clients log in.
        assert token_for(attacker, "gd.auditor") == 429
    with TestClient(
        create_app(tight), raise_server_exceptions=False, client=("10.0.0.9", 1)
    ) as colleague:
        assert token_for(colleague, "gd.auditor") == 200
        assert token_for(colleague, "gz.agent") == 200
    with unit_of_work(factory) as session:
        assert org.get_staff_by_username(session, "gd.auditor").failed_logins == 0


def test_throttle_window_and_bound() -> None:
    start = clock.now()
    clock.set_clock(lambda: start)
    try:
        t = ClientThrottle(limit=2, window=timedelta(minutes=15), max_clients=3)
        t.failed("a")
        t.failed("a")
        assert t.blocked("a") and not t.blocked("b") and not t.blocked(None)
        assert 0 < t.retry_after_s("a") <= 15 * 60 + 1
        clock.set_clock(lambda: start + timedelta(minutes=16))
        assert not t.blocked("a")
        for c in "bcde":
            t.failed(c)
        assert len(t._failures) == 3  # bounded: the oldest address forgotten first
    finally:
        clock.set_clock(None)


def test_cli_user_commands_read_passwords_from_stdin(world: World, db_url: str) -> None:
    env = {**os.environ, "TELCODESK_DATABASE_URL": db_url}

    def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "telcodesk.cli", "user", *args]
        return subprocess.run(cmd, env=env, input=stdin, capture_output=True, text=True, timeout=60)

    done = cli("add", "gz.cli", "--name", "命令行", "--unit", "GZ", "--role", "hotline_agent",
               "--actor", "gd.admin", "--password-stdin", stdin=NEW + "\n")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    done = cli("add", "gz.hq", "--name", "越权", "--unit", "GZ", "--role", "hq_admin",
               "--actor", "gd.admin", "--password-stdin", stdin=NEW + "\n")  # fmt: skip
    assert done.returncode == 1 and "region" in done.stdout
    assert cli("disable", "gz.cli", "--actor", "gd.admin").returncode == 0
    assert cli("enable", "gz.cli", "--actor", "gd.admin").returncode == 0
    assert cli("unlock", "gz.cli", "--actor", "gd.admin").returncode == 0
    done = cli("reset-password", "gz.cli", "--actor", "gd.admin", "--password-stdin", stdin="x\n")
    assert done.returncode == 1 and "10" in done.stdout
    done = cli("reset-password", "gz.cli", "--actor", "gd.admin", "--password-stdin",
               stdin="Other2026xy\n")  # fmt: skip
    assert done.returncode == 0, done.stdout
    assert cli("set-role", "gz.cli", "supervisor", "--actor", "gd.admin").returncode == 0
    assert cli("set-unit", "gz.cli", "SZ", "--actor", "gd.admin").returncode == 0
    assert cli("set-role", "gz.cli", "hq_admin", "--actor", "gd.admin").returncode == 1
    assert Role.SUPERVISOR  # the role names the CLI takes are the API's
