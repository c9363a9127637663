"""Work-order HTTP API. Handlers are thin: parse, call one service function, shape the answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from telcodesk.deps import ApiStaff, DbDep
from telcodesk.inputs import Line
from telcodesk.org.models import Staff
from telcodesk.sla import service as sla
from telcodesk.sla.schemas import ClockOut
from telcodesk.workorders import candidates, edits, service, warnings
from telcodesk.workorders.models import WorkOrder
from telcodesk.workorders.rules import Action, parse_public_number
from telcodesk.workorders.schemas import (
    CandidateGroupOut,
    CandidateOut,
    CategoryOut,
    ClosureCodeOut,
    EventOut,
    NoteIn,
    NoteOut,
    OrderCreate,
    OrderEdit,
    OrderFilter,
    OrderOut,
    OrderPage,
    TransitionIn,
    WarningOut,
)

router = APIRouter(prefix="/api/v1", tags=["work orders"])
# A public number such as WO20261124-000123; anything else is simply not found.
OrderNumber = Annotated[Line, Path(max_length=40)]

IdempotencyKey = Annotated[
    Line | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=100,
        description="A retried create with the same key returns the same order",
    ),
]


def order_out(session: Session, order: WorkOrder, viewer: Staff | None = None) -> OrderOut:
    # The customer comes out masked: CustomerBrief masks name and phone (CD-2).
    out = OrderOut.model_validate(order)
    # What this viewer may do now: legal in the state and allowed by who they are to it.
    out.allowed_actions = service.allowed_actions(order, viewer)
    out.deadlines = [ClockOut.model_validate(v) for v in sla.view(session, order.clocks)]
    return out


@router.post(
    "/orders",
    response_model=OrderOut,
    status_code=201,
    operation_id="orders_create",
    responses={200: {"model": OrderOut, "description": "Retried with the same Idempotency-Key"}},
)
def create_order(
    body: OrderCreate,
    staff: ApiStaff,
    db: DbDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> OrderOut:
    """Register a work order from any channel (CH-1, CH-3); one order per Idempotency-Key."""
    try:
        with db.uow() as session:
            order, created = service.register_order(
                session, staff, body, idempotency_key=idempotency_key
            )
            out = order_out(session, order, staff)
    except IntegrityError:
        # A concurrent request with the same key won the race: answer with its order.
        if not idempotency_key:
            raise
        with db.uow() as session:
            order = service.find_idempotent(session, staff, idempotency_key, body)  # type: ignore[assignment]
            if order is None:
                raise
            out, created = order_out(session, order, staff), False
    if not created:
        response.status_code = 200
    with db.uow() as session:  # what the agent should know (repeat, appealed before)
        out.warnings = [
            WarningOut.model_validate(w)
            for w in warnings.registration_warnings(
                session,
                staff,
                out.customer.id,
                body.category_code,
                exclude_id=parse_public_number(out.number),
            )
        ]
    return out


@router.get(
    "/customers/{customer_id}/registration-warnings",
    response_model=list[WarningOut],
    operation_id="registration_warnings",
)
def registration_warnings(
    customer_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    staff: ApiStaff,
    db: DbDep,
    category_code: Annotated[Line | None, Query(max_length=80)] = None,
) -> list[WarningOut]:
    """Before submitting: the customer's open orders in this category (重复投诉) and earlier
    appeals to the regulator (越级 risk). 404 for a customer outside the caller's region."""
    with db.uow() as session:
        return [
            WarningOut.model_validate(w)
            for w in warnings.registration_warnings(session, staff, customer_id, category_code)
        ]


@router.get("/orders", response_model=OrderPage, operation_id="orders_list")
def list_orders(
    staff: ApiStaff,
    db: DbDep,
    filters: Annotated[OrderFilter, Query()],
    cursor: Annotated[Line | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> OrderPage:
    """Search the work orders in the caller's scope, with keyset pagination."""
    with db.uow() as session:
        orders, next_cursor = service.list_orders(
            session, filters, viewer=staff, cursor=cursor, limit=limit
        )
        return OrderPage(
            items=[order_out(session, o, staff) for o in orders], next_cursor=next_cursor
        )


@router.get("/orders/{number}", response_model=OrderOut, operation_id="orders_get")
def get_order(number: OrderNumber, staff: ApiStaff, db: DbDep) -> OrderOut:
    """One work order with its clocks, masked per the caller's rights."""
    with db.uow() as session:
        return order_out(session, service.get_order(session, number, viewer=staff), staff)


@router.post(
    "/orders/{number}/actions/{action}", response_model=OrderOut, operation_id="orders_transition"
)
def transition(
    number: OrderNumber, action: Action, body: TransitionIn, staff: ApiStaff, db: DbDep
) -> OrderOut:
    """Apply a lifecycle action (WO-1); 409 illegal_transition / stale_version on conflict."""
    with db.uow() as session:
        order = service.transition(session, staff, number, action, body)
        return order_out(session, order, staff)


@router.patch("/orders/{number}", response_model=OrderOut, operation_id="orders_edit")
def edit_order(number: OrderNumber, body: OrderEdit, staff: ApiStaff, db: DbDep) -> OrderOut:
    """Correct the registration (WO-2): type, category, priority, subject, description,
    customer, city; each change in the history with old and new value. The new customer and
    city must be in the caller's region; the SLA clocks keep their policy (docs/sla.md)."""
    with db.uow() as session:
        order = edits.edit_order(session, staff, number, body)
        return order_out(session, order, staff)


def groups_out(groups: list[candidates.UnitGroup]) -> list[CandidateGroupOut]:
    return [
        CandidateGroupOut(
            unit_code=g.unit.code,
            unit_name=g.unit.name,
            region_code=g.unit.region_code,
            candidates=[
                CandidateOut(
                    username=c.staff.username,
                    display_name=c.staff.display_name,
                    role=c.staff.role,
                    available=c.staff.available,
                    load=c.load,
                )
                for c in g.candidates
            ],
        )
        for g in groups
    ]


@router.get(
    "/orders/{number}/candidates",
    response_model=list[CandidateGroupOut],
    operation_id="orders_candidates",
)
def list_candidates(
    number: OrderNumber,
    staff: ApiStaff,
    db: DbDep,
    action: Annotated[Action, Query(description="assign, transfer or escalate")] = Action.ASSIGN,
    q: Annotated[Line | None, Query(max_length=50, description="Part of a name")] = None,
) -> list[CandidateGroupOut]:
    """Who the caller may hand the order to with ``action``, grouped by unit, nearest the
    order first (CC-1, CH-4): roles that handle its type, in reach; 403 if the caller may not
    take that action on this order."""
    with db.uow() as session:
        return groups_out(candidates.for_order(session, staff, number, action, q))


@router.get(
    "/orders/{number}/history", response_model=list[EventOut], operation_id="orders_history"
)
def history(number: OrderNumber, staff: ApiStaff, db: DbDep) -> list[EventOut]:
    """An order's history: every change, who made it and when (WO-2)."""
    with db.uow() as session:
        order = service.get_order(session, number, viewer=staff)
        return [EventOut.model_validate(e) for e in service.history(session, order)]


@router.get("/orders/{number}/notes", response_model=list[NoteOut], operation_id="orders_notes")
def list_notes(number: OrderNumber, staff: ApiStaff, db: DbDep) -> list[NoteOut]:
    """An order's notes: internal notes and call-back attempts."""
    with db.uow() as session:
        order = service.get_order(session, number, viewer=staff)
        return [NoteOut.model_validate(n) for n in service.notes(session, order)]


@router.post(
    "/orders/{number}/notes",
    response_model=NoteOut,
    status_code=201,
    operation_id="orders_add_note",
)
def add_note(number: OrderNumber, body: NoteIn, staff: ApiStaff, db: DbDep) -> NoteOut:
    """Add a note to an order (kept in its history)."""
    with db.uow() as session:
        return NoteOut.model_validate(service.add_note(session, staff, number, body))


@router.get(
    "/closure-codes", response_model=list[ClosureCodeOut], operation_id="closure_codes_list"
)
def closure_codes(staff: ApiStaff, db: DbDep) -> list[ClosureCodeOut]:
    """The root causes and responsibilities an archive may record (SQ-2); reference data."""
    with db.uow() as session:
        return [ClosureCodeOut.model_validate(c) for c in service.closure_codes(session)]


@router.get("/categories", response_model=list[CategoryOut], operation_id="categories_list")
def categories(staff: ApiStaff, db: DbDep) -> list[CategoryOut]:  # reference data, not personal
    """The category tree orders are registered under."""
    with db.uow() as session:
        return [CategoryOut.model_validate(c) for c in service.list_categories(session)]
