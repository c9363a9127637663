"""Console pages for notifications: the bell (htmx polling), the inbox grouped by order, mark
read, preferences; for admins the outbox (filter, replay dead letters) and the customer
message templates and quiet hours; an order's messages as a partial of its detail page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from telcodesk.deps import DbDep
from telcodesk.errors import DomainError, ValidationFailed
from telcodesk.notify import customer, outbox, queries, rules, service
from telcodesk.notify.schemas import PreferencesIn, QuietHoursIn, TemplateIn
from telcodesk.web.views import ConsoleStaff, error_text, failure, lang_of, render
from telcodesk.workorders import service as orders

router = APIRouter(include_in_schema=False)

RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]  # 32-bit keys: a larger one is bad input

BELL_POLL_S = 5


def _error_page(request: Request, staff: Any, exc: DomainError) -> HTMLResponse:
    return render(
        request, "error.html", staff, status=exc.status, heading=error_text(exc, lang_of(request))
    )


@router.get("/console/notifications/bell", response_class=HTMLResponse)
def bell(request: Request, staff: ConsoleStaff, db: DbDep) -> HTMLResponse:
    """The header's bell: the unread count, polled every few seconds."""
    with db.uow() as session:
        unread = service.unread_count(session, staff)
    return render(request, "notify/_bell.html", staff, unread=unread, poll=BELL_POLL_S)


@router.get("/console/notifications", response_class=HTMLResponse)
def inbox(
    request: Request, staff: ConsoleStaff, db: DbDep, unread: bool = False, status: int = 200
) -> HTMLResponse:
    with db.uow() as session:
        groups = queries.grouped(session, staff, unread_only=unread)
        count = service.unread_count(session, staff)
    return render(
        request,
        "notify/inbox.html",
        staff,
        status=status,
        groups=groups,
        unread_only=unread,
        unread=count,
        kinds=rules.STAFF_KINDS,
    )


@router.post("/console/notifications/{notification_id}/open", response_model=None)
def open_notification(
    notification_id: RowId, request: Request, staff: ConsoleStaff, db: DbDep
) -> Response:
    """Mark it read and go to its order."""
    try:
        with db.uow() as session:
            note = service.mark_read(session, staff, notification_id)
            number = queries.numbers(session, {note.order_id} if note.order_id else set())
    except DomainError as exc:
        return _error_page(request, staff, exc)
    target = f"/console/orders/{number[note.order_id]}" if note.order_id in number else None
    return RedirectResponse(target or "/console/notifications", status_code=303)


@router.post("/console/notifications/{notification_id}/read", response_model=None)
def read_one(notification_id: RowId, request: Request, staff: ConsoleStaff, db: DbDep) -> Response:
    try:
        with db.uow() as session:
            service.mark_read(session, staff, notification_id)
    except DomainError as exc:
        return _error_page(request, staff, exc)
    return RedirectResponse("/console/notifications", status_code=303)


@router.post("/console/notifications/read-all", response_model=None)
def read_all(staff: ConsoleStaff, db: DbDep) -> Response:
    with db.uow() as session:
        service.mark_all_read(session, staff)
    return RedirectResponse("/console/notifications", status_code=303)


@router.post("/console/orders/{number}/notifications/read", response_model=None)
def read_order(number: str, request: Request, staff: ConsoleStaff, db: DbDep) -> Response:
    try:
        with db.uow() as session:
            order = orders.get_order(session, number, viewer=staff)
            service.mark_order_read(session, staff, order.id)
    except DomainError as exc:
        return _error_page(request, staff, exc)
    return RedirectResponse("/console/notifications", status_code=303)


@router.get("/console/orders/{number}/messages", response_class=HTMLResponse)
def order_messages(number: str, request: Request, staff: ConsoleStaff, db: DbDep) -> Response:
    """The messages sent about an order with their delivery state (a partial of its page)."""
    try:
        with db.uow() as session:
            order = orders.get_order(session, number, viewer=staff)
            messages = outbox.for_order(session, order.id)
    except DomainError as exc:
        return _error_page(request, staff, exc)
    return render(request, "notify/_order_messages.html", staff, messages=messages)


@router.get("/console/customers/{customer_id}/opt-outs", response_class=HTMLResponse)
def opt_outs(customer_id: RowId, request: Request, staff: ConsoleStaff, db: DbDep) -> Response:
    """The customer's SMS opt-out 退订 on their page (a partial)."""
    try:
        with db.uow() as session:
            channels = customer.opt_outs(session, staff, customer_id)
    except DomainError as exc:
        return _error_page(request, staff, exc)
    return render(
        request, "notify/_opt_out.html", staff, customer_id=customer_id, channels=channels
    )


@router.post("/console/customers/{customer_id}/opt-outs", response_class=HTMLResponse)
async def set_opt_out(
    customer_id: RowId, request: Request, staff: ConsoleStaff, db: DbDep
) -> Response:
    form = await request.form()
    try:
        with db.uow() as session:
            customer.set_opt_out(
                session, staff, customer_id, rules.SMS, form.get("opted_out") == "1"
            )
            channels = customer.opt_outs(session, staff, customer_id)
    except DomainError as exc:
        return _error_page(request, staff, exc)
    return render(
        request, "notify/_opt_out.html", staff, customer_id=customer_id, channels=channels
    )


# --- preferences --------------------------------------------------------------------------


def _preferences_page(
    request: Request, staff: Any, db: DbDep, error: str | None = None, status: int = 200
) -> HTMLResponse:
    with db.uow() as session:
        profile = service.get_profile(session, staff)
        chosen = service.effective_channels(profile)
    return render(
        request,
        "notify/preferences.html",
        staff,
        status=status,
        error=error,
        profile=profile,
        chosen=chosen,
        kinds=rules.STAFF_KINDS,
        channels=rules.STAFF_CHANNELS,
        saved=request.query_params.get("saved") == "1",
    )


@router.get("/console/notifications/preferences", response_class=HTMLResponse)
def preferences(request: Request, staff: ConsoleStaff, db: DbDep) -> HTMLResponse:
    return _preferences_page(request, staff, db)


@router.post("/console/notifications/preferences", response_model=None)
async def save_preferences(request: Request, staff: ConsoleStaff, db: DbDep) -> Response:
    form = await request.form()
    channels = {
        kind: [c for c in rules.STAFF_CHANNELS if form.get(f"{kind}.{c}") == "1"]
        for kind in rules.STAFF_KINDS
    }
    try:
        data = PreferencesIn.model_validate(
            {
                "email": str(form.get("email") or "").strip() or None,
                "mobile": str(form.get("mobile") or "").strip() or None,
                "channels": channels,
            }
        )
        with db.uow() as session:
            service.save_profile(
                session, staff, email=data.email, mobile=data.mobile, channels=channels
            )
    except (ValidationError, DomainError) as exc:
        return _preferences_page(request, staff, db, *failure(request, exc))
    return RedirectResponse("/console/notifications/preferences?saved=1", status_code=303)


# --- the outbox (admins) ------------------------------------------------------------------


def _outbox_page(
    request: Request, staff: Any, db: DbDep, error: str | None = None, status: int = 200
) -> HTMLResponse:
    state = request.query_params.get("state") or None
    channel = request.query_params.get("channel") or None
    try:
        with db.uow() as session:
            rows = outbox.list_messages(session, staff, state=state, channel=channel, limit=200)
            totals = outbox.counts(session, staff)
    except DomainError as exc:
        return _error_page(request, staff, exc)
    return render(
        request,
        "notify/outbox.html",
        staff,
        status=status,
        error=error,
        rows=rows,
        totals=totals,
        state=state,
        channel=channel,
        states=rules.STATES,
        channels=rules.CHANNELS,
    )


@router.get("/console/admin/outbox", response_class=HTMLResponse)
def outbox_page(request: Request, staff: ConsoleStaff, db: DbDep) -> HTMLResponse:
    return _outbox_page(request, staff, db)


@router.post("/console/admin/outbox/replay", response_model=None)
async def replay(request: Request, staff: ConsoleStaff, db: DbDep) -> Response:
    form = await request.form()
    try:
        ids = [int(str(v)) for v in form.getlist("id")]
        if not ids:
            raise ValidationFailed("请选择要重发的死信", "Choose dead letters to replay")
        with db.uow() as session:
            outbox.replay(session, staff, ids)
    except ValueError:
        return _outbox_page(request, staff, db, "编号有误 / bad id", 422)
    except DomainError as exc:
        return _outbox_page(request, staff, db, *failure(request, exc))
    return RedirectResponse("/console/admin/outbox?state=pending", status_code=303)


# --- customer message templates and quiet hours (admins) ----------------------------------


def _messages_page(
    request: Request, staff: Any, db: DbDep, error: str | None = None, status: int = 200
) -> HTMLResponse:
    try:
        with db.uow() as session:
            kinds = customer.list_templates(session, staff)
            scope_province = customer.admin_province(staff)
            quiet = customer.quiet_window(session, scope_province)
    except DomainError as exc:
        return _error_page(request, staff, exc)
    return render(
        request,
        "notify/messages.html",
        staff,
        status=status,
        error=error,
        kinds=kinds,
        labels=rules.CUSTOMER_KINDS,
        province=scope_province,
        quiet=quiet,
        variables=sorted(customer.SAMPLE),
    )


@router.get("/console/admin/messages", response_class=HTMLResponse)
def messages(request: Request, staff: ConsoleStaff, db: DbDep) -> HTMLResponse:
    return _messages_page(request, staff, db)


@router.post("/console/admin/messages/template", response_model=None)
async def save_template(request: Request, staff: ConsoleStaff, db: DbDep) -> Response:
    form = await request.form()
    try:
        data = TemplateIn(body=str(form.get("body") or ""), active=True)
        with db.uow() as session:
            customer.save_template(
                session,
                staff,
                kind=str(form.get("kind") or ""),
                province_code=str(form.get("province_code") or ""),
                body=data.body,
            )
    except (ValidationError, DomainError) as exc:
        return _messages_page(request, staff, db, *failure(request, exc))
    return RedirectResponse("/console/admin/messages", status_code=303)


@router.post("/console/admin/messages/quiet-hours", response_model=None)
async def save_quiet(request: Request, staff: ConsoleStaff, db: DbDep) -> Response:
    form = await request.form()
    try:
        data = QuietHoursIn(start=str(form.get("start") or ""), end=str(form.get("end") or ""))
        with db.uow() as session:
            customer.save_quiet_hours(
                session,
                staff,
                province_code=str(form.get("province_code") or ""),
                start=data.start,
                end=data.end,
            )
    except (ValidationError, DomainError) as exc:
        return _messages_page(request, staff, db, *failure(request, exc))
    return RedirectResponse("/console/admin/messages", status_code=303)
