"""Consents guard marketing and sharing (CD-3): a marketing SMS and a hand-over of the
customer's data to a third party are refused without a valid consent in the ledger — nothing
is sent, nothing leaves — and go through once it is granted, until it is withdrawn or ends.
The console's consent form is POST-redirect-GET with a notice."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from telcodesk import clock
from telcodesk.audit.models import AuditRecord
from telcodesk.db import unit_of_work
from telcodesk.notify.models import OutboxMessage
from tests.conftest import console_login, login
from tests.counter.conftest import ID_NUMBER, NOW, Counter
from tests.factories import World


def _marketing_sms(factory: sessionmaker[Session]) -> int:
    with unit_of_work(factory) as session:
        stmt = select(func.count()).where(OutboxMessage.kind == "marketing_sms")
        return int(session.scalar(stmt) or 0)


def _consent(client: TestClient, headers: dict[str, str], customer: int, **body: object) -> None:
    res = client.post(
        f"/api/v1/customers/{customer}/consents",
        json={"channel": "hall", "evidence": "授权书 GZ-1", **body},
        headers=headers,
    )
    assert res.status_code == 201, res.text


def test_a_marketing_sms_needs_a_valid_marketing_consent(
    client: TestClient, world: World, counter: Counter, factory: sessionmaker[Session]
) -> None:
    agent = login(client, world.agent.username)
    url = f"/api/v1/counter/customers/{counter.customer_id}/offers"
    refused = client.post(url, json={"offer": "5g_upgrade"}, headers=agent)
    assert refused.status_code == 403 and refused.json()["code"] == "consent_required"
    assert refused.json()["message_en"] and refused.json()["message_zh"]
    assert _marketing_sms(factory) == 0  # nothing sent
    _consent(client, agent, counter.customer_id, purpose="marketing", granted=True)
    sent = client.post(url, json={"offer": "5g_upgrade"}, headers=agent)
    assert sent.status_code == 201, sent.text
    assert "5G 升级包" in sent.json()["text"] and "退订" in sent.json()["text"]
    assert _marketing_sms(factory) == 1
    unknown = client.post(url, json={"offer": "lottery"}, headers=agent)
    assert unknown.status_code == 422 and unknown.json()["code"] == "offer_unknown"
    other = login(client, world.other_city_agent.username)
    assert client.post(url, json={"offer": "5g_upgrade"}, headers=other).status_code == 404
    _consent(client, agent, counter.customer_id, purpose="marketing", granted=False)
    withdrawn = client.post(url, json={"offer": "5g_upgrade"}, headers=agent)
    assert withdrawn.status_code == 403 and _marketing_sms(factory) == 1
    # A consent that ended yesterday no longer allows it.
    _consent(
        client,
        agent,
        counter.customer_id,
        purpose="marketing",
        granted=True,
        valid_until=str(clock.local(NOW).date()),
    )
    assert client.post(url, json={"offer": "fiber_bundle"}, headers=agent).status_code == 201
    clock.set_clock(lambda: NOW + timedelta(days=1))
    ended = client.post(url, json={"offer": "fiber_bundle"}, headers=agent)
    assert ended.status_code == 403 and _marketing_sms(factory) == 2


def test_sharing_needs_a_consent_for_that_very_third_party(
    client: TestClient, world: World, counter: Counter, factory: sessionmaker[Session]
) -> None:
    agent = login(client, world.agent.username)
    url = f"/api/v1/customers/{counter.customer_id}/share"
    body = {"third_party": "招联金融", "reason": "合约机分期审核"}
    refused = client.post(url, json=body, headers=agent)
    assert refused.status_code == 403 and refused.json()["code"] == "consent_required"
    assert ID_NUMBER not in refused.text
    _consent(
        client, agent, counter.customer_id, purpose="sharing", granted=True, third_party="平安保险"
    )
    assert client.post(url, json=body, headers=agent).status_code == 403  # another party's
    _consent(
        client, agent, counter.customer_id, purpose="sharing", granted=True, third_party="招联金融"
    )
    shared = client.post(url, json=body, headers=agent)
    assert shared.status_code == 200, shared.text
    assert shared.json()["id_number"] == ID_NUMBER and shared.json()["third_party"] == "招联金融"
    with unit_of_work(factory) as session:
        record = session.scalars(
            select(AuditRecord).where(AuditRecord.action == "customer_shared")
        ).one()
        assert record.details["third_party"] == "招联金融"
        assert record.details["reason"] == "合约机分期审核"
    other = login(client, world.other_city_agent.username)
    assert client.post(url, json=body, headers=other).status_code == 404


def test_the_console_consent_form_redirects_with_a_notice_and_guards_the_offer(
    client: TestClient, world: World, counter: Counter, factory: sessionmaker[Session]
) -> None:
    console_login(client, world.agent.username)
    page = f"/console/customers/{counter.customer_id}"
    offer = client.post(f"{page}/offers", data={"offer": "family_plan"})
    assert offer.status_code == 403 and 'id="offer-error"' in offer.text
    res = client.post(
        f"{page}/consents",
        data={"purpose": "marketing", "granted": "true", "evidence": "授权书 GZ-9"},
        follow_redirects=False,
    )
    assert res.status_code == 303 and res.headers["location"] == f"{page}#consents"
    shown = client.get(res.headers["location"])
    assert 'id="notice"' in shown.text and "授权已记入" in shown.text
    assert "授权书 GZ-9" in shown.text
    assert "授权已记入" not in client.get(page).text  # the notice shows once
    sent = client.post(f"{page}/offers", data={"offer": "family_plan"}, follow_redirects=False)
    assert sent.status_code == 303
    assert "营销短信已发送" in client.get(sent.headers["location"]).text
    assert _marketing_sms(factory) == 1
