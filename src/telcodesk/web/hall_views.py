"""Hall pages (BH-1…BH-3): the counter page for staff (console login, halls of their region),
and the public pages a hall's devices open with its screen token — the kiosk 取号机, the big
display that announces calls aloud (server-sent events, speechSynthesis), the phone H5 page
of one ticket (its own token). Public pages show numbers only, never a customer's data."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import date
from datetime import time as day_time
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from pydantic import ValidationError
from sqlalchemy import select

from telcodesk import clock
from telcodesk.customers import identity
from telcodesk.customers.schemas import IdType
from telcodesk.deps import DbDep
from telcodesk.errors import DomainError
from telcodesk.halls import appointments, offline, queries, rules, service, setup
from telcodesk.halls.api import (
    TicketOrderIn,
    TicketVisitIn,
    act,
    link_out,
    public_slot_out,
    register_ticket_order,
    start_ticket_visit,
)
from telcodesk.halls.models import HallConfig, Ticket
from telcodesk.halls.schemas import (
    HALL_CODE_PATTERN,
    TOKEN_PATTERN,
    BookIn,
    SlotsIn,
    TicketActionIn,
)
from telcodesk.inputs import Day
from telcodesk.org.models import OrgUnit
from telcodesk.web.kernel import ConsoleStaff, error_text, form_fields, lang_of, render

router = APIRouter(include_in_schema=False)

HallCode = Annotated[str, Path(pattern=HALL_CODE_PATTERN, max_length=40)]
CounterNo = Annotated[int, Path(ge=1, le=999)]
Token = Annotated[str, Path(pattern=TOKEN_PATTERN, max_length=40)]
# The display's stream: how often it looks for a change (a call shows within 1 s), and how
# long one stream lasts before the browser's EventSource reconnects by itself.
POLL_S = 0.25
STREAM_S = 300


@router.get("/console/halls", response_class=HTMLResponse)
def halls_page(request: Request, staff: ConsoleStaff, db: DbDep) -> HTMLResponse:
    with db.uow() as session:
        units = setup.halls_in_scope(session, staff)
        boards = [queries.board(session, u) for u in units]
        tokens = {}
        for u in units:
            config = session.get(HallConfig, u.id)
            tokens[u.code] = config.screen_token if config else ""
        return render(request, "halls/halls.html", staff, boards=boards, tokens=tokens)


def _counter_page(
    request: Request,
    staff: ConsoleStaff,
    db: DbDep,
    hall: str,
    counter: int,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    with db.uow() as session:
        unit = setup.hall_for(session, staff, hall)
        row = service.get_counter(session, unit, counter)
        current = service.current_ticket(session, row)
        parked = session.scalars(
            select(Ticket).where(Ticket.state == "parked", Ticket.pool_counter_id == row.id)
        ).all()
        board = queries.board(session, unit)
        announce = rules.announcement(current.number, row.number) if current else None
        # A number issued during an outage carries the pre-acceptance noted then (BH-6).
        noted = offline.pre_acceptance(session, current) if current else None
        links = [link_out(x) for x in service.links_of(session, current)] if current else []
        return render(
            request, "halls/counter.html", staff, status=status, error=error, hall=unit,
            board=board, counter=row, current=current, parked=parked, announce=announce,
            noted=noted, links=links, id_types=[(t.value, identity.LABELS[t]) for t in IdType],
        )  # fmt: skip


@router.get("/console/halls/{hall}/counters/{counter}", response_class=HTMLResponse)
def counter_page(
    request: Request, hall: HallCode, counter: CounterNo, staff: ConsoleStaff, db: DbDep
) -> HTMLResponse:
    return _counter_page(request, staff, db, hall, counter)


@router.post("/console/halls/{hall}/counters/{counter}/{verb}", response_model=None)
async def counter_action(
    request: Request, hall: HallCode, counter: CounterNo, verb: str, staff: ConsoleStaff, db: DbDep
) -> Response:
    """open, pause, close, call (next), walk (direct) — then back to the counter page."""
    fields = await form_fields(request)
    try:
        with db.uow() as session:
            unit = setup.hall_for(session, staff, hall)
            if verb in ("open", "pause", "close"):
                service.move_counter(session, staff, unit, counter, verb)
            elif verb == "call":
                service.call_next(session, staff, unit, counter)
            elif verb == "walk":
                service.walk_direct(session, staff, unit, counter, fields.get("type", "A"))
            else:
                raise service.CounterNotFound("不支持的操作", f"Unknown action {verb!r}")
    except DomainError as exc:
        return _counter_page(
            request, staff, db, hall, counter, error_text(exc, lang_of(request)), exc.status
        )
    return RedirectResponse(f"/console/halls/{hall}/counters/{counter}", status_code=303)


@router.post(
    "/console/halls/{hall}/counters/{counter}/tickets/{ticket_id}/{verb}", response_model=None
)
async def ticket_action(
    request: Request,
    hall: HallCode,
    counter: CounterNo,
    ticket_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    verb: str,
    staff: ConsoleStaff,
    db: DbDep,
) -> Response:
    fields = await form_fields(request)
    if verb in ("visit", "order"):
        return _link_action(request, hall, counter, ticket_id, verb, fields, staff, db)
    try:
        numbers = ("to_counter", "counter")
        body = TicketActionIn.model_validate(
            {
                k: (int(v) if k in numbers and v.isdigit() else v)
                for k, v in fields.items()
                if k in TicketActionIn.model_fields
            }
        )
        if verb not in (
            "recall",
            "start",
            "finish",
            "recycle",
            "park",
            "unpark",
            "transfer",
            "remove",
            "left",
        ):
            raise service.TicketNotFound("不支持的操作", f"Unknown action {verb!r}")
        with db.uow() as session:
            unit = setup.hall_for(session, staff, hall)
            act(session, staff, unit, ticket_id, verb, body)
    except (DomainError, ValidationError) as exc:
        status = exc.status if isinstance(exc, DomainError) else 422
        return _counter_page(
            request, staff, db, hall, counter, error_text(exc, lang_of(request)), status
        )
    return RedirectResponse(f"/console/halls/{hall}/counters/{counter}", status_code=303)


def _link_action(
    request: Request,
    hall: str,
    counter: int,
    ticket_id: int,
    verb: str,
    fields: dict[str, str],
    staff: ConsoleStaff,
    db: DbDep,
) -> Response:
    """The served ticket's customer to a counter visit (then its page: transactions, the
    slip) or a work order registered for them (item 3)."""
    try:
        if verb == "visit":
            visit_in = TicketVisitIn.model_validate(
                {
                    "document": {
                        "id_type": fields.get("id_type", ""),
                        "id_number": fields.get("id_number", ""),
                    },
                    **{k: fields[k] for k in ("phone",) if k in fields},
                }
            )
        else:
            order_in = TicketOrderIn.model_validate(
                {k: v for k, v in fields.items() if k in TicketOrderIn.model_fields}
            )
        with db.uow() as session:
            unit = setup.hall_for(session, staff, hall)
            if verb == "visit":
                made = start_ticket_visit(session, staff, unit, ticket_id, visit_in)
            else:
                made = register_ticket_order(session, staff, unit, ticket_id, order_in)
            number = made.number
    except (DomainError, ValidationError) as exc:
        status = exc.status if isinstance(exc, DomainError) else 422
        return _counter_page(
            request, staff, db, hall, counter, error_text(exc, lang_of(request)), status
        )
    if verb == "visit":
        return RedirectResponse(f"/console/counter/visits/{number}", status_code=303)
    return RedirectResponse(f"/console/halls/{hall}/counters/{counter}", status_code=303)


# --- appointments 预约 (BH-4) ------------------------------------------------------------------


def _appointments_page(
    request: Request,
    staff: ConsoleStaff,
    db: DbDep,
    hall: str,
    day: date | None = None,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    with db.uow() as session:
        unit = setup.hall_for(session, staff, hall)
        shown = day or clock.local(clock.now()).date()
        kinds = [
            t for t in setup.types_of(session, unit.id).values() if t.kind in ("standard", "vip")
        ]
        config = session.get(HallConfig, unit.id)
        return render(
            request, "halls/appointments.html", staff, status=status, error=error, hall=unit,
            day=shown, kinds=kinds, config=config,
            slots=appointments.day_slots(session, unit, shown),
            booked=appointments.day_appointments(session, unit, shown),
        )  # fmt: skip


def _day_of(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@router.get("/console/halls/{hall}/appointments", response_class=HTMLResponse)
def appointments_page(
    request: Request, hall: HallCode, staff: ConsoleStaff, db: DbDep, day: Day | None = None
) -> HTMLResponse:
    """The day's slots (free places), bookings, check-in and cancel; the manager opens slots."""
    return _appointments_page(request, staff, db, hall, day)


@router.post("/console/halls/{hall}/appointments/{verb}", response_model=None)
async def appointments_action(
    request: Request, hall: HallCode, verb: str, staff: ConsoleStaff, db: DbDep
) -> Response:
    """slots (open a day's slots), book (a member into a slot)."""
    fields = await form_fields(request)
    day = _day_of(fields.get("day"))
    try:
        with db.uow() as session:
            unit = setup.hall_for(session, staff, hall)
            if verb == "slots":
                body = SlotsIn.model_validate(
                    {k: v for k, v in fields.items() if k in SlotsIn.model_fields}
                )
                day = body.on()
                appointments.add_slots(
                    session, staff, unit, body.type, body.on(), day_time.fromisoformat(body.first),
                    day_time.fromisoformat(body.last), body.minutes, body.capacity,
                )  # fmt: skip
            elif verb == "book":
                booking = BookIn.model_validate(
                    {k: v for k, v in fields.items() if k in BookIn.model_fields}
                )
                appointments.book(
                    session, staff, unit, booking.slot_id, phone=booking.phone,
                    customer_id=booking.customer_id, source="console",
                )  # fmt: skip
            else:
                raise appointments.AppointmentNotFound("不支持的操作", f"Unknown action {verb!r}")
    except (DomainError, ValidationError) as exc:
        status = exc.status if isinstance(exc, DomainError) else 422
        return _appointments_page(
            request, staff, db, hall, day, error_text(exc, lang_of(request)), status
        )
    suffix = f"?day={day.isoformat()}" if day else ""
    return RedirectResponse(f"/console/halls/{hall}/appointments{suffix}", status_code=303)


@router.post("/console/halls/{hall}/appointments/{appointment_id}/{verb}", response_model=None)
async def appointment_action(
    request: Request,
    hall: HallCode,
    appointment_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    verb: str,
    staff: ConsoleStaff,
    db: DbDep,
) -> Response:
    """check-in (a ticket in the appointment queue, or walk-in if late) or cancel."""
    day = None
    try:
        with db.uow() as session:
            unit = setup.hall_for(session, staff, hall)
            found = appointments.get_appointment(session, unit, appointment_id)
            day = clock.local(found.starts_at).date()
            if verb == "check-in":
                appointments.check_in(session, unit, appointment_id, staff)
            elif verb == "cancel":
                appointments.cancel(session, staff, unit, appointment_id)
            else:
                raise appointments.AppointmentNotFound("不支持的操作", f"Unknown action {verb!r}")
    except DomainError as exc:
        return _appointments_page(
            request, staff, db, hall, day, error_text(exc, lang_of(request)), exc.status
        )
    return RedirectResponse(
        f"/console/halls/{hall}/appointments?day={day.isoformat() if day else ''}",
        status_code=303,
    )


# --- public pages ------------------------------------------------------------------------


@router.get("/h/{token}/kiosk", response_class=HTMLResponse)
def kiosk(request: Request, token: Token, db: DbDep) -> HTMLResponse:
    with db.uow() as session:
        unit, _ = setup.hall_by_token(session, token)
        kinds = [t for t in setup.types_of(session, unit.id).values() if t.kind != "appointment"]
        return render(request, "halls/kiosk.html", hall=unit, kinds=kinds, token=token)


# The kiosk's service worker (BH-6): it keeps the kiosk page so the page opens while the
# server is unreachable; the page itself keeps the numbers it issues then in IndexedDB.
SERVICE_WORKER = """
const CACHE = "telcodesk-kiosk-v1";
const KIOSK = new URL("kiosk", self.location).pathname;
self.addEventListener("install", (event) => {
  self.skipWaiting();
  event.waitUntil(caches.open(CACHE).then((cache) => cache.add(KIOSK)));
});
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.mode !== "navigate") return;  // the API: the network; the page handles failures
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(KIOSK, copy));
        }
        return response;
      })
      .catch(() => caches.match(KIOSK))
  );
});
"""


@router.get("/h/{token}/book", response_class=HTMLResponse)
def book_page(request: Request, token: Token, db: DbDep) -> HTMLResponse:
    """A member books today's visit on their phone (BH-4): the hall's slots, a texted code."""
    with db.uow() as session:
        unit, _ = setup.hall_by_token(session, token)
        now = clock.now()
        slots = [
            public_slot_out(v)
            for v in appointments.day_slots(session, unit, clock.local(now).date())
            if v.slot.starts_at > now
        ]
        return render(request, "halls/book.html", hall=unit, token=token, slots=slots)


@router.get("/h/{token}/sw.js")
def kiosk_service_worker(token: Token, db: DbDep) -> Response:
    with db.uow() as session:
        setup.hall_by_token(session, token)
    return Response(
        SERVICE_WORKER,
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache"},
    )


@router.get("/h/{token}/display", response_class=HTMLResponse)
def display(request: Request, token: Token, db: DbDep) -> HTMLResponse:
    with db.uow() as session:
        unit, _ = setup.hall_by_token(session, token)
        return render(
            request,
            "halls/display.html",
            hall=unit,
            token=token,
            state=queries.display(session, unit),
        )


@router.get("/h/{token}/events")
def display_events(token: Token, db: DbDep) -> StreamingResponse:
    """Server-sent events: the display's state whenever a ticket of the hall moves."""
    with db.uow() as session:
        unit, _ = setup.hall_by_token(session, token)
        hall_id = unit.id

    def stream() -> Iterator[str]:
        seen, started, beat = -1, time.monotonic(), time.monotonic()
        while time.monotonic() - started < STREAM_S:
            with db.uow() as session:
                hall = session.get(OrgUnit, hall_id)
                assert hall is not None
                now_version = queries.version(session, hall)
                if now_version != seen:
                    seen = now_version
                    data = queries.display(session, hall).model_dump(mode="json")
                    yield f"event: display\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
                    beat = time.monotonic()
            if time.monotonic() - beat > 5:
                yield ": keep-alive\n\n"
                beat = time.monotonic()
            time.sleep(POLL_S)

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"}
    )


@router.get("/t/{token}", response_class=HTMLResponse)
def phone(request: Request, token: Token, db: DbDep) -> HTMLResponse:
    """The customer's phone page: live position and estimated wait of one ticket."""
    with db.uow() as session:
        ticket = queries.ticket_by_token(session, token)
        if ticket is None:
            raise service.TicketNotFound()
        unit = session.get(OrgUnit, ticket.hall_id)
        assert unit is not None
        return render(
            request,
            "halls/phone.html",
            status_=queries.ticket_status(session, ticket, unit),
            token=token,
        )
