"""Work-order API: lifecycle, idempotency, stale versions, every kind of bad input (WO-1/2)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import console_login, login
from tests.factories import World

Headers = dict[str, str]


def order_body(**kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "complaint",
        "channel": "hotline",
        "customer": {"name": "张三", "phone": "13800138000"},
        "subject": "宽带频繁掉线",
        "description": "晚上8点后每半小时掉线",
        "category_code": "network.broadband.drops",
    }
    body.update(kw)
    return body


def create(client: TestClient, headers: Headers, **kw: Any) -> dict[str, Any]:
    res = client.post("/api/v1/orders", json=order_body(**kw), headers=headers)
    assert res.status_code == 201, res.text
    return dict(res.json())


def act(client: TestClient, headers: Headers, order: dict[str, Any], action: str, **kw: Any) -> Any:
    return client.post(
        f"/api/v1/orders/{order['number']}/actions/{action}",
        json={"version": order["version"], **kw},
        headers=headers,
    )


def assert_error(res: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert res.status_code == status, res.text
    body = res.json()
    assert set(body) >= {"code", "message_zh", "message_en"}
    assert body["message_zh"] and body["message_en"]
    if code:
        assert body["code"] == code
    return dict(body)


def test_register_matches_existing_customer_and_sets_owner(
    client: TestClient, agent: Headers, world: World
) -> None:
    order = create(client, agent)
    assert order["number"].startswith("WO") and order["status"] == "registered"
    assert order["customer"]["id"] == world.customer.id  # matched by phone and name
    assert order["first_contact_owner"]["username"] == world.agent.username
    assert order["city_code"] == "440100" and order["province_code"] == "440000"
    assert order["category"]["code"] == "network.broadband.drops"
    assert set(order["allowed_actions"]) == {"review_valid", "review_invalid"}


def test_full_lifecycle_over_http(client: TestClient, agent: Headers, world: World) -> None:
    handler = login(client, world.handler.username)
    o = create(client, agent)
    o = act(client, handler, o, "review_valid").json()
    o = act(client, handler, o, "assign", handler=world.handler.username).json()
    assert o["handler"]["username"] == world.handler.username
    o = act(client, handler, o, "start").json()
    o = act(client, handler, o, "reply", message="已派人上门更换光猫").json()
    # The call-back is not the handler's (SQ-1): the first-contact owner makes it (CH-3).
    assert_error(act(client, handler, o, "start_callback"), 403, "order_action_denied")
    o = act(client, agent, o, "start_callback").json()
    # A complaint is archived classified (SQ-2): cause, responsibility, justified.
    refused = assert_error(act(client, agent, o, "callback_satisfied"), 422)
    assert refused["code"] == "classification_required"
    o = act(
        client,
        agent,
        o,
        "callback_satisfied",
        outcome="basically_satisfied",
        root_cause="network",
        responsibility="carrier",
        justified=True,
    ).json()
    assert o["status"] == "archived" and o["closed_at"] and o["allowed_actions"] == []
    assert o["callback_outcome"] == "basically_satisfied" and o["satisfied"] is True
    assert (o["root_cause"], o["responsibility"], o["justified"]) == ("network", "carrier", True)
    assert o["first_contact_owner"]["username"] == world.agent.username
    history = client.get(f"/api/v1/orders/{o['number']}/history", headers=agent).json()
    assert [h["action"] for h in history] == [
        "register",
        "review_valid",
        "assign",
        "start",
        "reply",
        "start_callback",
        "callback_satisfied",
    ]
    assert history[2]["changes"]["handler_id"] == [None, world.handler.id]
    notes = client.get(f"/api/v1/orders/{o['number']}/notes", headers=agent).json()
    assert notes[0]["kind"] == "reply" and notes[0]["body"] == "已派人上门更换光猫"


def test_idempotency_key_returns_same_order(client: TestClient, agent: Headers) -> None:
    headers = {**agent, "Idempotency-Key": "ivr-call-778"}
    first = client.post("/api/v1/orders", json=order_body(), headers=headers)
    again = client.post("/api/v1/orders", json=order_body(), headers=headers)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["number"] == again.json()["number"]
    listed = client.get("/api/v1/orders", headers=agent).json()["items"]
    assert len(listed) == 1
    other = client.post("/api/v1/orders", json=order_body(subject="另一件事"), headers=headers)
    assert_error(other, 422, "idempotency_key_reused")


def test_concurrent_retries_create_one_order(client: TestClient, agent: Headers) -> None:
    headers = {**agent, "Idempotency-Key": "retry-storm"}
    with ThreadPoolExecutor(4) as pool:
        results = list(
            pool.map(
                lambda _: client.post("/api/v1/orders", json=order_body(), headers=headers),
                range(8),
            )
        )
    assert all(r.status_code in (200, 201) for r in results), [r.text for r in results]
    assert len({r.json()["number"] for r in results}) == 1
    assert len(client.get("/api/v1/orders", headers=agent).json()["items"]) == 1


def test_stale_version_is_409(client: TestClient, agent: Headers) -> None:
    o = create(client, agent)
    assert act(client, agent, o, "review_valid").status_code == 200
    body = assert_error(act(client, agent, o, "review_valid"), 409, "stale_version")
    assert body["details"]["current_version"] == 2


def test_illegal_transition_is_409(client: TestClient, agent: Headers) -> None:
    o = create(client, agent)
    body = assert_error(act(client, agent, o, "reply", message="x"), 409, "illegal_transition")
    assert body["details"]["status"] == "registered"


def test_missing_required_inputs_are_422(client: TestClient, agent: Headers) -> None:
    o = create(client, agent)
    assert_error(act(client, agent, o, "review_invalid", message="x"), 422, "reason_required")
    o2 = act(client, agent, o, "review_valid").json()
    assert_error(act(client, agent, o2, "assign"), 422, "handler_required")
    assert_error(act(client, agent, o2, "assign", handler="nobody"), 404, "staff_not_found")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"type": "grievance"}, 422, "validation_error"),  # unknown enum value
        ({"channel": 5}, 422, "validation_error"),  # wrong type
        ({"subject": "x" * 201}, 422, "validation_error"),  # oversized field
        ({"description": "长" * 4001}, 422, "validation_error"),
        ({"subject": ""}, 422, "validation_error"),
        ({"customer_id": 2**40, "customer": None}, 422, "validation_error"),  # beyond a 32-bit key
        ({"customer_id": 1}, 422, "validation_error"),  # both customer and customer_id
        ({"customer": {"name": "张三", "phone": "not-a-phone"}}, 422, "validation_error"),
        ({"category_code": "no.such"}, 422, "unknown_category"),
        ({"customer_id": 999999, "customer": None}, 404, "customer_not_found"),
        ({"city_code": "44010"}, 422, "validation_error"),
        ({"unexpected": 1}, 422, "validation_error"),
        ({"resolve_now": True, "resolution": "已答复"}, 422, "one_touch_not_allowed"),
    ],
)
def test_bad_create_input(
    client: TestClient, agent: Headers, body: dict[str, Any], status: int, code: str
) -> None:
    assert_error(
        client.post("/api/v1/orders", json=order_body(**body), headers=agent), status, code
    )


def test_malformed_json_and_oversized_body(client: TestClient, agent: Headers) -> None:
    headers = {**agent, "Content-Type": "application/json"}
    assert_error(
        client.post("/api/v1/orders", content=b'{"type": "complaint",', headers=headers),
        400,
        "malformed_json",
    )
    assert_error(
        client.post("/api/v1/orders", content=b"[1, 2]", headers=headers), 422, "validation_error"
    )
    assert_error(
        client.post("/api/v1/orders", content=b"x" * 1_100_000, headers=headers),
        413,
        "body_too_large",
    )


@pytest.mark.parametrize("version", [0, -1, 2**31, "one", None])
def test_bad_versions(client: TestClient, agent: Headers, version: Any) -> None:
    o = create(client, agent)
    res = client.post(
        f"/api/v1/orders/{o['number']}/actions/review_valid",
        json={"version": version},
        headers=agent,
    )
    assert_error(res, 422, "validation_error")


def test_unknown_things_are_404_or_422(client: TestClient, agent: Headers) -> None:
    o = create(client, agent)
    assert_error(
        client.get("/api/v1/orders/WO20990101-000001", headers=agent), 404, "order_not_found"
    )
    assert_error(client.get("/api/v1/orders/garbage", headers=agent), 404, "order_not_found")
    # The right key with the wrong date is not the order.
    wrong_date = "WO19990101-" + o["number"].split("-")[1]
    assert_error(client.get(f"/api/v1/orders/{wrong_date}", headers=agent), 404, "order_not_found")
    assert_error(act(client, agent, o, "teleport"), 422, "validation_error")
    assert_error(client.get("/api/v1/nowhere", headers=agent), 404, "not_found")
    assert_error(
        client.delete(f"/api/v1/orders/{o['number']}", headers=agent), 405, "method_not_allowed"
    )
    assert_error(client.get("/api/v1/orders?cursor=!!!", headers=agent), 422, "invalid_cursor")
    assert_error(client.get("/api/v1/orders?limit=1000", headers=agent), 422, "validation_error")
    assert_error(client.get("/api/v1/orders?status=lost", headers=agent), 422, "validation_error")
    assert_error(
        client.post(f"/api/v1/orders/{o['number']}/notes", json={"body": ""}, headers=agent), 422
    )


def test_authentication_required(client: TestClient, world: World) -> None:
    assert_error(client.get("/api/v1/orders"), 401, "unauthenticated")
    assert_error(
        client.get("/api/v1/orders", headers={"Authorization": "Bearer forged"}),
        401,
        "unauthenticated",
    )
    res = client.post(
        "/api/v1/auth/token", json={"username": world.agent.username, "password": "wrong"}
    )
    assert_error(res, 401, "bad_credentials")
    res = client.post("/api/v1/auth/token", json={"username": "ghost", "password": "whatever"})
    assert_error(res, 401, "bad_credentials")


def test_revoked_token_stops_working(client: TestClient, agent: Headers) -> None:
    assert client.get("/api/v1/auth/me", headers=agent).json()["username"] == "gz.agent"
    assert client.post("/api/v1/auth/revoke", headers=agent).status_code == 204
    assert_error(client.get("/api/v1/auth/me", headers=agent), 401)


def test_list_filters_and_cursor_pagination(
    client: TestClient, agent: Headers, world: World
) -> None:
    sz = login(client, world.other_city_agent.username)
    for i in range(7):
        create(
            client,
            agent,
            subject=f"话费异议 {i}",
            type="complaint",
            category_code="billing.charges",
        )
    create(
        client,
        sz,
        channel="hall",
        type="fault",
        subject="手机无信号",
        category_code="network.coverage.no_signal",
        customer={"name": "钱多多", "phone": "13900139000"},
    )
    create(
        client,
        agent,
        type="consultation",
        subject="套餐咨询",
        category_code="enquiry.tariff",
        resolve_now=True,
        resolution="已介绍",
    )

    province = login(client, world.supervisor.username)  # the province sees both cities

    def numbers(query: str) -> list[str]:
        res = client.get(f"/api/v1/orders?{query}", headers=province)
        assert res.status_code == 200, res.text
        return [o["number"] for o in res.json()["items"]]

    assert len(numbers("")) == 9
    assert len(numbers("type=complaint")) == 7
    assert len(numbers("type=fault&type=consultation")) == 2
    assert len(numbers("channel=hall")) == 1
    assert len(numbers("city_code=440300")) == 1
    assert len(numbers("status=archived")) == 1
    assert len(numbers("open_only=true")) == 8
    assert len(numbers(f"owner={world.other_city_agent.username}")) == 1
    assert len(numbers("customer_phone=13900139000")) == 1
    assert len(numbers("q=话费异议 3")) == 1
    assert len(numbers("q=%25")) == 0  # a literal percent sign matches nothing, not everything
    assert numbers("created_from=2000-01-01&created_to=2000-01-02") == []
    assert len(numbers("created_from=2000-01-01")) == 9
    one = numbers("type=fault")[0]
    assert numbers(f"q={one}") == [one]

    # Each city agent sees only their city's orders (CD-2).
    assert len(client.get("/api/v1/orders", headers=agent).json()["items"]) == 8
    assert len(client.get("/api/v1/orders", headers=sz).json()["items"]) == 1

    seen: list[str] = []
    url = "/api/v1/orders?limit=4"
    while True:
        page = client.get(url, headers=province).json()
        seen += [o["number"] for o in page["items"]]
        if not page["next_cursor"]:
            break
        url = f"/api/v1/orders?limit=4&cursor={page['next_cursor']}"
    assert len(seen) == len(set(seen)) == 9


def test_notes_and_categories(client: TestClient, agent: Headers) -> None:
    o = create(client, agent)
    res = client.post(
        f"/api/v1/orders/{o['number']}/notes",
        json={"kind": "progress", "body": "已联系装维"},
        headers=agent,
    )
    assert res.status_code == 201 and res.json()["kind"] == "progress"
    assert_error(
        client.post(
            f"/api/v1/orders/{o['number']}/notes",
            json={"kind": "shout", "body": "x"},
            headers=agent,
        ),
        422,
    )
    cats = client.get("/api/v1/categories", headers=agent).json()
    codes = {c["code"] for c in cats}
    assert {
        "network.coverage.no_signal",
        "billing.charges",
        "vas.unsolicited",
        "transaction.porting",
    } <= codes


def test_customer_lookup(client: TestClient, agent: Headers, world: World) -> None:
    found = client.get("/api/v1/customers?phone=13800138000", headers=agent).json()
    assert [c["id"] for c in found] == [world.customer.id]
    assert_error(client.get("/api/v1/customers?phone=1", headers=agent), 422)
    assert (
        client.post(
            "/api/v1/customers", json={"name": "新客户", "phone": "13512345678"}, headers=agent
        ).status_code
        == 201
    )


def test_openapi_documents_every_schema(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    assert {"OrderCreate", "OrderOut", "TransitionIn", "OrderPage", "EventOut", "NoteIn"} <= set(
        schemas
    )
    op_ids = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert {
        "orders_create",
        "orders_list",
        "orders_get",
        "orders_transition",
        "orders_history",
    } <= op_ids


def test_console_pages_answer_4xx_on_bad_input(client: TestClient, world: World) -> None:
    console_login(client, world.agent.username)
    assert client.get("/console/orders/WO20990101-000001").status_code == 404
    lost = client.get("/console/orders?status=lost")  # the list again, the error on it (4xx)
    assert lost.status_code == 422 and 'role="alert"' in lost.text
    assert client.post("/console/orders/new", data={"subject": ""}).status_code == 422
    o = client.post(
        "/console/orders/new",
        data={
            "customer_phone": "13800138000",
            "customer_name": "张三",
            "type": "complaint",
            "channel": "hotline",
            "subject": "话费异议",
            "form_token": "f1",
        },
        follow_redirects=False,
    )
    assert o.status_code == 303
    number = o.headers["location"].rsplit("/", 1)[1]
    assert (
        client.post(f"/console/orders/{number}/act/teleport", data={"version": "1"}).status_code
        == 422
    )
    assert (
        client.post(f"/console/orders/{number}/act/reply", data={"version": "1"}).status_code == 409
    )
    assert (
        client.post(f"/console/orders/{number}/act/review_valid", data={"version": "x"}).status_code
        == 422
    )
    assert client.post(f"/console/orders/{number}/notes", data={"body": ""}).status_code == 422
    # Submitting the same form twice (double click) registers one order.
    again = client.post(
        "/console/orders/new",
        data={
            "customer_phone": "13800138000",
            "customer_name": "张三",
            "type": "complaint",
            "channel": "hotline",
            "subject": "话费异议",
            "form_token": "f1",
        },
        follow_redirects=False,
    )
    assert again.headers["location"].endswith(number)
