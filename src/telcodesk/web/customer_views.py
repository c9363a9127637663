"""Console pages for customers (CD-2): the customer record with their orders, masked, and the
reveal form (htmx) that swaps in the full values once a reason is given."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from telcodesk import regions
from telcodesk.counter import offers
from telcodesk.counter import profile as profiles
from telcodesk.counter import rules as counter_rules
from telcodesk.customers import consents, import_jobs, masking
from telcodesk.customers import service as customers
from telcodesk.customers.api import read_import_upload
from telcodesk.customers.models import Customer
from telcodesk.customers.rules import CARE_LABELS, KIND_LABELS, PURPOSE_LABELS, TIER_LABELS, Purpose
from telcodesk.customers.schemas import MAX_ID, ConsentIn, CustomerType, IdType, RevealField
from telcodesk.deps import DbDep, SettingsDep
from telcodesk.errors import DomainError, ValidationFailed
from telcodesk.org import permissions
from telcodesk.org.models import Staff
from telcodesk.org.permissions import Permission
from telcodesk.sla import service as sla
from telcodesk.web.kernel import done
from telcodesk.web.views import (
    ConsoleStaff,
    error_text,
    failure,
    form_fields,
    lang_of,
    render,
    templates,
)
from telcodesk.web.worklist_views import bulk_form
from telcodesk.workorders import merge, reveal
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
FIELD_LABELS = {  # the reveal form offers them in this order: a call-back needs the number
    RevealField.PHONE: Label("联系电话", "Phone"),
    RevealField.NAME: Label("客户姓名", "Name"),
    RevealField.ALT_PHONE: Label("备用电话", "Other phone"),
    RevealField.ID_NUMBER: Label("证件号码", "ID number"),
    RevealField.ADDRESS: Label("地址", "Address"),
}
templates.env.globals.update(
    region_name=lambda code: regions.full_name(code) or code,
    CUSTOMER_TYPE_LABELS=CUSTOMER_TYPE_LABELS,
    ID_TYPE_LABELS=ID_TYPE_LABELS,
    FIELD_LABELS=FIELD_LABELS,
    KIND_LABELS=KIND_LABELS,
    TIER_LABELS=TIER_LABELS,
    CARE_LABELS=CARE_LABELS,
    PURPOSE_LABELS=PURPOSE_LABELS,
    yuan=counter_rules.yuan,
    MARKETING_OFFERS=counter_rules.MARKETING_OFFERS,
)
templates.env.filters["counter_kind"] = lambda kind: (
    counter_rules.CATALOGUE[counter_rules.Kind(kind)].label.zh
)


def _orders_of(session: Session, staff: Staff, customer: Customer) -> list[WorkOrder]:
    """The customer's latest orders that the staff member may see (the order list's scope)."""
    rows, _ = orders.list_orders(
        session, OrderFilter(customer_phone=customer.phone), viewer=staff, limit=RECENT_ORDERS
    )
    return [o for o in rows if o.customer_id == customer.id]


@router.get("/console/customer-imports", response_class=HTMLResponse)
def import_page(request: Request, staff: ConsoleStaff) -> HTMLResponse:
    """Upload a customer file to import (CSV or Excel; CD-1)."""
    permissions.require(staff, Permission.CUSTOMER_EDIT)
    return render(request, "customers/import.html", staff, title="批量导入客户")


@router.post("/console/customer-imports", response_class=HTMLResponse)
async def import_upload(request: Request, staff: ConsoleStaff, db: DbDep) -> Response:
    """The upload starts a job; the browser goes to its page (POST-redirect-GET)."""
    try:
        filename, data = await read_import_upload(request)
        job = await run_in_threadpool(import_jobs.start, db.factory, staff, filename, data)
    except DomainError as exc:
        message, status = failure(request, exc)
        return render(
            request,
            "customers/import.html",
            staff,
            status=status,
            error=message,
            title="批量导入客户",
        )
    return RedirectResponse(f"/console/customer-imports/{job.id}", status_code=303)


JobId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/console/customer-imports/{job_id}", response_class=HTMLResponse)
def import_job_page(
    job_id: JobId, request: Request, staff: ConsoleStaff, db: DbDep
) -> HTMLResponse:
    with db.uow() as session:
        job = import_jobs.view(session, staff, job_id)
    return render(request, "customers/import_job.html", staff, job=job, title="批量导入客户")


@router.get("/console/customer-imports/{job_id}/progress", response_class=HTMLResponse)
def import_progress(
    job_id: JobId, request: Request, staff: ConsoleStaff, db: DbDep
) -> HTMLResponse:
    """The progress card alone, which the page polls while the job runs."""
    with db.uow() as session:
        job = import_jobs.view(session, staff, job_id)
    return render(request, "customers/_import_progress.html", staff, job=job)


@router.get("/console/customer-imports/{job_id}/errors.csv")
def import_errors(job_id: JobId, staff: ConsoleStaff, db: DbDep) -> Response:
    with db.uow() as session:
        body = import_jobs.error_report(session, staff, job_id)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="import-{job_id}-errors.csv"'},
    )


@router.get("/console/customers/{customer_id}", response_class=HTMLResponse)
def customer_page(
    customer_id: CustomerId, request: Request, staff: ConsoleStaff, db: DbDep
) -> HTMLResponse:
    return _customer_page(request, staff, db, customer_id)


def _customer_page(
    request: Request,
    staff: Staff,
    db: DbDep,
    customer_id: int,
    *,
    status: int = 200,
    **extra: Any,
) -> HTMLResponse:
    try:
        with db.uow() as session:
            customer = customers.view_customer(session, customer_id, viewer=staff)
            rows = _orders_of(session, staff, customer)
            return render(
                request,
                "customers/customer_detail.html",
                staff,
                status=status,
                customer=customer,
                orders=rows,
                deadlines={o.id: sla.view(session, o.clocks) for o in rows},
                **bulk_form(session, staff),
                title=masking.mask_name(customer.name),
                profile=profiles.profile(session, customer.id, viewer=staff),
                duplicates=customers.possible_duplicates(session, staff, customer)
                if permissions.can(staff, Permission.CUSTOMER_MERGE)
                else [],
                **extra,
            )
    except DomainError as exc:
        heading = error_text(exc, lang_of(request))
        return render(request, "error.html", staff, status=exc.status, heading=heading)


@router.post("/console/customers/{customer_id}/merge", response_class=HTMLResponse)
async def merge_duplicate(
    customer_id: CustomerId, request: Request, staff: ConsoleStaff, db: DbDep
) -> HTMLResponse:
    """An admin folds a duplicate into this customer (BH-5); the page shows what moved."""
    form = await form_fields(request)
    duplicate = form.get("duplicate_id", "")
    try:
        if not duplicate.isdigit() or not 1 <= int(duplicate) <= MAX_ID:
            raise ValidationFailed(
                "请填写重复客户的编号",
                "Give the duplicate customer's id",
                code="duplicate_required",
            )
        with db.uow() as session:
            result = merge.merge_customers(
                session,
                staff,
                keep_id=customer_id,
                duplicate_id=int(duplicate),
                reason=form.get("reason", ""),
            )
    except DomainError as exc:
        message = error_text(exc, lang_of(request))
        return _customer_page(
            request, staff, db, customer_id, status=exc.status, merge_error=message
        )
    return _customer_page(request, staff, db, result.kept.id, merged=result)


@router.post("/console/customers/{customer_id}/consents", response_class=HTMLResponse)
async def record_consent(
    customer_id: CustomerId, request: Request, staff: ConsoleStaff, db: DbDep
) -> Response:
    """A grant or a withdrawal appended to the consent ledger (CD-3)."""
    form = await form_fields(request)
    try:
        data = ConsentIn.model_validate(
            {
                "purpose": form.get("purpose", ""),
                "granted": form.get("granted", "true") == "true",
                "third_party": form.get("third_party", ""),
                "valid_until": form.get("valid_until") or None,
                "evidence": form.get("evidence", ""),
            }
        )
        with db.uow() as session:
            consents.record(
                session,
                staff,
                customer_id,
                purpose=Purpose(data.purpose),
                granted=data.granted,
                channel=data.channel.value,
                evidence=data.evidence,
                third_party=data.third_party,
                valid_until=data.until,
            )
    except (DomainError, ValidationError) as exc:
        message, status = failure(request, exc)
        return _customer_page(request, staff, db, customer_id, status=status, consent_error=message)
    # POST-redirect-GET: a reload does not append the entry again; the page says it was done.
    zh, en = (
        ("授权已记入", "Consent recorded")
        if data.granted
        else ("撤回已记入", "Withdrawal recorded")
    )
    return done(request, f"/console/customers/{customer_id}#consents", zh, en)


@router.post("/console/customers/{customer_id}/offers", response_class=HTMLResponse)
async def send_offer(
    customer_id: CustomerId, request: Request, staff: ConsoleStaff, db: DbDep
) -> Response:
    """A marketing SMS with one offer: refused without the customer's marketing consent."""
    form = await form_fields(request)
    try:
        with db.uow() as session:
            offers.send_offer(session, staff, customer_id, form.get("offer", "")[:40])
    except DomainError as exc:
        message, status = failure(request, exc)
        return _customer_page(request, staff, db, customer_id, status=status, offer_error=message)
    return done(
        request, f"/console/customers/{customer_id}#consents", "营销短信已发送", "Offer SMS sent"
    )


@router.post("/console/customers/{customer_id}/reveal", response_class=HTMLResponse)
async def reveal_field(
    customer_id: CustomerId,
    request: Request,
    staff: ConsoleStaff,
    db: DbDep,
    settings: SettingsDep,
) -> HTMLResponse:
    """The full value of the one field chosen, for a stated reason, from the order the form
    sits on (if any); errors come back inline (CD-2)."""
    form = await form_fields(request)
    judicial = form.get("kind") == "judicial"
    field = form.get("field", "")
    try:
        with db.uow() as session:
            customer, value = reveal.reveal(
                session,
                staff,
                customer_id,
                field=field,
                reason=form.get("reason", ""),
                limit=settings.reveals_per_hour,
                order_number=form.get("order_number") or None,
                case_reference=form.get("case_reference", "") if judicial else None,
            )
    except DomainError as exc:
        return render(
            request,
            "customers/_reveal_result.html",
            staff,
            status=_fragment_status(request, exc.status),
            error=error_text(exc, lang_of(request)),
            code=exc.code,
        )
    return render(
        request, "customers/_reveal_result.html", staff, customer=customer, field=field, value=value
    )


def _fragment_status(request: Request, status: int) -> int:
    # htmx swaps only 2xx answers into the page: an inline error goes to htmx as 200, and with
    # its real status to any other client.
    return 200 if request.headers.get("HX-Request") == "true" else status
