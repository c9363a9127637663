"""Integration tokens 接口令牌 for the channels (IVR, web hall, SMS gateway): created by admins,
scoped, shown once, revocable, every change audited (CD-2).

A token acts as a service account (e.g. ``ivr``): the account's role and region still apply,
and the token's scopes narrow further which API operations it may call (see deps.py).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from telcodesk import clock
from telcodesk.audit import service as audit
from telcodesk.errors import Forbidden, NotFound
from telcodesk.org import permissions
from telcodesk.org import service as org
from telcodesk.org.models import AuthSession, Staff
from telcodesk.org.permissions import Permission
from telcodesk.org.schemas import IntegrationTokenIn, IntegrationTokenOut
from telcodesk.org.scope import scope_of
from telcodesk.org.security import new_token, token_digest

KIND = "integration"


def _in_scope(admin: Staff, staff: Staff) -> bool:
    return scope_of(admin).covers(*org.province_and_city(staff.unit))


def _out(row: AuthSession, username: str) -> IntegrationTokenOut:
    return IntegrationTokenOut(
        id=row.id,
        label=row.label,
        username=username,
        scopes=list(row.scopes),
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        last_seen_at=row.last_seen_at,
    )


def create(
    session: Session, actor: Staff, data: IntegrationTokenIn
) -> tuple[IntegrationTokenOut, str]:
    """Issue a token; returns its description and the secret (shown once, only its hash kept)."""
    permissions.require(actor, Permission.MANAGE_TOKENS)
    staff = org.get_staff_by_username(session, data.username)
    # An integration acts as a service account of the admin's region, never as an admin.
    if not _in_scope(actor, staff) or permissions.can(staff, Permission.MANAGE_TOKENS):
        raise Forbidden(
            "不能为该账号签发接口令牌（超出管理范围或为管理员账号）",
            "No integration token for that account (outside your scope, or an admin)",
            code="token_account",
        )
    secret, now = new_token(), clock.now()
    row = AuthSession(
        token_hash=token_digest(secret),
        staff_id=staff.id,
        kind=KIND,
        label=data.label,
        scopes=sorted(set(data.scopes)),
        created_at=now,
        expires_at=now + timedelta(days=data.expires_in_days),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "token_created",
        "auth_session",
        row.id,
        label=row.label,
        acts_as=staff.username,
        scopes=row.scopes,
        expires_at=row.expires_at.isoformat(),
    )
    return _out(row, staff.username), secret


def list_tokens(session: Session, viewer: Staff) -> list[IntegrationTokenOut]:
    """Integration tokens of accounts in the viewer's region, newest first (no secrets)."""
    permissions.require(viewer, Permission.MANAGE_TOKENS)
    rows = session.execute(
        select(AuthSession, Staff)
        .join(Staff, Staff.id == AuthSession.staff_id)
        .where(AuthSession.kind == KIND)
        .order_by(AuthSession.id.desc())
    ).all()
    return [_out(row, staff.username) for row, staff in rows if _in_scope(viewer, staff)]


def revoke(session: Session, actor: Staff, token_id: int) -> None:
    """End a token at once; revoking it again changes nothing."""
    permissions.require(actor, Permission.MANAGE_TOKENS)
    row = session.get(AuthSession, token_id)
    staff = session.get(Staff, row.staff_id) if row is not None else None
    if row is None or row.kind != KIND or staff is None or not _in_scope(actor, staff):
        raise NotFound("接口令牌不存在", "No such integration token", code="token_not_found")
    if row.revoked_at is None:
        row.revoked_at = clock.now()
        audit.record(session, actor, "token_revoked", "auth_session", row.id, label=row.label)
