"""The knowledge console (KB-1, KB-2): an editor writes, a reviewer approves with the diff in
view, an agent finds the answer and the order page suggests it; another city's article is the
404 page; bulletins are confirmed and editors see who has not read them."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from telcodesk.db import unit_of_work
from telcodesk.knowledge import service as kb
from telcodesk.workorders import service as orders
from telcodesk.workorders.schemas import OrderCreate
from tests.conftest import console_login
from tests.knowledge.conftest import Desk, publish


def switch(client: TestClient, username: str) -> None:
    """Sign out (cookies and the CSRF header go) and in as someone else."""
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token", None)
    console_login(client, username)


def test_write_review_publish_and_suggest(
    client: TestClient, factory: sessionmaker[Session], desk: Desk
) -> None:
    console_login(client, desk.gz_editor.username)
    form = {
        "title": "光猫LOS灯红灯处理",
        "answer": "光猫LOS灯红灯表示光纤信号中断，请登记宽带故障单。",
        "body": "- 不要自行拆接光纤\n- 24小时内上门",
        "category": "broadband",
        "region_code": "440100",
        "tags": "光猫, LOS灯",
    }
    res = client.post("/console/kb/new", data=form, follow_redirects=False)
    assert res.status_code == 303, res.text
    number = res.headers["location"].rsplit("/", 1)[1]
    page = client.get(f"/console/kb/{number}")
    assert 'data-action="submit"' in page.text and "<li>不要自行拆接光纤</li>" in page.text
    assert (
        client.post(f"/console/kb/{number}/act/submit", follow_redirects=False).status_code == 303
    )
    switch(client, desk.gz_reviewer.username)
    assert 'data-action="approve"' in client.get(f"/console/kb/{number}").text
    res = client.post(f"/console/kb/{number}/act/approve", data={"comment": "口径准确"})
    assert res.status_code == 200 and "口径准确" in res.text
    switch(client, desk.gz_editor.username)
    client.post(f"/console/kb/{number}/act/publish")
    # A revision shows the reviewer what changed.
    client.post(f"/console/kb/{number}/revise")
    client.post(f"/console/kb/{number}/edit", data={**form, "answer": "光猫LOS灯红灯：光纤中断。"})
    page = client.get(f"/console/kb/{number}").text
    assert 'id="kb-diff"' in page and "+光猫LOS灯红灯：光纤中断。" in page
    # The agent: search page and the order page's suggestions (the live version 1).
    with unit_of_work(factory) as session:
        order, _ = orders.register_order(
            session,
            desk.world.agent,
            OrderCreate.model_validate(
                {
                    "type": "fault",
                    "channel": "hotline",
                    "customer_id": desk.world.customer.id,
                    "subject": "光纤猫红灯",
                }
            ),
        )
    switch(client, desk.world.agent.username)
    page = client.get("/console/kb", params={"q": "光纤猫红灯"}).text
    assert f'data-number="{number}"' in page and "<mark>" in page
    assert 'id="kb-card"' in client.get(f"/console/orders/{order.number}").text
    fragment = client.get(f"/console/orders/{order.number}/kb/suggest").text
    assert f'data-number="{number}"' in fragment and "请登记宽带故障单" in fragment
    said = client.post(
        f"/console/kb/{number}/usage", data={"kind": "inserted", "order_number": order.number}
    )
    assert said.status_code == 200 and "已插入答复" in said.text
    # 深圳's agent: the article is the 404 page.
    switch(client, desk.world.other_city_agent.username)
    assert client.get(f"/console/kb/{number}").status_code == 404
    assert f'data-number="{number}"' not in client.get("/console/kb", params={"q": "光猫"}).text


def test_bulletin_confirmed_and_unread_listed(
    client: TestClient, factory: sessionmaker[Session], desk: Desk
) -> None:
    console_login(client, desk.editor.username)
    res = client.post(
        "/console/kb/bulletins",
        data={"title": "国际漫游新资费口径", "body": "1月1日起执行。", "region_code": "440000"},
        follow_redirects=False,
    )
    assert res.status_code == 303, res.text
    url = res.headers["location"]
    assert desk.world.agent.username in client.get(url).text  # not read yet
    switch(client, desk.world.agent.username)
    assert 'id="kb-confirm"' in client.get(url).text
    assert 'id="kb-confirmed"' in client.post(f"{url}/read").text
    switch(client, desk.editor.username)
    unread = client.get(url).text.split('id="kb-unread"')[1]
    assert f"({desk.world.agent.username})" not in unread
    with unit_of_work(factory) as session:
        publish(session, desk.editor, desk.reviewer)
        assert kb.list_articles(session, desk.editor)
    assert client.get("/console/kb/usage").status_code == 200
