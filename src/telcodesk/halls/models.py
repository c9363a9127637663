"""Business halls 营业厅 (BH-1…BH-4, T-3): service types, work profiles, counters 台席, tickets
取号 and their history, alerts to the duty manager.

A hall is an ``org_unit`` of kind ``hall``; ``hall_config`` holds what only a hall has (the
token its kiosk, display and phone pages are opened with, no-show after N calls).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from telcodesk.db import Base, UTCDateTime


class HallConfig(Base):
    """One per hall unit: the public pages' token and the hall's own settings."""

    __tablename__ = "hall_config"

    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), primary_key=True)
    # Kiosk, display and phone pages carry this token instead of a staff login; it scopes
    # them to the one hall (a device is set up with the URL).
    screen_token: Mapped[str] = mapped_column(String(40), unique=True)
    no_show_after_calls: Mapped[int] = mapped_column(default=3)
    # Predicted wait (minutes) past which the duty manager is alerted (T-3: 30 min).
    peak_wait_minutes: Mapped[int] = mapped_column(default=30)
    # Appointments (BH-4): check-in opens this many minutes before the booked time and is on
    # time until this many after it; later arrivals join the walk-in queue.
    checkin_early_minutes: Mapped[int] = mapped_column(default=30, server_default=text("30"))
    checkin_late_minutes: Mapped[int] = mapped_column(default=15, server_default=text("15"))


class ServiceType(Base):
    """A queue of the hall: transaction A, payment B, consultation C, complaint desk D, VIP V,
    爱心通道 L (elderly and disabled), appointments Y. Tickets are numbered per type per day."""

    __tablename__ = "hall_service_type"
    __table_args__ = (UniqueConstraint("hall_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    code: Mapped[str] = mapped_column(String(2))  # the number's prefix letter
    name_zh: Mapped[str] = mapped_column(String(40))
    name_en: Mapped[str] = mapped_column(String(60))
    # standard | vip | care | appointment: how the type is reached and ordered (rules.py).
    kind: Mapped[str] = mapped_column(String(12), default="standard")
    target_wait_minutes: Mapped[int] = mapped_column(default=30)  # T-3: 30, VIP 5
    nominal_handle_minutes: Mapped[int] = mapped_column(default=8)  # T-3: ≤ 10
    active: Mapped[bool] = mapped_column(default=True)
    # The day's counter: tickets A001, A002 … restart on the hall's next day.
    last_day: Mapped[date | None] = mapped_column(Date())
    last_seq: Mapped[int] = mapped_column(default=0)


class WorkProfile(Base):
    """Which queues a counter serves and how it chooses (rules.Policy, stored as data)."""

    __tablename__ = "hall_work_profile"
    __table_args__ = (UniqueConstraint("hall_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(60))
    policy: Mapped[dict[str, object]] = mapped_column(JSON)


class HallCounter(Base):
    """A counter 台席 (window 3 号窗口): closed, open or paused; who sits at it."""

    __tablename__ = "hall_counter"
    __table_args__ = (UniqueConstraint("hall_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    number: Mapped[int] = mapped_column()
    profile_id: Mapped[int] = mapped_column(ForeignKey("hall_work_profile.id"))
    state: Mapped[str] = mapped_column(String(10), default="closed")  # closed | open | paused
    state_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # Position in the profile's recipe (weighted interleaving P, P, G, S …).
    recipe_turn: Mapped[int] = mapped_column(default=0)


class Ticket(Base):
    """A ticket 号票 and its visit: issued, waiting, called, served, finished with an outcome."""

    __tablename__ = "hall_ticket"
    __table_args__ = (
        UniqueConstraint("hall_id", "service_type_id", "day", "seq"),
        # The heads of the queues: waiting tickets of a type in queue order (call next).
        Index("ix_hall_ticket_queue", "service_type_id", "state", "queued_at", "id"),
        # The appointment queue's head, by booked time (BH-4): no sort of the whole queue.
        Index("ix_hall_ticket_booked", "service_type_id", "state", "booked_at", "queued_at", "id"),
        # A counter's current ticket, and the pools a counter or a person calls first.
        Index("ix_hall_ticket_counter", "counter_id", "state"),
        Index("ix_hall_ticket_pool_counter", "pool_counter_id", "state"),
        Index("ix_hall_ticket_pool_staff", "pool_staff_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    service_type_id: Mapped[int] = mapped_column(ForeignKey("hall_service_type.id"))
    day: Mapped[date] = mapped_column(Date())
    seq: Mapped[int] = mapped_column()
    number: Mapped[str] = mapped_column(String(8))  # A001
    # The phone H5 page's key: opaque, shown as a QR code on the slip.
    public_token: Mapped[str] = mapped_column(String(32), unique=True)
    source: Mapped[str] = mapped_column(String(12))  # kiosk | guide | phone | appointment | counter
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))
    tier: Mapped[str] = mapped_column(String(20), default="standard")
    care: Mapped[bool] = mapped_column(default=False)  # 爱心通道: elderly, disabled
    state: Mapped[str] = mapped_column(String(10))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Where it stands in its queue: the issue time, or when it was recycled or transferred.
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    booked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # appointments (BH-4)
    estimate_minutes: Mapped[int | None] = mapped_column()  # shown at issue
    first_called_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    call_count: Mapped[int] = mapped_column(default=0)
    served_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("hall_counter.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # A pool the ticket waits in: sent or parked to one counter or one person.
    pool_counter_id: Mapped[int | None] = mapped_column(ForeignKey("hall_counter.id"))
    pool_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    outcome: Mapped[str | None] = mapped_column(String(24))
    # Minutes waited before the first call and spent at counters (sum of visits): the KPIs.
    wait_seconds: Mapped[int | None] = mapped_column()
    handle_seconds: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    province_code: Mapped[str] = mapped_column(String(6))
    city_code: Mapped[str] = mapped_column(String(6))


class TicketEvent(Base):
    """The ticket's history: every action, the counter and person, and a visit's outcome."""

    __tablename__ = "hall_ticket_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("hall_ticket.id"), index=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str | None] = mapped_column(String(10))
    to_state: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("hall_counter.id"))
    outcome: Mapped[str | None] = mapped_column(String(24))
    details: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class HallAlert(Base):
    """An alert to the duty manager (BH-3): a peak (predicted wait past target, counters to
    open) or a counter paused while the queue is long. Open until the cause clears; one open
    alert per hall, kind and counter."""

    __tablename__ = "hall_alert"

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # hall_peak | hall_paused
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("hall_counter.id"))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    details: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class AppointmentSlot(Base):
    """A bookable time of a hall for one service type 预约时段 (BH-4): up to ``capacity``
    appointments start at ``starts_at``. ``booked`` counts the live bookings and is raised by
    a compare-and-set update, so two bookings never overfill a slot."""

    __tablename__ = "hall_appointment_slot"
    __table_args__ = (UniqueConstraint("hall_id", "service_type_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    service_type_id: Mapped[int] = mapped_column(ForeignKey("hall_service_type.id"))
    day: Mapped[date] = mapped_column(Date())  # the hall's local day of starts_at
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    minutes: Mapped[int] = mapped_column()
    capacity: Mapped[int] = mapped_column()
    booked: Mapped[int] = mapped_column(default=0)


class Appointment(Base):
    """A booking 预约 of a gold or diamond member (BH-4): booked → checked_in (a ticket in the
    appointment queue, ordered by the booked time) or late (a walk-in ticket) or no_show
    (recorded by the worker once the late window has closed) or cancelled."""

    __tablename__ = "hall_appointment"
    __table_args__ = (
        # The worker's sweeps: reminders due and windows closed, by state and time.
        Index("ix_hall_appointment_due", "state", "starts_at"),
        Index("ix_hall_appointment_customer", "customer_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("hall_appointment_slot.id"), index=True)
    service_type_id: Mapped[int] = mapped_column(ForeignKey("hall_service_type.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    phone: Mapped[str] = mapped_column(String(20))
    tier: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(12))
    source: Mapped[str] = mapped_column(String(12))  # console | api
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # no-show, cancel
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("hall_ticket.id"))
    province_code: Mapped[str] = mapped_column(String(6))
    city_code: Mapped[str] = mapped_column(String(6))


class HallDevice(Base):
    """A kiosk or guide tablet of a hall, known by the key it keeps in its browser; its
    ``code`` makes the numbers it issues while the server is unreachable its own (BH-6:
    X1-A001 from device 1), so two devices never print the same offline number."""

    __tablename__ = "hall_device"
    __table_args__ = (UniqueConstraint("hall_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    device_key: Mapped[str] = mapped_column(String(40), unique=True)
    code: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OfflineEntry(Base):
    """A number issued (and a pre-acceptance 预受理 recorded) in the browser during an outage,
    once entered (BH-6). ``record_key`` is the browser's idempotency key: a record sent twice
    is entered once, and the second answer names the same ticket."""

    __tablename__ = "hall_offline_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    record_key: Mapped[str] = mapped_column(String(40), unique=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("hall_ticket.id"), index=True)
    number: Mapped[str] = mapped_column(String(12))
    issued_offline_at: Mapped[datetime] = mapped_column(UTCDateTime())
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The pre-acceptance: the customer's number and what they came for, as the guide noted it.
    phone: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(500))


class TicketLink(Base):
    """What a hall visit led to (issue 11 item 3): the counter visit 柜台办理 started for the
    ticket's customer (its transactions and one slip are the counter's) or a work order
    registered for them. Halls keep the link; counter and workorders know nothing of tickets."""

    __tablename__ = "hall_ticket_link"
    __table_args__ = (UniqueConstraint("ticket_id", "kind", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("hall_ticket.id"), index=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    kind: Mapped[str] = mapped_column(String(10))  # visit | order
    target_id: Mapped[int] = mapped_column()  # counter_visit.id or work_order.id
    number: Mapped[str] = mapped_column(String(30))  # CV20261207-000001, the order's number
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class BookingCode(Base):
    """A one-time code texted to a member who books on their phone's H5 page (BH-4): it
    proves the number is theirs. Kept as a hash; a few tries, ten minutes."""

    __tablename__ = "hall_booking_code"
    __table_args__ = (Index("ix_hall_booking_code_phone", "phone", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    phone: Mapped[str] = mapped_column(String(20))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    tries: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
