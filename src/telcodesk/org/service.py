"""Organisation use cases: units, staff accounts, login sessions and API tokens."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from telcodesk import clock
from telcodesk.errors import Conflict, NotFound, Unauthenticated, ValidationFailed
from telcodesk.org.models import AuthSession, OrgUnit, Staff
from telcodesk.org.roles import Role, UnitKind
from telcodesk.org.security import hash_password, new_token, token_digest, verify_password

MIN_PASSWORD_LENGTH = 8


def get_unit_by_code(session: Session, code: str) -> OrgUnit:
    unit = session.scalar(select(OrgUnit).where(OrgUnit.code == code))
    if unit is None:
        raise NotFound("组织单元不存在", f"Unknown unit {code!r}", code="unit_not_found")
    return unit


# Default business hours by kind of unit (open, close, working days only); None = 24 hours.
# A hall opens at least 10 hours every day, holidays included (T-4); the hotline serves 7x24
# (T-5); back offices work office hours on PRC working days.
DEFAULT_HOURS: dict[UnitKind, tuple[str | None, str | None, bool]] = {
    UnitKind.HALL: ("08:30", "18:30", False),
    UnitKind.CALL_CENTRE: (None, None, False),
    UnitKind.COMPLAINT_CENTRE: ("08:30", "20:00", False),
    UnitKind.DEPARTMENT: ("09:00", "17:30", True),
    UnitKind.ACCOUNT_TEAM: ("09:00", "17:30", True),
}


def ensure_unit(
    session: Session,
    *,
    code: str,
    name: str,
    kind: UnitKind,
    region_code: str,
    parent: OrgUnit | None = None,
) -> OrgUnit:
    """Create the unit unless a unit with that code exists (idempotent set-up)."""
    unit = session.scalar(select(OrgUnit).where(OrgUnit.code == code))
    if unit is None:
        opens, closes, workdays_only = DEFAULT_HOURS.get(kind, (None, None, False))
        unit = OrgUnit(
            code=code,
            name=name,
            kind=kind,
            region_code=region_code,
            parent=parent,
            open_time=opens,
            close_time=closes,
            workdays_only=workdays_only,
        )
        session.add(unit)
        session.flush()
    return unit


def province_and_city(unit: OrgUnit) -> tuple[str, str]:
    """Region codes (GB/T 2260) of the province and city a unit belongs to."""
    code = unit.region_code
    return code[:2] + "0000", code[:4] + "00"


def create_staff(
    session: Session,
    *,
    username: str,
    display_name: str,
    password: str,
    unit: OrgUnit,
    role: Role,
) -> Staff:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"密码至少 {MIN_PASSWORD_LENGTH} 位",
            f"Password needs {MIN_PASSWORD_LENGTH}+ characters",
            code="weak_password",
        )
    if session.scalar(select(Staff.id).where(Staff.username == username)) is not None:
        raise Conflict("用户名已存在", f"Username {username!r} is taken", code="username_taken")
    staff = Staff(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        unit=unit,
        unit_id=unit.id,
        role=role,
        active=True,
        created_at=clock.now(),
    )
    session.add(staff)
    session.flush()
    return staff


def get_staff_by_username(session: Session, username: str) -> Staff:
    staff = session.scalar(select(Staff).where(Staff.username == username, Staff.active))
    if staff is None:
        raise NotFound("员工不存在", f"Unknown staff member {username!r}", code="staff_not_found")
    return staff


def authenticate(session: Session, username: str, password: str) -> Staff:
    staff = session.scalar(select(Staff).where(Staff.username == username))
    ok = verify_password(staff.password_hash if staff else None, password)
    if staff is None or not ok or not staff.active:
        raise Unauthenticated(
            "用户名或密码错误", "Wrong username or password", code="bad_credentials"
        )
    staff.last_login_at = clock.now()
    return staff


def open_session(session: Session, staff: Staff, *, kind: str, hours: int) -> str:
    """Start a console session or issue an API token; returns the secret once."""
    token = new_token()
    now = clock.now()
    session.add(
        AuthSession(
            token_hash=token_digest(token),
            staff_id=staff.id,
            kind=kind,
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    return token


def staff_for_token(session: Session, token: str, *, kind: str) -> Staff | None:
    # One query per request: the token's staff member, if the token is live.
    return session.scalar(
        select(Staff)
        .join(AuthSession, AuthSession.staff_id == Staff.id)
        .where(
            AuthSession.token_hash == token_digest(token),
            AuthSession.kind == kind,
            AuthSession.revoked_at.is_(None),
            AuthSession.expires_at > clock.now(),
            Staff.active,
        )
    )


def close_session(session: Session, token: str) -> None:
    row = session.scalar(select(AuthSession).where(AuthSession.token_hash == token_digest(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = clock.now()


def list_staff(session: Session) -> list[Staff]:
    return list(session.scalars(select(Staff).where(Staff.active).order_by(Staff.username)))
