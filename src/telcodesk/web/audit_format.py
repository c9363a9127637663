"""How the auditor's view shows an audit record's details (CD-2): each detail under a name in
the viewer's language, values as a person reads them — a list as its items, a customer or an
order as a link, a revealed field by its name — never a Python repr."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from telcodesk.customers.schemas import RevealField
from telcodesk.org.roles import ROLE_LABELS
from telcodesk.web.customer_views import FIELD_LABELS
from telcodesk.web.i18n import pick
from telcodesk.web.views import templates
from telcodesk.workorders.rules import Label

DETAIL_LABELS = {
    "field": Label("查看字段", "Field"),
    "fields": Label("查看字段", "Fields"),
    "customer_id": Label("客户", "Customer"),
    "order": Label("工单", "Order"),
    "orders": Label("工单", "Orders"),
    "merged": Label("被合并客户", "Merged customer"),
    "reason": Label("原因", "Reason"),
    "case_reference": Label("协查文书编号", "Judicial document"),
    "row_count": Label("行数", "Rows"),
    "revealed": Label("含完整信息", "Revealed"),
    "filters": Label("筛选条件", "Filters"),
    "password_expired": Label("密码已过期", "Password expired"),
    "kind": Label("方式", "Via"),
    "client": Label("来源地址", "Client address"),
    "before": Label("变更前", "Before"),
    "after": Label("变更后", "After"),
    "role": Label("角色", "Role"),
    "unit": Label("单元", "Unit"),
    "staff": Label("账号", "Account"),
    "sessions_ended": Label("结束的会话", "Sessions ended"),
    "acts_as": Label("身份", "Acting as"),
    "open_orders": Label("在办工单", "Open orders"),
    "label": Label("名称", "Name"),
    "matched": Label("匹配", "Matched"),
    "scopes": Label("权限范围", "Scopes"),
    "locked_until": Label("锁定至", "Locked until"),
    "expires_at": Label("到期时间", "Expires"),
    "note": Label("备注", "Note"),
    "is_workday": Label("是否工作日", "Working day"),
    "attachment_kind": Label("附件类别", "Attachment kind"),
    "filename": Label("文件名", "File name"),
}
_CUSTOMER_KEYS, _ORDER_KEYS = {"customer_id", "merged"}, {"order", "orders"}
# Detail values that are codes: shown as words (issue 9), the code stays in the record.
VALUE_WORDS: dict[str, dict[str, Label]] = {
    "kind": {
        "console": Label("控制台", "console"),
        "api": Label("接口", "API"),
        "password_change": Label("修改密码", "password change"),
    },
    **{
        key: {role.value: label for role, label in ROLE_LABELS.items()}
        for key in ("role", "before", "after")
    },
}


def _plain(value: Any, lang: str) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if isinstance(value, list | tuple):
        return (
            "、".join(_plain(v, lang) for v in value)
            if lang == "zh"
            else ", ".join(_plain(v, lang) for v in value)
        )
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_plain(v, lang)}" for k, v in value.items())
    return str(value)


def _field(value: Any, lang: str) -> str:
    try:
        return pick(FIELD_LABELS[RevealField(value)], lang)
    except ValueError:
        return str(value)


def audit_details(details: dict[str, Any] | None, lang: str) -> list[tuple[str, Markup]]:
    """(name, value as HTML) for each detail, in the record's order."""
    shown: list[tuple[str, Markup]] = []
    for key, value in (details or {}).items():
        label = pick(DETAIL_LABELS[key], lang) if key in DETAIL_LABELS else key
        items = value if isinstance(value, list) else [value]
        if key in ("field", "fields"):
            html = escape(_plain([_field(v, lang) for v in items], lang))
        elif key in _CUSTOMER_KEYS | _ORDER_KEYS and value not in (None, [], ""):
            path = "customers" if key in _CUSTOMER_KEYS else "orders"
            links = [Markup('<a href="/console/{}/{}">{}</a>').format(path, v, v) for v in items]
            html = Markup("、" if lang == "zh" else ", ").join(links)
        elif key in VALUE_WORDS and isinstance(value, str) and value in VALUE_WORDS[key]:
            html = escape(pick(VALUE_WORDS[key][value], lang))
        else:
            html = escape(_plain(value, lang))
        shown.append((label, Markup(html)))
    return shown


templates.env.globals["audit_details"] = audit_details
