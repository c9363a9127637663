"""An article's files through the API on both engines (issue 12 item 1; KB-1, KB-2): added
on the draft only, readable by agents once published, carried over by a revision, scoped
like the article."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from telcodesk.db import unit_of_work
from telcodesk.knowledge import service as kb
from telcodesk.knowledge.rules import Action
from tests.attachments.conftest import PDF, png
from tests.conftest import login
from tests.knowledge.conftest import Desk, article, publish


def upload(client: TestClient, url: str, headers: dict[str, str], **files: Any) -> Any:
    return client.post(url, headers=headers, files=files.pop("files"), data=files)


def test_article_files_on_the_draft_only(
    client: TestClient, factory: sessionmaker[Session], desk: Desk
) -> None:
    with unit_of_work(factory) as session:
        number = kb.create_article(session, desk.gz_editor, article(region_code="440100")).number
    editor = login(client, desk.gz_editor.username)
    url = f"/api/v1/kb/articles/{number}/attachments"
    res = upload(client, url, editor, files={"file": ("资费表.pdf", PDF, "application/pdf")})
    assert res.status_code == 201, res.text
    ident = res.json()["id"]
    agent = login(client, desk.world.agent.username)
    assert client.get(url, headers=agent).status_code == 404  # a draft: not for agents yet
    with unit_of_work(factory) as session:
        kb.act(session, desk.gz_editor, number, Action.SUBMIT)
        kb.act(session, desk.gz_reviewer, number, Action.APPROVE)
        kb.act(session, desk.gz_editor, number, Action.PUBLISH)
    assert [a["id"] for a in client.get(url, headers=agent).json()] == [ident]
    got = client.get(f"{url}/{ident}", headers=agent)
    assert got.content == PDF and got.headers["x-content-type-options"] == "nosniff"
    # Published: fixed (KB-2) — no new file, no removal until a revision.
    again = upload(client, url, editor, files={"file": ("b.png", png(), "image/png")})
    assert again.status_code == 409
    assert client.delete(f"{url}/{ident}", headers=editor).status_code == 409
    # A revision carries the file; removing it from the draft leaves the live version's.
    with unit_of_work(factory) as session:
        kb.revise(session, desk.gz_editor, number)
    assert client.delete(f"{url}/{ident}", headers=editor).status_code == 204
    assert client.get(url, headers=editor).json() == []
    assert client.get(f"{url}/{ident}", headers=agent).content == PDF
    # Another city's agent: the article does not exist for them.
    other = login(client, desk.world.other_city_agent.username)
    assert client.get(f"{url}/{ident}", headers=other).status_code == 404


def test_a_province_article_for_another_editor(
    client: TestClient, factory: sessionmaker[Session], desk: Desk
) -> None:
    with unit_of_work(factory) as session:
        number = publish(session, desk.editor, desk.reviewer).number
        kb.revise(session, desk.editor, number)
    gz = login(client, desk.gz_editor.username)  # reads the province's article, edits not
    res = upload(
        client,
        f"/api/v1/kb/articles/{number}/attachments",
        gz,
        files={"file": ("b.png", png(), "image/png")},
    )
    assert (res.status_code, res.json()["code"]) == (403, "write_out_of_scope")
