"""Console pages for customers (CD-2): the customer record with their orders, masked, and the
reveal form (htmx) that swaps in the full values once a reason is given."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from telcodesk.customers import masking
from telcodesk.customers import service as customers
from telcodesk.customers.models import Customer
from telcodesk.customers.schemas import MAX_ID, CustomerType, IdType, RevealField
from telcodesk.deps import DbDep, SettingsDep
from telcodesk.errors import DomainError
from telcodesk.org.models import Staff
from telcodesk.sla import service as sla
from telcodesk.web.views import ConsoleStaff, error_text, lang_of, render, templates
from telcodesk.workorders import service as orders
from telcodesk.workorders.models import WorkOrder
from telcodesk.workorders.rules import Label
from telcodesk.workorders.schemas import OrderFilter

router = APIRouter(include_in_schema=False)


CustomerId = Annotated[int, Path(ge=1, le=MAX_ID)]
RECENT_ORDERS = 100

CUSTOMER_TYPE_LABELS = {
    CustomerType.INDIVIDUAL: Label("个人", "Individual"),
    CustomerType.HOUSEHOLD: Label("家庭", "Household"),
    CustomerType.ENTERPRISE: Label("政企", "Enterprise"),
}
ID_TYPE_LABELS = {
    IdType.RESIDENT_ID: Label("居民身份证", "Resident ID card"),
    IdType.TEMPORARY_ID: Label("临时居民身份证", "Temporary ID card"),
    IdType.HOUSEHOLD_REGISTER: Label("户口簿", "Household register"),
    IdType.PASSPORT: Label("护照", "Passport"),
    IdType.HK_MACAO_ID: Label("港澳居民身份证", "HK/Macao ID card"),
    IdType.HOME_RETURN_PERMIT: Label("港澳居民来往内地通行证", "Home Return Permit"),
    IdType.TAIWAN_PERMIT: Label("台湾居民来往大陆通行证", "Taiwan compatriot permit"),
    IdType.MILITARY_ID: Label("军官证/士兵证", "Officer or soldier card"),
    IdType.FOREIGN_PASSPORT: Label("外国人护照", "Foreign passport"),
    IdType.BUSINESS_LICENCE: Label("营业执照", "Business licence"),
}
FIELD_LABELS = {
    RevealField.NAME: Label("客户姓名", "Name"),
    RevealField.PHONE: Label("联系电话", "Phone"),
    RevealField.ALT_PHONE: Label("备用电话", "Other phone"),
    RevealField.ID_NUMBER: Label("证件号码", "ID number"),
    RevealField.ADDRESS: Label("地址", "Address"),
}
templates.env.globals.update(
    CUSTOMER_TYPE_LABELS=CUSTOMER_TYPE_LABELS,
    ID_TYPE_LABELS=ID_TYPE_LABELS,
    FIELD_LABELS=FIELD_LABELS,
)


def _orders_of(session: Session, staff: Staff, customer: Customer) -> list[WorkOrder]:
    """The customer's latest orders that the staff member may see (the order list's scope)."""
    rows, _ = orders.list_orders(
        session, OrderFilter(customer_phone=customer.phone), viewer=staff, limit=RECENT_ORDERS
    )
    return [o for o in rows if o.customer_id == customer.id]


@router.get("/console/customers/{customer_id}", response_class=HTMLResponse)
def customer_page(
    customer_id: CustomerId, request: Request, staff: ConsoleStaff, db: DbDep
) -> HTMLResponse:
    try:
        with db.uow() as session:
            customer = customers.view_customer(session, customer_id, viewer=staff)
            rows = _orders_of(session, staff, customer)
            return render(
                request,
                "customer_detail.html",
                staff,
                customer=customer,
                orders=rows,
                deadlines={o.id: sla.view(session, o.clocks) for o in rows},
                title=masking.mask_name(customer.name),
            )
    except DomainError as exc:
        heading = error_text(exc, lang_of(request))
        return render(request, "error.html", staff, status=exc.status, heading=heading)


@router.post("/console/customers/{customer_id}/reveal", response_class=HTMLResponse)
async def reveal(
    customer_id: CustomerId,
    request: Request,
    staff: ConsoleStaff,
    db: DbDep,
    settings: SettingsDep,
) -> HTMLResponse:
    """The full values (all fields) for a stated reason; errors come back inline."""
    form = await request.form()
    judicial = form.get("kind") == "judicial"
    try:
        with db.uow() as session:
            customer, values = customers.reveal(
                session,
                staff,
                customer_id,
                fields=list(RevealField),
                reason=str(form.get("reason", "")),
                limit=settings.reveals_per_hour,
                case_reference=str(form.get("case_reference", "")) if judicial else None,
            )
    except DomainError as exc:
        return render(
            request,
            "_reveal_result.html",
            staff,
            status=_fragment_status(request, exc.status),
            error=error_text(exc, lang_of(request)),
            code=exc.code,
        )
    return render(request, "_reveal_result.html", staff, customer=customer, values=values)


def _fragment_status(request: Request, status: int) -> int:
    # htmx swaps only 2xx answers into the page: an inline error goes to htmx as 200, and with
    # its real status to any other client.
    return 200 if request.headers.get("HX-Request") == "true" else status
