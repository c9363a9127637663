"""The counter in the console (BH-1, BH-5): the customer found by the document they show, a
visit started, transactions done (a refused check explained on the page), the slip signed
and printed with the masked document and the total; the customer page shows the 360 and
takes a consent."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import console_login
from tests.counter.conftest import ID_NUMBER, Counter
from tests.factories import World


def test_a_counter_visit_in_the_console(client: TestClient, world: World, counter: Counter) -> None:
    console_login(client, world.agent.username)
    page = client.post(
        "/console/counter/lookup",
        data={
            "id_type": "resident_id",
            "id_number": ID_NUMBER[:-1] + ("1" if ID_NUMBER[-1] == "0" else "0"),
        },
    )
    assert "校验码不符" in page.text  # the document's own check, in Chinese
    # A POST: the full document number stays out of URLs and access logs (CD-2).
    assert 'method="post" action="/console/counter/lookup"' in client.get("/console/counter").text
    page = client.post(
        "/console/counter/lookup", data={"id_type": "resident_id", "id_number": ID_NUMBER}
    )
    assert page.status_code == 200 and "陈*台" in page.text and "start-visit-" in page.text
    started = client.post(
        "/console/counter/visits",
        data={
            "customer_id": str(counter.customer_id),
            "id_type": "resident_id",
            "id_number": ID_NUMBER,
        },
        follow_redirects=False,
    )
    assert started.status_code == 303, started.text
    visit = started.headers["location"]
    refused = client.post(
        f"{visit}/transactions", data={"kind": "cancel", "product_number": counter.owing}
    )
    assert refused.status_code == 422 and "欠费 58.00 元" in refused.text
    done = client.post(
        f"{visit}/transactions",
        data={"kind": "payment", "product_number": counter.owing, "amount_yuan": "58"},
        follow_redirects=True,
    )
    assert done.status_code == 200 and "58.00" in done.text
    client.post(
        f"{visit}/transactions",
        data={"kind": "vas_subscribe", "product_number": counter.free, "service": "ringback"},
    )
    page = client.get(visit)
    assert "待客户短信确认" in page.text
    slip = client.post(f"{visit}/sign", follow_redirects=True)
    assert slip.status_code == 200
    assert "业务受理单" in slip.text and "已签字确认" in slip.text and "440106********" in slip.text
    assert ID_NUMBER not in slip.text and 'id="slip-total">58.00' in slip.text


def test_the_customer_page_shows_the_360_and_records_consents(
    client: TestClient, world: World, counter: Counter
) -> None:
    console_login(client, world.agent.username)
    page = client.get(f"/console/customers/{counter.customer_id}")
    assert page.status_code == 200 and 'id="customer-360"' in page.text
    assert "普通客户" in page.text and "2027-03-31" in page.text and "58.00" in page.text
    res = client.post(
        f"/console/customers/{counter.customer_id}/consents",
        data={"purpose": "marketing", "granted": "true", "evidence": "授权书 GZ-9"},
    )
    assert res.status_code == 200 and "授权书 GZ-9" in res.text  # followed the 303
    bad = client.post(
        f"/console/customers/{counter.customer_id}/consents",
        data={"purpose": "sharing", "granted": "true", "evidence": "授权书 GZ-10"},
    )
    assert bad.status_code == 422 and "第三方" in bad.text


def test_the_data_quality_page_shows_figures_with_formulas(
    client: TestClient, world: World, counter: Counter
) -> None:
    console_login(client, world.supervisor.username)
    page = client.get("/console/counter/kpis", params={"month": "2026-06"})
    assert page.status_code == 200
    assert "广东省广州市" in page.text and "完整及时率 =" in page.text
    assert "(1/1)" in page.text  # the counter customer: complete when entered
    assert client.get("/console/counter/kpis", params={"month": "garbage"}).status_code == 200
