"""Organisation use cases: units, staff accounts, roles, logins, sessions and API tokens.

Authentication follows CD-2 (authorised staff only, passwords changed periodically): lock-out
after repeated failures, password expiry, history and policy, idle console sessions, and an
audit record for every login and every role change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from telcodesk import clock
from telcodesk.audit import service as audit
from telcodesk.config import Settings, get_settings
from telcodesk.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    Unauthenticated,
    ValidationFailed,
)
from telcodesk.org.models import AuthSession, OrgUnit, PasswordHistory, Staff
from telcodesk.org.roles import ASSIGNABLE_ROLES, SYSTEM_USERNAME, Role, UnitKind
from telcodesk.org.security import (
    PASSWORD_MIN_LENGTH,
    hash_password,
    new_token,
    policy_violation,
    token_digest,
    verify_password,
)
from telcodesk.org.throttle import ClientThrottle

# last_seen_at is written at most once a minute per session, to keep writes low.
SEEN_RESOLUTION = timedelta(minutes=1)


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
    must_change_password: bool = False,
) -> Staff:
    """A new account. The password meets the one policy (CD-2, ``check_policy``); one an
    admin chose (``must_change_password``) is changed by its owner at the first login."""
    _assignable(role)
    check_policy(username, password)
    if session.scalar(select(Staff.id).where(Staff.username == username)) is not None:
        raise Conflict("用户名已存在", f"Username {username!r} is taken", code="username_taken")
    now = clock.now()
    staff = Staff(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        unit=unit,
        unit_id=unit.id,
        role=role,
        active=True,
        created_at=now,
        password_changed_at=now,  # the password's age counts from here (CD-2)
        must_change_password=must_change_password,
    )
    session.add(staff)
    session.flush()
    session.add(
        PasswordHistory(staff_id=staff.id, password_hash=staff.password_hash, created_at=now)
    )
    return staff


def _assignable(role: Role) -> None:
    if role not in ASSIGNABLE_ROLES:
        raise ValidationFailed(
            "系统作业角色只属于系统账号，不能分配",
            "The system role belongs to the system account and cannot be given",
            code="role_not_assignable",
        )


def ensure_system_actor(session: Session, hq: OrgUnit) -> Staff:
    """The one account scheduled jobs act as (role ``system``, HQ unit). Nobody logs in as it:
    its password is random and never shown. Idempotent."""
    staff = session.scalar(select(Staff).where(Staff.username == SYSTEM_USERNAME))
    if staff is not None:
        return staff
    now = clock.now()
    staff = Staff(
        username=SYSTEM_USERNAME,
        display_name="系统作业",
        password_hash=hash_password(new_token()),
        unit=hq,
        unit_id=hq.id,
        role=Role.SYSTEM,
        active=True,
        created_at=now,
        password_changed_at=now,
    )
    session.add(staff)
    session.flush()
    return staff


def system_actor(session: Session) -> Staff:
    """The system account the worker's jobs act as (see ``ensure_system_actor``)."""
    return get_staff_by_username(session, SYSTEM_USERNAME)


def get_staff_by_username(session: Session, username: str) -> Staff:
    staff = session.scalar(select(Staff).where(Staff.username == username, Staff.active))
    if staff is None:
        raise NotFound("员工不存在", f"Unknown staff member {username!r}", code="staff_not_found")
    return staff


# --- login (CD-2) -----------------------------------------------------------------------------


class AccountLocked(DomainError):
    status = 423
    code = "account_locked"
    message_zh = "账号已临时锁定"
    message_en = "The account is locked for a while"


class PasswordExpired(Forbidden):
    code = "password_expired"
    message_zh = "密码已过期，请先修改密码"
    message_en = "The password has expired; change it first"


class ClientThrottled(DomainError):
    status = 429
    code = "login_throttled"
    message_zh = "该地址登录失败次数过多，请稍后再试"
    message_en = "Too many failed logins from this address; try again later"


def _locked(settings: Settings) -> AccountLocked:
    return AccountLocked(
        f"连续多次登录失败，账号已锁定，请 {settings.lockout_minutes} 分钟后再试",
        f"Too many failed logins: the account is locked for {settings.lockout_minutes} minutes",
    )


def expired_error(settings: Settings, staff: Staff | None = None) -> PasswordExpired:
    if staff is not None and staff.must_change_password:
        return PasswordExpired(
            "该密码由管理员设置，请先在控制台修改密码",
            "An admin set this password; change it in the console first",
        )
    days = settings.password_max_age_days
    return PasswordExpired(
        f"密码已超过 {days} 天未修改，请先在控制台修改密码",
        f"The password is older than {days} days; change it in the console first",
    )


def _bad_credentials() -> Unauthenticated:
    return Unauthenticated("用户名或密码错误", "Wrong username or password", code="bad_credentials")


@dataclass
class AuthOutcome:
    """What a password check came to. A failure is returned, not raised, so that the caller's
    unit of work still commits the failure count and the audit row; the caller raises
    ``error`` after the commit (CD-2)."""

    staff: Staff | None = None
    token: str | None = None
    password_expired: bool = False
    error: DomainError | None = None

    def raise_for_error(self) -> None:
        if self.error is not None:
            raise self.error


def password_expired(staff: Staff, settings: Settings) -> bool:
    """Passwords are changed periodically (CD-2), and one an admin set (a new account, a
    reset) at the first login. Accounts from before the hardening have no change date;
    their age counts from the account's creation."""
    if staff.must_change_password:
        return True
    changed = staff.password_changed_at or staff.created_at
    return clock.now() >= changed + timedelta(days=settings.password_max_age_days)


def _staff_for_update(session: Session, username: str) -> Staff | None:
    # Row lock on PostgreSQL, so concurrent failures all count.
    stmt = select(Staff).where(Staff.username == username).with_for_update(of=Staff)
    return session.scalar(stmt)


def _recent_failures(session: Session, username: str, since: datetime) -> int:
    # Failed logins under a name with no (active) account are kept only in the audit log.
    return audit.count_for_object(session, "login_failure", username, since)


def _fail(
    session: Session,
    staff: Staff | None,
    username: str,
    reason: str,
    error: DomainError,
    **details: object,
) -> AuthOutcome:
    audit.record(session, staff, "login_failure", "staff", username[:60], reason=reason, **details)
    return AuthOutcome(staff=None, error=error)


def login(
    session: Session,
    username: str,
    password: str,
    *,
    kind: str,
    settings: Settings,
    client: str | None = None,
    throttle: ClientThrottle | None = None,
) -> AuthOutcome:
    """Check a password and, if it is right, open a console session or issue an API token.

    A client address with too many recent failures (``throttle``, org/throttle.py) is refused
    first (429), before any account is read: its tries lock nobody out.

    CD-2: after ``lockout_after_failures`` wrong passwords in a row the account is locked for
    ``lockout_minutes``; an unknown name answers the same, at the same cost, so the answers do
    not tell which names exist. An expired password still opens a console session (the
    console then asks for a new password first) but gets no API token. Every try is audited.
    """
    trail: dict[str, object] = {"kind": kind, "client": client}
    if throttle is not None and throttle.blocked(client):
        return _fail(session, None, username, "client_throttled", ClientThrottled(), **trail)
    now = clock.now()
    staff = _staff_for_update(session, username)
    right = verify_password(staff.password_hash if staff else None, password)
    if not right and throttle is not None:
        throttle.failed(client)
    if staff is None or not staff.active:
        since = now - timedelta(minutes=settings.lockout_minutes)
        tries = _recent_failures(session, username, since) + 1
        error = _locked(settings) if tries >= settings.lockout_after_failures else None
        reason = "unknown_user" if staff is None else "inactive"
        return _fail(session, staff, username, reason, error or _bad_credentials(), **trail)
    if staff.locked_until is not None:
        if staff.locked_until > now:
            return _fail(session, staff, username, "locked", _locked(settings), **trail)
        staff.locked_until, staff.failed_logins = None, 0  # the lock has run out
    if not right:
        staff.failed_logins += 1
        if staff.failed_logins < settings.lockout_after_failures:
            return _fail(session, staff, username, "bad_password", _bad_credentials(), **trail)
        staff.locked_until = now + timedelta(minutes=settings.lockout_minutes)
        return _fail(
            session, staff, username, "bad_password", _locked(settings), locked=True, **trail
        )
    staff.failed_logins = 0
    expired = password_expired(staff, settings)
    if expired and kind != "console":
        return _fail(session, staff, username, "expired", expired_error(settings, staff), **trail)
    staff.last_login_at = now
    audit.record(
        session, staff, "login_success", "staff", username, password_expired=expired, **trail
    )
    hours = settings.session_hours if kind == "console" else settings.api_token_hours
    token = open_session(session, staff, kind=kind, hours=hours)
    return AuthOutcome(staff=staff, token=token, password_expired=expired)


def authenticate(
    session: Session, username: str, password: str, *, settings: Settings | None = None
) -> Staff:
    """Check a password for scripts and the CLI; raises instead of returning the failure (so
    its count and audit row roll back with the caller's unit of work). Opens no session."""
    settings = settings or get_settings()
    staff = _staff_for_update(session, username)
    if staff is None or not staff.active or not verify_password(staff.password_hash, password):
        raise _bad_credentials()
    if staff.locked_until is not None and staff.locked_until > clock.now():
        raise _locked(settings)
    return staff


# --- passwords (CD-2) -------------------------------------------------------------------------


# Messages for security.policy_violation's codes.
POLICY_TEXTS: dict[str, tuple[str, str]] = {
    "password_too_short": (
        f"密码至少 {PASSWORD_MIN_LENGTH} 位",
        f"The password needs at least {PASSWORD_MIN_LENGTH} characters",
    ),
    "password_needs_letters_and_digits": (
        "密码须同时包含字母和数字",
        "The password needs both letters and digits",
    ),
    "password_contains_username": (
        "密码不能包含用户名",
        "The password may not contain the username",
    ),
}


def check_policy(username: str, password: str) -> None:
    """The one password policy (CD-2), for every password set anywhere: by its owner, by an
    admin for a new account or a reset, by CSV import or the CLI (422 password_*)."""
    problem = policy_violation(username, password)
    if problem is not None:
        raise ValidationFailed(*POLICY_TEXTS[problem], code=problem)


def change_password(
    session: Session,
    staff: Staff,
    current: str,
    new: str,
    *,
    settings: Settings,
    keep_token: str | None = None,
) -> AuthOutcome:
    """Set a new password: the current one must be right (wrong tries count towards the
    lock-out), the new one must meet the policy and differ from the last
    ``password_history`` ones. The staff member's other sessions and API tokens end, except
    ``keep_token`` (the one in use); integration tokens stay. Failures are returned, as in
    :func:`login`."""
    row = _staff_for_update(session, staff.username)
    if row is None or not row.active:
        return AuthOutcome(error=_bad_credentials())
    now = clock.now()
    if row.locked_until is not None and row.locked_until > now:
        return AuthOutcome(error=_locked(settings))
    if not verify_password(row.password_hash, current):
        row.failed_logins += 1
        error: DomainError = ValidationFailed(
            "当前密码不正确", "The current password is wrong", code="wrong_password"
        )
        if row.failed_logins >= settings.lockout_after_failures:
            row.locked_until = now + timedelta(minutes=settings.lockout_minutes)
            error = _locked(settings)
        return _fail(session, row, row.username, "bad_password", error, kind="password_change")
    problem = policy_violation(row.username, new)
    if problem is not None:
        return AuthOutcome(error=ValidationFailed(*POLICY_TEXTS[problem], code=problem))
    recent = _password_history(session, row, settings.password_history)
    if any(verify_password(h, new) for h in [row.password_hash, *recent]):
        n = settings.password_history
        return AuthOutcome(
            error=ValidationFailed(
                f"新密码不能与最近 {n} 次使用过的密码相同",
                f"The new password may not repeat any of the last {n}",
                code="password_reused",
            )
        )
    row.password_hash, row.password_changed_at, row.failed_logins = hash_password(new), now, 0
    row.must_change_password = False
    session.add(PasswordHistory(staff_id=row.id, password_hash=row.password_hash, created_at=now))
    session.flush()
    _prune_history(session, row, settings.password_history)
    revoked = revoke_sessions(session, row, keep_token=keep_token)
    audit.record(session, row, "password_changed", "staff", row.username, sessions_ended=revoked)
    return AuthOutcome(staff=row)


def _password_history(session: Session, staff: Staff, n: int) -> list[str]:
    stmt = (
        select(PasswordHistory.password_hash)
        .where(PasswordHistory.staff_id == staff.id)
        .order_by(PasswordHistory.id.desc())
        .limit(n)
    )
    return list(session.scalars(stmt))


def _prune_history(session: Session, staff: Staff, keep: int) -> None:
    # Older hashes serve no rule and are a liability if the database leaks.
    old = (
        select(PasswordHistory.id)
        .where(PasswordHistory.staff_id == staff.id)
        .order_by(PasswordHistory.id.desc())
        .offset(keep)
    )
    ids = list(session.scalars(old))
    if ids:
        session.execute(delete(PasswordHistory).where(PasswordHistory.id.in_(ids)))


# --- sessions and API tokens ------------------------------------------------------------------


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
            last_seen_at=now,
        )
    )
    return token


def resolve_token(
    session: Session, token: str, *, kinds: tuple[str, ...], idle_minutes: int | None = None
) -> tuple[Staff, AuthSession] | None:
    """The staff member and session behind a live token. Sessions end at ``expires_at`` and,
    given ``idle_minutes`` (console, CD-2), after that long without a request."""
    now = clock.now()
    row = session.execute(
        select(Staff, AuthSession)
        .join(AuthSession, AuthSession.staff_id == Staff.id)
        .where(
            AuthSession.token_hash == token_digest(token),
            AuthSession.kind.in_(kinds),
            AuthSession.revoked_at.is_(None),
            AuthSession.expires_at > now,
            Staff.active,
        )
    ).first()
    if row is None:
        return None
    staff, auth = row
    seen = auth.last_seen_at or auth.created_at
    if idle_minutes is not None and now - seen >= timedelta(minutes=idle_minutes):
        return None
    if now - seen >= SEEN_RESOLUTION:
        auth.last_seen_at = now
    return staff, auth


def close_session(session: Session, token: str) -> None:
    row = session.scalar(select(AuthSession).where(AuthSession.token_hash == token_digest(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = clock.now()


def revoke_sessions(session: Session, staff: Staff, *, keep_token: str | None = None) -> int:
    """End the staff member's console sessions and API tokens (not integration tokens, which
    admins manage), except ``keep_token``; returns how many ended."""
    stmt = select(AuthSession).where(
        AuthSession.staff_id == staff.id,
        AuthSession.kind.in_(("console", "api")),
        AuthSession.revoked_at.is_(None),
        AuthSession.expires_at > clock.now(),
    )
    if keep_token:
        stmt = stmt.where(AuthSession.token_hash != token_digest(keep_token))
    rows = list(session.scalars(stmt))
    for row in rows:
        row.revoked_at = clock.now()
    return len(rows)


def list_staff(session: Session) -> list[Staff]:
    return list(session.scalars(select(Staff).where(Staff.active).order_by(Staff.username)))
