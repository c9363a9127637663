"""Merging duplicate customers 合并重复客户 (BH-5, CD-2): an admin folds a duplicate record
into the one to keep. The duplicate's orders move to the kept customer, each with a history
row saying from whom; the duplicate stays as a record pointing to the kept one; one audit
record names both and the orders. Orders are written here (``workorders`` owns them), the
customer rows by ``customers.service.absorb``.

Scope holds on both sides (CD-2): the admin must reach both customers (404 otherwise, as if
missing) — a province admin merges within their province, HQ anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from telcodesk import clock
from telcodesk.audit import service as audit
from telcodesk.customers import service as customers
from telcodesk.customers.models import Customer
from telcodesk.errors import Conflict, ValidationFailed
from telcodesk.org import permissions
from telcodesk.org.models import Staff
from telcodesk.org.permissions import Permission
from telcodesk.workorders.models import OrderEvent, WorkOrder

MERGED = "customer_merged"  # the history event and the audit action
REASON_LENGTH = (4, 200)


@dataclass(frozen=True)
class MergeResult:
    kept: Customer
    merged_ids: list[int]
    order_numbers: list[str]


def merge_customers(
    session: Session, actor: Staff, *, keep_id: int, duplicate_id: int, reason: str
) -> MergeResult:
    keep = customers.get_customer(session, keep_id, viewer=actor)  # 404 before 403 (CD-2)
    permissions.require(actor, Permission.CUSTOMER_MERGE)
    duplicate_record = session.get(Customer, duplicate_id)
    duplicate = customers.get_customer(session, duplicate_id, viewer=actor)
    reason = (reason or "").strip()
    if not REASON_LENGTH[0] <= len(reason) <= REASON_LENGTH[1]:
        raise ValidationFailed(
            "请填写合并原因（4–200 个字）",
            "Give the reason for the merge (4–200 characters)",
            code="reason_required",
        )
    if keep.id == duplicate.id:
        already = duplicate_record is not None and duplicate_record.merged_into_id == keep.id
        raise Conflict(
            "该客户已合并到此客户" if already else "不能将客户与自身合并",
            "Already merged into this customer"
            if already
            else "Cannot merge a customer into itself",
            code="customer_already_merged" if already else "merge_same_customer",
        )
    moved = list(
        session.scalars(
            select(WorkOrder).where(WorkOrder.customer_id == duplicate.id).order_by(WorkOrder.id)
        )
    )
    now = clock.now()
    for order in moved:
        order.customer = keep
        order.updated_at = now
        session.add(
            OrderEvent(
                order=order,
                at=now,
                actor_id=actor.id,
                action=MERGED,
                from_status=order.status,
                to_status=order.status,
                reason=reason,
                changes={"customer_id": [duplicate.id, keep.id]},
            )
        )
    merged_ids = customers.absorb(session, keep, duplicate)
    numbers = [o.number for o in moved]
    audit.record(
        session,
        actor,
        MERGED,
        "customer",
        keep.id,
        merged=duplicate.id,
        orders=numbers,
        reason=reason,
    )
    session.flush()
    return MergeResult(kept=keep, merged_ids=merged_ids, order_numbers=numbers)
