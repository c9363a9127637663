"""Staff roles. Permissions per role and data scope come with norm CD-2 (issue 4)."""

from __future__ import annotations

from enum import StrEnum

from telcodesk.labels import Label


class Role(StrEnum):
    HOTLINE_AGENT = "hotline_agent"  # 话务员
    HALL_AGENT = "hall_agent"  # 营业员
    HALL_MANAGER = "hall_manager"  # 值班经理
    COMPLAINT_HANDLER = "complaint_handler"  # 投诉处理员
    SUPERVISOR = "supervisor"  # 班长/主管
    QUALITY_INSPECTOR = "quality_inspector"  # 质检员
    KNOWLEDGE_EDITOR = "knowledge_editor"  # 信息采编
    KNOWLEDGE_REVIEWER = "knowledge_reviewer"  # 信息审核 (KB-2: never the author's own)
    AUDITOR = "auditor"  # 稽核
    PROVINCE_ADMIN = "province_admin"  # 省管理员
    HQ_ADMIN = "hq_admin"  # 总部管理员
    JUDICIAL_OFFICER = "judicial_officer"  # 司法协查专员 (CD-2: judicial requests, one department)
    ACCOUNT_MANAGER = "account_manager"  # 客户经理 (CH-1)
    # The one account scheduled jobs act as (SLA sweep, auto-dispatch, call-back timeouts):
    # nobody logs in as it, no admin may grant it, and it holds only what those jobs need.
    SYSTEM = "system"  # 系统作业


ROLE_LABELS: dict[Role, Label] = {
    Role.HOTLINE_AGENT: Label("热线话务员", "Hotline agent"),
    Role.HALL_AGENT: Label("营业员", "Hall agent"),
    Role.HALL_MANAGER: Label("营业厅值班经理", "Hall duty manager"),
    Role.COMPLAINT_HANDLER: Label("投诉处理员", "Complaint handler"),
    Role.SUPERVISOR: Label("主管", "Supervisor"),
    Role.QUALITY_INSPECTOR: Label("质检员", "Quality inspector"),
    Role.KNOWLEDGE_EDITOR: Label("信息采编", "Knowledge editor"),
    Role.KNOWLEDGE_REVIEWER: Label("信息审核", "Knowledge reviewer"),
    Role.AUDITOR: Label("稽核员", "Auditor"),
    Role.PROVINCE_ADMIN: Label("省级管理员", "Province admin"),
    Role.HQ_ADMIN: Label("总部管理员", "HQ admin"),
    Role.JUDICIAL_OFFICER: Label("司法协查专员", "Judicial liaison"),
    Role.ACCOUNT_MANAGER: Label("客户经理", "Account manager"),
    Role.SYSTEM: Label("系统作业", "System jobs"),
}

# The system actor's username: the worker's jobs act as it; the same spelling everywhere.
SYSTEM_USERNAME = "system"
# Roles an admin may give an account (the system role belongs to the system actor only).
ASSIGNABLE_ROLES = frozenset(Role) - {Role.SYSTEM}


class UnitKind(StrEnum):
    HQ = "hq"
    PROVINCE = "province"
    CITY = "city"
    HALL = "hall"
    CALL_CENTRE = "call_centre"
    COMPLAINT_CENTRE = "complaint_centre"
    DEPARTMENT = "department"
    ACCOUNT_TEAM = "account_team"


# The account the worker acts as (SLA sweeps, dispatch of waiting orders, call-back time-outs).
# Nobody logs in as it; it holds only the order rights workorders.rules gives it explicitly.
SYSTEM_USERNAME = "system"
