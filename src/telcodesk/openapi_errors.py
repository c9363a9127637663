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
