"""Reply templates 话术 on both engines (issue 9 item 7; KB-1, CD-2): editors of a region
write them (draft → active → retired), agents see the active ones for where they work and
for the order's category, the variables are filled on the server with the customer's name
masked; another region's template or order answers 404."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from telcodesk.db import unit_of_work
from telcodesk.errors import DomainError
from telcodesk.knowledge import replies, rules
from telcodesk.knowledge.rules import ReplyState
from telcodesk.knowledge.schemas import ReplyTemplateIn
from tests.conftest import console_login, csrf_token, login
from tests.knowledge.conftest import Desk
from tests.workorders.test_lifecycle import new_order

BODY = (
    "{customer_name}您好，您的工单{order_number}（{category}）将于{due_date}前处理完毕。"
    "坐席{agent_name}"
)


def template(**fields: Any) -> ReplyTemplateIn:
    base: dict[str, Any] = {
        "title": "宽带故障受理告知",
        "body": BODY,
        "category_code": "network.broadband",
        "region_code": "440100",
    }
    return ReplyTemplateIn.model_validate({**base, **fields})


def refused(call: Any) -> tuple[int, str]:
    try:
        call()
    except DomainError as exc:
        return exc.status, exc.code
    raise AssertionError("not refused")


def test_pure_fill_and_variables() -> None:
    assert rules.unknown_variables("{customer_name}{bogus}{order_number}") == ["bogus"]
    assert rules.fill("{customer_name}好{due_date}。{x}", {"customer_name": "张*"}) == "张*好。{x}"
    assert rules.category_covers("network.broadband", "network.broadband.drops")
    assert not rules.category_covers("network.broadband", "network.broadbandx")
    assert rules.category_covers(None, None)
    assert rules.reminder_stage_due(3.9, [4, 12], 0) is None
    assert rules.reminder_stage_due(4.0, [4, 12], 0) == 0
    assert rules.reminder_stage_due(13, [4, 12], 0) == 1  # found late: the latest stage only
    assert rules.reminder_stage_due(13, [4, 12], 2) is None


def test_workflow_scope_and_filling(factory: sessionmaker[Session], desk: Desk) -> None:
    world = desk.world
    with unit_of_work(factory) as session:
        t = replies.create(session, desk.gz_editor, template())
        tid = t.id
        assert t.state == ReplyState.DRAFT
        number = new_order(session, world)  # network.broadband.drops, customer 张三
        other = new_order(session, world, category_code="billing.charges")
    with unit_of_work(factory) as session:
        # A draft is the editors' only.
        assert replies.for_order(session, world.agent, number)[1] == []
        assert refused(lambda: replies.get(session, world.agent, tid)) == (
            404,
            "reply_template_not_found",
        )
        replies.move(session, desk.gz_editor, tid, ReplyState.ACTIVE)
    with unit_of_work(factory) as session:
        _, found = replies.for_order(session, world.agent, number)
        assert [t.id for t in found] == [tid]
        assert replies.for_order(session, world.agent, other)[1] == []  # another category
        _, _, text = replies.filled(session, world.agent, number, tid)
        assert text.startswith("张*您好，您的工单" + number)
        assert "张三" not in text  # masked (CD-2)
        assert "坐席李小红" in text and "{" not in text
        # Shenzhen: the Guangzhou template does not apply, the Guangzhou order is not theirs.
        sz = world.other_city_agent
        assert refused(lambda: replies.get(session, sz, tid))[0] == 404
        assert refused(lambda: replies.filled(session, sz, number, tid)) == (
            404,
            "order_not_found",
        )
        # A province editor may manage the city's template; the city's may not HQ's.
        replies.update(session, desk.editor, tid, template(title="宽带故障告知"))
        assert refused(
            lambda: replies.create(session, desk.gz_editor, template(region_code=None))
        ) == (
            403,
            "write_out_of_scope",
        )
        assert (
            refused(lambda: replies.move(session, world.agent, tid, ReplyState.RETIRED))[0] == 403
        )
    with unit_of_work(factory) as session:
        replies.move(session, desk.gz_editor, tid, ReplyState.RETIRED)
    with unit_of_work(factory) as session:
        assert replies.for_order(session, world.agent, number)[1] == []
        assert refused(lambda: replies.filled(session, world.agent, number, tid))[0] == 404


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"body": "您好{customer}"}, "unknown_variable"),
        ({"category_code": "no.such.category"}, "unknown_category"),
    ],
)
def test_bad_templates_are_refused(
    factory: sessionmaker[Session], desk: Desk, fields: dict[str, Any], code: str
) -> None:
    with unit_of_work(factory) as session:
        assert refused(lambda: replies.create(session, desk.gz_editor, template(**fields))) == (
            422,
            code,
        )


def test_api_and_console(client: TestClient, factory: sessionmaker[Session], desk: Desk) -> None:
    world = desk.world
    with unit_of_work(factory) as session:
        number = new_order(session, world)
    editor = login(client, desk.gz_editor.username)
    res = client.post(
        "/api/v1/kb/reply-templates",
        headers=editor,
        json={"title": "通用致歉", "body": "{customer_name}您好，给您带来不便深表歉意。"},
    )
    assert res.status_code == 403  # nationwide: HQ's
    res = client.post(
        "/api/v1/kb/reply-templates",
        headers=editor,
        json={
            "title": "通用致歉",
            "body": "{customer_name}您好，深表歉意。",
            "region_code": "440100",
        },
    )
    assert res.status_code == 201, res.text
    tid = res.json()["id"]
    assert res.json()["variables"] == ["customer_name"]
    bad = client.post(
        "/api/v1/kb/reply-templates",
        headers=editor,
        json={"title": "x", "body": "{oops}", "region_code": "440100"},
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "unknown_variable")
    moved = client.post(
        f"/api/v1/kb/reply-templates/{tid}/state", headers=editor, json={"state": "active"}
    )
    assert moved.json()["state"] == "active"
    agent = login(client, world.agent.username)
    listed = client.get(f"/api/v1/orders/{number}/reply-templates", headers=agent).json()
    assert [t["id"] for t in listed] == [tid]
    filled = client.get(f"/api/v1/orders/{number}/reply-templates/{tid}/filled", headers=agent)
    assert filled.json()["text"] == "张*您好，深表歉意。"
    sz = login(client, world.other_city_agent.username)
    assert client.get(f"/api/v1/kb/reply-templates/{tid}", headers=sz).status_code == 404
    # The console: the management page, the order's card and the filled text.
    console_login(client, desk.gz_editor.username)
    page = client.get("/console/kb/replies")
    assert page.status_code == 200 and "通用致歉" in page.text
    made = client.post(
        "/console/kb/replies",
        data={
            "title": "账单核实",
            "body": "工单{order_number}已受理",
            "region_code": "440100",
            "csrf_token": csrf_token(client),
        },
        follow_redirects=False,
    )
    assert made.status_code == 303
    wrong = client.post(
        "/console/kb/replies",
        data={
            "title": "x",
            "body": "{nope}",
            "region_code": "440100",
            "csrf_token": csrf_token(client),
        },
    )
    assert wrong.status_code == 422 and "nope" in wrong.text
    console_login(client, world.agent.username)
    card = client.get(f"/console/orders/{number}/reply-templates")
    assert f'data-template="{tid}"' in card.text
    text = client.get(f"/console/orders/{number}/reply-templates/{tid}")
    assert text.text == "张*您好，深表歉意。"


def test_cli_lists_and_fills(
    factory: sessionmaker[Session], desk: Desk, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from telcodesk import config
    from telcodesk.cli import app as cli

    with unit_of_work(factory) as session:
        t = replies.create(session, desk.gz_editor, template())
        replies.move(session, desk.gz_editor, t.id, ReplyState.ACTIVE)
        number = new_order(session, desk.world)
    monkeypatch.setenv("TELCODESK_DATABASE_URL", db_url)
    config.get_settings.cache_clear()
    try:
        runner = CliRunner()
        listed = runner.invoke(cli, ["kb", "replies", "--as", desk.gz_editor.username])
        assert listed.exit_code == 0 and "宽带故障受理告知" in listed.output
        filled = runner.invoke(
            cli, ["kb", "replies", "--as", desk.world.agent.username, "--order", number]
        )
        assert filled.exit_code == 0, filled.output
        assert f"张*您好，您的工单{number}" in filled.output
        other = runner.invoke(
            cli, ["kb", "replies", "--as", desk.world.other_city_agent.username, "--order", number]
        )
        assert other.exit_code == 1 and "工单不存在" in other.output
    finally:
        config.get_settings.cache_clear()
