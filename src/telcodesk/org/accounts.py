"""Account administration 账号管理 (CD-2): disable and enable, unlock before the lock-out
ends, reset a password, change role or unit — each within the admin's region, each audited.

Scope as everywhere in writes (docs/roles.md): an account outside the admin's region answers
404, as if it did not exist; a change that would put it outside (a unit of another region,
a role above the admin's own level) answers 403. No admin changes their own account here:
that would let them widen their own reach.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from telcodesk import clock
from telcodesk.audit import service as audit
from telcodesk.errors import Forbidden
from telcodesk.org import permissions
from telcodesk.org import service as org
from telcodesk.org.admin import placeable_unit, require_grantable, visible_staff
from telcodesk.org.models import PasswordHistory, Staff
from telcodesk.org.permissions import Permission
from telcodesk.org.roles import Role
from telcodesk.org.security import hash_password


def _target(session: Session, actor: Staff, username: str) -> Staff:
    permissions.require(actor, Permission.ORG_MANAGE)
    staff = visible_staff(session, actor, username)
    if staff.id == actor.id:
        raise Forbidden(
            "不能在此修改自己的账号", "You may not administer your own account", code="own_account"
        )
    return staff


def set_role(session: Session, actor: Staff, username: str, role: Role) -> Staff:
    """Another role, at or below the admin's own level (only HQ admins make HQ admins)."""
    staff = _target(session, actor, username)
    org._assignable(role)  # the system actor's role is never given (422)
    require_grantable(actor, role)
    require_grantable(actor, Role(staff.role))  # nor take one away from above
    if staff.role != role:
        before, staff.role = staff.role, role
        audit.record(session, actor, "role_changed", "staff", username, before=before, after=role)
    return staff


def set_unit(session: Session, actor: Staff, username: str, unit_code: str) -> Staff:
    """Move the account to another unit of the admin's region; its scope follows the unit."""
    staff = _target(session, actor, username)
    unit = placeable_unit(session, actor, unit_code)
    if staff.unit_id != unit.id:
        before = staff.unit.code
        staff.unit, staff.unit_id = unit, unit.id
        audit.record(
            session, actor, "staff_unit_changed", "staff", username, before=before, after=unit.code
        )
    return staff


def set_active(session: Session, actor: Staff, username: str, active: bool) -> Staff:
    """Disable (sessions and API tokens end at once) or enable an account."""
    staff = _target(session, actor, username)
    if staff.active != active:
        staff.active = active
        ended = 0 if active else org.revoke_sessions(session, staff)
        action = "staff_enabled" if active else "staff_disabled"
        audit.record(session, actor, action, "staff", username, sessions_ended=ended)
    return staff


def unlock(session: Session, actor: Staff, username: str) -> Staff:
    """End a lock-out before it runs out (the staff member called the service desk)."""
    staff = _target(session, actor, username)
    was = staff.locked_until
    staff.locked_until, staff.failed_logins = None, 0
    audit.record(
        session,
        actor,
        "staff_unlocked",
        "staff",
        username,
        locked_until=was.isoformat() if was else None,
    )
    return staff


def reset_password(session: Session, actor: Staff, username: str, password: str) -> Staff:
    """Set a temporary password (the one policy applies); its owner must change it at the
    next login, their sessions and API tokens end, and a lock-out is lifted."""
    staff = _target(session, actor, username)
    org.check_policy(staff.username, password)
    now = clock.now()
    staff.password_hash, staff.password_changed_at = hash_password(password), now
    staff.must_change_password = True
    staff.locked_until, staff.failed_logins = None, 0
    session.add(
        PasswordHistory(staff_id=staff.id, password_hash=staff.password_hash, created_at=now)
    )
    ended = org.revoke_sessions(session, staff)
    audit.record(session, actor, "password_reset", "staff", username, sessions_ended=ended)
    return staff
