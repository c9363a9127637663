"""Appointments 预约 (BH-4): bookable slots per hall and service type, bookings for gold and
diamond members, check-in, no-shows, and the SMS confirmation and reminder. Services flush,
never commit.

- A slot holds ``capacity`` bookings; a booking raises ``booked`` with a compare-and-set
  update (``booked < capacity``), so two bookings at once never overfill it.
- Check-in within the hall's window (``checkin_early_minutes`` before the booked time to
  ``checkin_late_minutes`` after it) issues a ticket in the appointment queue Y, which counters
  call in booked-time order (``service.heads``); later arrivals get a walk-in ticket of the
  slot's type; earlier ones are asked to come back.
- The worker (``sweep``) sends the reminder an hour before and records a no-show once the
  late window has closed; a no-show who still turns up is checked in late (walk-in).
- The SMS goes through ``hooks.customer_sms`` (notify's outbox, plugged in by wiring.py).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from telcodesk import clock
from telcodesk.customers import phones
from telcodesk.customers import service as customers
from telcodesk.customers.models import Customer
from telcodesk.errors import Conflict, NotFound, ValidationFailed
from telcodesk.halls import hooks, rules, service
from telcodesk.halls.models import (
    Appointment,
    AppointmentSlot,
    BookingCode,
    HallConfig,
    ServiceType,
    Ticket,
)
from telcodesk.halls.rules import Arrival
from telcodesk.halls.setup import VIP_TIERS, types_of
from telcodesk.org.models import OrgUnit, Staff
from telcodesk.org.permissions import Permission, require
from telcodesk.org.service import province_and_city

SOURCES = ("console", "api", "phone")
SIGN = "客服中心"


class SlotNotFound(NotFound):
    code = "slot_not_found"
    message_zh = "预约时段不存在"
    message_en = "Unknown appointment slot"


class AppointmentNotFound(NotFound):
    code = "appointment_not_found"
    message_zh = "预约不存在"
    message_en = "Unknown appointment"


class SlotFull(Conflict):
    code = "slot_full"
    message_zh = "该时段已约满，请选择其他时段"
    message_en = "This slot is fully booked; choose another"


class NotEligible(ValidationFailed):
    code = "appointment_not_eligible"
    message_zh = "预约办理仅面向金卡、钻石卡会员"
    message_en = "Appointments are for gold and diamond members"


def _config(session: Session, hall: OrgUnit) -> HallConfig:
    config = session.get(HallConfig, hall.id)
    assert config is not None  # hall_for / hall_by_token found it
    return config


def _hhmm(at: datetime) -> str:
    return f"{clock.local(at):%H:%M}"


def _bookable_type(types: dict[str, ServiceType], code: str) -> ServiceType:
    """A slot is for a business the hall serves (not the appointment queue or the care lane
    themselves: those are how a ticket is reached, not what is done)."""
    kind = types.get(code)
    if kind is None or kind.kind not in ("standard", "vip"):
        raise ValidationFailed(
            "该业务类型不可预约", f"Service type {code!r} cannot be booked",
            code="unknown_service_type",
        )  # fmt: skip
    return kind


# --- slots -------------------------------------------------------------------------------


def add_slots(
    session: Session,
    actor: Staff,
    hall: OrgUnit,
    code: str,
    day: date,
    first: time,
    last: time,
    minutes: int,
    capacity: int,
) -> list[AppointmentSlot]:
    """The day's slots of ``minutes`` from ``first`` to ``last`` for type ``code`` (the duty
    manager); a slot that already exists keeps its bookings and takes the new capacity if it
    is not below them."""
    require(actor, Permission.HALL_MANAGE)
    if not 1 <= capacity <= rules.MAX_SLOT_CAPACITY:
        raise ValidationFailed(
            f"每个时段可约人数为 1–{rules.MAX_SLOT_CAPACITY}",
            f"Capacity is 1 to {rules.MAX_SLOT_CAPACITY}", code="slot_capacity",
        )  # fmt: skip
    try:
        starts = rules.slot_starts(day, first, last, minutes)
    except rules.PolicyError as exc:
        raise ValidationFailed("时段长度为 5–240 分钟", str(exc), code="slot_minutes") from exc
    if not starts:
        raise ValidationFailed(
            "结束时间须晚于开始时间一个时段以上", "No slot fits between first and last",
            code="slot_range",
        )  # fmt: skip
    kind = _bookable_type(types_of(session, hall.id), code)
    moments = [datetime.combine(day, t, tzinfo=clock.SHANGHAI).astimezone(UTC) for t in starts]
    have = {
        s.starts_at: s
        for s in session.scalars(
            select(AppointmentSlot).where(
                AppointmentSlot.service_type_id == kind.id, AppointmentSlot.starts_at.in_(moments)
            )
        )
    }
    made = []
    for at in moments:
        slot = have.get(at)
        if slot is None:
            slot = AppointmentSlot(
                hall_id=hall.id, service_type_id=kind.id, day=day, starts_at=at,
                minutes=minutes, capacity=capacity, booked=0,
            )  # fmt: skip
            session.add(slot)
        elif capacity >= slot.booked:
            slot.capacity = capacity
        made.append(slot)
    session.flush()
    return made


@dataclass(frozen=True)
class SlotView:
    slot: AppointmentSlot
    code: str
    name_zh: str
    name_en: str

    @property
    def free(self) -> int:
        return max(0, self.slot.capacity - self.slot.booked)


def day_slots(session: Session, hall: OrgUnit, day: date) -> list[SlotView]:
    types = {t.id: t for t in types_of(session, hall.id).values()}
    rows = session.scalars(
        select(AppointmentSlot)
        .where(AppointmentSlot.hall_id == hall.id, AppointmentSlot.day == day)
        .order_by(AppointmentSlot.starts_at, AppointmentSlot.service_type_id)
    )
    return [
        SlotView(s, types[s.service_type_id].code, types[s.service_type_id].name_zh,
                 types[s.service_type_id].name_en)
        for s in rows
        if s.service_type_id in types
    ]  # fmt: skip


# --- booking -----------------------------------------------------------------------------


def _customer(
    session: Session, actor: Staff, customer_id: int | None, phone: str | None
) -> Customer:
    """The member booking: by id (within the actor's scope) or by their number (the number
    is the customer's own, as at the kiosk)."""
    if customer_id is not None:
        return customers.view_customer(session, customer_id, viewer=actor)
    if not phone:
        raise ValidationFailed(
            "请填写客户编号或手机号码",
            "Give the customer id or the number",
            code="customer_required",
        )
    number = phones.try_normalise(phone) if phone else None
    found = customers.owner_of(session, number) if number else None
    if found is None:
        raise NotFound(
            "该号码不是本网客户", "No customer with this number", code="customer_not_found"
        )
    return found


def book(
    session: Session,
    actor: Staff,
    hall: OrgUnit,
    slot_id: int,
    *,
    customer_id: int | None = None,
    phone: str | None = None,
    source: str = "console",
) -> Appointment:
    """Book a gold or diamond member into a slot (BH-4) and text them the confirmation."""
    require(actor, Permission.HALL_SERVE)
    slot = session.get(AppointmentSlot, slot_id)
    if slot is None or slot.hall_id != hall.id:
        raise SlotNotFound()
    customer = _customer(session, actor, customer_id, phone)
    return _book(session, hall, slot, customer, source, actor)


def _book(
    session: Session,
    hall: OrgUnit,
    slot: AppointmentSlot,
    customer: Customer,
    source: str,
    actor: Staff | None,
) -> Appointment:
    if customer.tier not in VIP_TIERS:
        raise NotEligible()
    now = clock.now()
    if slot.starts_at <= now:
        raise Conflict("该时段已开始，不能预约", "The slot has already begun", code="slot_past")
    same_day = session.scalar(
        select(Appointment.id).where(
            Appointment.customer_id == customer.id,
            Appointment.hall_id == hall.id,
            Appointment.state.in_(rules.HOLDING),
            Appointment.slot_id.in_(
                select(AppointmentSlot.id).where(
                    AppointmentSlot.hall_id == hall.id, AppointmentSlot.day == slot.day
                )
            ),
        )
    )
    if same_day is not None:
        raise Conflict(
            "该客户当天在本厅已有预约", "The customer already has an appointment here that day",
            code="appointment_exists",
        )  # fmt: skip
    taken = session.execute(
        update(AppointmentSlot)
        .where(AppointmentSlot.id == slot.id, AppointmentSlot.booked < AppointmentSlot.capacity)
        .values(booked=AppointmentSlot.booked + 1)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if not taken:
        raise SlotFull()
    session.refresh(slot)
    province, city = province_and_city(hall)
    appointment = Appointment(
        hall_id=hall.id, slot_id=slot.id, service_type_id=slot.service_type_id,
        starts_at=slot.starts_at, customer_id=customer.id, phone=customer.phone,
        tier=customer.tier, state="booked", source=source, created_at=now,
        created_by=actor.id if actor else None, province_code=province, city_code=city,
    )  # fmt: skip
    session.add(appointment)
    session.flush()
    config = _config(session, hall)
    kind = session.get(ServiceType, slot.service_type_id)
    assert kind is not None
    local = clock.local(slot.starts_at)
    opens = _hhmm(slot.starts_at - timedelta(minutes=config.checkin_early_minutes))
    closes = _hhmm(slot.starts_at + timedelta(minutes=config.checkin_late_minutes))
    hooks.customer_sms(
        session, customer.id, customer.phone, "hall_appointment",
        f"【{SIGN}】您已预约{hall.name} {local.month}月{local.day}日 {local:%H:%M} "
        f"{kind.name_zh}，请于 {opens}–{closes} 到厅签到取号。预约号 {appointment.id}。",
        province,
    )  # fmt: skip
    return appointment


def get_appointment(session: Session, hall: OrgUnit, appointment_id: int) -> Appointment:
    found = session.get(Appointment, appointment_id)
    if found is None or found.hall_id != hall.id:
        raise AppointmentNotFound()
    return found


def cancel(session: Session, actor: Staff, hall: OrgUnit, appointment_id: int) -> Appointment:
    """The customer called it off: the place goes back to the slot."""
    require(actor, Permission.HALL_SERVE)
    appointment = get_appointment(session, hall, appointment_id)
    if appointment.state != "booked":
        raise Conflict("只能取消未签到的预约", "Only a booked appointment can be cancelled",
                       code="illegal_transition")  # fmt: skip
    appointment.state, appointment.closed_at = "cancelled", clock.now()
    session.execute(
        update(AppointmentSlot)
        .where(AppointmentSlot.id == appointment.slot_id)
        .values(booked=AppointmentSlot.booked - 1)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return appointment


# --- check-in ------------------------------------------------------------------------------


@dataclass
class CheckedIn:
    appointment: Appointment
    ticket: Ticket
    arrival: Arrival


def check_in(
    session: Session, hall: OrgUnit, appointment_id: int, actor: Staff | None = None
) -> CheckedIn:
    """The customer has arrived: a ticket in the appointment queue, ordered by the booked
    time, if within the hall's window; a walk-in ticket of the booked type if later."""
    appointment = get_appointment(session, hall, appointment_id)
    if appointment.state not in ("booked", "no_show"):
        raise Conflict("该预约已签到或已取消", "Already checked in or cancelled",
                       code="appointment_closed")  # fmt: skip
    config = _config(session, hall)
    now = clock.now()
    arrived = rules.arrival(
        appointment.starts_at, now, config.checkin_early_minutes, config.checkin_late_minutes
    )
    if appointment.state == "no_show":
        arrived = Arrival.LATE  # recorded once the window had closed
    if arrived is Arrival.EARLY:
        opens = _hhmm(appointment.starts_at - timedelta(minutes=config.checkin_early_minutes))
        raise Conflict(
            f"签到时间未到，请于 {opens} 后签到", f"Check-in opens at {opens}",
            code="appointment_too_early", details={"opens": opens},
        )  # fmt: skip
    types = types_of(session, hall.id)
    booked = next(t for t in types.values() if t.id == appointment.service_type_id)
    if arrived is Arrival.ON_TIME:
        queue = next(t for t in types.values() if t.kind == "appointment")
        ticket = service.issue(
            session, hall, queue.code, source="appointment", customer_id=appointment.customer_id,
            tier=appointment.tier, booked_at=appointment.starts_at, actor=actor,
        )  # fmt: skip
        appointment.state = "checked_in"
    else:
        ticket = service.issue(
            session, hall, booked.code, source="appointment",
            customer_id=appointment.customer_id, tier=appointment.tier, actor=actor,
        )  # fmt: skip
        appointment.state = "late"
    appointment.checked_in_at, appointment.ticket_id = now, ticket.id
    session.flush()
    return CheckedIn(appointment, ticket, arrived)


def check_in_by_phone(session: Session, hall: OrgUnit, phone: str) -> CheckedIn:
    """The kiosk: the member types their number; today's appointment at this hall is found."""
    number = phones.try_normalise(phone)
    today = clock.local(clock.now()).date()
    found = session.scalar(
        select(Appointment)
        .join(AppointmentSlot, AppointmentSlot.id == Appointment.slot_id)
        .where(
            Appointment.hall_id == hall.id,
            Appointment.phone == (number or ""),
            Appointment.state.in_(("booked", "no_show")),
            AppointmentSlot.day == today,
        )
        .order_by(Appointment.starts_at)
        .limit(1)
    )
    if found is None:
        raise AppointmentNotFound(
            "未找到您今天在本厅的预约", "No appointment today for this number"
        )
    return check_in(session, hall, found.id)


@dataclass(frozen=True)
class AppointmentView:
    appointment: Appointment
    code: str
    customer_name: str
    ticket_number: str | None


def day_appointments(session: Session, hall: OrgUnit, day: date) -> list[AppointmentView]:
    rows = session.execute(
        select(Appointment, ServiceType.code, Customer.name, Ticket.number)
        .join(AppointmentSlot, AppointmentSlot.id == Appointment.slot_id)
        .join(ServiceType, ServiceType.id == Appointment.service_type_id)
        .join(Customer, Customer.id == Appointment.customer_id)
        .outerjoin(Ticket, Ticket.id == Appointment.ticket_id)
        .where(Appointment.hall_id == hall.id, AppointmentSlot.day == day)
        .order_by(Appointment.starts_at, Appointment.id)
    ).all()
    return [AppointmentView(a, code, name, number) for a, code, name, number in rows]


# --- the worker ------------------------------------------------------------------------------


@dataclass
class Swept:
    reminded: int = 0
    no_shows: int = 0


def sweep(session: Session) -> Swept:
    """Reminders an hour before; no-shows once a hall's late window has closed (BH-4)."""
    now = clock.now()
    done = Swept()
    due = session.scalars(
        select(Appointment).where(
            Appointment.state == "booked",
            Appointment.reminded_at.is_(None),
            Appointment.starts_at <= now + rules.REMINDER_BEFORE,
            Appointment.starts_at > now,
        )
    ).all()
    halls = {h.id: h for h in session.scalars(select(OrgUnit).where(
        OrgUnit.id.in_({a.hall_id for a in due}))).all()}  # fmt: skip
    for appointment in due:
        hall = halls[appointment.hall_id]
        appointment.reminded_at = now
        hooks.customer_sms(
            session, appointment.customer_id, appointment.phone, "hall_appointment_reminder",
            f"【{SIGN}】温馨提示：您预约的{hall.name} {_hhmm(appointment.starts_at)} 业务办理"
            f"即将开始，请按时到厅签到。预约号 {appointment.id}。",
            appointment.province_code,
        )  # fmt: skip
        done.reminded += 1
    late = {c.unit_id: c.checkin_late_minutes for c in session.scalars(select(HallConfig))}
    overdue = session.scalars(
        select(Appointment).where(Appointment.state == "booked", Appointment.starts_at < now)
    ).all()
    for appointment in overdue:
        if rules.window_closed(appointment.starts_at, now, late.get(appointment.hall_id, 15)):
            appointment.state, appointment.closed_at = "no_show", now
            done.no_shows += 1
    session.flush()
    return done


# --- the member's phone H5 page: a one-time code proves the number is theirs ----------------

CODE_MINUTES = 10
CODE_TRIES = 5
CODE_EVERY = timedelta(seconds=60)  # one code a minute per number


def _code_hash(hall: OrgUnit, phone: str, code: str) -> str:
    return hashlib.sha256(f"{hall.id}:{phone}:{code}".encode()).hexdigest()


def send_code(session: Session, hall: OrgUnit, phone: str) -> None:
    """Text a six-digit code to a gold or diamond member's number. The answer is the same for
    any number, so the page never tells who is a member; a number gets one code a minute
    (a second ask within it sends nothing, and says so no differently)."""
    number = phones.try_normalise(phone)
    customer = customers.owner_of(session, number) if number else None
    if number is None or customer is None or customer.tier not in VIP_TIERS:
        return
    now = clock.now()
    recent = session.scalar(
        select(BookingCode.id).where(
            BookingCode.phone == number, BookingCode.created_at > now - CODE_EVERY
        )
    )
    if recent is not None:  # quietly: a refusal here would tell who is a member
        return
    code = f"{secrets.randbelow(10**6):06d}"
    session.add(
        BookingCode(
            hall_id=hall.id, phone=number, code_hash=_code_hash(hall, number, code),
            created_at=now, expires_at=now + timedelta(minutes=CODE_MINUTES), tries=0,
        )
    )  # fmt: skip
    hooks.customer_sms(
        session, customer.id, number, "hall_booking_code",
        f"【{SIGN}】您的{hall.name}预约验证码 {code}，{CODE_MINUTES} 分钟内有效。",
        hall.region_code[:2] + "0000",
    )  # fmt: skip
    session.flush()


class BadCode(ValidationFailed):
    code = "bad_code"
    message_zh = "验证码不正确或已过期"
    message_en = "The code is wrong or has expired"


def book_with_code(
    session: Session, hall: OrgUnit, slot_id: int, phone: str, code: str
) -> Appointment | None:
    """The member books on their phone with the code just texted to them (source phone).
    A wrong code answers None with the try counted: the caller commits, then refuses, so the
    count survives the refusal (five tries per code)."""
    number = phones.try_normalise(phone) or ""
    now = clock.now()
    sent = session.scalar(
        select(BookingCode)
        .where(
            BookingCode.hall_id == hall.id,
            BookingCode.phone == number,
            BookingCode.used_at.is_(None),
            BookingCode.expires_at > now,
        )
        .order_by(BookingCode.id.desc())
        .limit(1)
        .with_for_update()
    )
    if sent is None or sent.tries >= CODE_TRIES:
        raise BadCode()
    if not hmac.compare_digest(sent.code_hash, _code_hash(hall, number, code)):
        sent.tries += 1
        session.flush()
        return None
    slot = session.get(AppointmentSlot, slot_id)
    if slot is None or slot.hall_id != hall.id:
        raise SlotNotFound()
    customer = customers.owner_of(session, number)
    if customer is None:
        raise BadCode()
    sent.used_at = now
    return _book(session, hall, slot, customer, "phone", None)
