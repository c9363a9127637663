"""Hall API (BH-1…BH-3): staff at counters and guides (bearer token, halls of their region
only: another region's hall answers 404), and the public pages' calls (kiosk, phone, display),
which carry the hall's screen token or the ticket's own token instead of a login.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from telcodesk import clock
from telcodesk.counter import service as counter
from telcodesk.counter.schemas import DocumentIn, VisitIn
from telcodesk.customers import phones
from telcodesk.customers import service as customers
from telcodesk.customers.models import Customer
from telcodesk.deps import ApiStaff, DbDep
from telcodesk.errors import ValidationFailed
from telcodesk.halls import appointments, offline, queries, rules, service, setup
from telcodesk.halls.models import ServiceType, TicketLink
from telcodesk.halls.schemas import (
    HALL_CODE_PATTERN,
    PHONE_PATTERN,
    TOKEN_PATTERN,
    AppointmentOut,
    BookIn,
    CalledOut,
    CheckInOut,
    CodeIn,
    CounterMove,
    DeviceIn,
    DeviceOut,
    DisplayOut,
    GuideIssueIn,
    HallOut,
    IssuedOut,
    IssueIn,
    KioskCheckInIn,
    KpisOut,
    OfflineBatchIn,
    OfflineResultOut,
    PhoneBookedOut,
    PhoneBookIn,
    PublicSlotOut,
    SlotOut,
    SlotsIn,
    TicketActionIn,
    TicketOut,
    TicketStatusOut,
    TicketVerb,
    WalkDirectIn,
)
from telcodesk.inputs import MAX_ID, Day, Line, Text
from telcodesk.org import service as org
from telcodesk.org.models import OrgUnit, Staff
from telcodesk.org.permissions import Permission
from telcodesk.workorders import service as orders
from telcodesk.workorders.rules import Channel, OrderType
from telcodesk.workorders.schemas import OrderCreate

router = APIRouter(prefix="/api/v1", tags=["halls"])

HallCode = Annotated[str, Path(pattern=HALL_CODE_PATTERN, max_length=40)]
CounterNo = Annotated[int, Path(ge=1, le=999)]
TicketId = Annotated[int, Path(ge=1, le=MAX_ID)]
Token = Annotated[str, Path(pattern=TOKEN_PATTERN, max_length=40)]


def _issued(session: Session, hall: OrgUnit, ticket: service.Ticket) -> IssuedOut:
    status = queries.ticket_status(session, ticket, hall)
    return IssuedOut(
        number=ticket.number,
        type_zh=status.type_zh,
        ahead=status.ahead,
        estimate_minutes=ticket.estimate_minutes or 0,
        token=ticket.public_token,
        issued_at=ticket.issued_at,
    )


def issue_for(
    session: Session, hall: OrgUnit, body: IssueIn, source: str, actor: Staff | None = None
) -> service.Ticket:
    """A ticket; a known number links the customer, so their tier and special care are known
    (BH-2: gold and diamond to the VIP lane, the elderly 65+ and disabled to 爱心通道)."""
    customer = None
    if body.phone:
        number = phones.try_normalise(body.phone)
        customer = customers.owner_of(session, number) if number else None
    if isinstance(body, GuideIssueIn) and body.customer_id and actor is not None:
        customer = customers.view_customer(session, body.customer_id, viewer=actor)
    return service.issue(
        session,
        hall,
        body.type,
        source=source,
        customer_id=customer.id if customer else None,
        tier=customer.tier if customer else "standard",
        care=body.care
        or (customer is not None and customers.special_care_of(customer) is not None),
        actor=actor,
    )


@router.get("/halls", response_model=list[HallOut], operation_id="halls_list")
def list_halls(staff: ApiStaff, db: DbDep) -> list[HallOut]:
    """Halls of the caller's region with their queues, counters and open alerts."""
    with db.uow() as session:
        return [queries.board(session, h) for h in setup.halls_in_scope(session, staff)]


@router.get("/halls/{hall}", response_model=HallOut, operation_id="halls_get")
def get_hall(hall: HallCode, staff: ApiStaff, db: DbDep) -> HallOut:
    """A hall's board: counters, what each is calling and the waiting per queue."""
    with db.uow() as session:
        return queries.board(session, setup.hall_for(session, staff, hall))


@router.get("/halls/{hall}/kpis", response_model=KpisOut, operation_id="halls_kpis")
def hall_kpis(hall: HallCode, staff: ApiStaff, db: DbDep, day: Day | None = None) -> KpisOut:
    """The hall day's KPIs (T-3, T-4): waits and handling (mean, p50, p90), share within
    target, no-show and left rates, by type, tier, counter and hour; today by default."""
    with db.uow() as session:
        unit = setup.hall_for(session, staff, hall, Permission.HALL_MANAGE)
        return queries.day_kpis(session, unit, day or clock.local(clock.now()).date())


@router.post("/halls/{hall}/tickets", response_model=IssuedOut, operation_id="halls_issue")
def guide_issue(hall: HallCode, body: GuideIssueIn, staff: ApiStaff, db: DbDep) -> IssuedOut:
    """A guide's tablet issues a ticket (a known customer by id or number)."""
    with db.uow() as session:
        unit = setup.hall_for(session, staff, hall)
        return _issued(session, unit, issue_for(session, unit, body, "guide", staff))


@router.post(
    "/halls/{hall}/counters/{counter}/call-next",
    response_model=CalledOut,
    operation_id="halls_call_next",
)
def call_next(hall: HallCode, counter: CounterNo, staff: ApiStaff, db: DbDep) -> CalledOut:
    """Call the counter's next ticket by its work profile (ticket null: the queues are empty)."""
    with db.uow() as session:
        unit = setup.hall_for(session, staff, hall)
        called = service.call_next(session, staff, unit, counter)
        if called is None:
            return CalledOut(ticket=None, reason=None, counter=counter, announcement_zh=None)
        said = rules.announcement(called.ticket.number, counter)
        return CalledOut(
            ticket=TicketOut.model_validate(called.ticket),
            reason=called.reason,
            counter=counter,
            announcement_zh=said.zh,
        )


@router.post(
    "/halls/{hall}/counters/{counter}/walk-direct",
    response_model=TicketOut,
    operation_id="halls_walk_direct",
)
def walk_direct(
    hall: HallCode, counter: CounterNo, body: WalkDirectIn, staff: ApiStaff, db: DbDep
) -> TicketOut:
    """Serve a customer at once at the counter (a ticket made serving)."""
    with db.uow() as session:
        unit = setup.hall_for(session, staff, hall)
        tier = "standard"
        if body.customer_id:
            tier = customers.view_customer(session, body.customer_id, viewer=staff).tier
        ticket = service.walk_direct(
            session, staff, unit, counter, body.type, customer_id=body.customer_id, tier=tier
        )
        return TicketOut.model_validate(ticket)


@router.post(
    "/halls/{hall}/counters/{counter}/{move}",
    response_model=HallOut,
    operation_id="halls_counter_move",
)
def move_counter(
    hall: HallCode, counter: CounterNo, move: CounterMove, staff: ApiStaff, db: DbDep
) -> HallOut:
    """Open, pause or close a counter (a pause while the queue is over target alerts, BH-3)."""
    with db.uow() as session:
        unit = setup.hall_for(session, staff, hall)
        service.move_counter(session, staff, unit, counter, move)
        return queries.board(session, unit)


@router.post(
    "/halls/{hall}/tickets/{ticket_id}/{verb}",
    response_model=TicketOut,
    operation_id="halls_ticket_action",
)
def ticket_action(
    hall: HallCode,
    ticket_id: TicketId,
    verb: TicketVerb,
    body: TicketActionIn,
    staff: ApiStaff,
    db: DbDep,
) -> TicketOut:
    """Act on a ticket at the counter.

    recall (no-show after N calls), start, finish (with an outcome), recycle, park, unpark
    (to a counter), transfer (to a type, counter or person), remove, left, solved (BH-1)."""
    with db.uow() as session:
        unit = setup.hall_for(session, staff, hall)
        ticket = act(session, staff, unit, ticket_id, verb, body)
        return TicketOut.model_validate(ticket)


def act(
    session: Session, staff: Staff, unit: OrgUnit, ticket_id: int, verb: str, body: TicketActionIn
) -> service.Ticket:
    """One verb on a ticket (the API and the console page share it)."""
    if verb == "recall":
        return service.recall(session, staff, unit, ticket_id)
    if verb == "start":
        return service.start(session, staff, unit, ticket_id)
    if verb == "finish":
        return service.finish(session, staff, unit, ticket_id, body.outcome)
    if verb == "recycle":
        return service.recycle(session, staff, unit, ticket_id)
    if verb == "park":
        return service.park(session, staff, unit, ticket_id)
    if verb == "unpark":
        counter = body.counter or 0
        return service.unpark(session, staff, unit, ticket_id, counter)
    if verb == "transfer":
        to_staff = org.get_staff_by_username(session, body.to_staff) if body.to_staff else None
        return service.transfer(
            session,
            staff,
            unit,
            ticket_id,
            to_type=body.to_type,
            to_counter=body.to_counter,
            to_staff=to_staff,
        )
    if verb == "solved":
        return service.solved_by_guide(session, staff, unit, ticket_id)
    return service.remove(session, staff, unit, ticket_id, left=verb == "left")


# --- finishing a visit: a counter visit and work orders for the ticket's customer (item 3) ---
# Composition: halls and counter (and workorders) are peers; they meet here and in web/, and
# halls keeps the link (hall_ticket_link).


class TicketVisitIn(BaseModel):
    """Start a counter visit for the ticket's customer (known on the ticket, or by id or
    number here), identified by the document they show (BH-7)."""

    model_config = ConfigDict(extra="forbid")
    document: DocumentIn
    customer_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    phone: str | None = Field(default=None, pattern=PHONE_PATTERN, max_length=30)


class TicketOrderIn(BaseModel):
    """Register a work order for the ticket's customer (a fault, a complaint … taken at the
    counter for the back office)."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["fault", "complaint", "transaction", "query", "consultation", "suggestion"]
    subject: Line = Field(min_length=1, max_length=200)
    description: Text = Field(default="", max_length=4000)
    category_code: Line | None = Field(default=None, max_length=80)


class TicketLinkOut(BaseModel):
    kind: str
    number: str
    linked_at: datetime
    url: str  # the console page: the visit (its transactions, its slip) or the order


def link_out(row: TicketLink) -> TicketLinkOut:
    page = "/console/counter/visits/" if row.kind == "visit" else "/console/orders/"
    return TicketLinkOut(
        kind=row.kind, number=row.number, linked_at=row.linked_at, url=page + row.number
    )


def _ticket_customer(
    session: Session, staff: Staff, ticket: service.Ticket, customer_id: int | None,
    phone: str | None,
) -> Customer:  # fmt: skip
    """The customer the visit is for: the ticket's, else the one named (in the staff's scope)."""
    if ticket.customer_id is not None:
        return customers.get_customer(session, ticket.customer_id, viewer=staff)
    if customer_id is not None:
        return customers.view_customer(session, customer_id, viewer=staff)
    found = customers.find_by_phone(session, phone, viewer=staff) if phone else []
    if not found:
        raise ValidationFailed(
            "请先确认客户：填写客户编号或手机号码", "Name the customer: their id or number",
            code="customer_required",
        )  # fmt: skip
    return found[0]


def start_ticket_visit(
    session: Session, staff: Staff, unit: OrgUnit, ticket_id: int, body: TicketVisitIn
) -> TicketLink:
    """A counter visit linked to the ticket being served; its slip is the counter's."""
    ticket = service.serving_ticket(session, staff, unit, ticket_id)
    customer = _ticket_customer(session, staff, ticket, body.customer_id, body.phone)
    visit = counter.start_visit(
        session, staff, VisitIn(customer_id=customer.id, document=body.document)
    )
    service.identify(session, ticket, customer.id, customer.tier)
    return service.link(session, staff, ticket, "visit", visit.id, visit.number)


def register_ticket_order(
    session: Session, staff: Staff, unit: OrgUnit, ticket_id: int, body: TicketOrderIn
) -> TicketLink:
    """A work order registered at the counter for the ticket's customer, channel hall."""
    ticket = service.serving_ticket(session, staff, unit, ticket_id)
    if ticket.customer_id is None:
        raise ValidationFailed(
            "请先开始柜台办理以确认客户", "Identify the customer first (start a counter visit)",
            code="customer_required",
        )  # fmt: skip
    order, _ = orders.register_order(
        session,
        staff,
        OrderCreate(
            type=OrderType(body.type), channel=Channel.HALL, customer_id=ticket.customer_id,
            subject=body.subject, description=body.description,
            category_code=body.category_code,
        ),
    )  # fmt: skip
    return service.link(session, staff, ticket, "order", order.id, order.number)


@router.post(
    "/halls/{hall}/tickets/{ticket_id}/links/visit",
    response_model=TicketLinkOut,
    operation_id="halls_ticket_visit",
)
def ticket_visit(
    hall: HallCode, ticket_id: TicketId, body: TicketVisitIn, staff: ApiStaff, db: DbDep
) -> TicketLinkOut:
    """The served ticket's customer goes to a counter visit (counter: transactions, one slip)."""
    with db.uow() as session:
        unit = setup.hall_for(session, staff, hall)
        return link_out(start_ticket_visit(session, staff, unit, ticket_id, body))


@router.post(
    "/halls/{hall}/tickets/{ticket_id}/links/order",
    response_model=TicketLinkOut,
    operation_id="halls_ticket_order",
)
def ticket_order(
    hall: HallCode, ticket_id: TicketId, body: TicketOrderIn, staff: ApiStaff, db: DbDep
) -> TicketLinkOut:
    """A work order for the served ticket's customer, linked to the ticket."""
    with db.uow() as session:
        unit = setup.hall_for(session, staff, hall)
        return link_out(register_ticket_order(session, staff, unit, ticket_id, body))


@router.get(
    "/halls/{hall}/tickets/{ticket_id}/links",
    response_model=list[TicketLinkOut],
    operation_id="halls_ticket_links",
)
def ticket_links(
    hall: HallCode, ticket_id: TicketId, staff: ApiStaff, db: DbDep
) -> list[TicketLinkOut]:
    """The counter visits and orders the ticket's visit led to."""
    with db.uow() as session:
        unit = setup.hall_for(session, staff, hall)
        ticket = service.get_ticket(session, unit, ticket_id)
        return [link_out(row) for row in service.links_of(session, ticket)]


# --- appointments 预约 (BH-4) ------------------------------------------------------------------


def slot_out(view: appointments.SlotView) -> SlotOut:
    s = view.slot
    return SlotOut(
        id=s.id, type=view.code, type_zh=view.name_zh, starts_at=s.starts_at, minutes=s.minutes,
        capacity=s.capacity, booked=s.booked, free=view.free,
    )  # fmt: skip


def appointment_out(view: appointments.AppointmentView) -> AppointmentOut:
    a = view.appointment
    return AppointmentOut(
        id=a.id, slot_id=a.slot_id, type=view.code, starts_at=a.starts_at,
        customer_id=a.customer_id, customer_name=view.customer_name, tier=a.tier, state=a.state,
        source=a.source, reminded_at=a.reminded_at, checked_in_at=a.checked_in_at,
        ticket=view.ticket_number,
    )  # fmt: skip


def _one_appointment(session: Session, unit: OrgUnit, appointment_id: int) -> AppointmentOut:
    a = appointments.get_appointment(session, unit, appointment_id)
    day = clock.local(a.starts_at).date()
    view = next(v for v in appointments.day_appointments(session, unit, day) if v.appointment is a)
    return appointment_out(view)


def checked_in_out(session: Session, unit: OrgUnit, done: appointments.CheckedIn) -> CheckInOut:
    return CheckInOut(
        appointment_id=done.appointment.id,
        arrival=done.arrival.value,
        ticket=_issued(session, unit, done.ticket),
    )


def _today() -> date:
    return clock.local(clock.now()).date()


@router.post("/halls/{hall}/slots", response_model=list[SlotOut], operation_id="halls_add_slots")
def add_slots(hall: HallCode, body: SlotsIn, staff: ApiStaff, db: DbDep) -> list[SlotOut]:
    """The duty manager opens a day's appointment slots for a service type (BH-4)."""
    with db.uow() as session:
        unit = setup.hall_for(session, staff, hall, Permission.HALL_MANAGE)
        made = appointments.add_slots(
            session, staff, unit, body.type, body.on(), time.fromisoformat(body.first),
            time.fromisoformat(body.last), body.minutes, body.capacity,
        )  # fmt: skip
        ids = {s.id for s in made}
        return [
            slot_out(v)
            for v in appointments.day_slots(session, unit, body.on())
            if v.slot.id in ids
        ]


@router.get("/halls/{hall}/slots", response_model=list[SlotOut], operation_id="halls_slots")
def list_slots(hall: HallCode, staff: ApiStaff, db: DbDep, day: Day | None = None) -> list[SlotOut]:
    """The day's slots with their free places (today by default)."""
    with db.uow() as session:
        unit = setup.hall_for(session, staff, hall)
        return [slot_out(v) for v in appointments.day_slots(session, unit, day or _today())]


@router.post("/halls/{hall}/appointments", response_model=AppointmentOut, operation_id="halls_book")
def book(hall: HallCode, body: BookIn, staff: ApiStaff, db: DbDep) -> AppointmentOut:
    """Book a gold or diamond member into a slot; they are sent the confirmation by SMS."""
    with db.uow() as session:
        unit = setup.hall_for(session, staff, hall)
        made = appointments.book(
            session, staff, unit, body.slot_id, customer_id=body.customer_id, phone=body.phone,
            source="api",
        )  # fmt: skip
        return _one_appointment(session, unit, made.id)


@router.get(
    "/halls/{hall}/appointments",
    response_model=list[AppointmentOut],
    operation_id="halls_appointments",
)
def list_appointments(
    hall: HallCode, staff: ApiStaff, db: DbDep, day: Day | None = None
) -> list[AppointmentOut]:
    """A hall's appointments for a day (BH-4)."""
    with db.uow() as session:
        unit = setup.hall_for(session, staff, hall)
        return [
            appointment_out(v)
            for v in appointments.day_appointments(session, unit, day or _today())
        ]


@router.post(
    "/halls/{hall}/appointments/{appointment_id}/check-in",
    response_model=CheckInOut,
    operation_id="halls_check_in",
)
def check_in(hall: HallCode, appointment_id: TicketId, staff: ApiStaff, db: DbDep) -> CheckInOut:
    """On time: a ticket in the appointment queue (by booked time); late: a walk-in ticket;
    too early: 409 with the time check-in opens."""
    with db.uow() as session:
        unit = setup.hall_for(session, staff, hall)
        done = appointments.check_in(session, unit, appointment_id, staff)
        return checked_in_out(session, unit, done)


@router.post(
    "/halls/{hall}/appointments/{appointment_id}/cancel",
    response_model=AppointmentOut,
    operation_id="halls_cancel_appointment",
)
def cancel(hall: HallCode, appointment_id: TicketId, staff: ApiStaff, db: DbDep) -> AppointmentOut:
    """Cancel an appointment; its slot is free again."""
    with db.uow() as session:
        unit = setup.hall_for(session, staff, hall)
        appointments.cancel(session, staff, unit, appointment_id)
        return _one_appointment(session, unit, appointment_id)


# --- public: kiosk, phone, display (a token, no login) ------------------------------------


@router.post(
    "/public/halls/{token}/tickets", response_model=IssuedOut, operation_id="halls_public_issue"
)
def public_issue(token: Token, body: IssueIn, db: DbDep) -> IssuedOut:
    """The kiosk or a customer's phone takes a number (the hall's screen token)."""
    with db.uow() as session:
        unit, _ = setup.hall_by_token(session, token)
        return _issued(session, unit, issue_for(session, unit, body, "kiosk"))


@router.post(
    "/public/halls/{token}/check-in", response_model=CheckInOut, operation_id="halls_kiosk_check_in"
)
def kiosk_check_in(token: Token, body: KioskCheckInIn, db: DbDep) -> CheckInOut:
    """The kiosk: a member checks in for today's appointment with their number (BH-4)."""
    with db.uow() as session:
        unit, _ = setup.hall_by_token(session, token)
        done = appointments.check_in_by_phone(session, unit, body.phone)
        return checked_in_out(session, unit, done)


def public_slot_out(view: appointments.SlotView) -> PublicSlotOut:
    return PublicSlotOut(
        id=view.slot.id, type=view.code, type_zh=view.name_zh, starts_at=view.slot.starts_at,
        free=view.free,
    )  # fmt: skip


@router.get(
    "/public/halls/{token}/slots",
    response_model=list[PublicSlotOut],
    operation_id="halls_public_slots",
)
def public_slots(token: Token, db: DbDep, day: Day | None = None) -> list[PublicSlotOut]:
    """The member's phone page: the day's slots still ahead, with places left (BH-4)."""
    with db.uow() as session:
        unit, _ = setup.hall_by_token(session, token)
        now = clock.now()
        return [
            public_slot_out(v)
            for v in appointments.day_slots(session, unit, day or _today())
            if v.slot.starts_at > now
        ]


@router.post(
    "/public/halls/{token}/booking-codes", status_code=202, operation_id="halls_booking_code"
)
def booking_code(token: Token, body: CodeIn, db: DbDep) -> dict[str, str]:
    """Text a booking code to the number if it is a gold or diamond member's; the answer is
    the same for any number (202), so the page never tells who is a member."""
    with db.uow() as session:
        unit, _ = setup.hall_by_token(session, token)
        appointments.send_code(session, unit, body.phone)
    return {"status": "sent_if_member"}


@router.post(
    "/public/halls/{token}/appointments",
    response_model=PhoneBookedOut,
    operation_id="halls_phone_book",
)
def phone_book(token: Token, body: PhoneBookIn, db: DbDep) -> PhoneBookedOut:
    """The member books on their phone with the code texted to them (BH-4)."""
    with db.uow() as session:
        unit, _ = setup.hall_by_token(session, token)
        made = appointments.book_with_code(session, unit, body.slot_id, body.phone, body.code)
        out = None
        if made is not None:
            kind = session.get(ServiceType, made.service_type_id)
            out = PhoneBookedOut(
                appointment_id=made.id, starts_at=made.starts_at,
                type_zh=kind.name_zh if kind else "",
            )  # fmt: skip
    if out is None:  # the wrong try is counted (committed above), then refused
        raise appointments.BadCode()
    return out


@router.post(
    "/public/halls/{token}/devices", response_model=DeviceOut, operation_id="halls_register_device"
)
def register_device(token: Token, body: DeviceIn, db: DbDep) -> DeviceOut:
    """A kiosk's code for the numbers it issues during an outage (BH-6); the same key gets the
    same code."""
    with db.uow() as session:
        unit, _ = setup.hall_by_token(session, token)
        return DeviceOut(code=offline.register_device(session, unit, body.device_key).code)


@router.post(
    "/public/halls/{token}/offline",
    response_model=list[OfflineResultOut],
    operation_id="halls_enter_offline",
)
def enter_offline(token: Token, body: OfflineBatchIn, db: DbDep) -> list[OfflineResultOut]:
    """The kiosk's records from an outage (BH-6), entered once each: a record sent again
    answers duplicate with the same ticket; one that cannot be entered answers rejected with
    a code, and the others are entered all the same."""
    with db.uow() as session:
        unit, _ = setup.hall_by_token(session, token)
        records = [
            offline.Record(
                key=r.key, number=r.number, type=r.type, issued_at=r.at(), care=r.care,
                phone=r.phone, note=r.note,
            )
            for r in body.records
        ]  # fmt: skip
        return [OfflineResultOut(**vars(done)) for done in offline.enter(session, unit, records)]


@router.get(
    "/public/halls/{token}/display", response_model=DisplayOut, operation_id="halls_display"
)
def public_display(token: Token, db: DbDep) -> DisplayOut:
    """What the big screen shows: calls, waiting per type (numbers only, no personal data)."""
    with db.uow() as session:
        unit, _ = setup.hall_by_token(session, token)
        return queries.display(session, unit)


@router.get(
    "/public/tickets/{token}", response_model=TicketStatusOut, operation_id="halls_ticket_status"
)
def public_ticket(token: Token, db: DbDep) -> TicketStatusOut:
    """The phone page: the ticket's state, tickets ahead, the estimated wait."""
    with db.uow() as session:
        ticket = queries.ticket_by_token(session, token)
        if ticket is None:
            raise service.TicketNotFound()
        unit = session.get(OrgUnit, ticket.hall_id)
        assert unit is not None
        return queries.ticket_status(session, ticket, unit)
