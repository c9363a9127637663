"""Who may do what. Checked in the service layer, so the API and the console obey the same rules.

The full role matrix and regional data scope come with CD-2 (issue 4); today's checks guard
the settings that change every order's deadlines.
"""

from __future__ import annotations

from enum import StrEnum

from telcodesk.errors import Forbidden
from telcodesk.org.models import Staff
from telcodesk.org.roles import Role


class Permission(StrEnum):
    EDIT_SLA_POLICY = "edit_sla_policy"
    EDIT_CALENDAR = "edit_calendar"
    VIEW_AT_RISK = "view_at_risk"


ADMINS = frozenset({Role.PROVINCE_ADMIN, Role.HQ_ADMIN})
GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.EDIT_SLA_POLICY: ADMINS,
    Permission.EDIT_CALENDAR: ADMINS,
    Permission.VIEW_AT_RISK: ADMINS
    | {Role.SUPERVISOR, Role.HALL_MANAGER, Role.QUALITY_INSPECTOR, Role.AUDITOR},
}


def can(staff: Staff, permission: Permission) -> bool:
    return staff.role in GRANTS[permission]


def require(staff: Staff, permission: Permission) -> None:
    if not can(staff, permission):
        raise Forbidden(
            "您的角色无权执行此操作",
            f"Your role may not {permission.value.replace('_', ' ')}",
            code="permission_denied",
            details={"permission": permission},
        )
