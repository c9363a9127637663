"""Warnings at registration (issue 9 item 5): what the agent should know about the caller
before submitting — the customer already has an open order in this category (重复投诉), or
has appealed to the regulator before (越级 risk, T-6). They warn; they never refuse."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from telcodesk.customers import service as customers
from telcodesk.org import permissions
from telcodesk.org.models import Staff
from telcodesk.org.permissions import Permission
from telcodesk.workorders import rules
from telcodesk.workorders import service as orders
from telcodesk.workorders.models import WorkOrder
from telcodesk.workorders.rules import OrderType


@dataclass(frozen=True)
class RegistrationWarning:
    code: str  # repeat_complaint | appealed_before
    message_zh: str
    message_en: str
    orders: list[str] = field(default_factory=list)  # the orders it is about, newest first


def registration_warnings(
    session: Session,
    viewer: Staff,
    customer_id: int,
    category_code: str | None = None,
    *,
    exclude_id: int | None = None,
) -> list[RegistrationWarning]:
    """The customer's warnings; a customer out of the viewer's reach is not found (CD-2)."""
    permissions.require(viewer, Permission.ORDER_VIEW)
    customer = customers.get_customer(session, customer_id, viewer=viewer)
    found: list[RegistrationWarning] = []
    theirs = select(WorkOrder.id, WorkOrder.created_at).where(
        WorkOrder.customer_id == customer.id, WorkOrder.id != (exclude_id or 0)
    )
    if category_code:
        category = orders.get_category(session, category_code)
        open_same = session.execute(
            theirs.where(
                WorkOrder.category_id == category.id,
                WorkOrder.status.not_in([s.value for s in rules.CLOSED]),
            )
            .order_by(WorkOrder.id.desc())
            .limit(5)
        ).all()
        if open_same:
            found.append(
                RegistrationWarning(
                    "repeat_complaint",
                    f"重复投诉：该客户已有 {len(open_same)} 张同类未结工单（{category.name_zh}）",
                    f"Repeat: the customer already has {len(open_same)} open order(s) in "
                    f"{category.name_en}",
                    [rules.public_number(i, at) for i, at in open_same],
                )
            )
    appeals = session.execute(
        theirs.where(WorkOrder.type == OrderType.APPEAL).order_by(WorkOrder.id.desc()).limit(5)
    ).all()
    if appeals:
        found.append(
            RegistrationWarning(
                "appealed_before",
                "越级风险：该客户曾向通信管理局申诉，请优先妥善处理",
                "Escalation risk: the customer has appealed to the regulator before",
                [rules.public_number(i, at) for i, at in appeals],
            )
        )
    return found
