"""The middleware's refusals (input guard, CSRF) answer in the caller's language: the console's
HTML error page on console paths — same status and code, the Chinese and the English message —
and the JSON error body on the API (ARCHITECTURE.md: the console's one HTML error handler)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import console_login, console_refusal, csrf_token, login
from tests.factories import World

NUL = "a\x00b"
FORM = {"type": "complaint", "channel": "hotline", "subject": "话费异议", "customer_id": "1"}


def test_console_refusals_are_pages(client: TestClient, world: World) -> None:
    # CSRF: a console form without the token
    client.get("/login")
    res = client.post("/login", data={"username": "x", "password": "y"})
    assert res.status_code == 403 and console_refusal(res) == "csrf_failed"
    assert "请刷新页面后重试" in res.text and "reload and try again" in res.text
    assert "<html" in res.text.lower()  # the whole page, not a fragment

    # the input guard: NUL in a console form, in a console path, a console body too large
    console_login(client, world.agent.username)
    res = client.post("/console/orders/new", data={**FORM, "subject": NUL})
    assert res.status_code == 422 and console_refusal(res) == "control_character"
    assert "控制字符" in res.text and "control characters" in res.text
    res = client.get("/console/orders/WO%00")
    assert res.status_code == 422 and console_refusal(res) == "control_character"
    big = {"Content-Type": "application/x-www-form-urlencoded", "Content-Length": "99999999"}
    res = client.post("/console/orders/new", content=b"x", headers=big)
    assert res.status_code == 413 and console_refusal(res) == "body_too_large"

    # an htmx call gets the message alone, to put in place
    res = client.post(
        "/console/orders/new",
        data={**FORM, "subject": NUL},
        headers={"HX-Request": "true", "X-CSRF-Token": csrf_token(client)},
    )
    assert res.status_code == 422 and console_refusal(res) == "control_character"
    assert "<html" not in res.text.lower() and 'role="alert"' in res.text


def test_api_refusals_stay_json(client: TestClient, world: World) -> None:
    headers = login(client, world.agent.username)
    res = client.get("/api/v1/orders/WO%00", headers=headers)
    assert res.status_code == 422 and res.json()["code"] == "control_character"
    assert res.json()["message_zh"] and res.json()["message_en"]
    big = {**headers, "Content-Length": "99999999"}
    res = client.post("/api/v1/orders", content=b"{}", headers=big)
    assert res.status_code == 413 and res.json()["code"] == "body_too_large"
    console_login(client, world.agent.username)
    client.headers.pop("X-CSRF-Token")
    res = client.post("/api/v1/orders", json={})  # cookie session without the header
    assert res.status_code == 403 and res.json()["code"] == "csrf_failed"
