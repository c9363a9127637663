"""Customer 360 客户全景 (CD-1, BH-2): everything an agent at the counter or on the line needs
about one customer, in one read — kind, tier and special care by name, the account manager,
contact numbers, products (plan, contract end 协议期, arrears), the consent ledger, every order
from every channel, counter visits, and flags for repeat complaints and past appeals.

It lives in ``counter`` because it composes customers, workorders and the counter's own
visits (``customers`` sits below ``workorders`` on the ladder and cannot read orders). The
orders are those the viewer may see (their region's, or owned or handled by them); personal
data leaves masked (``schemas.Customer360Out``). Each part is one indexed query by customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from telcodesk import clock
from telcodesk.counter import service as counter
from telcodesk.counter.models import CounterVisit
from telcodesk.customers import consents
from telcodesk.customers import service as customers
from telcodesk.customers.models import Consent, Customer, CustomerProduct
from telcodesk.customers.rules import SpecialCare
from telcodesk.org.models import Staff
from telcodesk.org.scope import order_filter, scope_of
from telcodesk.workorders.models import WorkOrder
from telcodesk.workorders.rules import OrderType

ORDERS_SHOWN = 50
REPEAT_WINDOW = timedelta(days=90)
REPEAT_COMPLAINTS = 2  # two or more complaints in 90 days flag a repeat complainant


@dataclass
class Profile:
    customer: Customer
    care: SpecialCare | None
    account_manager: Staff | None
    products: list[CustomerProduct]
    consents: list[consents.ConsentState]
    ledger: list[Consent]
    orders: list[WorkOrder]
    order_count: int
    visits: list[CounterVisit]
    repeat_complaints: int
    appeals: int


def profile(session: Session, customer_id: int, *, viewer: Staff) -> Profile:
    customer = customers.view_customer(session, customer_id, viewer=viewer)
    mine = (WorkOrder.customer_id == customer.id) & order_filter(scope_of(viewer), WorkOrder)
    orders = list(
        session.scalars(
            select(WorkOrder).where(mine).order_by(WorkOrder.id.desc()).limit(ORDERS_SHOWN)
        )
    )
    since = clock.now() - REPEAT_WINDOW
    counts = dict(
        session.execute(
            select(WorkOrder.type, func.count())
            .where(WorkOrder.customer_id == customer.id)
            .where(
                (WorkOrder.type == OrderType.APPEAL.value)
                | ((WorkOrder.type == OrderType.COMPLAINT.value) & (WorkOrder.created_at >= since))
            )
            .group_by(WorkOrder.type)
        ).all()
    )
    total = session.scalar(select(func.count()).select_from(WorkOrder).where(mine)) or 0
    products = list(
        session.scalars(
            select(CustomerProduct)
            .where(CustomerProduct.customer_id == customer.id)
            .order_by(CustomerProduct.id)
        )
    )
    manager = (
        session.get(Staff, customer.account_manager_id) if customer.account_manager_id else None
    )
    return Profile(
        customer=customer,
        care=customers.special_care_of(customer),
        account_manager=manager,
        products=products,
        consents=consents.states(session, customer.id),
        ledger=consents.ledger(session, customer.id),
        orders=orders,
        order_count=total,
        visits=counter.visits_of(session, customer.id),
        repeat_complaints=int(counts.get(OrderType.COMPLAINT.value, 0)),
        appeals=int(counts.get(OrderType.APPEAL.value, 0)),
    )
