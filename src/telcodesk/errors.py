"""Domain errors: every one carries a machine code and a message in Chinese and English."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from telcodesk import inputs


class DomainError(Exception):
    status = 400
    code = "bad_request"
    message_zh = "请求有误"
    message_en = "Bad request"

    def __init__(
        self,
        message_zh: str | None = None,
        message_en: str | None = None,
        *,
        code: str | None = None,
        details: Any = None,
    ) -> None:
        self.message_zh = message_zh or type(self).message_zh
        self.message_en = message_en or type(self).message_en
        self.code = code or type(self).code
        self.details = details
        super().__init__(self.message_en)

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "code": self.code,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }
        if self.details is not None:
            body["details"] = self.details
        return body


class ValidationFailed(DomainError):
    status = 422
    code = "validation_error"
    message_zh = "输入数据不合法"
    message_en = "Invalid input"


class NotFound(DomainError):
    status = 404
    code = "not_found"
    message_zh = "记录不存在"
    message_en = "Not found"


class Conflict(DomainError):
    status = 409
    code = "conflict"
    message_zh = "操作与当前状态冲突"
    message_en = "Conflict with the current state"


class IllegalTransition(Conflict):
    code = "illegal_transition"
    message_zh = "当前状态不允许此操作"
    message_en = "This action is not allowed in the current state"


class StaleVersion(Conflict):
    code = "stale_version"
    message_zh = "工单已被他人修改，请刷新后重试"
    message_en = "The order was changed by someone else; reload and retry"


class Unauthenticated(DomainError):
    status = 401
    code = "unauthenticated"
    message_zh = "请先登录"
    message_en = "Authentication required"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    message_zh = "无权执行此操作"
    message_en = "Not permitted"


# --- input errors: pydantic's error types in Chinese ------------------------------------------

# Chinese text per pydantic error type; ``{...}`` are filled from the error's context.
_ZH: dict[str, str] = {
    "missing": "必填",
    "extra_forbidden": "不允许的字段",
    "string_type": "须为文本",
    "string_unicode": "须为合法的 Unicode 文本",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "string_pattern_mismatch": "格式不正确",
    "control_character": "不得含有控制字符（如 NUL）",
    "int_type": "须为整数",
    "int_parsing": "须为整数",
    "int_from_float": "须为整数",
    "float_type": "须为数字",
    "float_parsing": "须为数字",
    "finite_number": "须为有限的数字",
    "greater_than": "须大于 {gt}",
    "greater_than_equal": "不得小于 {ge}",
    "less_than": "须小于 {lt}",
    "less_than_equal": "不得大于 {le}",
    "bool_type": "须为布尔值（true/false）",
    "bool_parsing": "须为布尔值（true/false）",
    "enum": "须为以下之一：{expected}",
    "literal_error": "须为以下之一：{expected}",
    "list_type": "须为列表",
    "dict_type": "须为对象",
    "model_type": "须为对象",
    "model_attributes_type": "须为对象",
    "too_short": "至少 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "date_type": "须为日期（YYYY-MM-DD）",
    "date_parsing": "须为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "须为日期（YYYY-MM-DD）",
    "date_from_datetime_inexact": "须为日期，不带时间",
    "datetime_type": "须为时间（ISO 8601）",
    "datetime_parsing": "须为时间（ISO 8601）",
    "datetime_from_date_parsing": "须为时间（ISO 8601）",
    "datetime_object_invalid": "须为合法的时间",
    "year_out_of_range": "年份须在 {min_year} 到 {max_year} 之间",
    "date_out_of_range": "须为 YYYY-MM-DD 格式的日期，年份在 {min_year} 到 {max_year} 之间",
    "datetime_out_of_range": "须为 ISO 8601 格式的时间，年份在 {min_year} 到 {max_year} 之间",
    "json_invalid": "不是合法的 JSON",
    "json_type": "须为 JSON",
    "value_error": "取值不合法",
    "assertion_error": "取值不合法",
    "union_tag_invalid": "类型不正确",
    "url_parsing": "须为网址",
    "uuid_parsing": "须为 UUID",
}
_WHERE_ZH = {"body": "请求体", "query": "查询参数", "path": "路径参数", "header": "请求头"}


def _fill(template: str, ctx: dict[str, Any]) -> str:
    try:
        return template.format(**ctx)
    except (KeyError, IndexError, ValueError):
        return template


def input_error(error: Mapping[str, Any]) -> dict[str, Any]:
    """One pydantic error as ``{loc, type, msg, msg_zh}``: a NUL's pattern becomes its own type,
    a rule raised with ``inputs.invalid`` keeps its own Chinese text."""
    kind, ctx = str(error["type"]), dict(error.get("ctx") or {})
    en = str(error["msg"])
    if kind == "string_pattern_mismatch" and ctx.get("pattern") in inputs.PATTERNS:
        kind, en = "control_character", "must not contain control characters (such as NUL)"
    zh = str(ctx["message_zh"]) if "message_zh" in ctx else _fill(_ZH.get(kind, "取值不合法"), ctx)
    if kind == "value_error":
        zh = f"{zh}：{en.removeprefix('Value error, ')}"
    return {"loc": [str(p) for p in error.get("loc", ())], "type": kind, "msg": en, "msg_zh": zh}


def _where(loc: list[str], zh: bool) -> str:
    if not loc:
        return ""
    head, rest = loc[0], loc[1:]
    label = _WHERE_ZH.get(head, head) if zh else head
    return f"{label} {'.'.join(rest)}".strip() if head in _WHERE_ZH else ".".join(loc)


def _said(where: str, colon: str, what: str) -> str:
    return f"{where}{colon}{what}" if where else what


def invalid_input(errors: Sequence[Mapping[str, Any]]) -> ValidationFailed:
    """A ValidationFailed naming the first few bad fields in Chinese and English."""
    items = [input_error(e) for e in errors]
    shown = items[:3]
    more = len(items) - len(shown)
    zh = "；".join(_said(_where(e["loc"], True), "：", e["msg_zh"]) for e in shown)
    en = "; ".join(_said(_where(e["loc"], False), ": ", e["msg"]) for e in shown)
    if more:
        zh, en = f"{zh}；另有 {more} 处", f"{en}; and {more} more"
    return ValidationFailed(f"输入数据不合法：{zh}", f"Invalid input: {en}", details=items)
