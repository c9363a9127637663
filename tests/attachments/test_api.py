"""The attachment API and console on both engines (issue 9 item 7, issue 12 item 1): upload
as multipart, download with the safe headers, refusals as clear 4xx, the body limit raised
for uploads only, articles' files on the draft only."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from telcodesk.app import create_app
from telcodesk.config import Settings
from telcodesk.db import unit_of_work
from tests.attachments.conftest import HTML, png
from tests.conftest import console_login, csrf_token, login
from tests.factories import World
from tests.workorders.test_lifecycle import new_order


@pytest.fixture
def number(factory: sessionmaker[Session], world: World) -> str:
    with unit_of_work(factory) as session:
        return new_order(session, world)


def upload(client: TestClient, url: str, headers: dict[str, str], **files: Any) -> Any:
    return client.post(url, headers=headers, files=files.pop("files"), data=files)


def test_upload_list_download_delete(client: TestClient, world: World, number: str) -> None:
    api = login(client, world.agent.username)
    url = f"/api/v1/orders/{number}/attachments"
    res = upload(
        client, url, api, files={"file": ("截图.png", png(), "image/png")}, kind="screenshot"
    )
    assert res.status_code == 201, res.text
    body = res.json()
    assert (body["filename"], body["content_type"], body["kind"]) == (
        "截图.png",
        "image/png",
        "screenshot",
    )
    listed = client.get(url, headers=api).json()
    assert [a["id"] for a in listed] == [body["id"]]
    got = client.get(body["url"], headers=api)
    assert got.status_code == 200 and got.content == png()
    assert got.headers["content-type"] == "image/png"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in got.headers["content-security-policy"]
    assert got.headers["content-disposition"].startswith("inline;")
    assert "filename*=UTF-8''%E6%88%AA%E5%9B%BE.png" in got.headers["content-disposition"]
    assert client.delete(body["url"], headers=api).status_code == 204
    assert client.get(url, headers=api).json() == []
    assert client.get(body["url"], headers=api).status_code == 404


def test_html_disguised_as_png_is_refused(client: TestClient, world: World, number: str) -> None:
    api = login(client, world.agent.username)
    res = upload(
        client,
        f"/api/v1/orders/{number}/attachments",
        api,
        files={"file": ("shot.png", HTML, "image/png")},
    )
    assert res.status_code == 422
    assert res.json()["code"] == "attachment_type_not_allowed"
    assert res.json()["message_zh"] and res.json()["message_en"]
    missing = client.post(f"/api/v1/orders/{number}/attachments", headers=api, data={"a": "b"})
    assert (missing.status_code, missing.json()["code"]) == (422, "attachment_empty")
    plain = client.post(f"/api/v1/orders/{number}/attachments", headers=api, json={"a": 1})
    assert plain.status_code == 422


def test_a_recording_downloads_as_an_attachment(
    client: TestClient, world: World, number: str
) -> None:
    api = login(client, world.agent.username)
    wav = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 24
    res = upload(
        client,
        f"/api/v1/orders/{number}/attachments",
        api,
        files={"file": ("录音.wav", wav, "audio/wav")},
        kind="recording",
    )
    got = client.get(res.json()["url"], headers=api)
    assert got.headers["content-disposition"].startswith("attachment;")


@pytest.fixture
def small_client(db_url: str, factory: sessionmaker[Session]) -> Any:
    settings = Settings(database_url=db_url, worker_interval_s=3600, attachment_max_bytes=4000)
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        yield c


def test_size_limits(
    small_client: TestClient, world: World, number: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELCODESK_ATTACHMENT_MAX_BYTES", "4000")
    from telcodesk.config import get_settings

    get_settings.cache_clear()
    try:
        api = login(small_client, world.agent.username)
        url = f"/api/v1/orders/{number}/attachments"
        big = png() + b"\x00" * 5000  # over the file limit, within the body's
        res = upload(small_client, url, api, files={"file": ("a.png", big, "image/png")})
        assert (res.status_code, res.json()["code"]) == (413, "attachment_too_large")
        huge = png() + b"\x00" * 200_000  # over the body limit: refused before the route
        res = upload(small_client, url, api, files={"file": ("a.png", huge, "image/png")})
        assert res.status_code == 413
        # Elsewhere the body limit stays the general one.
        assert (
            small_client.post(
                "/api/v1/orders",
                headers=api,
                content=b"x" * 1_100_000,
            ).status_code
            == 413
        )
    finally:
        get_settings.cache_clear()


def test_console_upload_and_download(client: TestClient, world: World, number: str) -> None:
    console_login(client, world.agent.username)
    token = csrf_token(client)
    page = client.get(f"/console/orders/{number}")
    assert f"/console/orders/{number}/attachments" in page.text
    res = client.post(
        f"/console/orders/{number}/attachments",
        files={"file": ("截图.png", png(), "image/png")},
        data={"kind": "screenshot"},
        headers={"X-CSRF-Token": token, "HX-Request": "true"},
    )
    assert res.status_code == 200 and "截图.png" in res.text
    refused = client.post(
        f"/console/orders/{number}/attachments",
        files={"file": ("x.png", HTML, "image/png")},
        headers={"X-CSRF-Token": token, "HX-Request": "true"},
    )
    assert refused.status_code == 422 and 'id="attachment-error"' in refused.text
    card = client.get(f"/console/orders/{number}/attachments")
    (ident,) = [int(p.split('"')[0]) for p in card.text.split('data-attachment="')[1:]]
    got = client.get(f"/console/orders/{number}/attachments/{ident}")
    assert got.content == png() and got.headers["x-content-type-options"] == "nosniff"
