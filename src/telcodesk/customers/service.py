"""Customer use cases: find, register, and reveal masked personal data (CD-2, CD-3).

Outputs mask personal data by default (``schemas.Masked*``). Revealing the full values needs a
permission, a stated reason and a customer in the staff member's region; it is limited per staff
member and hour and leaves one audit record, written in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select, true
from sqlalchemy.orm import Session

from telcodesk import clock
from telcodesk.audit import service as audit
from telcodesk.customers.models import Customer
from telcodesk.customers.schemas import (
    CASE_REFERENCE_LENGTH,
    REASON_LENGTH,
    CustomerIn,
    RevealField,
)
from telcodesk.errors import DomainError, NotFound, ValidationFailed
from telcodesk.org import permissions
from telcodesk.org.models import Staff
from telcodesk.org.permissions import Permission
from telcodesk.org.scope import region_filter, scope_of

MAX_MATCHES = 20

# Audit actions of a reveal; every one counts against the hourly limit (CD-2).
REVEAL = "customer_reveal"
JUDICIAL_REVEAL = "judicial_reveal"
REVEAL_ACTIONS = (REVEAL, JUDICIAL_REVEAL)
REVEAL_WINDOW = timedelta(hours=1)


class RevealRateLimited(DomainError):
    status = 429
    code = "reveal_rate_limited"
    message_zh = "查看完整信息过于频繁，请稍后再试"
    message_en = "Too many reveals; try again later"


def get_customer(session: Session, customer_id: int, *, viewer: Staff | None) -> Customer:
    """The customer, if ``viewer`` may see them (``None``: the system); otherwise 404 (CD-2)."""
    customer = session.get(Customer, customer_id)
    if customer is None or (viewer is not None and not in_scope(viewer, customer)):
        raise NotFound("客户不存在", "Customer not found", code="customer_not_found")
    return customer


def in_scope(staff: Staff, customer: Customer) -> bool:
    """A customer of the staff member's region (CD-2, CC-1)."""
    return scope_of(staff).covers(customer.province_code, customer.city_code)


def view_customer(session: Session, customer_id: int, *, viewer: Staff) -> Customer:
    """A customer record for the customer page or API (shown masked). Out of scope is 404
    before anything else, as for a missing record; then the permission (403)."""
    customer = get_customer(session, customer_id, viewer=viewer)
    permissions.require(viewer, Permission.CUSTOMER_VIEW)
    return customer


def find_by_phone(session: Session, phone: str, *, viewer: Staff | None) -> list[Customer]:
    """Lookup by the full number the caller gives; the answer is shown masked."""
    phone = phone.strip()
    if viewer is not None:
        permissions.require(viewer, Permission.CUSTOMER_VIEW)
    in_region = (
        region_filter(scope_of(viewer), Customer.province_code, Customer.city_code)
        if viewer
        else true()
    )
    stmt = (
        select(Customer)
        .where(or_(Customer.phone == phone, Customer.alt_phone == phone), in_region)
        .order_by(Customer.id)
        .limit(MAX_MATCHES)
    )
    return list(session.scalars(stmt))


def create_customer(session: Session, data: CustomerIn, *, default_city: str) -> Customer:
    city = data.city_code or default_city
    customer = Customer(
        name=data.name,
        phone=data.phone,
        alt_phone=data.alt_phone,
        type=data.type,
        tier=data.tier,
        province_code=city[:2] + "0000",
        city_code=city,
        id_type=data.id_type,
        id_number=data.id_number,
        address=data.address,
        created_at=clock.now(),
    )
    session.add(customer)
    session.flush()
    return customer


def find_or_create(
    session: Session, data: CustomerIn, *, default_city: str, viewer: Staff | None
) -> Customer:
    """The customer with this phone and name, or a new record (registration by phone, BH-5)."""
    for match in find_by_phone(session, data.phone, viewer=viewer):
        if match.name == data.name:
            return match
    return create_customer(session, data, default_city=default_city)


# --- reveal (CD-2, CD-3) ----------------------------------------------------------------


def reveal(
    session: Session,
    actor: Staff,
    customer_id: int,
    *,
    fields: Sequence[RevealField],
    reason: str,
    limit: int,
    case_reference: str | None = None,
) -> tuple[Customer, dict[RevealField, str | None]]:
    """The full values of ``fields``. A reveal with a ``case_reference`` is a judicial request
    (CD-2: the designated department, JUDICIAL_REVEAL), any other needs CUSTOMER_REVEAL; both
    only for customers in the staff member's region (others: 404 before anything else, as if
    missing)."""
    judicial = case_reference is not None
    customer = get_customer(session, customer_id, viewer=actor)
    permissions.require(
        actor, Permission.JUDICIAL_REVEAL if judicial else Permission.CUSTOMER_REVEAL
    )
    reason = _required_text(reason, "reason", "查看原因", REASON_LENGTH)
    if judicial:
        case_reference = _required_text(
            case_reference, "case_reference", "司法协查文书编号", CASE_REFERENCE_LENGTH
        )
    wanted = list(dict.fromkeys(fields))  # once each, in the order asked
    _record_reveal(
        session,
        actor,
        JUDICIAL_REVEAL if judicial else REVEAL,
        "customer",
        customer.id,
        limit=limit,
        fields=[str(f) for f in wanted],
        reason=reason,
        case_reference=case_reference,
    )
    return customer, {f: getattr(customer, f.value) for f in wanted}


def authorize_bulk_reveal(
    session: Session, actor: Staff, *, reason: str | None, limit: int, **details: Any
) -> str:
    """A revealed export (CD-2): the same rules as one reveal — CUSTOMER_REVEAL, a reason, and
    it counts as one reveal against the hourly limit; audited as a ``customer_reveal`` of the
    export (the export writes its own ``export`` record beside it). Returns the reason."""
    permissions.require(actor, Permission.CUSTOMER_REVEAL)
    reason = _required_text(reason, "reason", "查看原因", REASON_LENGTH)
    _record_reveal(session, actor, REVEAL, "export", None, limit=limit, reason=reason, **details)
    return reason


def _record_reveal(
    session: Session,
    actor: Staff,
    action: str,
    object_type: str,
    object_id: object,
    *,
    limit: int,
    **details: Any,
) -> None:
    """Audit one reveal, then enforce the limit (CD-2, settings.reveals_per_hour): at most
    ``limit`` reveals per staff member in the last hour, counted from the audit log.

    Written first, then counted (this one included), so that concurrent reveals of one person
    are counted one after the other: on PostgreSQL behind the lock on the staff row, on SQLite
    behind the write lock the insert takes. Over the limit, RevealRateLimited rolls the
    caller's transaction back, this record with it."""
    session.execute(select(Staff.id).where(Staff.id == actor.id).with_for_update())
    audit.record(session, actor, action, object_type, object_id, **details)
    session.flush()
    used = audit.count_since(session, actor, REVEAL_ACTIONS, clock.now() - REVEAL_WINDOW)
    if used > limit:
        raise RevealRateLimited(
            f"一小时内最多查看 {limit} 次完整信息，请稍后再试",
            f"At most {limit} reveals per hour; try again later",
            details={"limit": limit, "window_minutes": REVEAL_WINDOW // timedelta(minutes=1)},
        )


def _required_text(value: str | None, field: str, zh: str, length: tuple[int, int]) -> str:
    value = (value or "").strip()
    shortest, longest = length
    if not shortest <= len(value) <= longest:
        raise ValidationFailed(
            f"请填写{zh}（{shortest}–{longest} 个字）",
            f"Give the {field.replace('_', ' ')} ({shortest}–{longest} characters)",
            code=f"{field}_required",
        )
    return value
