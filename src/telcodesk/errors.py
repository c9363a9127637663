"""Domain errors: every one carries a machine code and a message in Chinese and English."""

from __future__ import annotations

from typing import Any


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
