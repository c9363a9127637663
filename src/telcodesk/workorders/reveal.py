"""Reveal from an order 工单内查看完整信息 (CD-2): the customers' reveal, with the order it was
made from checked — in the staff member's reach and this customer's — so the audit record can
name it. Revealing from the customer page names no order."""

from __future__ import annotations

from sqlalchemy.orm import Session

from telcodesk.customers import reveal as reveals
from telcodesk.customers import service as customers
from telcodesk.customers.models import Customer
from telcodesk.customers.schemas import RevealField
from telcodesk.errors import ValidationFailed
from telcodesk.org.models import Staff
from telcodesk.workorders import queries


def reveal(
    session: Session,
    actor: Staff,
    customer_id: int,
    *,
    field: RevealField | str,
    reason: str,
    limit: int,
    order_number: str | None = None,
    case_reference: str | None = None,
) -> tuple[Customer, str | None]:
    number = None
    if order_number:
        order = queries.get_order(session, order_number, viewer=actor)  # 404 out of reach
        if order.customer_id != customers.get_customer(session, customer_id, viewer=actor).id:
            raise ValidationFailed(
                "该工单不是此客户的工单",
                "That order is not this customer's",
                code="order_not_of_customer",
                details={"order_number": order.number},
            )
        number = order.number
    return reveals.reveal(
        session,
        actor,
        customer_id,
        field=field,
        reason=reason,
        limit=limit,
        case_reference=case_reference,
        order_number=number,
    )
