"""Customer API: lookup by phone, registration, and the audited reveal (CD-2). Every customer in
an answer is masked; only the reveal endpoints answer full values."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from telcodesk.customers import service
from telcodesk.customers.schemas import (
    MAX_ID,
    CustomerIn,
    CustomerOut,
    JudicialRevealIn,
    RevealIn,
    RevealOut,
)
from telcodesk.deps import ApiStaff, DbDep, SettingsDep
from telcodesk.org import permissions
from telcodesk.org.permissions import Permission
from telcodesk.org.service import province_and_city

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])

CustomerId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("", response_model=list[CustomerOut], operation_id="customers_find")
def find(
    staff: ApiStaff, db: DbDep, phone: Annotated[str, Query(min_length=3, max_length=20)]
) -> list[CustomerOut]:
    with db.uow() as session:
        return [
            CustomerOut.model_validate(c)
            for c in service.find_by_phone(session, phone, viewer=staff)
        ]


@router.post("", response_model=CustomerOut, status_code=201, operation_id="customers_create")
def create(body: CustomerIn, staff: ApiStaff, db: DbDep) -> CustomerOut:
    permissions.require(staff, Permission.CUSTOMER_EDIT)
    with db.uow() as session:
        customer = service.create_customer(
            session, body, default_city=province_and_city(staff.unit)[1]
        )
        return CustomerOut.model_validate(customer)


@router.get("/{customer_id}", response_model=CustomerOut, operation_id="customers_get")
def get(customer_id: CustomerId, staff: ApiStaff, db: DbDep) -> CustomerOut:
    with db.uow() as session:
        return CustomerOut.model_validate(service.view_customer(session, customer_id, viewer=staff))


@router.post("/{customer_id}/reveal", response_model=RevealOut, operation_id="customers_reveal")
def reveal(
    customer_id: CustomerId, body: RevealIn, staff: ApiStaff, db: DbDep, settings: SettingsDep
) -> RevealOut:
    """Full values, with a reason (CUSTOMER_REVEAL, customers of one's region). At most
    ``reveals_per_hour`` per staff member (429 ``reveal_rate_limited``); each one is audited."""
    with db.uow() as session:
        customer, values = service.reveal(
            session,
            staff,
            customer_id,
            fields=body.fields,
            reason=body.reason,
            limit=settings.reveals_per_hour,
        )
        return RevealOut(customer_id=customer.id, id_type=customer.id_type, values=values)


@router.post(
    "/{customer_id}/judicial-reveal",
    response_model=RevealOut,
    operation_id="customers_judicial_reveal",
)
def judicial_reveal(
    customer_id: CustomerId,
    body: JudicialRevealIn,
    staff: ApiStaff,
    db: DbDep,
    settings: SettingsDep,
) -> RevealOut:
    """Judicial request 司法协查 (CD-2): JUDICIAL_REVEAL only (the designated department), with
    the judicial document's number; same region, limit and audit as a reveal."""
    with db.uow() as session:
        customer, values = service.reveal(
            session,
            staff,
            customer_id,
            fields=body.fields,
            reason=body.reason,
            limit=settings.reveals_per_hour,
            case_reference=body.case_reference,
        )
        return RevealOut(customer_id=customer.id, id_type=customer.id_type, values=values)
