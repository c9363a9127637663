"""The knowledge API end to end (KB-1, KB-2): workflow, search with scores and snippets,
scope on every route (another city's article answers 404, a write outside one's region
403), bulk import with a row-level report, export, usage on orders, bulletins."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from telcodesk.db import unit_of_work
from telcodesk.notify.models import Notification
from telcodesk.workorders import service as orders
from telcodesk.workorders.schemas import OrderCreate
from tests.conftest import login
from tests.knowledge.conftest import Desk

ARTICLE = {
    "title": "宽带移机费用",
    "answer": "广州市宽带移机免收移机调测费。",
    "category": "broadband",
    "region_code": "440100",
    "tags": ["宽带", "移机"],
    "doc_number": "粤电客〔2026〕8号",
}


def test_workflow_search_and_scope(client: TestClient, desk: Desk) -> None:
    editor = login(client, desk.gz_editor.username)
    reviewer = login(client, desk.gz_reviewer.username)
    agent = login(client, desk.world.agent.username)
    sz_agent = login(client, desk.world.other_city_agent.username)
    res = client.post("/api/v1/kb/articles", json=ARTICLE, headers=editor)
    assert res.status_code == 201, res.text
    number = res.json()["number"]
    assert res.json()["actions"] == ["submit"]
    # A city editor writes for their city only; another city's article is not theirs.
    outside = client.post(
        "/api/v1/kb/articles", json={**ARTICLE, "region_code": "440300"}, headers=editor
    )
    assert outside.status_code == 403 and outside.json()["code"] == "write_out_of_scope"
    for action, who in [("submit", editor), ("approve", reviewer), ("publish", editor)]:
        res = client.post(
            f"/api/v1/kb/articles/{number}/actions", json={"action": action}, headers=who
        )
        assert res.status_code == 200, (action, res.text)
    assert res.json()["live"]["state"] == "published"
    own = client.post(
        f"/api/v1/kb/articles/{number}/actions", json={"action": "approve"}, headers=editor
    )
    assert own.status_code in (403, 409)
    found = client.get("/api/v1/kb/search", params={"q": "移机"}, headers=agent).json()
    assert found["hits"][0]["number"] == number
    assert found["hits"][0]["score"] > 0.5
    assert "<mark>移机</mark>" in found["hits"][0]["snippet_html"]
    # 深圳's agent: nothing of 广州, and the article itself answers 404 like a missing one.
    assert (
        client.get("/api/v1/kb/search", params={"q": "移机"}, headers=sz_agent).json()["hits"] == []
    )
    for method, path, body in [
        ("GET", f"/api/v1/kb/articles/{number}", None),
        ("GET", f"/api/v1/kb/articles/{number}/diff?old=1&new=1", None),
        ("POST", f"/api/v1/kb/articles/{number}/usage", {"kind": "helpful"}),
        ("POST", f"/api/v1/kb/articles/{number}/actions", {"action": "retire"}),
    ]:
        res = client.request(method, path, json=body, headers=sz_agent)
        assert res.status_code == 404, (method, path, res.text)
        assert res.json()["code"] == "article_not_found"
    # The 深圳 editor cannot see it either; HQ's editor can, and may act on it.
    sz_editor = login(client, desk.editor.username)  # province editor: sees the province
    assert client.get(f"/api/v1/kb/articles/{number}", headers=sz_editor).status_code == 200
    # A published version never changes: 409; a revision is a new draft.
    assert (
        client.put(f"/api/v1/kb/articles/{number}", json=ARTICLE, headers=editor).status_code == 409
    )
    res = client.post(f"/api/v1/kb/articles/{number}/revise", headers=editor)
    assert res.json()["latest"]["version_no"] == 2 and res.json()["latest"]["state"] == "draft"
    changed = {**ARTICLE, "answer": "广州市宽带移机收取调测费50元。"}
    assert (
        client.put(f"/api/v1/kb/articles/{number}", json=changed, headers=editor).status_code == 200
    )
    diff = client.get(
        f"/api/v1/kb/articles/{number}/diff", params={"old": 1, "new": 2}, headers=editor
    ).json()
    assert "+广州市宽带移机收取调测费50元。" in diff["diff"]
    # The agent still reads version 1 until version 2 is published.
    mine = client.get(f"/api/v1/kb/articles/{number}", headers=agent).json()
    assert mine["latest"]["version_no"] == 1 and mine["actions"] == []


def test_import_report_export_and_usage(
    client: TestClient, factory: sessionmaker[Session], desk: Desk
) -> None:
    editor = login(client, desk.editor.username)
    rows = [
        {
            "title": "携号转网条件",
            "answer": "在网满120天、无欠费。",
            "category": "porting",
            "region_code": "440000",
        },
        {"title": "", "answer": "缺标题", "category": "porting"},
        {"title": "漫游", "answer": "开通国际漫游", "category": "nope", "region_code": "440000"},
        {
            "title": "宽带提速",
            "answer": "可提速至1000M。",
            "category": "broadband",
            "region_code": "440100",
            "tags": "宽带;提速",
        },
    ]
    text = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n{bad json\n"
    res = client.post(
        "/api/v1/kb/import?publish=true",
        content=text.encode(),
        headers={**editor, "Content-Type": "application/x-ndjson"},
    )
    assert res.status_code == 200, res.text
    report = res.json()
    assert (report["created"], report["published"]) == (2, 2)
    assert [e["row"] for e in report["errors"]] == [2, 3, 5]
    csv_text = (
        "title,answer,category,region_code,tags\n发票开具,登录APP开具电子发票,billing,440000,发票\n"
    )
    res = client.post(
        "/api/v1/kb/import",
        content=csv_text.encode(),
        headers={**editor, "Content-Type": "text/csv"},
    )
    assert res.json()["created"] == 1 and res.json()["published"] == 0  # a draft
    # A row outside the editor's region refuses the file.
    gz_editor = login(client, desk.gz_editor.username)
    res = client.post(
        "/api/v1/kb/import",
        content=csv_text.replace("440000", "440300").encode(),
        headers={**gz_editor, "Content-Type": "text/csv"},
    )
    assert res.status_code == 403
    exported = client.get("/api/v1/kb/export", headers=editor).text.splitlines()
    assert sorted(json.loads(line)["title"] for line in exported) == ["宽带提速", "携号转网条件"]
    # Round trip: the export imports again.
    again = client.post(
        "/api/v1/kb/import",
        content="\n".join(exported).encode(),
        headers={**editor, "Content-Type": "application/x-ndjson"},
    )
    assert again.json()["created"] == 2 and again.json()["errors"] == []
    # An agent inserts an answer into an order's reply; editors see it counted.
    with unit_of_work(factory) as session:
        order, _ = orders.register_order(
            session,
            desk.world.agent,
            OrderCreate.model_validate(
                {
                    "type": "complaint",
                    "channel": "hotline",
                    "customer_id": desk.world.customer.id,
                    "subject": "宽带想提速",
                }
            ),
        )
    agent = login(client, desk.world.agent.username)
    hit = client.get("/api/v1/kb/search", params={"q": "提速"}, headers=agent).json()["hits"][0]
    for kind in ("inserted", "helpful"):
        res = client.post(
            f"/api/v1/kb/articles/{hit['number']}/usage",
            json={"kind": kind, "order_number": order.number},
            headers=agent,
        )
        assert res.status_code == 204, res.text
    usage = client.get("/api/v1/kb/usage", headers=editor).json()
    assert usage["most_used"][0]["number"] == hit["number"]
    assert usage["most_used"][0]["inserted"] == 1 and usage["most_used"][0]["helpful"] == 1
    assert [r["title"] for r in usage["never_used"]] == ["携号转网条件"]
    assert client.get("/api/v1/kb/usage", headers=agent).status_code == 403


def test_bulletin_pushed_read_and_who_has_not(
    client: TestClient, factory: sessionmaker[Session], desk: Desk
) -> None:
    editor = login(client, desk.gz_editor.username)
    res = client.post(
        "/api/v1/kb/bulletins",
        json={"title": "5G新套餐上线口径", "body": "12月10日起受理。", "region_code": "440100"},
        headers=editor,
    )
    assert res.status_code == 201, res.text
    bulletin = res.json()
    with unit_of_work(factory) as session:
        told = session.scalar(
            select(func.count()).where(
                Notification.kind == "bulletin", Notification.staff_id == desk.world.agent.id
            )
        )
        assert told == 1
        assert (
            session.scalar(
                select(func.count()).where(
                    Notification.kind == "bulletin",
                    Notification.staff_id == desk.world.other_city_agent.id,
                )
            )
            == 0
        )
    unread = client.get(f"/api/v1/kb/bulletins/{bulletin['id']}/unread", headers=editor).json()
    assert desk.world.agent.username in [u["username"] for u in unread]
    agent = login(client, desk.world.agent.username)
    assert [b["id"] for b in client.get("/api/v1/kb/bulletins", headers=agent).json()] == [
        bulletin["id"]
    ]
    res = client.post(f"/api/v1/kb/bulletins/{bulletin['id']}/read", headers=agent)
    assert res.json()["read_at"] is not None
    unread = client.get(f"/api/v1/kb/bulletins/{bulletin['id']}/unread", headers=editor).json()
    assert desk.world.agent.username not in [u["username"] for u in unread]
    sz = login(client, desk.world.other_city_agent.username)
    assert client.post(f"/api/v1/kb/bulletins/{bulletin['id']}/read", headers=sz).status_code == 404
    assert (
        client.get(f"/api/v1/kb/bulletins/{bulletin['id']}/unread", headers=sz).status_code == 404
    )
