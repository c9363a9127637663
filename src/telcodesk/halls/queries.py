"""Hall reads: the hall's board for staff, the public display, a ticket's status (phone)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from telcodesk import clock
from telcodesk.halls import alerts, kpis, rules, usage
from telcodesk.halls.models import HallCounter, ServiceType, Ticket, TicketEvent, WorkProfile
from telcodesk.halls.rules import State
from telcodesk.halls.schemas import (
    AlertOut,
    CallingOut,
    CounterOut,
    CounterUseOut,
    DisplayOut,
    GroupOut,
    HallOut,
    KpisOut,
    OpeningOut,
    QueueOut,
    SummaryOut,
    TicketStatusOut,
)
from telcodesk.halls.setup import counters_of, types_of
from telcodesk.org.models import OrgUnit, Staff

# The display shows calls of the last few minutes, newest first.
CALLING_WINDOW = timedelta(minutes=10)
CALLING_SHOWN = 6


def queues(session: Session, hall: OrgUnit) -> list[QueueOut]:
    types = types_of(session, hall.id)
    counts = dict(
        session.execute(
            select(Ticket.service_type_id, func.count())
            .where(Ticket.hall_id == hall.id, Ticket.state == State.WAITING)
            .group_by(Ticket.service_type_id)
        ).all()
    )
    predicted = alerts.predicted_waits(session, hall)
    return [
        QueueOut(
            code=t.code,
            name_zh=t.name_zh,
            name_en=t.name_en,
            waiting=counts.get(t.id, 0),
            target_minutes=t.target_wait_minutes,
            predicted_minutes=round(predicted[code], 1) if code in predicted else None,
        )
        for code, t in types.items()
    ]


def board(session: Session, hall: OrgUnit) -> HallOut:
    profiles = {
        p.id: p.name
        for p in session.scalars(select(WorkProfile).where(WorkProfile.hall_id == hall.id))
    }
    current = {
        t.counter_id: t.number
        for t in session.scalars(
            select(Ticket).where(
                Ticket.hall_id == hall.id, Ticket.state.in_((State.CALLED, State.SERVING))
            )
        )
    }
    names = dict(
        session.execute(select(Staff.id, Staff.display_name).where(Staff.unit_id == hall.id)).all()
    )
    counters = [
        CounterOut(
            number=c.number,
            state=c.state,
            profile=profiles.get(c.profile_id, ""),
            staff=names.get(c.staff_id) if c.staff_id else None,
            current=current.get(c.id),
        )
        for c in counters_of(session, hall.id)
    ]
    by_id = {c.id: c.number for c in counters_of(session, hall.id)}
    return HallOut(
        code=hall.code,
        name=hall.name,
        queues=queues(session, hall),
        counters=counters,
        alerts=[
            AlertOut(
                kind=a.kind,
                counter=by_id.get(a.counter_id) if a.counter_id else None,
                raised_at=a.raised_at,
                details=a.details,
            )
            for a in alerts.open_alerts(session, hall)
        ],
    )


def version(session: Session, hall: OrgUnit) -> int:
    """Changes whenever a ticket of the hall moves: the display's server-sent events poll it."""
    return (
        session.scalar(select(func.max(TicketEvent.id)).where(TicketEvent.hall_id == hall.id)) or 0
    )


def display(session: Session, hall: OrgUnit) -> DisplayOut:
    since = clock.now() - CALLING_WINDOW
    numbers = {
        c.id: c.number
        for c in session.scalars(select(HallCounter).where(HallCounter.hall_id == hall.id))
    }
    rows = session.scalars(
        select(Ticket)
        .where(Ticket.hall_id == hall.id, Ticket.state == State.CALLED, Ticket.called_at >= since)
        .order_by(Ticket.called_at.desc(), Ticket.id.desc())
        .limit(CALLING_SHOWN)
    ).all()
    calling = []
    for t in rows:
        counter = numbers.get(t.counter_id or 0, 0)
        said = rules.announcement(t.number, counter)
        assert t.called_at is not None
        calling.append(
            CallingOut(
                number=t.number,
                counter=counter,
                called_at=t.called_at,
                text_zh=said.zh,
                text_en=said.en,
            )
        )
    return DisplayOut(
        hall=hall.name,
        calling=calling,
        queues=queues(session, hall),
        version=version(session, hall),
    )


def ticket_status(session: Session, ticket: Ticket, hall: OrgUnit) -> TicketStatusOut:
    kind = session.get(ServiceType, ticket.service_type_id)
    assert kind is not None
    counter = session.get(HallCounter, ticket.counter_id) if ticket.counter_id else None
    waiting = ticket.state == State.WAITING
    return TicketStatusOut(
        number=ticket.number,
        hall=hall.name,
        type_zh=kind.name_zh,
        state=ticket.state,
        state_zh=rules.STATE_LABELS[State(ticket.state)].zh,
        ahead=alerts.position(session, ticket) if waiting else 0,
        estimate_minutes=round(alerts.estimate(session, hall, ticket)) if waiting else 0,
        counter=counter.number if counter else None,
        issued_at=ticket.issued_at,
    )


def ticket_by_token(session: Session, token: str) -> Ticket | None:
    return session.scalar(select(Ticket).where(Ticket.public_token == token))


def day_visits(session: Session, hall: OrgUnit, day: date) -> list[kpis.Visit]:
    """The hall day's tickets as KPI visits (waits and handling in minutes)."""
    types = {
        t.id: t for t in session.scalars(select(ServiceType).where(ServiceType.hall_id == hall.id))
    }
    numbers = {c.id: c.number for c in counters_of(session, hall.id)}
    rows = session.scalars(
        select(Ticket).where(Ticket.hall_id == hall.id, Ticket.day == day).order_by(Ticket.id)
    )
    return [
        kpis.Visit(
            type=types[t.service_type_id].code,
            tier=t.tier,
            counter=numbers.get(t.counter_id) if t.counter_id else None,
            hour=clock.local(t.issued_at).hour,
            wait=t.wait_seconds / 60 if t.wait_seconds is not None else None,
            handle=t.handle_seconds / 60,
            target=float(types[t.service_type_id].target_wait_minutes),
            outcome=t.outcome,
        )
        for t in rows
    ]


def day_kpis(session: Session, hall: OrgUnit, day: date) -> KpisOut:
    visits = day_visits(session, hall, day)

    def groups(grouping: str) -> list[GroupOut]:
        return [
            GroupOut(key=str(k), summary=SummaryOut.model_validate(s))
            for k, s in kpis.by(visits, grouping).items()
        ]

    return KpisOut(
        hall=hall.code,
        day=day.isoformat(),
        overall=SummaryOut.model_validate(kpis.summarise(visits)),
        by_type=groups("type"),
        by_tier=groups("tier"),
        by_counter=groups("counter"),
        by_hour=groups("hour"),
        opening_hours_ok=kpis.opening_hours_ok(hall.open_time, hall.close_time),
        counters=[CounterUseOut.model_validate(u) for u in usage.counter_use(session, hall, day)],
        opening=OpeningOut.model_validate(usage.opening(session, hall, day)),
    )
