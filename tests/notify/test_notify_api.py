"""Notify over HTTP (both engines): the notifications API is the caller's own, preferences
validate, the outbox and templates are admins' and scoped, SMS receipts are signed, and the
console's bell, inbox, preferences, outbox and message pages work."""

from __future__ import annotations

import json
import time
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from telcodesk.db import unit_of_work
from telcodesk.notify import rules
from telcodesk.notify import service as notify
from telcodesk.notify.models import OutboxMessage
from telcodesk.workorders import service as orders
from telcodesk.workorders.schemas import OrderCreate
from tests.conftest import console_login, login
from tests.factories import World, hq_admin


def alert(factory: sessionmaker[Session], world: World) -> str:
    """An order with a breach for the supervisor and a chase for the handler and supervisor."""
    with unit_of_work(factory) as session:
        order, _ = orders.register_order(
            session,
            world.agent,
            OrderCreate.model_validate(
                {
                    "type": "complaint",
                    "channel": "hotline",
                    "customer_id": world.customer.id,
                    "subject": "话费异议",
                }
            ),
        )
        notify.send_staff(
            session,
            [world.supervisor.id],
            order_id=order.id,
            kind="sla_breach",
            message_zh=f"超时告警：工单 {order.number}",
            message_en=f"SLA breach: order {order.number}",
        )
        notify.send_staff(
            session,
            [world.handler.id, world.supervisor.id],
            order_id=order.id,
            kind="chase",
            message_zh="催办",
            message_en="Chase",
        )
        return order.number


def test_notifications_api_is_the_callers_own(
    client: TestClient, factory: sessionmaker[Session], world: World
) -> None:
    number = alert(factory, world)
    boss, handler = login(client, world.supervisor.username), login(client, world.handler.username)
    res = client.get("/api/v1/notifications", headers=boss)
    assert res.status_code == 200
    body = res.json()
    assert [(n["kind"], n["order_number"]) for n in body] == [
        ("sla_breach", number),
        ("chase", number),
    ]
    assert client.get("/api/v1/notifications/unread-count", headers=boss).json() == {"unread": 2}
    theirs = body[0]["id"]
    res = client.post(f"/api/v1/notifications/{theirs}/read", headers=handler)
    assert res.status_code == 404 and res.json()["code"] == "notification_not_found"
    res = client.post(f"/api/v1/notifications/{theirs}/read", headers=boss)
    assert res.status_code == 200 and res.json()["read_at"]
    assert client.get("/api/v1/notifications?unread=1", headers=boss).json()[0]["kind"] == "chase"
    res = client.post(f"/api/v1/orders/{number}/notifications/read", headers=handler)
    assert res.json() == {"marked": 1}
    assert client.post("/api/v1/notifications/read-all", headers=boss).json() == {"marked": 1}
    assert client.post("/api/v1/notifications/99999999999/read", headers=boss).status_code == 422


def test_preferences_api_validates(client: TestClient, world: World) -> None:
    h = login(client, world.handler.username)
    res = client.get("/api/v1/notifications/preferences", headers=h)
    assert res.json()["channels"]["sla_breach"] == ["console", "email", "sms"]
    bad = [
        {"email": "not-an-email"},
        {"mobile": "12345"},
        {"channels": {"chase": ["fax"]}},
        {"channels": {"party": ["console"]}},
        {"channels": {"chase": ["email"]}},  # email without an address
    ]
    for body in bad:
        res = client.put("/api/v1/notifications/preferences", headers=h, json=body)
        assert res.status_code == 422, body
        assert res.json()["message_zh"] and res.json()["message_en"]
    res = client.put(
        "/api/v1/notifications/preferences",
        headers=h,
        json={
            "email": "w@gz.example.cn",
            "mobile": "13700137000",
            "channels": {"chase": ["sms"], "sla_warning": ["console", "email"]},
        },
    )
    assert res.status_code == 200, res.text
    assert res.json()["channels"]["chase"] == ["sms"]


def test_outbox_and_templates_are_admins_and_scoped(
    client: TestClient, factory: sessionmaker[Session], world: World
) -> None:
    with unit_of_work(factory) as session:
        hq_admin(session)  # nationwide: the system actor is no admin
        for province, state in (("440000", "dead"), ("110000", "dead"), ("440000", "sent")):
            notify.enqueue(
                session,
                channel="sms",
                kind="registered",
                recipient="13800138000",
                body="x",
                province_code=province,
            ).state = state
    agent, admin = (login(client, u.username) for u in (world.agent, world.admin))
    hq = login(client, "hq.admin")
    assert client.get("/api/v1/outbox", headers=agent).status_code == 403
    mine = client.get("/api/v1/outbox?state=dead", headers=admin).json()
    assert [m["province_code"] for m in mine] == ["440000"]
    assert len(client.get("/api/v1/outbox?state=dead", headers=hq).json()) == 2
    assert client.get("/api/v1/outbox?state=nonsense", headers=hq).status_code == 422
    beijing = next(
        m["id"]
        for m in client.get("/api/v1/outbox", headers=hq).json()
        if m["province_code"] == "110000"
    )
    assert (
        client.post("/api/v1/outbox/replay", headers=admin, json={"ids": [beijing]}).status_code
        == 404
    )
    res = client.post("/api/v1/outbox/replay", headers=admin, json={"ids": [mine[0]["id"]]})
    assert res.json() == {"marked": 1}

    url = "/api/v1/message-templates/registered/440000"
    assert client.put(url, headers=agent, json={"body": "x"}).status_code == 403
    res = client.put(url, headers=admin, json={"body": "{{ number }}已受理，{{ deadline }}前答复"})
    assert res.status_code == 200, res.text
    assert (
        client.put(
            "/api/v1/message-templates/registered/100000", headers=admin, json={"body": "x"}
        ).status_code
        == 403
    )
    res = client.put(url, headers=admin, json={"body": "{{ ''.__class__.__mro__ }}"})
    assert res.status_code == 422 and res.json()["code"] == "bad_template"
    assert (
        client.put(
            "/api/v1/message-templates/spam/440000", headers=hq, json={"body": "x"}
        ).status_code
        == 422
    )
    kinds = client.get("/api/v1/message-templates", headers=admin).json()
    assert [t["province_code"] for t in kinds[0]["templates"]] == ["440000"]
    assert client.delete(url, headers=admin).status_code == 204
    assert client.delete(url, headers=admin).status_code == 404
    q = client.put(
        "/api/v1/quiet-hours/440000", headers=admin, json={"start": "22:00", "end": "07:30"}
    )
    assert q.status_code == 200
    assert (
        client.put(
            "/api/v1/quiet-hours/440000", headers=admin, json={"start": "25:00", "end": "07:30"}
        ).status_code
        == 422
    )


def signed(
    secret: str, body: dict[str, object], stamp: int | None = None
) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    ts, nonce = str(stamp or int(time.time())), uuid.uuid4().hex[:16]
    return raw, {
        "X-Timestamp": ts,
        "X-Nonce": nonce,
        "X-Signature": rules.sign(secret, ts, nonce, raw),
        "Content-Type": "application/json",
    }


def test_sms_receipts_are_signed_and_update_the_delivery_state(
    settings: object, factory: sessionmaker[Session], world: World
) -> None:
    from telcodesk.app import create_app

    cfg = settings.model_copy(update={"sms_secret": "s3cret"})  # type: ignore[attr-defined]
    with unit_of_work(factory) as session:
        row = notify.enqueue(session, channel="sms", kind="registered", recipient="13800138000")
        row.state, row.provider_id, key = "sent", "M123", row.dedup_key
    with TestClient(create_app(cfg), raise_server_exceptions=False) as c:
        url = "/api/v1/notify/sms/receipts"
        raw, headers = signed("wrong", {"msg_id": "M123", "status": "DELIVRD"})
        assert c.post(url, content=raw, headers=headers).status_code == 401
        raw, headers = signed(
            "s3cret", {"msg_id": "M123", "status": "DELIVRD"}, int(time.time()) - 900
        )
        assert c.post(url, content=raw, headers=headers).status_code == 401  # too old
        raw, headers = signed("s3cret", {"msg_id": "nope", "status": "DELIVRD"})
        assert c.post(url, content=raw, headers=headers).status_code == 404
        raw, headers = signed("s3cret", {"msg_id": "M123", "client_ref": key, "status": "DELIVRD"})
        res = c.post(url, content=raw, headers=headers)
        assert res.status_code == 200 and res.json()["receipt"] == "delivered"
        assert c.post(url, content=raw, headers=headers).status_code == 401  # the nonce again
        raw, headers = signed("s3cret", {"msg_id": "M123", "status": "DELIVRD", "at": 1e300})
        assert c.post(url, content=raw, headers=headers).status_code == 422
        raw, headers = signed("s3cret", [1, 2])  # type: ignore[arg-type]
        assert c.post(url, content=raw, headers=headers).status_code == 422
    with unit_of_work(factory) as session:
        got = session.scalars(select(OutboxMessage)).one()
        assert got.receipt == "delivered" and got.receipt_at is not None


def test_console_bell_inbox_preferences_outbox_and_messages(
    client: TestClient, factory: sessionmaker[Session], world: World
) -> None:
    number = alert(factory, world)
    console_login(client, world.supervisor.username)
    bell = client.get("/console/notifications/bell")
    assert bell.status_code == 200 and 'id="bell-count">2<' in bell.text
    assert 'hx-trigger="every 5s"' in bell.text
    page = client.get("/console/notifications")
    assert page.status_code == 200
    assert page.text.index("超时告警") < page.text.index("催办")
    assert f'href="/console/orders/{number}"' in page.text
    res = client.post(f"/console/orders/{number}/notifications/read", follow_redirects=False)
    assert res.status_code == 303
    assert 'id="bell-count">0<' in client.get("/console/notifications/bell").text
    res = client.post(
        "/console/notifications/preferences",
        data={"email": "bad", "chase.console": "1"},
        follow_redirects=False,
    )
    assert res.status_code == 422
    res = client.post(
        "/console/notifications/preferences",
        data={"email": "chen@gd.example.cn", "chase.console": "1", "chase.email": "1"},
        follow_redirects=False,
    )
    assert res.status_code == 303
    prefs = client.get("/console/notifications/preferences").text
    assert 'value="chen@gd.example.cn"' in prefs
    assert client.get("/console/admin/outbox").status_code == 403  # a supervisor is no admin
    msgs = client.get(f"/console/orders/{number}/messages")
    assert msgs.status_code == 200

    console_login(client, world.admin.username)
    assert client.get("/console/admin/outbox?state=dead&channel=sms").status_code == 200
    page = client.get("/console/admin/messages")
    assert page.status_code == 200 and "免打扰" in page.text
    res = client.post(
        "/console/admin/messages/template",
        data={"kind": "reply", "province_code": "440000", "body": "{{ nope }}"},
    )
    assert res.status_code == 422
    res = client.post(
        "/console/admin/messages/quiet-hours",
        data={"province_code": "440000", "start": "21:30", "end": "08:00"},
        follow_redirects=False,
    )
    assert res.status_code == 303
    assert 'value="21:30"' in client.get("/console/admin/messages").text


def test_console_opt_out_on_the_customers_page(
    client: TestClient, factory: sessionmaker[Session], world: World
) -> None:
    console_login(client, world.agent.username)
    page = client.get(f"/console/customers/{world.customer.id}")
    assert f'hx-get="/console/customers/{world.customer.id}/opt-outs"' in page.text
    part = client.get(f"/console/customers/{world.customer.id}/opt-outs")
    assert "客户要求退订短信" in part.text
    res = client.post(f"/console/customers/{world.customer.id}/opt-outs", data={"opted_out": "1"})
    assert res.status_code == 200 and "已退订短信" in res.text
    assert client.get(f"/console/customers/{world.vip.id}/opt-outs").status_code == 404
    assert client.get("/console/customers/99999999999/opt-outs").status_code == 422
    from telcodesk.notify import customer

    with unit_of_work(factory) as session:
        assert customer.opt_outs(session, world.agent, world.customer.id) == {"sms"}
