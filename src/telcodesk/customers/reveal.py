"""Reveal 查看完整信息 (CD-2, CD-3): one field of a customer's personal data, shown in full.

It needs a permission, a stated reason and a customer in the staff member's region; it is
limited per staff member and hour and leaves one audit record — the field, the customer, the
order it was made from — written in the caller's transaction.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from telcodesk import clock
from telcodesk.audit import service as audit
from telcodesk.customers.models import Customer
from telcodesk.customers.schemas import CASE_REFERENCE_LENGTH, REASON_LENGTH, RevealField
from telcodesk.customers.service import get_customer
from telcodesk.errors import DomainError, ValidationFailed
from telcodesk.org import permissions
from telcodesk.org.models import Staff
from telcodesk.org.permissions import Permission

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


def reveal(
    session: Session,
    actor: Staff,
    customer_id: int,
    *,
    field: RevealField | str,
    reason: str,
    limit: int,
    case_reference: str | None = None,
    order_number: str | None = None,
) -> tuple[Customer, str | None]:
    """The full value of one field (CD-2: disclose only what the task needs). A reveal with a
    ``case_reference`` is a judicial request (the designated department, JUDICIAL_REVEAL), any
    other needs CUSTOMER_REVEAL; both only for customers in the staff member's region (others:
    404 before anything else, as if missing). The audit record names the field, the customer
    and the order it was revealed from (the caller has checked that the order is this
    customer's and in reach)."""
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
    field = _reveal_field(field)
    details: dict[str, Any] = {"field": field.value, "customer_id": customer.id}
    if order_number:
        details["order"] = order_number
    details["reason"] = reason
    if judicial:
        details["case_reference"] = case_reference
    _record_reveal(
        session,
        actor,
        JUDICIAL_REVEAL if judicial else REVEAL,
        "customer",
        customer.id,
        limit=limit,
        **details,
    )
    value: str | None = getattr(customer, field.value)
    return customer, value


def _reveal_field(field: RevealField | str) -> RevealField:
    try:
        return RevealField(field)
    except ValueError:
        raise ValidationFailed(
            "请选择要查看的信息（姓名、电话、证件号码或地址）",
            "Choose what to reveal (name, phone, ID number or address)",
            code="field_required",
        ) from None


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
