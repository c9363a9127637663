"""Customer data is masked by default and revealed only with a permission, a reason, within the
staff member's region, at a limited rate, and audited (CD-2, CD-3) — over the API and console."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from telcodesk import clock
from telcodesk.audit import service as audit
from telcodesk.config import Settings
from telcodesk.customers import service as customers
from telcodesk.customers.schemas import CustomerIn
from telcodesk.db import unit_of_work
from telcodesk.org import service as org
from telcodesk.org.roles import Role
from telcodesk.sla import sweep
from tests.conftest import console_login, login
from tests.factories import PASSWORD, World

Headers = dict[str, str]
PHONE, MASKED_PHONE = "13800138000", "138****8000"
ID_NUMBER, MASKED_ID = "440106199001011235", "440106********1235"
ADDRESS, MASKED_ADDRESS = "广东省广州市天河区体育西路123号", "广东省广州市天河区…"
REASON = "客户来电核实投诉处理进度"


def add_staff(factory: sessionmaker[Session], username: str, unit_code: str, role: Role) -> None:
    with unit_of_work(factory) as session:
        unit = org.get_unit_by_code(session, unit_code)
        org.create_staff(
            session,
            username=username,
            display_name=username,
            password=PASSWORD,
            unit=unit,
            role=role,
        )


def audit_records(factory: sessionmaker[Session], action: str) -> list[Any]:
    with unit_of_work(factory) as session:
        return audit.recent(session, action=action)


def with_document(client: TestClient, agent: Headers) -> dict[str, Any]:
    """A customer with an ID document and an address, registered over the API."""
    body = {
        "name": "欧阳娜娜",
        "phone": "13912342327",
        "alt_phone": "020-87654321",
        "id_type": "resident_id",
        "id_number": ID_NUMBER,
        "address": ADDRESS,
    }
    res = client.post("/api/v1/customers", json=body, headers=agent)
    assert res.status_code == 201, res.text
    return dict(res.json())


def reveal(client: TestClient, headers: Headers, customer_id: int, **body: Any) -> Any:
    body = {"reason": REASON, "field": "phone", **body}
    return client.post(f"/api/v1/customers/{customer_id}/reveal", json=body, headers=headers)


def test_every_output_is_masked_by_default(
    client: TestClient, agent: Headers, world: World
) -> None:
    body = {
        "type": "complaint",
        "channel": "hotline",
        "customer": {"name": "张三", "phone": PHONE},
        "subject": "宽带频繁掉线",
    }
    created = client.post("/api/v1/orders", json=body, headers=agent)
    number = created.json()["number"]
    answers = [
        created,
        client.get(f"/api/v1/orders/{number}", headers=agent),
        client.get("/api/v1/orders", headers=agent),
        # Search by the full number the caller gives; the answer is masked.
        client.get(f"/api/v1/orders?customer_phone={PHONE}", headers=agent),
        client.get(f"/api/v1/customers?phone={PHONE}", headers=agent),
        client.get(f"/api/v1/customers/{world.customer.id}", headers=agent),
    ]
    for res in answers:
        assert res.status_code in (200, 201), res.text
        assert PHONE not in res.text and "张三" not in res.text
    customer = created.json()["customer"]
    assert customer["name"] == "张*" and customer["phone"] == MASKED_PHONE
    assert answers[3].json()["items"][0]["customer"]["phone"] == MASKED_PHONE
    assert [c["phone"] for c in answers[4].json()] == [MASKED_PHONE]

    doc = with_document(client, agent)
    assert doc["name"] == "欧**娜" and doc["phone"] == "139****2327"
    # Numbers are kept in their normal form (BH-5): 020-87654321 is 02087654321.
    assert doc["alt_phone"] == "020****4321" and doc["id_type"] == "resident_id"
    assert doc["id_number"] == MASKED_ID and doc["address"] == MASKED_ADDRESS
    fetched = client.get(f"/api/v1/customers/{doc['id']}", headers=agent).json()
    assert fetched == doc


def test_reveal_answers_full_values_and_is_audited(
    client: TestClient, agent: Headers, world: World, factory: sessionmaker[Session]
) -> None:
    """A reveal discloses the one field asked for, nothing else (CD-2), and its audit record
    names the field, the customer and the order it was made from."""
    doc = with_document(client, agent)
    expected = {
        "name": "欧阳娜娜",
        "phone": "13912342327",
        "alt_phone": "02087654321",
        "id_number": ID_NUMBER,
        "address": ADDRESS,
    }
    for field, value in expected.items():
        res = reveal(client, agent, doc["id"], field=field)
        assert res.status_code == 200, res.text
        assert res.json() == {
            "customer_id": doc["id"],
            "field": field,
            "value": value,
            "id_type": "resident_id" if field == "id_number" else None,
        }
        others = [v for f, v in expected.items() if f != field and v not in value]
        assert not any(v in res.text for v in others)
    records = list(reversed(audit_records(factory, "customer_reveal")))
    assert [r.details["field"] for r in records] == list(expected)
    first = records[0]
    assert first.actor_id == world.agent.id and first.object_type == "customer"
    assert first.object_id == str(doc["id"])
    assert first.details == {"field": "name", "customer_id": doc["id"], "reason": REASON}

    order = client.post(
        "/api/v1/orders",
        json={"type": "query", "channel": "hotline", "customer_id": doc["id"], "subject": "查询"},
        headers=agent,
    ).json()["number"]
    res = reveal(client, agent, doc["id"], field="address", order_number=order)
    assert res.status_code == 200 and res.json()["value"] == ADDRESS
    (latest, *_) = audit_records(factory, "customer_reveal")
    assert latest.details == {
        "field": "address",
        "customer_id": doc["id"],
        "order": order,
        "reason": REASON,
    }
    # The order must be this customer's, and one the agent may see.
    other = client.post(
        "/api/v1/orders",
        json={
            "type": "query",
            "channel": "hotline",
            "customer_id": world.customer.id,
            "subject": "查询",
        },
        headers=agent,
    ).json()["number"]
    res = reveal(client, agent, doc["id"], order_number=other)
    assert res.status_code == 422 and res.json()["code"] == "order_not_of_customer"
    res = reveal(client, agent, doc["id"], order_number="GD20990101000001")
    assert res.status_code == 404


def test_reveal_needs_the_permission(
    client: TestClient, agent: Headers, world: World, factory: sessionmaker[Session]
) -> None:
    add_staff(factory, "gd.judicial", "GD", Role.JUDICIAL_OFFICER)
    auditor, judicial = login(client, world.auditor.username), login(client, "gd.judicial")
    cid = world.customer.id
    assert client.get(f"/api/v1/customers/{cid}", headers=auditor).status_code == 200  # may view
    for headers in (auditor, judicial):  # a judicial request goes through its own door
        res = reveal(client, headers, cid)
        assert res.status_code == 403 and res.json()["code"] == "permission_denied"
    res = client.post(
        f"/api/v1/customers/{cid}/judicial-reveal",
        json={"reason": REASON, "field": "phone", "case_reference": "(2026)粤0106刑协字第12号"},
        headers=agent,
    )
    assert res.status_code == 403
    assert audit_records(factory, "customer_reveal") == []


def test_reveal_out_of_scope_is_answered_as_missing(
    client: TestClient, world: World, factory: sessionmaker[Session]
) -> None:
    shenzhen = login(client, world.other_city_agent.username)
    for cid in (world.customer.id, 999_999):  # a Guangzhou customer, and none at all
        res = reveal(client, shenzhen, cid)
        assert res.status_code == 404 and res.json()["code"] == "customer_not_found"
        assert client.get(f"/api/v1/customers/{cid}", headers=shenzhen).status_code == 404
    assert reveal(client, shenzhen, world.vip.id).status_code == 200  # their own city's
    assert reveal(client, shenzhen, 2**40).status_code == 422  # beyond a key: bad input
    assert len(audit_records(factory, "customer_reveal")) == 1


@pytest.mark.parametrize(
    "body",
    [
        {},  # no reason at all
        {"reason": ""},
        {"reason": "   "},
        {"reason": "看看"},  # too short to say why
        {"reason": "x" * 201},
        {"reason": REASON},  # which field: there is no "everything"
        {"reason": REASON, "field": "salary"},
        {"reason": REASON, "fields": ["phone"]},
        {"reason": REASON, "extra": 1},
    ],
)
def test_reveal_needs_a_reason(
    client: TestClient, agent: Headers, world: World, body: dict[str, Any]
) -> None:
    res = client.post(f"/api/v1/customers/{world.customer.id}/reveal", json=body, headers=agent)
    assert res.status_code == 422, res.text
    assert res.json()["code"] == "validation_error" and res.json()["message_zh"]


def test_reveals_are_limited_per_staff_member_and_hour(
    client: TestClient,
    agent: Headers,
    world: World,
    settings: Settings,
    factory: sessionmaker[Session],
) -> None:
    settings.reveals_per_hour = 2
    handler = login(client, world.handler.username)
    assert reveal(client, agent, world.customer.id).status_code == 200
    assert reveal(client, agent, world.customer.id, field="name").status_code == 200
    res = reveal(client, agent, world.customer.id)
    assert res.status_code == 429
    body = res.json()
    assert body["code"] == "reveal_rate_limited" and "2" in body["message_zh"]
    assert body["message_en"] and body["details"] == {"limit": 2, "window_minutes": 60}
    assert reveal(client, handler, world.customer.id).status_code == 200  # per staff member
    assert len(audit_records(factory, "customer_reveal")) == 3  # the refused one left no record

    later = clock.now() + timedelta(minutes=61)
    clock.set_clock(lambda: later)
    assert reveal(client, agent, world.customer.id).status_code == 200


def test_judicial_requests_need_the_role_and_the_document(
    client: TestClient, world: World, factory: sessionmaker[Session]
) -> None:
    add_staff(factory, "gd.judicial", "GD", Role.JUDICIAL_OFFICER)
    with unit_of_work(factory) as session:
        beijing = customers.create_customer(
            session, CustomerIn(name="李四", phone="13611112222"), default_city="110100"
        ).id
    judicial = login(client, "gd.judicial")
    url = f"/api/v1/customers/{world.vip.id}/judicial-reveal"
    assert client.post(url, json={"reason": REASON}, headers=judicial).status_code == 422
    body = {"reason": "公安机关协查", "case_reference": "粤公协查〔2026〕88号", "field": "phone"}
    res = client.post(url, json=body, headers=judicial)
    assert res.status_code == 200, res.text
    assert res.json()["value"] == "13900139000"
    other = client.post(f"/api/v1/customers/{beijing}/judicial-reveal", json=body, headers=judicial)
    assert other.status_code == 404  # another province: not in the officer's scope

    (record,) = audit_records(factory, "judicial_reveal")
    assert record.object_id == str(world.vip.id)
    assert record.details == {
        "field": "phone",
        "customer_id": world.vip.id,
        "reason": "公安机关协查",
        "case_reference": "粤公协查〔2026〕88号",
    }
    assert audit_records(factory, "customer_reveal") == []


def test_customer_input_checks_the_id_document(client: TestClient, agent: Headers) -> None:
    base = {"name": "王五", "phone": "13512345678"}
    for extra in (
        {"id_number": ID_NUMBER},  # a number without its kind of document
        {"id_type": "resident_id"},
        {"id_type": "library_card", "id_number": ID_NUMBER},
        {"id_type": "passport", "id_number": "E1234567; DROP"},
        {"address": "x" * 201},
    ):
        res = client.post("/api/v1/customers", json=base | extra, headers=agent)
        assert res.status_code == 422, extra


def test_openapi_documents_the_reveal(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    ops = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert {"customers_get", "customers_reveal", "customers_judicial_reveal"} <= ops
    assert {"RevealIn", "JudicialRevealIn", "RevealOut"} <= set(spec["components"]["schemas"])


# --- console ------------------------------------------------------------------------------


def hx_reveal(client: TestClient, customer_id: int, **form: str) -> Any:
    form = {"field": "phone", **form}
    return client.post(
        f"/console/customers/{customer_id}/reveal", data=form, headers={"HX-Request": "true"}
    )


def test_console_shows_customers_masked_and_reveals_with_a_reason(
    client: TestClient, world: World, factory: sessionmaker[Session]
) -> None:
    console_login(client, world.agent.username)
    res = client.post(
        "/console/orders/new",
        data={
            "customer_phone": PHONE,
            "customer_name": "张三",
            "type": "complaint",
            "channel": "hotline",
            "subject": "话费异议",
        },
        follow_redirects=False,
    )
    assert res.status_code == 303
    cid = world.customer.id
    pages = [
        client.get(res.headers["location"]),  # order detail: the customer card
        client.get("/console/orders"),
        client.get("/console/my"),
        client.get(f"/console/customers/{cid}"),
    ]
    for page in pages:
        assert page.status_code == 200
        assert PHONE not in page.text and "张三" not in page.text
        assert MASKED_PHONE in page.text and "张*" in page.text
        assert f'href="/console/customers/{cid}"' in page.text or "customer-record" in page.text
    detail, _, _, customer_page = pages
    for page in (detail, customer_page):
        assert f'hx-post="/console/customers/{cid}/reveal"' in page.text
    assert "话费异议" in customer_page.text  # the customer's orders

    shown = hx_reveal(client, cid, reason=REASON)
    assert shown.status_code == 200 and PHONE in shown.text and "张三" not in shown.text
    name = hx_reveal(client, cid, reason=REASON, field="name")
    assert "张三" in name.text and PHONE not in name.text  # only the field asked for (CD-2)
    from_order = hx_reveal(
        client, cid, reason=REASON, field="phone", order_number=res.headers["location"][16:]
    )
    assert PHONE in from_order.text
    records = audit_records(factory, "customer_reveal")
    assert [r.details["field"] for r in records] == ["phone", "name", "phone"]
    assert records[0].details["order"] == res.headers["location"][16:]
    assert "order" not in records[1].details
    missing = hx_reveal(client, cid, reason=REASON, field="")
    assert 'data-code="field_required"' in missing.text and PHONE not in missing.text

    for reason, zh in (("", "请填写查看原因"), ("看看", "请填写查看原因")):
        inline = hx_reveal(client, cid, reason=reason)
        assert inline.status_code == 200 and zh in inline.text and PHONE not in inline.text
        assert 'data-code="reason_required"' in inline.text
    plain = client.post(f"/console/customers/{cid}/reveal", data={"reason": ""})
    assert plain.status_code == 422  # the real status for anyone but htmx
    client.cookies.set("td_lang", "en")
    english = hx_reveal(client, cid, reason="")
    assert "Give the reason" in english.text
    assert client.get("/console/customers/lookup?phone=13800138000").status_code == 200


def test_console_reveal_errors_are_inline_never_500(
    client: TestClient, world: World, settings: Settings, factory: sessionmaker[Session]
) -> None:
    settings.reveals_per_hour = 1
    console_login(client, world.agent.username)
    assert PHONE in hx_reveal(client, world.customer.id, reason=REASON).text
    limited = hx_reveal(client, world.customer.id, reason=REASON)
    assert limited.status_code == 200 and 'data-code="reveal_rate_limited"' in limited.text
    assert "一小时内最多查看 1 次" in limited.text
    assert hx_reveal(client, world.vip.id, reason=REASON).text.count("客户不存在") == 1  # Shenzhen
    assert client.get(f"/console/customers/{world.vip.id}").status_code == 404
    assert client.get("/console/customers/99999999999").status_code == 422

    console_login(client, world.auditor.username)  # may look, may not reveal
    page = client.get(f"/console/customers/{world.customer.id}")
    assert page.status_code == 200 and "reveal-form" not in page.text
    denied = hx_reveal(client, world.customer.id, reason=REASON)
    assert denied.status_code == 200 and 'data-code="permission_denied"' in denied.text
    assert (
        client.post(
            f"/console/customers/{world.customer.id}/reveal", data={"reason": REASON}
        ).status_code
        == 403
    )


def test_console_judicial_form_asks_for_the_document(
    client: TestClient, world: World, factory: sessionmaker[Session]
) -> None:
    add_staff(factory, "gd.judicial", "GD", Role.JUDICIAL_OFFICER)
    console_login(client, "gd.judicial")
    page = client.get(f"/console/customers/{world.vip.id}").text
    assert 'name="case_reference"' in page and 'value="judicial"' in page
    missing = hx_reveal(client, world.vip.id, kind="judicial", reason=REASON)
    assert 'data-code="case_reference_required"' in missing.text
    shown = hx_reveal(
        client, world.vip.id, kind="judicial", reason=REASON, case_reference="粤公协查〔2026〕9号"
    )
    assert "13900139000" in shown.text
    assert len(audit_records(factory, "judicial_reveal")) == 1


def test_masking_survives_the_at_risk_list(
    client: TestClient, agent: Headers, world: World, factory: sessionmaker[Session]
) -> None:
    """Order outputs built elsewhere (the at-risk API) come out masked too."""
    body = {"type": "complaint", "channel": "hotline", "customer_id": world.customer.id}
    assert client.post("/api/v1/orders", json=body | {"subject": "x"}, headers=agent).is_success
    later = clock.now() + timedelta(days=10)
    clock.set_clock(lambda: later)
    with unit_of_work(factory) as session:
        sweep.sweep(session, org.get_staff_by_username(session, "system"))
    res = client.get("/api/v1/sla/at-risk", headers=login(client, world.supervisor.username))
    assert res.status_code == 200, res.text
    assert res.json() and PHONE not in res.text and MASKED_PHONE in res.text


def test_concurrent_reveals_do_not_pass_the_limit_together(
    client: TestClient, agent: Headers, world: World, settings: Settings
) -> None:
    settings.reveals_per_hour = 3
    with ThreadPoolExecutor(6) as pool:
        codes = list(
            pool.map(lambda _: reveal(client, agent, world.customer.id).status_code, range(12))
        )
    assert sorted(codes) == [200] * 3 + [429] * 9, codes
