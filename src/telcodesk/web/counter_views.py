"""Console pages for the counter 柜台办理 (BH-1, BH-5, BH-7, VA-1…VA-3): look a customer up by
the document they show, start a visit, add transactions (each checked by its kind's data),
watch a value-added request wait for the SMS confirmation, have the slip signed once and
print it 一单清. Errors become the console's error page (web/kernel.py) or an inline message.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from telcodesk import clock
from telcodesk.counter import kpis, rules, service
from telcodesk.counter.api import VISIT_PATTERN, slip_pdf_response, visit_out
from telcodesk.counter.schemas import TransactionIn, VisitIn
from telcodesk.customers import identity
from telcodesk.customers import service as customers
from telcodesk.customers.models import Customer
from telcodesk.deps import DbDep
from telcodesk.errors import DomainError
from telcodesk.org import permissions
from telcodesk.org.models import Staff
from telcodesk.org.permissions import Permission
from telcodesk.web.kernel import ConsoleStaff, failure, form_fields, render, templates

router = APIRouter(include_in_schema=False)

VisitNumber = Annotated[str, Path(pattern=VISIT_PATTERN, max_length=20)]
templates.env.globals.update(
    COUNTER_KINDS=rules.CATALOGUE,
    COUNTER_SERVICES=rules.SERVICES,
    RETENTION_OFFERS=rules.RETENTION_OFFERS,
    DOCUMENT_LABELS=identity.LABELS,
    yuan=rules.yuan,
)


@router.get("/console/counter", response_class=HTMLResponse)
def counter_home(request: Request, staff: ConsoleStaff, db: DbDep) -> HTMLResponse:
    """The counter's start: the document the customer shows finds them (BH-7)."""
    return _counter_home(request, staff, db, "resident_id", "")


@router.post("/console/counter/lookup", response_class=HTMLResponse)
async def counter_lookup(request: Request, staff: ConsoleStaff, db: DbDep) -> HTMLResponse:
    """The look-up is a POST so the full document number stays out of URLs, browser history
    and access logs (CD-2); it reads and writes nothing."""
    form = await form_fields(request)
    kind, number = form.get("id_type", "resident_id")[:40], form.get("id_number", "")[:40]
    return _counter_home(request, staff, db, kind, number)


def _counter_home(
    request: Request, staff: Staff, db: DbDep, kind: str, number: str
) -> HTMLResponse:
    found: list[Customer] = []
    error = None
    if number:
        try:
            with db.uow() as session:
                found = customers.find_by_document(session, kind, number, viewer=staff)
        except DomainError as exc:
            error, _ = failure(request, exc)
    return render(
        request,
        "counter/counter_home.html",
        staff,
        title="柜台办理",
        found=found,
        id_type=kind,
        id_number=number,
        error=error,
        searched=bool(number),
    )


@router.post("/console/counter/visits", response_class=HTMLResponse)
async def start_visit(request: Request, staff: ConsoleStaff, db: DbDep) -> Response:
    form = await form_fields(request)
    try:
        data = VisitIn.model_validate(
            {
                "customer_id": form.get("customer_id", ""),
                "document": {
                    "id_type": form.get("id_type", ""),
                    "id_number": form.get("id_number", ""),
                },
            }
        )
        with db.uow() as session:
            number = service.start_visit(session, staff, data).number
    except (DomainError, ValidationError) as exc:
        message, status = failure(request, exc)
        return render(
            request,
            "counter/counter_home.html",
            staff,
            status=status,
            found=[],
            error=message,
            id_type=form.get("id_type", ""),
            id_number=form.get("id_number", ""),
            searched=False,
            title="柜台办理",
        )
    return RedirectResponse(f"/console/counter/visits/{number}", status_code=303)


def _visit_page(request: Request, staff: Any, db: DbDep, number: str, **extra: Any) -> HTMLResponse:
    with db.uow() as session:
        visit = service.get_visit(session, number, viewer=staff)
        customer = customers.get_customer(session, visit.customer_id, viewer=staff)
        products = customers.products_of(session, customer.id)
        shown = visit_out(session, visit)
        return render(
            request,
            "counter/visit.html",
            staff,
            status=extra.pop("status", 200),
            title=f"柜台办理 {shown.number}",
            visit=shown,
            customer=customer,
            products=products,
            **extra,
        )


@router.get("/console/counter/visits/{visit_number}", response_class=HTMLResponse)
def visit_page(
    visit_number: VisitNumber, request: Request, staff: ConsoleStaff, db: DbDep
) -> HTMLResponse:
    return _visit_page(request, staff, db, visit_number)


def _transaction_from_form(form: dict[str, str]) -> TransactionIn:
    body: dict[str, Any] = {
        "kind": form.get("kind", ""),
        "product_number": form.get("product_number") or None,
        "service": form.get("service") or None,
        "plan": form.get("plan") or None,
        "amount_fen": int(float(form["amount_yuan"]) * 100) if form.get("amount_yuan") else None,
        "penalty_acknowledged": form.get("penalty_acknowledged") == "on",
        "notice_acknowledged": form.get("notice_acknowledged") == "on",
    }
    if form.get("retention_offer"):
        body["retention"] = {
            "offer": form["retention_offer"],
            "accepted": form.get("retention_accepted") == "yes",
            "reason": form.get("retention_reason", ""),
        }
    for who in ("new_holder", "proxy"):
        if form.get(f"{who}_id_number"):
            body[who] = {
                "id_type": form.get(f"{who}_id_type", "resident_id"),
                "id_number": form[f"{who}_id_number"],
                "name": form.get(f"{who}_name", ""),
            }
    return TransactionIn.model_validate(body)


@router.post("/console/counter/visits/{visit_number}/transactions", response_class=HTMLResponse)
async def add_transaction(
    visit_number: VisitNumber, request: Request, staff: ConsoleStaff, db: DbDep
) -> Response:
    form = await form_fields(request)
    try:
        data = _transaction_from_form(form)
        with db.uow() as session:
            service.add_transaction(session, staff, visit_number, data)
    except (DomainError, ValidationError) as exc:
        message, status = failure(request, exc)
        return _visit_page(
            request, staff, db, visit_number, status=status, error=message, form=form
        )
    except ValueError:
        return _visit_page(
            request,
            staff,
            db,
            visit_number,
            status=422,
            error="金额格式有误 / bad amount",
            form=form,
        )
    return RedirectResponse(f"/console/counter/visits/{visit_number}", status_code=303)


@router.post("/console/counter/visits/{visit_number}/sign", response_class=HTMLResponse)
def sign_visit(
    visit_number: VisitNumber, request: Request, staff: ConsoleStaff, db: DbDep
) -> Response:
    try:
        with db.uow() as session:
            service.sign_visit(session, staff, visit_number)
    except DomainError as exc:
        message, status = failure(request, exc)
        return _visit_page(request, staff, db, visit_number, status=status, error=message)
    return RedirectResponse(f"/console/counter/visits/{visit_number}/slip", status_code=303)


@router.get("/console/counter/visits/{visit_number}/slip", response_class=HTMLResponse)
def slip(
    visit_number: VisitNumber, request: Request, staff: ConsoleStaff, db: DbDep
) -> HTMLResponse:
    """The combined slip 一单清 to print (BH-5): every transaction of the visit with its fee
    and terms, the masked document, the signature field."""
    with db.uow() as session:
        visit = service.get_visit(session, visit_number, viewer=staff)
        customer = customers.get_customer(session, visit.customer_id, viewer=staff)
        return render(
            request,
            "counter/slip.html",
            staff,
            title=f"业务单 {visit.number}",
            visit=visit_out(session, visit),
            customer=customer,
            agent=staff,
        )


@router.get("/console/counter/visits/{visit_number}/slip.pdf")
def slip_pdf(visit_number: VisitNumber, staff: ConsoleStaff, db: DbDep) -> Response:
    """The same slip as PDF, to download or print (BH-5)."""
    return slip_pdf_response(db, staff, visit_number)


@router.get("/console/counter/kpis", response_class=HTMLResponse)
def data_quality(request: Request, staff: ConsoleStaff, db: DbDep) -> HTMLResponse:
    """Customer-data quality KPIs per city for a month (CD-4), with their formulas."""
    today = clock.local(clock.now()).date()
    month = request.query_params.get("month", f"{today:%Y-%m}")
    try:
        year, mon = (int(x) for x in month.split("-"))
        first = datetime(year, mon, 1, tzinfo=clock.SHANGHAI)
    except ValueError:
        year, mon = today.year, today.month
        first = datetime(year, mon, 1, tzinfo=clock.SHANGHAI)
    after = datetime(year + mon // 12, mon % 12 + 1, 1, tzinfo=clock.SHANGHAI)
    permissions.require(staff, Permission.CUSTOMER_VIEW)
    with db.uow() as session:
        rows = kpis.data_quality(session, staff, first.astimezone(UTC), after.astimezone(UTC))
    return render(
        request,
        "counter/kpis.html",
        staff,
        title="客户资料质量",
        rows=rows,
        month=f"{year:04d}-{mon:02d}",
        targets=kpis.TARGETS,
    )
