"""The HTTP layer's own input checks, before any route runs, for what no schema types:

- the body limit, also for a body without ``Content-Length`` (chunked): it is read up to the
  limit and refused with 413 past it, instead of streaming into the route unbounded;
- control characters (NUL and the like, see ``inputs``) in the path, the query string and a
  form post (the console, the login form) are refused with 422: PostgreSQL refuses NUL where
  SQLite stores it, so without this the same request answered 500 on one engine.

JSON bodies are checked by the schemas' own types (``inputs.Line`` / ``inputs.Text``), which
also tell the OpenAPI document; CSV files by ``inputs``' CSV reader.

A refusal is the API's JSON error body on ``/api/``, and the console's HTML error page (same
status, code and messages) on console paths: a browser shows a page, not JSON.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from telcodesk.attachments.rules import upload_limit
from telcodesk.inputs import control_character
from telcodesk.web.kernel import is_console, refusal_page

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_TYPE = "application/x-www-form-urlencoded"


def _error(status: int, code: str, zh: str, en: str, details: Any = None) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message_zh": zh, "message_en": en}
    if details is not None:
        body["details"] = details
    return JSONResponse(body, status_code=status)


def too_large(limit: int) -> JSONResponse:
    return _error(
        413,
        "body_too_large",
        f"请求体过大（上限 {limit} 字节）",
        f"Request body too large (limit {limit} bytes)",
    )


def answer(scope: Scope, refusal: JSONResponse, body: dict[str, Any]) -> Response:
    """The refusal as the caller can read it: JSON for the API, the error page for a console
    path (ARCHITECTURE.md: the console's one HTML error handler)."""
    request = Request(scope)
    return refusal_page(request, refusal.status_code, body) if is_console(request) else refusal


def _control(where: str, name: str) -> JSONResponse:
    zh_where = {"path": "路径", "query": "查询参数", "form": "表单字段"}[where]
    return _error(
        422,
        "control_character",
        f"{zh_where} {name} 不得含有控制字符（如 NUL）",
        f"{where} {name} must not contain control characters (such as NUL)",
        [{"loc": [where, name], "type": "control_character"}],
    )


def _bad_pair(pairs: list[tuple[str, str]], *, multiline: bool) -> str | None:
    """The name of the first field whose name or value holds a refused character."""
    for key, value in pairs:
        if control_character(key) is not None:
            return key.encode("unicode_escape").decode()
        if control_character(value, multiline=multiline) is not None:
            return key
    return None


async def read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None when it is larger than ``limit``."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replay(body: bytes, receive: Receive) -> Receive:
    """A receive that hands out ``body`` once, then waits on the real one (disconnects)."""
    sent = False

    async def again() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return again


class InputGuard:
    """Pure ASGI, outermost: nothing reads a body before its size is known."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, upload_max_bytes: int = 0) -> None:
        self.app = app
        self.limit = max_body_bytes
        self.upload_max_bytes = upload_max_bytes  # an attachment's upload (attachments.rules)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = await self._check(scope, receive)
        if isinstance(refusal, JSONResponse):
            body = json.loads(bytes(refusal.body))
            await answer(scope, refusal, body)(scope, receive, send)
            return
        await self.app(scope, refusal or receive, send)

    async def _check(self, scope: Scope, receive: Receive) -> JSONResponse | Receive | None:
        """A refusal, or a receive replaying the body read here, or None (body untouched)."""
        if control_character(scope["path"]) is not None:
            return _control("path", scope["path"].encode("unicode_escape").decode()[:80])
        query = parse_qsl(
            scope.get("query_string", b"").decode("utf-8", "replace"), keep_blank_values=True
        )
        if (name := _bad_pair(query, multiline=False)) is not None:
            return _control("query", name)
        headers = Headers(scope=scope)
        length = headers.get("content-length")
        limit = upload_limit(scope["path"], scope["method"], self.upload_max_bytes, self.limit)
        if length is not None and (not length.isdigit() or int(length) > limit):
            return too_large(limit)
        is_form = headers.get("content-type", "").startswith(FORM_TYPE)
        if scope["method"] not in BODY_METHODS or (length is not None and not is_form):
            return None
        # No length (a chunked body) or a form to look into: read it here, within the limit.
        body = await read_body(receive, limit)
        if body is None:
            return too_large(limit)
        if is_form:
            fields = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
            if (name := _bad_pair(fields, multiline=True)) is not None:
                return _control("form", name)
        return replay(body, receive)
