"""Bad input answers 4xx with ``{code, message_zh, message_en}`` on both engines, never 500
(issue 7, item 7). The NUL probes are generated from the OpenAPI document, so a text field or
query parameter added later is probed too; an input the document leaves unbounded (a string
without pattern or enum, an integer without maximum) fails ``test_every_input_is_bounded``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from telcodesk import csv_rows
from telcodesk.db import unit_of_work
from tests.conftest import console_login, console_refusal, csrf_token, login
from tests.factories import World, hq_admin

Headers = dict[str, str]
CJK = re.compile(r"[\u4e00-\u9fff]")
NUL = "a\x00b"


def assert_error(res: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The error body; a console path answers the error page instead, with the same code and
    both messages in it (web/kernel.error_page)."""
    assert res.status_code == status, (res.status_code, res.text[:500])
    if res.headers["content-type"].startswith("text/html"):
        body = {"code": console_refusal(res), "message_zh": res.text, "message_en": res.text}
    else:
        body = res.json()
    assert {"code", "message_zh", "message_en"} <= body.keys(), body
    assert CJK.search(body["message_zh"]), body  # a real Chinese message, not FastAPI's English
    if code:
        assert body["code"] == code, body
    return dict(body)


@pytest.fixture
def hq(client: TestClient, world: World, factory: sessionmaker[Session]) -> Headers:
    with unit_of_work(factory) as session:  # an HQ admin: the system actor holds no settings
        hq_admin(session)
    return login(client, "hq.admin")


@pytest.fixture
def spec(client: TestClient) -> dict[str, Any]:
    return dict(client.get("/openapi.json").json())


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _variants(spec: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The schema itself, or each non-null branch of an anyOf (``str | None``)."""
    schema = _resolve(spec, schema)
    branches = schema.get("anyOf", [schema])
    return [_resolve(spec, b) for b in branches if b.get("type") != "null"]


def text_fields(
    spec: dict[str, Any], schema: dict[str, Any], prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], int]]:
    """(path, minimum length) of every free-text property of a body schema, nested ones too."""
    for variant in _variants(spec, schema):
        if variant.get("type") == "string" and "enum" not in variant and prefix:
            yield prefix, int(variant.get("minLength", 0))
        for name, prop in variant.get("properties", {}).items():
            if len(prefix) < 2:
                yield from text_fields(spec, prop, (*prefix, name))
        items = variant.get("items")
        if variant.get("type") == "array" and items and prefix:
            for inner in _variants(spec, items):
                if inner.get("type") == "string" and "enum" not in inner:
                    yield (*prefix, "0"), int(inner.get("minLength", 0))


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, op in item.items():
            yield method.upper(), path, op


def concrete(path: str) -> str:
    """A path with plausible values for its parameters (the probe is about the body)."""
    values = {
        "number": "WO20260101-000001",
        "action": "start",
        "customer_id": "1",
        "code": "probe",
        "day": "2026-01-05",
        "override_id": "1",
        "token_id": "1",
        "username": "gz.agent",
    }
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "x"), path)


def nested(path: tuple[str, ...], value: Any) -> Any:
    head, *rest = path
    inner = nested(tuple(rest), value) if rest else value
    return [inner] if head == "0" else {head: inner}


def test_nul_in_every_text_field_of_every_write_route(
    client: TestClient, hq: Headers, spec: dict[str, Any]
) -> None:
    probed = 0
    for method, path, op in operations(spec):
        content = op.get("requestBody", {}).get("content", {})
        schema = content.get("application/json", {}).get("schema")
        if schema is None:
            continue
        for field, min_length in text_fields(spec, schema):
            body = nested(field, NUL + "x" * max(0, min_length - len(NUL)))
            res = client.request(method, concrete(path), json=body, headers=hq)
            got = assert_error(res, 422)
            where = ["body", *field]
            hits = [d for d in got.get("details", []) if d["loc"][: len(where)] == where]
            assert hits and hits[0]["type"] in ("control_character", "string_pattern_mismatch"), (
                method,
                path,
                field,
                got,
            )
            probed += 1
    assert probed >= 40  # every write route's text fields were reached


def test_nul_in_every_query_parameter(
    client: TestClient, hq: Headers, spec: dict[str, Any]
) -> None:
    probed = 0
    for method, path, op in operations(spec):
        for param in op.get("parameters", []):
            if param["in"] != "query":
                continue
            res = client.request(method, concrete(path), params={param["name"]: NUL}, headers=hq)
            body = assert_error(res, 422)
            assert body["code"] in ("control_character", "validation_error"), (path, body)
            probed += 1
    assert probed >= 20


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/orders/WO20260101-%00001",
        "/api/v1/customers/1%00",
        "/api/v1/org/units/GZ%00",
        "/console/orders/WO%00",
    ],
)
def test_nul_in_a_path(client: TestClient, hq: Headers, path: str) -> None:
    assert_error(client.get(path, headers=hq), 422, "control_character")


def test_nul_at_login_unauthenticated(client: TestClient, world: World) -> None:
    for body in ({"username": NUL, "password": "x"}, {"username": "gz.agent", "password": NUL}):
        res = client.post("/api/v1/auth/token", json=body)
        assert_error(res, 422, "validation_error")
    form = {"username": NUL, "password": "x", "csrf_token": csrf_token(client)}
    assert_error(client.post("/login", data=form), 422, "control_character")


def test_console_form_with_nul(client: TestClient, world: World) -> None:
    console_login(client, world.agent.username)
    form = {"type": "complaint", "channel": "hotline", "subject": NUL, "customer_id": "1"}
    assert_error(client.post("/console/orders/new", data=form), 422, "control_character")


def test_text_keeps_newlines_and_tabs_where_text_allows_them(
    client: TestClient, agent: Headers
) -> None:
    body = {
        "type": "complaint",
        "channel": "hotline",
        "customer": {"name": "张三", "phone": "13800138000"},
        "subject": "宽带掉线",
        "description": "第一行\n第二行\t附注\r\n",
    }
    res = client.post("/api/v1/orders", json=body, headers=agent)
    assert res.status_code == 201, res.text
    assert "第二行\t附注" in res.json()["description"]
    # ...but a one-line field does not take a line break
    res = client.post("/api/v1/orders", json={**body, "subject": "宽带\n掉线"}, headers=agent)
    assert_error(res, 422)
    assert res.json()["details"][0]["type"] == "control_character"


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("GET", "/api/v1/orders/WO20260101-99999999999999999999", {}, 404),
        ("GET", "/api/v1/orders/WO20260101-2147483648", {}, 404),
        ("GET", "/api/v1/orders", {"params": {"cursor": "OTk5OTk5OTk5OTk5OTk5OTk5OQ"}}, 422),
        ("GET", f"/api/v1/customers/{2**63}", {}, 422),
        ("GET", f"/api/v1/customers/{2**31}", {}, 422),
        ("POST", f"/api/v1/customers/{2**64}/reveal", {"json": {"reason": "核实身份"}}, 422),
        ("DELETE", f"/api/v1/auth/integration-tokens/{2**40}", {}, 422),
        ("DELETE", f"/api/v1/calendar/overrides/id/{2**40}", {}, 422),
        ("GET", "/api/v1/audit", {"params": {"before_id": 2**70}}, 422),
        ("GET", "/api/v1/orders", {"params": {"limit": 2**70}}, 422),
        ("POST", "/api/v1/orders", {"json": {"customer_id": 2**63}}, 422),
        ("POST", "/api/v1/orders", {"json": {"customer_id": 1e308}}, 422),
    ],
)
def test_integers_bounded_to_their_columns(
    client: TestClient,
    hq: Headers,
    method: str,
    path: str,
    kwargs: dict[str, Any],
    status: int,
) -> None:
    assert_error(client.request(method, path, headers=hq, **kwargs), status)


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00", "9999-12-31T23:59:59", "1", "1e20"])
def test_times_bounded(client: TestClient, hq: Headers, when: str) -> None:
    for path, param in (
        ("/api/v1/orders", "created_from"),
        ("/api/v1/orders", "created_to"),
        ("/api/v1/audit", "at_from"),
        ("/api/v1/exports/orders.csv", "created_to"),
    ):
        assert_error(client.get(path, params={param: when}, headers=hq), 422)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "20260105", "1800-01-01"])
def test_days_bounded(client: TestClient, hq: Headers, day: str) -> None:
    res = client.put(f"/api/v1/calendar/overrides/{day}", json={"is_workday": True}, headers=hq)
    body = assert_error(res, 422)
    assert "1900" in body["message_zh"]


def _staff_csv(rows: int, name: str = "张三") -> str:
    head = "username,display_name,unit_code,role,password\n"
    return head + "".join(f"u{i},{name},GZ,hotline_agent,Passw0rd!x{i}\n" for i in range(rows))


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (_staff_csv(1, "长" * 131_073), "csv_field_too_long"),  # past the csv module's limit
        (_staff_csv(1, "长" * (csv_rows.MAX_FIELD_CHARS + 1)), "csv_field_too_long"),
        (_staff_csv(csv_rows.MAX_ROWS + 1), "csv_too_many_rows"),
        (_staff_csv(1, "张\x00三"), "csv_control_character"),
        ("username,display_name\n", "csv_columns"),
    ],
)
def test_csv_limits(client: TestClient, hq: Headers, text: str, code: str) -> None:
    res = client.post(
        "/api/v1/org/staff/import",
        content=text.encode(),
        headers={**hq, "Content-Type": "text/csv"},
    )
    body = assert_error(res, 422, code)
    if code != "csv_columns":
        assert body["details"][0]["line"] >= 2


def test_csv_not_utf8(client: TestClient, hq: Headers) -> None:
    res = client.post(
        "/api/v1/org/units/import",
        content=_staff_csv(1).encode("gbk"),
        headers={**hq, "Content-Type": "text/csv"},
    )
    assert_error(res, 422, "csv_encoding")


def test_body_limit_applies_to_chunked_bodies(
    client: TestClient, hq: Headers, settings: Any
) -> None:
    chunk = b"x" * 65_536

    def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
        for _ in range(settings.max_body_bytes // len(chunk) + 2):
            yield chunk

    for path in ("/api/v1/orders", "/api/v1/org/staff/import", "/login"):
        res = client.post(
            path, content=chunks(), headers={**hq, "Content-Type": "application/json"}
        )
        assert_error(res, 413, "body_too_large")
    length = {**hq, "Content-Length": str(settings.max_body_bytes + 1)}
    res = client.post("/api/v1/orders", content=b"{}", headers=length)
    assert_error(res, 413, "body_too_large")


def test_a_small_chunked_body_is_read(client: TestClient, agent: Headers) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"type": "consultation", "channel": "hotline", "customer_id": '
        yield b'1, "subject": "\\u5957\\u9910"}'

    res = client.post(
        "/api/v1/orders", content=chunks(), headers={**agent, "Content-Type": "application/json"}
    )
    assert res.status_code in (201, 404), res.text  # the body arrived whole: no parse error


def test_parser_errors_in_chinese(client: TestClient, hq: Headers) -> None:
    res = client.post(
        "/api/v1/orders", content=b"{not json", headers={**hq, "Content-Type": "application/json"}
    )
    assert_error(res, 400, "malformed_json")
    res = client.post("/api/v1/orders", json={"type": "nonsense", "subject": "x" * 201}, headers=hq)
    body = assert_error(res, 422, "validation_error")
    kinds = {d["type"]: d["msg_zh"] for d in body["details"]}
    assert "最多 200 个字符" in kinds["string_too_long"]
    assert "须为以下之一" in kinds["enum"]
    assert "必填" in kinds["missing"]
    assert "subject" in body["message_zh"]


def test_405_names_the_allowed_methods(client: TestClient, hq: Headers) -> None:
    res = client.delete("/api/v1/orders", headers=hq)
    assert_error(res, 405, "method_not_allowed")
    assert set(res.headers["allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_every_operation_documents_the_shared_errors(spec: dict[str, Any]) -> None:
    for method, path, op in operations(spec):
        responses = op["responses"]
        for status in ("400", "401", "403", "404", "409", "413", "422"):
            assert status in responses, (method, path, status)
            schema = responses[status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}, (method, path, status)
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def _unbounded(spec: dict[str, Any], schema: dict[str, Any]) -> str | None:
    for variant in _variants(spec, schema):
        kind = variant.get("type")
        if kind == "string" and not ({"pattern", "enum", "const"} & variant.keys()):
            return "a string without pattern (use inputs.Line / inputs.Text)"
        if kind == "integer" and "maximum" not in variant:
            return "an integer without maximum (use inputs.Id or le=)"
        if kind == "array":
            inner = _unbounded(spec, variant.get("items", {}))
            if inner:
                return f"items: {inner}"
    return None


def test_every_input_is_bounded(spec: dict[str, Any]) -> None:
    """Every parameter and JSON body property of every operation names its bound, so a text
    field added without ``inputs.Line`` is found here rather than as a 500 on PostgreSQL."""
    loose = []
    for method, path, op in operations(spec):
        for param in op.get("parameters", []):
            if param["in"] == "header":
                continue  # headers cannot carry control characters through HTTP
            why = _unbounded(spec, param["schema"])
            if why:
                loose.append(f"{method} {path} {param['in']} {param['name']}: {why}")
        content = op.get("requestBody", {}).get("content", {})
        schema = content.get("application/json", {}).get("schema")
        if schema is None:
            continue
        stack = [((), schema)]
        while stack:
            where, current = stack.pop()
            for variant in _variants(spec, current):
                for name, prop in variant.get("properties", {}).items():
                    why = _unbounded(spec, prop)
                    if why:
                        loose.append(f"{method} {path} body {'.'.join((*where, name))}: {why}")
                    stack.append(((*where, name), prop))
    assert not loose, "\n".join(sorted(set(loose)))


def test_console_calendar_day_bounded_and_in_chinese(
    client: TestClient, world: World, factory: sessionmaker[Session]
) -> None:
    with unit_of_work(factory) as session:
        hq_admin(session)
    console_login(client, "hq.admin")
    res = client.post("/console/admin/calendar", data={"day": "0001-01-01", "is_workday": "1"})
    assert res.status_code == 422, res.text[:300]
    assert "年份须在 1900 到 2200 之间" in res.text or "1900" in res.text
