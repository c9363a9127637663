"""Customer use cases."""

from __future__ import annotations

from sqlalchemy import or_, select, true
from sqlalchemy.orm import Session

from telcodesk import clock
from telcodesk.customers.models import Customer
from telcodesk.customers.schemas import CustomerIn
from telcodesk.errors import NotFound
from telcodesk.org import permissions
from telcodesk.org.models import Staff
from telcodesk.org.permissions import Permission
from telcodesk.org.scope import region_filter, scope_of

MAX_MATCHES = 20


def get_customer(session: Session, customer_id: int, *, viewer: Staff | None) -> Customer:
    """The customer, if ``viewer`` may see them (``None``: the system); otherwise 404 (CD-2)."""
    customer = session.get(Customer, customer_id)
    if customer is None or (
        viewer is not None
        and not scope_of(viewer).covers(customer.province_code, customer.city_code)
    ):
        raise NotFound("客户不存在", "Customer not found", code="customer_not_found")
    return customer


def find_by_phone(session: Session, phone: str, *, viewer: Staff | None) -> list[Customer]:
    phone = phone.strip()
    if viewer is not None:
        permissions.require(viewer, Permission.CUSTOMER_VIEW)
    in_scope = (
        region_filter(scope_of(viewer), Customer.province_code, Customer.city_code)
        if viewer
        else true()
    )
    stmt = (
        select(Customer)
        .where(or_(Customer.phone == phone, Customer.alt_phone == phone), in_scope)
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
