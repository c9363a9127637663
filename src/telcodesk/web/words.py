"""Codes shown as words (issue 9: no raw code in the console). One vocabulary per kind of
code; the ``word`` filter names a value in the page's language, and a code nobody labelled
yet shows as itself rather than disappearing. ``region`` names a GB/T 2260 code."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import pass_context

from telcodesk import regions
from telcodesk.calendar.rules import Unit
from telcodesk.customers import rules as customer_rules
from telcodesk.org.roles import ROLE_LABELS, UnitKind
from telcodesk.web.i18n import pick
from telcodesk.workorders import rules
from telcodesk.workorders.rules import Label

UNIT_KIND_LABELS: dict[UnitKind, Label] = {
    UnitKind.CITY: Label("地市分公司", "City branch"),
    UnitKind.DEPARTMENT: Label("部门/远程坐席", "Department / remote seats"),
    UnitKind.COMPLAINT_CENTRE: Label("投诉处理中心", "Complaint centre"),
    UnitKind.CALL_CENTRE: Label("客服中心", "Call centre"),
    UnitKind.HALL: Label("营业厅", "Business hall"),
    UnitKind.ACCOUNT_TEAM: Label("客户经理团队", "Account team"),
    UnitKind.PROVINCE: Label("省公司", "Province"),
    UnitKind.HQ: Label("总部", "HQ"),
}

SLA_UNIT_LABELS: dict[Unit, Label] = {
    Unit.CALENDAR_HOURS: Label("自然小时", "calendar hours"),
    Unit.BUSINESS_HOURS: Label("营业小时", "business hours"),
    Unit.WORKING_DAYS: Label("个工作日", "working days"),
}

# Audit actions, as the domains record them (audit.service.record); CD-2.
AUDIT_ACTION_LABELS: dict[str, Label] = {
    "customer_reveal": Label("查看完整个人信息", "Personal data revealed"),
    "judicial_reveal": Label("司法协查查看", "Judicial reveal"),
    "customer_merged": Label("客户合并", "Customers merged"),
    "export": Label("数据导出", "Export"),
    "login_success": Label("登录成功", "Signed in"),
    "login_failure": Label("登录失败", "Sign-in failed"),
    "password_changed": Label("修改密码", "Password changed"),
    "password_reset": Label("重置密码", "Password reset"),
    "role_changed": Label("角色变更", "Role changed"),
    "staff_created": Label("新增账号", "Account created"),
    "staff_enabled": Label("启用账号", "Account enabled"),
    "staff_disabled": Label("停用账号", "Account disabled"),
    "staff_unlocked": Label("解除锁定", "Account unlocked"),
    "staff_skills_changed": Label("技能变更", "Skills changed"),
    "staff_unit_changed": Label("调整所属单元", "Moved to a unit"),
    "unit_saved": Label("保存组织单元", "Unit saved"),
    "unit_moved": Label("调整组织上级", "Unit moved"),
    "sla_policy_saved": Label("保存时限标准", "SLA policy saved"),
    "calendar_override_set": Label("设置日历调整", "Calendar day set"),
    "calendar_override_removed": Label("删除日历调整", "Calendar day removed"),
    "dispatch_rule_saved": Label("保存派单规则", "Dispatch rule saved"),
    "token_created": Label("创建接口令牌", "Token created"),
    "token_revoked": Label("吊销接口令牌", "Token revoked"),
    "closure_code_saved": Label("保存归档代码", "Closure code saved"),
    "attachment_download": Label("下载证件附件", "ID copy downloaded"),
    "attachment_remove": Label("删除附件", "Attachment removed"),
}

OBJECT_TYPE_LABELS: dict[str, Label] = {
    "customer": Label("客户", "Customer"),
    "staff": Label("账号", "Account"),
    "auth_session": Label("会话/令牌", "Session / token"),
    "work_order": Label("工单", "Order"),
    "order_attachment": Label("工单附件", "Order attachment"),
    "kb_attachment": Label("知识附件", "Article attachment"),
    "org_unit": Label("组织单元", "Unit"),
    "dispatch_rule": Label("派单规则", "Dispatch rule"),
    "sla_policy": Label("时限标准", "SLA policy"),
    "calendar_override": Label("日历调整", "Calendar day"),
    "closure_code": Label("归档代码", "Closure code"),
}

VOCABULARIES: dict[str, Mapping[Any, Label]] = {
    "type": rules.TYPE_LABELS,
    "channel": rules.CHANNEL_LABELS,
    "priority": rules.PRIORITY_LABELS,
    "status": rules.STATUS_LABELS,
    "tier": customer_rules.TIER_LABELS,
    "customer_kind": customer_rules.KIND_LABELS,
    "role": ROLE_LABELS,
    "unit_kind": UNIT_KIND_LABELS,
    "sla_unit": SLA_UNIT_LABELS,
    "audit_action": AUDIT_ACTION_LABELS,
    "callback_outcome": rules.CALLBACK_OUTCOME_LABELS,
    "object_type": OBJECT_TYPE_LABELS,
}


def word_in(vocabulary: str, value: Any, lang: str) -> str:
    if value is None or value == "":
        return ""
    label = VOCABULARIES[vocabulary].get(value)
    return pick(label, lang) if label else str(value)


@pass_context
def word(context: Mapping[str, Any], value: Any, vocabulary: str) -> str:
    """``{{ p.response_unit | word('sla_unit') }}`` → 自然小时 / calendar hours."""
    return word_in(vocabulary, value, context.get("lang", "zh"))


def region(code: str | None) -> str:
    """A region code by its name (广州市); a retired one says so; an unknown one as itself."""
    if not code:
        return ""
    return regions.name(code) or regions.retired_name(code) or code
