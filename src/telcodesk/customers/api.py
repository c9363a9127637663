"""Customer lookup API (registration by phone)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from telcodesk.customers import service
from telcodesk.customers.schemas import CustomerIn, CustomerOut
from telcodesk.deps import ApiStaff, DbDep
from telcodesk.org import permissions
from telcodesk.org.permissions import Permission
from telcodesk.org.service import province_and_city

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])


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
