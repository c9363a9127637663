"""Customer API: lookup by phone, registration, and the audited reveal (CD-2). Every customer in
an answer is masked; only the reveal endpoints answer full values."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from telcodesk.customers import service
from telcodesk.customers.models import Customer
from telcodesk.customers.schemas import (
    MAX_ID,
    CustomerIn,
    CustomerOut,
    JudicialRevealIn,
    MergeIn,
    MergeOut,
    RevealField,
    RevealIn,
    RevealOut,
)
from telcodesk.deps import ApiStaff, DbDep, SettingsDep
from telcodesk.inputs import Line
from telcodesk.workorders import merge, reveal

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])

CustomerId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("", response_model=list[CustomerOut], operation_id="customers_find")
def find(
    staff: ApiStaff, db: DbDep, phone: Annotated[Line, Query(min_length=3, max_length=30)]
) -> list[CustomerOut]:
    """The customer holding a number, in any spelling (+86 138-0013-8000 finds 13800138000);
    an incomplete number finds nobody."""
    with db.uow() as session:
        return [
            CustomerOut.model_validate(c)
            for c in service.find_by_phone(session, phone, viewer=staff)
        ]


@router.post("", response_model=CustomerOut, status_code=201, operation_id="customers_create")
def create(body: CustomerIn, staff: ApiStaff, db: DbDep) -> CustomerOut:
    """One customer per number: 409 ``customer_exists`` (with its id) when the number has one.
    The city must lie in the agent's region (403 ``city_out_of_reach``, 422 ``region_unknown``);
    a province or HQ agent chooses it when the number names none of theirs (422
    ``city_required``)."""
    with db.uow() as session:
        return CustomerOut.model_validate(service.register_customer(session, staff, body))


@router.get("/{customer_id}", response_model=CustomerOut, operation_id="customers_get")
def get(customer_id: CustomerId, staff: ApiStaff, db: DbDep) -> CustomerOut:
    with db.uow() as session:
        return CustomerOut.model_validate(service.view_customer(session, customer_id, viewer=staff))


RATE_LIMITED: dict[int | str, dict[str, Any]] = {
    429: {"description": "reveal_rate_limited: too many reveals this hour"}
}


@router.post(
    "/{customer_id}/reveal",
    response_model=RevealOut,
    operation_id="customers_reveal",
    responses=RATE_LIMITED,
)
def reveal_field(
    customer_id: CustomerId, body: RevealIn, staff: ApiStaff, db: DbDep, settings: SettingsDep
) -> RevealOut:
    """The full value of one field, with a reason (CUSTOMER_REVEAL, customers of one's region),
    from an order of this customer's when ``order_number`` is given. At most
    ``reveals_per_hour`` per staff member (429 ``reveal_rate_limited``); each one is audited
    with the field, the customer and the order."""
    with db.uow() as session:
        customer, value = reveal.reveal(
            session,
            staff,
            customer_id,
            field=body.field,
            reason=body.reason,
            limit=settings.reveals_per_hour,
            order_number=body.order_number,
        )
        return _revealed(customer, body.field, value)


@router.post(
    "/{customer_id}/judicial-reveal",
    response_model=RevealOut,
    operation_id="customers_judicial_reveal",
    responses=RATE_LIMITED,
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
        customer, value = reveal.reveal(
            session,
            staff,
            customer_id,
            field=body.field,
            reason=body.reason,
            limit=settings.reveals_per_hour,
            order_number=body.order_number,
            case_reference=body.case_reference,
        )
        return _revealed(customer, body.field, value)


def _revealed(customer: Customer, field: RevealField, value: str | None) -> RevealOut:
    id_type = customer.id_type if field == RevealField.ID_NUMBER else None
    return RevealOut(customer_id=customer.id, field=field, value=value, id_type=id_type)


@router.post("/{customer_id}/merge", response_model=MergeOut, operation_id="customers_merge")
def merge_duplicate(customer_id: CustomerId, body: MergeIn, staff: ApiStaff, db: DbDep) -> MergeOut:
    """Fold a duplicate into this customer (CUSTOMER_MERGE, admins; both in one's region): the
    duplicate's orders move here with a history row each, the duplicate points here, and one
    audit record names both (BH-5, CD-2)."""
    with db.uow() as session:
        result = merge.merge_customers(
            session, staff, keep_id=customer_id, duplicate_id=body.duplicate_id, reason=body.reason
        )
        return MergeOut(
            customer=CustomerOut.model_validate(result.kept),
            merged_ids=result.merged_ids,
            orders_moved=result.order_numbers,
        )
