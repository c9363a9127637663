"""The console's frame: every console error is an HTML page in the page's language, the API
keeps its JSON; the header fits a hall tablet (issue 9: language and feedback, tablets)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import console_login, login
from tests.factories import World


def test_unknown_console_page_is_an_html_error_page(client: TestClient, world: World) -> None:
    console_login(client, world.agent.username)
    res = client.get("/console/no-such-page")
    assert res.status_code == 404
    assert res.headers["content-type"].startswith("text/html")
    assert "资源不存在" in res.text and '"code"' not in res.text
    client.get("/lang/en")
    assert "Not found" in client.get("/console/no-such-page").text


def test_wrong_method_on_a_console_page_is_html_and_the_api_stays_json(
    client: TestClient, world: World
) -> None:
    console_login(client, world.agent.username)
    res = client.delete("/console/orders")
    assert res.status_code == 405 and res.headers["content-type"].startswith("text/html")
    assert "GET" in res.headers["allow"]
    api = client.get("/api/v1/no-such-route", headers=login(client, world.agent.username))
    assert api.status_code == 404 and api.json()["code"] == "not_found"


def test_header_groups_settings_and_serves_a_local_favicon(
    client: TestClient, world: World
) -> None:
    console_login(client, world.agent.username)
    page = client.get("/console/orders").text
    assert 'id="nav-admin"' in page and 'href="/static/favicon.svg"' in page
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
