"""The auditor's view reads as text (CD-2): every detail under a name, lists as items, the
customer and the order as links — no Python repr anywhere."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from telcodesk.audit import service as audit
from telcodesk.db import unit_of_work
from telcodesk.web.audit_format import audit_details
from tests.conftest import console_login, login
from tests.factories import World


def test_details_are_rendered_for_people() -> None:
    shown = dict(
        audit_details(
            {
                "field": "id_number",
                "customer_id": 7,
                "order": "WO20261202-000001",
                "reason": "<b>核实</b>",
                "revealed": False,
                "filters": {"status": ["registered"], "city_code": "440100"},
                "other": None,
            },
            "zh",
        )
    )
    assert shown["查看字段"] == "证件号码"
    assert shown["客户"] == '<a href="/console/customers/7">7</a>'
    assert shown["工单"] == '<a href="/console/orders/WO20261202-000001">WO20261202-000001</a>'
    assert shown["原因"] == "&lt;b&gt;核实&lt;/b&gt;"  # escaped
    assert shown["含完整信息"] == "否"
    assert shown["筛选条件"] == "status: registered; city_code: 440100"
    assert shown["other"] == "—"
    english = dict(audit_details({"fields": ["name", "phone"], "revealed": True}, "en"))
    assert english == {"Fields": "Name, Phone", "Revealed": "yes"}
    merged = dict(audit_details({"merged": 3, "orders": ["WO1", "WO2"]}, "zh"))
    assert merged["工单"] == (
        '<a href="/console/orders/WO1">WO1</a>、<a href="/console/orders/WO2">WO2</a>'
    )
    assert dict(audit_details({"orders": []}, "zh"))["工单"] == "—"


def test_audit_page_shows_reveals_and_exports_without_repr(
    client: TestClient, world: World, agent: dict[str, str], factory: sessionmaker[Session]
) -> None:
    body = {"reason": "核实投诉处理进度", "field": "address"}
    assert client.post(f"/api/v1/customers/{world.customer.id}/reveal", json=body, headers=agent)
    supervisor = login(client, world.supervisor.username)
    client.get("/api/v1/exports/orders.csv?status=registered&status=reviewed", headers=supervisor)
    with unit_of_work(factory) as session:
        assert audit.recent(session, action="export")
    console_login(client, world.auditor.username)
    page = client.get("/console/audit").text
    assert "地址" in page and f'href="/console/customers/{world.customer.id}"' in page
    for repr_mark in ("['", "{'", "': ", "None", "True", "False"):
        assert repr_mark not in page.split('id="audit"')[1], repr_mark
