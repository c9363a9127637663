"""Staff console (Jinja2 + htmx): login, order list, registration, order detail, my orders."""

from __future__ import annotations

import uuid
from html import escape
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from telcodesk.customers import service as customers
from telcodesk.deps import (
    SESSION_COOKIE,
    DbDep,
    LoginThrottleDep,
    SettingsDep,
    clear_session_cookie,
    client_address,
    set_csrf_cookie,
    set_session_cookie,
)
from telcodesk.errors import DomainError, ValidationFailed
from telcodesk.org import service as org
from telcodesk.org.models import Staff
from telcodesk.sla import service as sla
from telcodesk.web.i18n import LANGS
from telcodesk.web.kernel import (  # noqa: F401 - the console kernel; other views import it here too
    ConsoleStaff,
    LoginRequired,
    PasswordChangeRequired,
    console_staff,
    done,
    error_text,
    failure,
    form_fields,
    lang_of,
    render,
    templates,
)
from telcodesk.workorders import authority, candidates, edits, rules, warnings
from telcodesk.workorders import service as orders
from telcodesk.workorders.rules import ACTION_LABELS, Action, Label
from telcodesk.workorders.schemas import NoteIn, OrderCreate, OrderEdit, TransitionIn

router = APIRouter(include_in_schema=False)


# --- session ------------------------------------------------------------------------------


@router.get("/", response_class=RedirectResponse)
def home() -> RedirectResponse:
    return RedirectResponse("/console/orders", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> HTMLResponse:
    return render(request, "org/login.html")


@router.post("/login", response_model=None)
async def login(
    request: Request, db: DbDep, settings: SettingsDep, throttle: LoginThrottleDep
) -> Response:
    form = await request.form()
    username, password = str(form.get("username", ""))[:50], str(form.get("password", ""))[:200]
    with db.uow() as session:
        outcome = org.login(
            session,
            username,
            password,
            kind="console",
            settings=settings,
            client=client_address(request),
            throttle=throttle,
        )
    # Answered only now, after the commit, so a failure's count and audit row are kept (CD-2).
    if outcome.error is not None or outcome.token is None:
        error = outcome.error or DomainError()
        return render(
            request,
            "org/login.html",
            status=error.status,
            error=error_text(error, lang_of(request)),
            username=username,
        )
    target = "/console/account/password" if outcome.password_expired else "/console/orders"
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, outcome.token, settings)
    set_csrf_cookie(response, settings)  # a fresh CSRF token for the new session
    return response


@router.post("/logout")
def logout(request: Request, db: DbDep, settings: SettingsDep) -> RedirectResponse:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with db.uow() as session:
            org.close_session(session, token)
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response, settings)
    return response


@router.get("/lang/{lang}")
def switch_language(lang: str, request: Request) -> RedirectResponse:
    back = request.headers.get("referer") or "/console/orders"
    response = RedirectResponse(back, status_code=303)
    response.set_cookie(
        "td_lang", lang if lang in LANGS else "zh", samesite="lax", max_age=365 * 86400
    )
    return response


# --- lists --------------------------------------------------------------------------------


# --- registration -------------------------------------------------------------------------


@router.get("/console/orders/new", response_class=HTMLResponse)
def new_order_form(request: Request, staff: ConsoleStaff, db: DbDep) -> HTMLResponse:
    return _registration_form(request, staff, db, {})


@router.get("/console/customers/lookup", response_class=HTMLResponse)
def customer_lookup(request: Request, staff: ConsoleStaff, db: DbDep) -> HTMLResponse:
    phone = request.query_params.get("phone", "").strip()[:30]
    with db.uow() as session:
        found = customers.lookup_number(session, phone, viewer=staff)
    return render(
        request,
        "customers/_customer_matches.html",
        staff,
        lookup=found,
        phone=phone,
        cities=customers.cities_in_reach(staff),
        chosen_city=request.query_params.get("city_code") or found.attribution,
        partial=True,  # the name and tier fields are sent out of band
        form={k: request.query_params.get(k, "")[:50] for k in ("customer_name", "customer_tier")},
    )


@router.get("/console/customers/{customer_id}/warnings", response_class=HTMLResponse)
def registration_warnings(
    customer_id: int, request: Request, staff: ConsoleStaff, db: DbDep
) -> HTMLResponse:
    """Before submit (htmx): the found customer's repeat-complaint and appeal warnings for the
    category chosen; a customer out of reach is the kernel's 404 (CD-2)."""
    category = request.query_params.get("category_code", "").strip()[:80] or None
    with db.uow() as session:
        found = warnings.registration_warnings(session, staff, customer_id, category)
    return render(request, "workorders/_warnings.html", staff, warnings=found)


@router.post("/console/orders/new", response_model=None)
async def register(request: Request, staff: ConsoleStaff, db: DbDep) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    try:
        data = _order_from_form(form)
        with db.uow() as session:
            order, _ = orders.register_order(
                session, staff, data, idempotency_key=form.get("form_token") or None
            )
            number = order.number
    except (ValidationError, DomainError) as exc:
        return _registration_form(request, staff, db, form, error=error_text(exc, lang_of(request)))
    return done(request, f"/console/orders/{number}", f"已受理：{number}", f"Registered: {number}")


def _registration_form(
    request: Request, staff: Staff, db: DbDep, form: dict[str, str], error: str | None = None
) -> HTMLResponse:
    lang = lang_of(request)
    phone = form.get("customer_phone", "")
    with db.uow() as session:
        categories = orders.list_categories(session)
        # A form shown again keeps what the lookup said, with the city picker (BH-5, CC-1).
        lookup = customers.lookup_number(session, phone, viewer=staff) if phone else None
    return render(
        request,
        "workorders/order_new.html",
        staff,
        status=422 if error else 200,
        category_options=category_options(categories, lang),
        form=form,
        form_token=uuid.uuid4().hex,
        error=error,
        lookup=lookup,
        phone=phone,
        cities=customers.cities_in_reach(staff),
        chosen_city=form.get("city_code") or (lookup.attribution if lookup else None),
    )


def category_options(categories: list[Any], lang: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """The category picker's groups: each top category with its leaves' codes and paths."""
    by_id = {c.id: c for c in categories}

    def name(c: Any) -> str:
        return str(c.name_zh if lang == "zh" else c.name_en)

    def path(c: Any) -> str:
        parts = [name(c)]
        while c.parent_id is not None:
            c = by_id[c.parent_id]
            parts.append(name(c))
        return " / ".join(reversed(parts[:-1])) or parts[0]

    def top(c: Any) -> Any:
        while c.parent_id is not None:
            c = by_id[c.parent_id]
        return c

    groups: dict[int, list[tuple[str, str]]] = {}
    for c in categories:
        if c.parent_id is not None:
            groups.setdefault(top(c).id, []).append((c.code, path(c)))
    return [(name(by_id[g]), sorted(opts, key=lambda o: o[1])) for g, opts in groups.items()]


def _order_from_form(form: dict[str, str]) -> OrderCreate:
    raw: dict[str, Any] = {
        k: form[k]
        for k in ("type", "channel", "subject", "description", "priority", "resolution")
        if form.get(k)
    }
    raw["category_code"] = form.get("category_code") or None
    raw["resolve_now"] = form.get("resolve_now") == "1"
    if form.get("customer_id"):
        raw["customer_id"] = form["customer_id"]
    else:
        # A dict, not a CustomerIn: its errors then say customer.name, as the page names it.
        raw["customer"] = {
            "name": form.get("customer_name", ""),
            "phone": form.get("customer_phone", ""),
            "tier": form.get("customer_tier") or "standard",
            "city_code": form.get("city_code") or None,  # the city picker (CC-1)
        }
    return OrderCreate.model_validate(raw)


# --- detail and actions -------------------------------------------------------------------


def _detail(
    request: Request,
    staff: Staff,
    db: DbDep,
    number: str,
    *,
    status: int = 200,
    error: str | None = None,
) -> HTMLResponse:
    with db.uow() as session:
        order = orders.get_order(session, number, viewer=staff)
        events, notes = orders.history(session, order), orders.notes(session, order)
        # Only what this viewer may do is offered (workorders.rules.ORDER_ACTORS): a form
        # that would answer 403 is not shown.
        actions = orders.allowed_actions(order, staff)
        choosing = [a for a in actions if a in candidates.CHOOSING]
        groups = candidates.candidates(session, staff, order) if choosing else []
        deadlines = sla.view(session, order.clocks)
        editable = edits.may_edit(order, staff)
        timeline = sorted(
            # A note's own history row is not shown twice: the note itself is in the timeline.
            [("event", e.at, e) for e in events if e.action != "note"]
            + [("note", n.at, n) for n in notes],
            key=lambda item: item[1],
        )
        return render(
            request,
            "workorders/order_detail.html",
            staff,
            deadlines=deadlines,
            status=status,
            order=order,
            timeline=timeline,
            actions=actions,
            may_note=orders.may_note(order, staff),
            may_edit=editable,
            edit_labels=EDIT_LABELS,
            edit_categories=category_options(orders.list_categories(session), lang_of(request))
            if editable
            else [],
            edit_cities=customers.cities_in_reach(staff) if editable else [],
            relations=sorted(authority.relations_of(staff, order)),
            groups=groups,
            closure_codes=orders.closure_codes(session) if rules.ARCHIVING & set(actions) else [],
            closure_names={
                (c.kind, c.code): c.name_zh if lang_of(request) == "zh" else c.name_en
                for c in orders.closure_codes(session, active_only=False)
            }
            if order.root_cause or order.responsibility
            else {},
            error=error,
        )


@router.get("/console/orders/{number}", response_class=HTMLResponse)
def order_detail(number: str, request: Request, staff: ConsoleStaff, db: DbDep) -> HTMLResponse:
    return _detail(request, staff, db, number)  # out of scope: the kernel's 404 page (CD-2)


@router.get("/console/orders/{number}/candidates", response_class=HTMLResponse)
def candidate_options(
    number: str, request: Request, staff: ConsoleStaff, db: DbDep
) -> HTMLResponse:
    """The handler picker's options for a name typed in it (htmx), grouped by unit."""
    params = request.query_params
    action, q = params.get("action", Action.ASSIGN), params.get("q", "")[:50]
    try:
        if action not in candidates.CHOOSING:
            raise ValidationFailed("未知操作", f"Unknown action {action!r}", code="unknown_action")
        with db.uow() as session:
            groups = candidates.for_order(session, staff, number, Action(action), q)
            return render(
                request,
                "workorders/_candidate_options.html",
                staff,
                groups=groups,
                optional=action == Action.ESCALATE,
                selected=None,
            )
    except DomainError as exc:
        error, code = failure(request, exc)
        return HTMLResponse(f"<option value='' disabled>{escape(error)}</option>", code)


# The call-back's answer and the archive's classification (SQ-1, SQ-2), as the form sends them.
CLOSING_FIELDS = ("outcome", "root_cause", "responsibility", "justified")


@router.post("/console/orders/{number}/act/{action}", response_model=None)
async def act(
    number: str, action: str, request: Request, staff: ConsoleStaff, db: DbDep
) -> Response:
    form = await form_fields(request)
    try:
        if action not in Action.__members__.values():
            raise ValidationFailed("未知操作", f"Unknown action {action!r}", code="unknown_action")
        data = TransitionIn.model_validate(
            {
                k: form.get(k)
                for k in (*CLOSING_FIELDS, "version", "reason", "handler", "message", "extend_by")
            }
        )
        with db.uow() as session:
            orders.transition(session, staff, number, Action(action), data)
    except (ValidationError, DomainError) as exc:
        error, code = failure(request, exc)
        return _detail(request, staff, db, number, status=code, error=error)
    label = ACTION_LABELS[Action(action)]
    return done(request, f"/console/orders/{number}", f"操作成功：{label.zh}", f"Done: {label.en}")


@router.post("/console/orders/{number}/notes", response_model=None)
async def note(number: str, request: Request, staff: ConsoleStaff, db: DbDep) -> Response:
    form = await request.form()
    try:
        data = NoteIn(kind=str(form.get("kind", "note")), body=str(form.get("body", "")))
        with db.uow() as session:
            orders.add_note(session, staff, number, data)
    except (ValidationError, DomainError) as exc:
        error, code = failure(request, exc)
        return _detail(request, staff, db, number, status=code, error=error)
    return done(request, f"/console/orders/{number}", "备注已添加", "Note added")


# The fields an edit's history row lists, by their names in `changes` (WO-2).
EDIT_LABELS = {
    "type": Label("类型", "Type"),
    "category": Label("分类", "Category"),
    "priority": Label("优先级", "Priority"),
    "subject": Label("标题", "Subject"),
    "description": Label("描述", "Description"),
    "customer_id": Label("客户", "Customer"),
    "city_code": Label("地市", "City"),
}

# What the edit form sends (issue 9 item 3); unchanged values are no change.
EDIT_FIELDS = ("version", "reason", "type", "category_code", "priority", "subject", "description")


@router.post("/console/orders/{number}/edit", response_model=None)
async def edit(number: str, request: Request, staff: ConsoleStaff, db: DbDep) -> Response:
    form = await form_fields(request)
    try:
        raw: dict[str, Any] = {k: form[k] for k in EDIT_FIELDS if k in form}
        with db.uow() as session:
            order = orders.get_order(session, number, viewer=staff)
            if form.get("city_code") and form["city_code"] != order.city_code:
                raw["city_code"] = form["city_code"]
            phone = form.get("customer_phone")
            if phone and phone != order.customer.phone:
                # A number of a customer in the agent's reach (BH-5); else the form says so.
                found = customers.lookup_number(session, phone, viewer=staff)
                if not found.matches:
                    raise ValidationFailed(
                        "该号码没有您辖区内的客户",
                        "No customer of your region has this number",
                        code="customer_not_found",
                        details={"field": "customer_phone"},
                    )
                raw["customer_id"] = found.matches[0].id
            edits.edit_order(session, staff, number, OrderEdit.model_validate(raw))
    except (ValidationError, DomainError) as exc:
        error, code = failure(request, exc)
        return _detail(request, staff, db, number, status=code, error=error)
    return done(request, f"/console/orders/{number}", "工单已修改", "Order updated")
