"""Outage fallback (BH-6): while the server is unreachable the kiosk keeps issuing numbers and
recording pre-acceptances 预受理 in the browser (its service worker serves the page, IndexedDB
holds the records); when the connection returns they are entered here, once each.

- Each device registers once while online and gets a short ``code``; its offline numbers are
  ``X{code}-{type}{seq}`` (X1-A001): the X and the dash never occur in a server number, the
  code keeps two devices apart, so an offline number never collides with any other.
- Each record carries its browser-made idempotency key. Entering takes the hall's write turn
  first (a row lock on PostgreSQL, SQLite's single writer), so two syncs of the same record
  at once enter it once; a record already entered answers ``duplicate`` with its ticket.
- An entered record becomes a waiting ticket with its offline number, queued from the time it
  was issued offline (the customer keeps their place), linked to the customer by the number
  noted, with the pre-acceptance kept for the counter (``OfflineEntry.note``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from telcodesk import clock
from telcodesk.customers import phones
from telcodesk.customers import service as customers
from telcodesk.errors import Conflict, DomainError, ValidationFailed
from telcodesk.halls import service
from telcodesk.halls.models import HallConfig, HallDevice, OfflineEntry, Ticket
from telcodesk.org.models import OrgUnit

NUMBER = re.compile(r"^X(?P<device>[1-9][0-9]?)-(?P<type>[A-Z]{1,2})(?P<seq>[0-9]{3,4})$")
MAX_DEVICES = 99
# An offline record older than this is not entered as a live ticket (the day has moved on).
MAX_AGE = timedelta(hours=12)


def register_device(session: Session, hall: OrgUnit, device_key: str) -> HallDevice:
    """The device's code for offline numbers: the same key always gets the same code."""
    _write_turn(session, hall)
    known = session.scalar(select(HallDevice).where(HallDevice.device_key == device_key))
    if known is not None:
        if known.hall_id != hall.id:
            raise Conflict(
                "该设备已登记在其他营业厅", "This device belongs to another hall",
                code="device_other_hall",
            )  # fmt: skip
        return known
    last = session.scalar(select(func.max(HallDevice.code)).where(HallDevice.hall_id == hall.id))
    code = (last or 0) + 1
    if code > MAX_DEVICES:
        raise Conflict("本厅登记设备已满", "Too many devices in this hall", code="devices_full")
    device = HallDevice(hall_id=hall.id, device_key=device_key, code=code, created_at=clock.now())
    session.add(device)
    session.flush()
    return device


def _write_turn(session: Session, hall: OrgUnit) -> None:
    """Serialise entering per hall: the hall's config row is written first."""
    session.execute(
        update(HallConfig)
        .where(HallConfig.unit_id == hall.id)
        .values(unit_id=HallConfig.unit_id)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class Record:
    key: str
    number: str
    type: str
    issued_at: datetime
    care: bool = False
    phone: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Entered:
    key: str
    status: str  # entered | duplicate | rejected
    number: str
    ticket_token: str | None = None
    code: str | None = None
    message_zh: str | None = None
    message_en: str | None = None


def enter(session: Session, hall: OrgUnit, records: list[Record]) -> list[Entered]:
    """Enter the browser's offline records (BH-6): each once, whatever is sent again."""
    _write_turn(session, hall)
    keys = [r.key for r in records]
    done = {
        e.record_key: e
        for e in session.scalars(select(OfflineEntry).where(OfflineEntry.record_key.in_(keys)))
    }
    devices = set(session.scalars(select(HallDevice.code).where(HallDevice.hall_id == hall.id)))
    tokens = dict(
        session.execute(
            select(Ticket.id, Ticket.public_token).where(
                Ticket.id.in_([e.ticket_id for e in done.values()])
            )
        ).all()
    )
    results = []
    now = clock.now()
    for record in records:
        entry = done.get(record.key)
        if entry is not None:
            if entry.hall_id != hall.id:
                other = ValidationFailed(
                    "记录不属于本厅", "Not this hall's record", code="offline_other_hall"
                )
                results.append(_rejected(record, other))
                continue
            results.append(
                Entered(record.key, "duplicate", entry.number, tokens.get(entry.ticket_id))
            )
            continue
        try:
            ticket = _enter_one(session, hall, record, devices, now)
        except DomainError as exc:
            results.append(_rejected(record, exc))
            continue
        entry = OfflineEntry(
            hall_id=hall.id, record_key=record.key, ticket_id=ticket.id, number=ticket.number,
            issued_offline_at=ticket.issued_at, entered_at=now, phone=record.phone,
            note=record.note,
        )  # fmt: skip
        session.add(entry)
        session.flush()
        done[record.key] = entry
        results.append(Entered(record.key, "entered", ticket.number, ticket.public_token))
    return results


def _rejected(record: Record, exc: DomainError) -> Entered:
    return Entered(
        record.key, "rejected", record.number, None, exc.code, exc.message_zh, exc.message_en
    )


def _enter_one(
    session: Session, hall: OrgUnit, record: Record, devices: set[int], now: datetime
) -> Ticket:
    parts = NUMBER.match(record.number)
    if (
        parts is None
        or len(record.number) > 8  # the ticket's number column
        or parts["type"] != record.type
        or int(parts["device"]) not in devices
    ):
        raise ValidationFailed(
            "离线号码格式不正确", f"Not an offline number of this hall: {record.number}",
            code="offline_number",
        )  # fmt: skip
    if record.issued_at > now + timedelta(minutes=5) or record.issued_at < now - MAX_AGE:
        raise ValidationFailed(
            "离线记录时间不正确", "The record's time is not within the last 12 hours",
            code="offline_time",
        )  # fmt: skip
    taken = session.scalar(
        select(Ticket.id).where(
            Ticket.hall_id == hall.id,
            Ticket.number == record.number,
            Ticket.day == clock.local(now).date(),
        )
    )
    if taken is not None:  # the same number under another key: the device was reset
        raise Conflict(
            "离线号码已被使用", f"{record.number} is already entered today",
            code="offline_number_taken",
        )  # fmt: skip
    customer = None
    number = phones.try_normalise(record.phone) if record.phone else None
    if number:
        customer = customers.owner_of(session, number)
    return service.issue(
        session,
        hall,
        record.type,
        source="offline",
        customer_id=customer.id if customer else None,
        tier=customer.tier if customer else "standard",
        care=record.care
        or (customer is not None and customers.special_care_of(customer) is not None),
        number=record.number,
        at=min(record.issued_at, now),
    )


def pre_acceptance(session: Session, ticket: Ticket) -> OfflineEntry | None:
    """The pre-acceptance recorded with an offline number, for the counter page."""
    return session.scalar(select(OfflineEntry).where(OfflineEntry.ticket_id == ticket.id))
