"""Authentication hardening (CD-2): lock-out, password expiry, history and policy, idle console
sessions, CSRF on console forms, cookie flags, scoped integration tokens, audited role changes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy.orm import Session, sessionmaker

from telcodesk import clock
from telcodesk.app import create_app
from telcodesk.audit import service as audit
from telcodesk.audit.models import AuditRecord
from telcodesk.config import Settings
from telcodesk.db import unit_of_work
from telcodesk.deps import SCOPE_OPERATIONS
from telcodesk.org import service as org
from telcodesk.org.roles import Role
from tests.conftest import console_login, console_refusal, csrf_token, login
from tests.factories import PASSWORD, World

NEW_PASSWORD = "Kefu2026abc"
ORDER = {
    "type": "complaint",
    "channel": "hotline",
    "subject": "宽带断网",
    "customer": {"name": "张三", "phone": "13800138000"},
}


@pytest.fixture
def move_clock() -> Iterator[Callable[..., datetime]]:
    """Move the clock forward from now: move_clock(minutes=16). The clock stands still at the
    start until moved, so a slow login (argon2 on a loaded machine) does not eat the margin of
    a limit tested to the second."""
    start = clock.now()
    clock.set_clock(lambda: start)

    def move(**delta: float) -> datetime:
        moment = start + timedelta(**delta)
        clock.set_clock(lambda: moment)
        return moment

    yield move
    clock.set_clock(None)


def token(client: TestClient, username: str, password: str = PASSWORD) -> Response:
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


def audit_rows(factory: sessionmaker[Session], action: str) -> list[AuditRecord]:
    with unit_of_work(factory) as session:
        return list(reversed(audit.recent(session, action=action)))


def code(res: Response) -> str:
    """The error code: the API's JSON body, or a console path's error page."""
    if res.headers["content-type"].startswith("text/html"):
        return console_refusal(res)
    return str(res.json()["code"])


# --- lock-out --------------------------------------------------------------------------------


def test_lockout_after_repeated_failures_and_unlock_later(
    client: TestClient,
    world: World,
    factory: sessionmaker[Session],
    move_clock: Callable[..., datetime],
) -> None:
    answers = [token(client, "gz.agent", "wrong") for _ in range(5)]
    assert [r.status_code for r in answers] == [401, 401, 401, 401, 423]
    assert code(answers[-1]) == "account_locked" and "15" in answers[-1].json()["message_zh"]
    assert token(client, "gz.agent").status_code == 423  # even the right password, while locked
    move_clock(minutes=14)
    assert token(client, "gz.agent").status_code == 423
    move_clock(minutes=16)
    assert token(client, "gz.agent").status_code == 200

    failures = audit_rows(factory, "login_failure")
    reasons = [r.details["reason"] for r in failures]
    assert reasons == ["bad_password"] * 5 + ["locked"] * 2
    assert all(r.actor_id == world.agent.id and r.object_id == "gz.agent" for r in failures)
    assert failures[4].details["locked"] is True
    success = audit_rows(factory, "login_success")
    assert [(r.actor_id, r.details["kind"]) for r in success] == [(world.agent.id, "api")]


def test_success_resets_the_failure_count(client: TestClient, world: World) -> None:
    for _ in range(4):
        assert token(client, "gz.agent", "wrong").status_code == 401
    assert token(client, "gz.agent").status_code == 200
    for _ in range(4):
        assert token(client, "gz.agent", "wrong").status_code == 401
    assert token(client, "gz.agent").status_code == 200


def test_unknown_names_answer_like_real_accounts(
    client: TestClient, world: World, factory: sessionmaker[Session]
) -> None:
    """No user enumeration: an unknown name locks after as many tries, same codes."""
    known = [(r.status_code, code(r)) for r in (token(client, "gz.handler", "x") for _ in range(6))]
    ghost = [(r.status_code, code(r)) for r in (token(client, "ghost", "x") for _ in range(6))]
    assert known == ghost == [(401, "bad_credentials")] * 4 + [(423, "account_locked")] * 2
    rows = [r for r in audit_rows(factory, "login_failure") if r.object_id == "ghost"]
    assert len(rows) == 6 and {(r.actor_id, r.details["reason"]) for r in rows} == {
        (None, "unknown_user")
    }


def test_console_login_failure_shows_the_lock(client: TestClient, world: World) -> None:
    data = {"username": "gz.agent", "password": "wrong", "csrf_token": csrf_token(client)}
    pages = [client.post("/login", data=data) for _ in range(5)]
    assert [p.status_code for p in pages] == [401, 401, 401, 401, 423]
    assert "用户名或密码错误" in pages[0].text and "账号已锁定" in pages[-1].text


# --- passwords ---------------------------------------------------------------------------------


def test_expired_password_forces_a_change_in_the_console(
    client: TestClient,
    world: World,
    factory: sessionmaker[Session],
    move_clock: Callable[..., datetime],
) -> None:
    move_clock(days=91)
    res = token(client, "gz.agent")
    assert res.status_code == 403 and code(res) == "password_expired"
    assert audit_rows(factory, "login_failure")[-1].details["reason"] == "expired"

    data = {"username": "gz.agent", "password": PASSWORD, "csrf_token": csrf_token(client)}
    res = client.post("/login", data=data, follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == "/console/account/password"
    client.headers["X-CSRF-Token"] = client.cookies["td_csrf"]
    for page in ("/console/orders", "/console/my"):  # nothing else before the change
        res = client.get(page, follow_redirects=False)
        assert res.headers["location"] == "/console/account/password"
    assert code(client.get("/api/v1/orders")) == "password_expired"  # htmx calls too
    form = client.get("/console/account/password")
    assert form.status_code == 200 and 'id="password-expired"' in form.text

    change = {"current": PASSWORD, "new": "short1", "confirm": "short1"}
    res = client.post("/console/account/password", data=change)
    assert res.status_code == 422 and "至少 10 位" in res.text
    change = {"current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    res = client.post("/console/account/password", data=change, follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == "/console/orders"
    assert client.get("/console/orders").status_code == 200
    assert token(client, "gz.agent", NEW_PASSWORD).status_code == 200
    changed = audit_rows(factory, "password_changed")
    assert [r.actor_id for r in changed] == [world.agent.id]


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        ("abc12345", "password_too_short"),
        ("onlyletters", "password_needs_letters_and_digits"),
        ("1234567890", "password_needs_letters_and_digits"),
        ("GZ.AGENT2026x", "password_contains_username"),
    ],
)
def test_password_policy(
    client: TestClient, agent: dict[str, str], new: str, expected: str
) -> None:
    res = client.post(
        "/api/v1/auth/password", json={"current": PASSWORD, "new": new}, headers=agent
    )
    assert res.status_code == 422 and code(res) == expected


def test_password_history_and_other_sessions(
    client: TestClient, world: World, settings: Settings, factory: sessionmaker[Session]
) -> None:
    settings.password_history = 2
    first, other = login(client, "gz.agent"), login(client, "gz.agent")

    def change(current: str, new: str) -> Response:
        body = {"current": current, "new": new}
        return client.post("/api/v1/auth/password", json=body, headers=first)

    wrong = change("not-my-password", NEW_PASSWORD)
    assert wrong.status_code == 422 and code(wrong) == "wrong_password"
    assert change(PASSWORD, NEW_PASSWORD).status_code == 204
    assert client.get("/api/v1/auth/me", headers=first).status_code == 200  # the one in use
    assert client.get("/api/v1/auth/me", headers=other).status_code == 401  # others end
    assert code(change(NEW_PASSWORD, NEW_PASSWORD)) == "password_reused"
    assert change(NEW_PASSWORD, "Kefu2026def").status_code == 204
    assert code(change("Kefu2026def", NEW_PASSWORD)) == "password_reused"  # one of the last two
    assert change("Kefu2026def", "Kefu2026ghi").status_code == 204
    assert change("Kefu2026ghi", NEW_PASSWORD).status_code == 204  # older than the last two
    with unit_of_work(factory) as session:
        staff = org.get_staff_by_username(session, "gz.agent")
        assert len(org._password_history(session, staff, 10)) == 2  # older hashes pruned


def test_wrong_current_passwords_count_towards_the_lock(
    client: TestClient, agent: dict[str, str]
) -> None:
    body = {"current": "guess", "new": NEW_PASSWORD}
    answers = [client.post("/api/v1/auth/password", json=body, headers=agent) for _ in range(5)]
    assert [code(r) for r in answers] == ["wrong_password"] * 4 + ["account_locked"]
    assert token(client, "gz.agent").status_code == 423


# --- sessions and cookies ---------------------------------------------------------------------


def test_console_session_ends_after_idle_time_and_at_logout(
    client: TestClient, world: World, move_clock: Callable[..., datetime]
) -> None:
    console_login(client, "gz.agent")
    for minutes in (25, 50, 75):  # each request keeps the session alive
        move_clock(minutes=minutes)
        assert client.get("/console/orders", follow_redirects=False).status_code == 200
    move_clock(minutes=75 + 31)
    res = client.get("/console/orders", follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == "/login"

    console_login(client, "gz.agent")
    session = client.cookies["td_session"]
    assert client.post("/logout", follow_redirects=False).status_code == 303
    client.cookies.set("td_session", session)
    res = client.get("/console/orders", follow_redirects=False)
    assert res.headers["location"] == "/login"  # logout revoked it


def test_console_session_ends_at_the_absolute_limit(
    client: TestClient, world: World, settings: Settings, move_clock: Callable[..., datetime]
) -> None:
    settings.session_idle_minutes = 24 * 60
    console_login(client, "gz.agent")
    for hour in range(1, settings.session_hours):
        move_clock(hours=hour)
        assert client.get("/console/my", follow_redirects=False).status_code == 200
    move_clock(hours=settings.session_hours, seconds=1)
    assert client.get("/console/my", follow_redirects=False).status_code == 303


def set_cookies(res: Response) -> dict[str, str]:
    return {h.split("=", 1)[0]: h.lower() for h in res.headers.get_list("set-cookie")}


def test_cookie_flags(client: TestClient, world: World, db_url: str) -> None:
    first = client.get("/login")
    assert "httponly" not in set_cookies(first)["td_csrf"]  # the page reads it
    data = {"username": "gz.agent", "password": PASSWORD, "csrf_token": csrf_token(client)}
    cookies = set_cookies(client.post("/login", data=data, follow_redirects=False))
    assert "httponly" in cookies["td_session"] and "samesite=lax" in cookies["td_session"]
    assert "secure" not in cookies["td_session"]  # development runs on plain http
    assert cookies["td_csrf"] != first.headers["set-cookie"].lower()  # a new token per session

    prod = Settings(database_url=db_url, env="production", secret_key="s" * 40)
    with TestClient(create_app(prod), base_url="https://testserver") as https:
        assert "secure" in set_cookies(https.get("/login"))["td_csrf"]
        data["csrf_token"] = https.cookies["td_csrf"]
        cookies = set_cookies(https.post("/login", data=data, follow_redirects=False))
        assert "secure" in cookies["td_session"] and "httponly" in cookies["td_session"]


# --- CSRF ----------------------------------------------------------------------------------------


def test_console_forms_need_the_csrf_token(client: TestClient, world: World) -> None:
    form = {"customer_phone": "13800138000", "customer_name": "张三", "type": "complaint"}
    form |= {"channel": "hotline", "subject": "话费异议"}
    data = {"username": "gz.agent", "password": PASSWORD}
    client.get("/login")
    refused = client.post("/login", data=data)  # login itself is a console form
    assert refused.status_code == 403 and code(refused) == "csrf_failed"

    console_login(client, "gz.agent")
    token_value = client.headers.pop("X-CSRF-Token")
    page = client.get("/console/orders/new").text
    assert f'"X-CSRF-Token": "{token_value}"' in page and "csrf_token" in page  # injected

    res = client.post("/console/orders/new", data=form, follow_redirects=False)
    assert res.status_code == 403 and code(res) == "csrf_failed"
    res = client.post("/console/orders/new", data=form, headers={"Accept": "text/html"})
    assert res.status_code == 403 and "请刷新页面后重试" in res.text  # a page for browsers
    bad = {**form, "csrf_token": "x" * 43}
    assert client.post("/console/orders/new", data=bad).status_code == 403
    ok = client.post(
        "/console/orders/new", data={**form, "csrf_token": token_value}, follow_redirects=False
    )
    assert ok.status_code == 303  # the form field, as base.html's script adds it
    htmx = client.post(
        "/console/orders/new",
        data={**form, "form_token": "htmx-1"},
        headers={"X-CSRF-Token": token_value, "HX-Request": "true"},
        follow_redirects=False,
    )
    assert htmx.status_code == 303  # the header, as hx-headers on <body> sends it


def test_multipart_forms_carry_the_token_too(client: TestClient, world: World) -> None:
    console_login(client, "gd.admin")
    token_value = client.headers.pop("X-CSRF-Token")
    csv = {"file": ("units.csv", b"code,name\n", "text/csv")}
    refused = client.post("/console/admin/org/import", data={"what": "units"}, files=csv)
    assert refused.status_code == 403 and code(refused) == "csrf_failed"
    data = {"what": "units", "csrf_token": token_value}
    res = client.post("/console/admin/org/import", data=data, files=csv)
    assert res.status_code == 422 and "kind" in res.text  # reached the page: the CSV lacks columns


def test_cookie_authenticated_api_writes_need_the_csrf_header(
    client: TestClient, world: World
) -> None:
    console_login(client, "gz.agent")
    token_value = client.headers.pop("X-CSRF-Token")
    assert client.get("/api/v1/orders").status_code == 200  # htmx reads with the cookie
    res = client.post("/api/v1/orders", json=ORDER)
    assert res.status_code == 403 and code(res) == "csrf_failed"
    res = client.post("/api/v1/orders", json=ORDER, headers={"X-CSRF-Token": token_value})
    assert res.status_code == 201
    bearer = login(client, "gz.agent")  # bearer calls need no CSRF token
    assert client.post("/api/v1/orders", json=ORDER, headers=bearer).status_code == 201


# --- integration tokens -------------------------------------------------------------------------


@pytest.fixture
def ivr(factory: sessionmaker[Session], world: World) -> str:
    """A service account for the IVR, in Guangzhou."""
    with unit_of_work(factory) as session:
        org.create_staff(
            session,
            username="gz.ivr",
            display_name="语音导航",
            password="Ivr-service-2026",
            unit=org.get_unit_by_code(session, "GZ"),
            role=Role.HOTLINE_AGENT,
        )
    return "gz.ivr"


def issue(client: TestClient, headers: dict[str, str], **body: Any) -> Response:
    body = {"label": "IVR 10000", "username": "gz.ivr", "scopes": ["orders:create"]} | body
    return client.post("/api/v1/auth/integration-tokens", json=body, headers=headers)


def test_integration_tokens_are_scoped_and_revocable(
    client: TestClient, world: World, ivr: str, factory: sessionmaker[Session]
) -> None:
    admin, agent = login(client, "gd.admin"), login(client, "gz.agent")
    assert code(issue(client, agent)) == "permission_denied"
    assert issue(client, admin, scopes=["orders:delete"]).status_code == 422
    assert code(issue(client, admin, username="system")) == "token_account"  # no admin tokens
    created = issue(client, admin, expires_in_days=30)
    assert created.status_code == 201, created.text
    body = created.json()
    ivr_auth = {"Authorization": f"Bearer {body['token']}"}
    assert body["scopes"] == ["orders:create"] and body["username"] == "gz.ivr"

    listed = client.get("/api/v1/auth/integration-tokens", headers=admin).json()
    assert body["id"] in [t["id"] for t in listed] and all("token" not in t for t in listed)

    order = client.post("/api/v1/orders", json=ORDER, headers=ivr_auth)
    assert order.status_code == 201 and order.json()["first_contact_owner"]["username"] == "gz.ivr"
    assert client.get("/api/v1/auth/me", headers=ivr_auth).json()["username"] == "gz.ivr"
    for method, path in [
        ("GET", "/api/v1/orders"),
        ("GET", f"/api/v1/orders/{order.json()['number']}"),
        ("GET", "/api/v1/customers?phone=138"),
        ("POST", "/api/v1/auth/password"),
        ("GET", "/api/v1/auth/integration-tokens"),
    ]:
        res = client.request(method, path, headers=ivr_auth, json={"current": "x", "new": "y"})
        assert res.status_code == 403 and code(res) == "token_scope", path

    reader = issue(client, admin, label="web hall", scopes=["orders:read", "customers:read"])
    reader_auth = {"Authorization": f"Bearer {reader.json()['token']}"}
    assert client.get("/api/v1/orders", headers=reader_auth).status_code == 200
    number = order.json()["number"]
    assert client.get(f"/api/v1/orders/{number}/history", headers=reader_auth).status_code == 200
    assert client.get("/api/v1/customers?phone=138", headers=reader_auth).status_code == 200
    assert code(client.post("/api/v1/orders", json=ORDER, headers=reader_auth)) == "token_scope"

    url = f"/api/v1/auth/integration-tokens/{body['id']}"
    assert client.delete(url, headers=agent).status_code == 403
    assert client.delete(url, headers=admin).status_code == 204
    assert client.delete(url, headers=admin).status_code == 204  # again: nothing changes
    assert client.post("/api/v1/orders", json=ORDER, headers=ivr_auth).status_code == 401
    assert client.delete("/api/v1/auth/integration-tokens/999999", headers=admin).status_code == 404

    trail = audit_rows(factory, "token_created") + audit_rows(factory, "token_revoked")
    assert [(r.action, r.details["label"]) for r in trail] == [
        ("token_created", "IVR 10000"),
        ("token_created", "web hall"),
        ("token_revoked", "IVR 10000"),
    ]
    assert trail[0].details["acts_as"] == "gz.ivr"
    assert trail[0].details["scopes"] == ["orders:create"]


def test_integration_tokens_expire(
    client: TestClient, world: World, ivr: str, move_clock: Callable[..., datetime]
) -> None:
    created = issue(client, login(client, "gd.admin"), expires_in_days=1).json()
    auth = {"Authorization": f"Bearer {created['token']}"}
    assert client.post("/api/v1/orders", json=ORDER, headers=auth).status_code == 201
    # Past the token's own expiry: on a loaded machine the token is issued seconds after the
    # fixture read the clock, so "a day after the fixture" may still be within its day.
    expires = datetime.fromisoformat(created["expires_at"])
    clock.set_clock(lambda: expires + timedelta(seconds=1))
    assert client.post("/api/v1/orders", json=ORDER, headers=auth).status_code == 401


def test_scope_map_names_existing_operations(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    operations = {op["operationId"] for path in paths.values() for op in path.values()}
    for scope, names in SCOPE_OPERATIONS.items():
        assert names <= operations, f"{scope}: {names - operations}"


def test_console_token_page(client: TestClient, world: World, ivr: str) -> None:
    console_login(client, "gz.agent")
    assert client.get("/console/admin/tokens").status_code == 403
    console_login(client, "gd.admin")
    assert client.get("/console/admin/tokens").status_code == 200
    form = {"label": "SMS 网关", "username": "gz.ivr", "scopes": ["orders:read"]}
    page = client.post("/console/admin/tokens", data={**form, "expires_in_days": "30"})
    assert page.status_code == 200 and 'id="token-secret"' in page.text and "SMS 网关" in page.text
    assert client.post("/console/admin/tokens", data=form | {"scopes": []}).status_code == 422
    token_id = page.text.split('data-token="', 1)[1].split('"', 1)[0]
    res = client.post(f"/console/admin/tokens/{token_id}/revoke", follow_redirects=False)
    assert res.status_code == 303
    assert "已吊销" in client.get("/console/admin/tokens").text


# --- roles --------------------------------------------------------------------------------------


def test_role_changes_are_permission_checked_and_audited(
    client: TestClient, world: World, factory: sessionmaker[Session]
) -> None:
    admin, agent = login(client, "gd.admin"), login(client, "gz.agent")
    url = "/api/v1/staff/gz.agent/role"
    assert code(client.put(url, json={"role": "supervisor"}, headers=agent)) == "permission_denied"
    assert client.put(url, json={"role": "emperor"}, headers=admin).status_code == 422
    res = client.put(url, json={"role": "supervisor"}, headers=admin)
    assert res.status_code == 200 and res.json() == {"username": "gz.agent", "role": "supervisor"}
    assert client.get("/api/v1/auth/me", headers=agent).json()["role"] == "supervisor"
    # A role above the admin's level: 403; an account outside the region: 404, as for reads.
    assert code(client.put(url, json={"role": "hq_admin"}, headers=admin)) == "write_out_of_scope"
    own = client.put("/api/v1/staff/gd.admin/role", json={"role": "auditor"}, headers=admin)
    assert code(own) == "own_account"
    hq = client.put("/api/v1/staff/system/role", json={"role": "auditor"}, headers=admin)
    assert hq.status_code == 404 and code(hq) == "staff_not_found"  # an HQ account
    missing = client.put("/api/v1/staff/nobody/role", json={"role": "auditor"}, headers=admin)
    assert missing.status_code == 404

    [row] = audit_rows(factory, "role_changed")
    assert row.actor_id == world.admin.id and row.object_id == "gz.agent"
    assert row.details == {"before": "hotline_agent", "after": "supervisor"}
