"""The hall API end to end: the kiosk takes a number with the hall's token, a counter calls it,
the display and the phone page show it; another region's hall answers 404 (CD-2)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import login
from tests.halls.conftest import Halls


def test_kiosk_counter_display_and_phone(client: TestClient, halls: Halls) -> None:
    issued = client.post(f"/api/v1/public/halls/{halls.token}/tickets", json={"type": "A"})
    assert issued.status_code == 200, issued.text
    ticket = issued.json()
    assert ticket["number"] == "A001" and ticket["ahead"] == 0
    vip = client.post(
        f"/api/v1/public/halls/{halls.token}/tickets", json={"type": "A", "phone": "139 0013 9000"}
    )
    assert vip.json()["number"] == "V001"  # the gold member's number: the VIP lane (BH-2)

    staff = login(client, halls.agent.username)
    base = f"/api/v1/halls/{halls.gz}"
    assert client.post(f"{base}/counters/2/open", headers=staff).status_code == 200
    called = client.post(f"{base}/counters/2/call-next", headers=staff).json()
    assert called["ticket"]["number"] in ("A001", "V001")
    assert called["announcement_zh"] == f"请 {called['ticket']['number']} 号到 2 号窗口"

    shown = client.get(f"/api/v1/public/halls/{halls.token}/display").json()
    assert shown["calling"][0]["number"] == called["ticket"]["number"]
    phone = client.get(f"/api/v1/public/tickets/{ticket['token']}").json()
    assert phone["state"] in ("waiting", "called") and "estimate_minutes" in phone

    tid = called["ticket"]["id"]
    assert client.post(f"{base}/tickets/{tid}/start", json={}, headers=staff).status_code == 200
    done = client.post(f"{base}/tickets/{tid}/finish", json={"outcome": "normal"}, headers=staff)
    assert done.json()["outcome"] == "normal"
    again = client.post(f"{base}/tickets/{tid}/start", json={}, headers=staff)
    assert again.status_code == 409 and again.json()["code"] == "illegal_transition"


def test_other_regions_halls_and_unknown_tokens_answer_404(
    client: TestClient, halls: Halls
) -> None:
    sz = login(client, halls.sz_agent.username)
    for method, path in (
        ("GET", f"/api/v1/halls/{halls.gz}"),
        ("POST", f"/api/v1/halls/{halls.gz}/counters/2/open"),
        ("POST", f"/api/v1/halls/{halls.gz}/counters/2/call-next"),
    ):
        res = client.request(method, path, headers=sz)
        assert res.status_code == 404 and res.json()["code"] == "hall_not_found", path
    assert [h["code"] for h in client.get("/api/v1/halls", headers=sz).json()] == ["SZ-FT"]
    assert client.get("/api/v1/public/halls/not-a-real-token/display").status_code == 404
    assert client.get("/api/v1/public/tickets/not-a-real-token").status_code == 404


def test_console_counter_page_is_confined_to_the_region(client: TestClient, halls: Halls) -> None:
    from tests.conftest import console_login

    console_login(client, halls.sz_agent.username)
    assert client.get(f"/console/halls/{halls.gz}/counters/2").status_code == 404
    res = client.post(f"/console/halls/{halls.gz}/counters/2/open", follow_redirects=False)
    assert res.status_code == 404
    assert halls.gz not in client.get("/console/halls").text


def test_the_day_kpis_for_the_duty_manager(client: TestClient, halls: Halls) -> None:
    client.post(f"/api/v1/public/halls/{halls.token}/tickets", json={"type": "B"})
    staff = login(client, halls.agent.username)
    base = f"/api/v1/halls/{halls.gz}"
    client.post(f"{base}/counters/5/open", headers=staff)
    tid = client.post(f"{base}/counters/5/call-next", headers=staff).json()["ticket"]["id"]
    client.post(f"{base}/tickets/{tid}/start", json={}, headers=staff)
    client.post(f"{base}/tickets/{tid}/finish", json={}, headers=staff)
    assert client.get(f"{base}/kpis", headers=staff).status_code == 403  # agents: no KPIs
    got = client.get(f"{base}/kpis", headers=login(client, halls.manager.username))
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["overall"]["tickets"] == 1 and body["overall"]["within_target"] == 1.0
    assert [g["key"] for g in body["by_type"]] == ["B"] and body["opening_hours_ok"] is True
