"""Organisation units, staff and their login sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, false, text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from telcodesk.db import Base, UTCDateTime


class OrgUnit(Base):
    """Organisation unit 组织单元: HQ 总部, province 省, city 地市, hall 营业厅, centre…"""

    __tablename__ = "org_unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    # GB/T 2260 administrative code of the region the unit serves.
    region_code: Mapped[str] = mapped_column(String(6))
    # Business hours used by the SLA clocks (T-3, T-4, T-5): local "HH:MM", or both None for
    # 24 hours; workdays_only for back offices that close on weekends and holidays.
    open_time: Mapped[str | None] = mapped_column(String(5))
    close_time: Mapped[str | None] = mapped_column(String(5))
    workdays_only: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Round-robin dispatch: the staff member who got the last order of this unit.
    last_assigned_id: Mapped[int | None] = mapped_column()

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id])


class Staff(Base):
    """Staff member 员工: agent, hall staff, supervisor, auditor…"""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    display_name: Mapped[str] = mapped_column(String(50))
    password_hash: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    role: Mapped[str] = mapped_column(String(30))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Authentication hardening (CD-2): lock-out after failures, periodic password change.
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set by an admin (new account, reset): its owner must choose a new one at next login.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Dispatch (CC-1): what the staff member can handle, and whether they take new orders now.
    skills: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    available: Mapped[bool] = mapped_column(default=True, server_default=true())

    unit: Mapped[OrgUnit] = relationship(lazy="joined")


class PasswordHistory(Base):
    """Earlier password hashes: a new password may not repeat the last few (CD-2)."""

    __tablename__ = "password_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuthSession(Base):
    """A console session (cookie) or an API bearer token; only the SHA-256 of the secret is kept."""

    __tablename__ = "auth_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # console | api | integration
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Console sessions end after a period without use; integration tokens carry scopes.
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    label: Mapped[str] = mapped_column(String(100), default="", server_default="")
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
