from fastapi.testclient import TestClient


def test_create_and_get(client: TestClient, agent: dict[str, str]) -> None:
    body = {"type": "complaint", "channel": "hotline", "customer": {"name": "张三", "phone": "13800138000"},
            "subject": "宽带掉线", "category_code": "network.broadband.drops"}
    res = client.post("/api/v1/orders", json=body, headers=agent)
    assert res.status_code == 201, res.text
    number = res.json()["number"]
    got = client.get(f"/api/v1/orders/{number}", headers=agent)
    assert got.status_code == 200
    assert got.json()["first_contact_owner"]["username"] == "gz.agent"
