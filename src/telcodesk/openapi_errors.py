"""The OpenAPI document names every status an operation answers, with the one error body.

Every operation can answer the shared errors (bad input, login, permission, scope = 404,
conflict, body size, database down), so they are added centrally instead of in each router;
an operation lists its own extra ones (423 locked login, 429 reveals) with ``responses=``.
FastAPI's default 422 body (``detail``) is not what this service sends, so it is replaced.
"""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["code", "message_zh", "message_en"],
    "properties": {
        "code": {"type": "string", "description": "Machine-readable reason"},
        "message_zh": {"type": "string", "description": "给工作人员看的中文说明"},
        "message_en": {"type": "string", "description": "The same in English"},
        "details": {"description": "Which fields were refused, where the error names them"},
    },
}
SHARED: dict[str, str] = {
    "400": "Malformed request (e.g. not JSON) 请求格式有误",
    "401": "Not signed in or token expired 未登录",
    "403": "Not permitted 无权操作",
    "404": "Not found or out of scope 不存在或不在管辖范围",
    "409": "Conflicts with the current state 状态冲突",
    "413": "Request body too large 请求体过大",
    "422": "Invalid input 输入不合法",
    "503": "Database unavailable 数据库暂不可用",
}
_REF = {"$ref": "#/components/schemas/Error"}


def add_error_responses(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with the shared error responses on every operation (changed in place)."""
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    for path in spec.get("paths", {}).values():
        for operation in path.values():
            responses: dict[str, Any] = operation.setdefault("responses", {})
            for status, description in SHARED.items():
                responses.setdefault(status, {"description": description})
            for status, response in responses.items():
                if status[0] in "45":  # every error answers the one body
                    response["content"] = {"application/json": {"schema": _REF}}
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return spec


def summarise(routes: list[Any]) -> None:
    """Give every API operation a real summary (issue 9 item 8): its own ``summary=``, else the
    first sentence of its docstring, instead of FastAPI's title-cased function name ("Me")."""
    from fastapi.routing import APIRoute

    for route in routes:
        inner = getattr(route, "original_router", None)  # an included router: its own routes
        if inner is not None:
            summarise(inner.routes)
        elif isinstance(route, APIRoute) and route.include_in_schema and not route.summary:
            route.summary = first_sentence(route.description or "")


def first_sentence(doc: str, limit: int = 120) -> str:
    """The docstring's first sentence, cut at a word boundary when it runs past ``limit``."""
    text = " ".join(doc.split("\n\n")[0].split())
    for stop in (". ", "。", "; ", "；"):
        text = text.split(stop)[0]
    text = text.rstrip(".")
    for stop in (" (", ": "):  # a long sentence: its head, before the details
        if len(text) > limit and text.find(stop) >= 20:
            text = text[: text.find(stop)]
    if len(text) <= limit:
        return text
    return text[: text.rfind(" ", 0, limit - 1)].rstrip(",;:(") + "…"
