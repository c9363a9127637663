"""Who may do what (CD-2). Checked in the service layer, so the API, the console and the CLI
obey the same rules; ``docs/roles.md`` is generated from ``GRANTS``."""

from __future__ import annotations

from enum import StrEnum

from telcodesk.errors import Forbidden
from telcodesk.labels import Label
from telcodesk.org.models import Staff
from telcodesk.org.roles import Role


class Permission(StrEnum):
    ORDER_VIEW = "order_view"
    ORDER_CREATE = "order_create"
    ORDER_ACT = "order_act"  # lifecycle actions on orders in scope
    ORDER_CALLBACK = "order_callback"  # satisfaction call-backs only (SQ-1, CC-4)
    ORDER_DISPATCH = "order_dispatch"  # dispatch by rules, assign or transfer across regions
    ORDER_EXPORT = "order_export"
    CUSTOMER_VIEW = "customer_view"
    CUSTOMER_EDIT = "customer_edit"
    CUSTOMER_REVEAL = "customer_reveal"  # unmask personal data, with a reason, audited
    CUSTOMER_MERGE = "customer_merge"  # merge duplicate customers of one's region (BH-5)
    JUDICIAL_REVEAL = "judicial_reveal"  # judicial requests: one designated department
    VIEW_AT_RISK = "view_at_risk"
    AUDIT_VIEW = "audit_view"
    ORG_MANAGE = "org_manage"  # units, staff accounts, roles
    EDIT_SLA_POLICY = "edit_sla_policy"
    EDIT_CALENDAR = "edit_calendar"
    EDIT_DISPATCH_RULES = "edit_dispatch_rules"
    MANAGE_TOKENS = "manage_tokens"  # integration tokens (IVR, web hall, SMS gateway)
    EDIT_MESSAGE_TEMPLATES = "edit_message_templates"  # customer SMS texts, quiet hours (WO-2)
    MANAGE_OUTBOX = "manage_outbox"  # see deliveries, replay dead letters
    # Knowledge base (KB-1, KB-2): read the standard answers; write drafts, publish, retire,
    # bulletins; review others' drafts (approve or return).
    KB_READ = "kb_read"
    KB_EDIT = "kb_edit"
    KB_REVIEW = "kb_review"
    # Business halls (BH-1…BH-3): counter work and tickets; set-up, alerts and KPIs.
    HALL_SERVE = "hall_serve"
    HALL_MANAGE = "hall_manage"
    # Staffing plans and rosters 排班 of a call centre or hall (CC-3).
    STAFFING_PLAN = "staffing_plan"


PERMISSION_LABELS: dict[Permission, Label] = {
    Permission.ORDER_VIEW: Label("查看工单", "View orders"),
    Permission.ORDER_CREATE: Label("受理登记", "Register orders"),
    Permission.ORDER_ACT: Label("处理工单", "Work on orders"),
    Permission.ORDER_CALLBACK: Label("满意度回访", "Satisfaction call-backs"),
    Permission.ORDER_DISPATCH: Label("派单/跨区转派", "Dispatch, cross-region transfer"),
    Permission.ORDER_EXPORT: Label("导出工单", "Export orders"),
    Permission.CUSTOMER_VIEW: Label("查看客户(脱敏)", "View customers (masked)"),
    Permission.CUSTOMER_EDIT: Label("维护客户资料", "Edit customers"),
    Permission.CUSTOMER_REVEAL: Label(
        "查看完整个人信息(需说明原因)", "Reveal personal data (with reason)"
    ),
    Permission.CUSTOMER_MERGE: Label("合并重复客户", "Merge duplicate customers"),
    Permission.JUDICIAL_REVEAL: Label("司法协查查询", "Judicial requests"),
    Permission.VIEW_AT_RISK: Label("预警与超时队列", "At-risk queue"),
    Permission.AUDIT_VIEW: Label("查看审计日志", "View the audit log"),
    Permission.ORG_MANAGE: Label("组织与账号管理", "Manage units and accounts"),
    Permission.EDIT_SLA_POLICY: Label("维护时限标准", "Edit SLA policies"),
    Permission.EDIT_CALENDAR: Label("维护工作日历", "Edit the calendar"),
    Permission.EDIT_DISPATCH_RULES: Label("维护派单规则", "Edit dispatch rules"),
    Permission.MANAGE_TOKENS: Label("管理接口令牌", "Manage integration tokens"),
    Permission.EDIT_MESSAGE_TEMPLATES: Label("维护客户短信模板", "Edit customer message templates"),
    Permission.MANAGE_OUTBOX: Label("消息投递与死信重发", "Deliveries and dead-letter replay"),
    Permission.KB_READ: Label("查阅知识库", "Read the knowledge base"),
    Permission.KB_EDIT: Label("知识采编与发布", "Edit and publish knowledge"),
    Permission.KB_REVIEW: Label("知识审核", "Review knowledge"),
    Permission.HALL_SERVE: Label("营业厅叫号与台席", "Hall counters and tickets"),
    Permission.HALL_MANAGE: Label("营业厅管理(台席、策略、指标)", "Hall set-up, alerts, KPIs"),
    Permission.STAFFING_PLAN: Label("排班需求与排班表", "Staffing plans and rosters"),
}

P = Permission
_FRONT_LINE = {
    P.ORDER_VIEW,
    P.ORDER_CREATE,
    P.ORDER_ACT,
    P.CUSTOMER_VIEW,
    P.CUSTOMER_EDIT,
    P.CUSTOMER_REVEAL,
    P.KB_READ,
}
_LEADS = _FRONT_LINE | {P.ORDER_DISPATCH, P.ORDER_EXPORT, P.VIEW_AT_RISK}
_ADMINS = set(Permission) - {P.JUDICIAL_REVEAL}

GRANTS: dict[Role, frozenset[Permission]] = {
    Role.HOTLINE_AGENT: frozenset(_FRONT_LINE),
    Role.HALL_AGENT: frozenset(_FRONT_LINE | {P.HALL_SERVE}),
    Role.ACCOUNT_MANAGER: frozenset(_FRONT_LINE),
    Role.COMPLAINT_HANDLER: frozenset(_FRONT_LINE),
    Role.HALL_MANAGER: frozenset(_LEADS | {P.HALL_SERVE, P.HALL_MANAGE, P.STAFFING_PLAN}),
    Role.SUPERVISOR: frozenset(_LEADS | {P.STAFFING_PLAN}),
    Role.QUALITY_INSPECTOR: frozenset(
        {P.ORDER_VIEW, P.ORDER_CALLBACK, P.CUSTOMER_VIEW, P.VIEW_AT_RISK, P.KB_READ}
    ),
    # Editors collect suggestions into the knowledge base (KB-1), so they work on orders too.
    Role.KNOWLEDGE_EDITOR: frozenset({P.ORDER_VIEW, P.ORDER_ACT, P.KB_READ, P.KB_EDIT}),
    Role.KNOWLEDGE_REVIEWER: frozenset({P.ORDER_VIEW, P.KB_READ, P.KB_REVIEW}),
    Role.AUDITOR: frozenset(
        {P.ORDER_VIEW, P.CUSTOMER_VIEW, P.AUDIT_VIEW, P.VIEW_AT_RISK, P.ORDER_EXPORT, P.KB_READ}
    ),
    Role.JUDICIAL_OFFICER: frozenset({P.ORDER_VIEW, P.CUSTOMER_VIEW, P.JUDICIAL_REVEAL}),
    Role.PROVINCE_ADMIN: frozenset(_ADMINS),
    Role.HQ_ADMIN: frozenset(_ADMINS),
    # Scheduled jobs: the SLA sweep records warnings and escalations, dispatch routes reviewed
    # orders, the call-back timeout archives. No customer data, no settings, no accounts.
    Role.SYSTEM: frozenset({P.ORDER_VIEW, P.ORDER_ACT, P.ORDER_DISPATCH}),
}


def can(staff: Staff, permission: Permission) -> bool:
    return permission in GRANTS.get(Role(staff.role), frozenset())


def require(staff: Staff, permission: Permission) -> None:
    if not can(staff, permission):
        raise Forbidden(
            "您的角色无权执行此操作",
            f"Your role may not {permission.value.replace('_', ' ')}",
            code="permission_denied",
            details={"permission": permission},
        )
