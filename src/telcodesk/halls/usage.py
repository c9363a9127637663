"""Counter use and opening hours for the hall KPIs (T-3, T-4, BH-3).

- **Counter periods** ``hall_counter_period``: every open, pause and close of a counter starts
  a period in its new state and ends the one before, so a day's open and paused minutes per
  counter are known afterwards (``HallCounter.state_since`` keeps only the latest). Written by
  ``service.move_counter`` through ``record``.
- **Utilisation** of a counter on a day: minutes serving (from each start of service at the
  counter to the ticket's next event, in the tickets' history) over its minutes open; paused
  minutes are reported beside it.
- **T-4 against the calendar**: a hall opens ≥ 10 hours every day, weekends and statutory
  holidays included. The day's hours come from the hall's opening time; a hall set to open on
  working days only is closed on the calendar's rest days (PRC holidays, weekends, the
  region's admin overrides), and those days in the next fortnight are listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import ForeignKey, Index, String, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from telcodesk import clock
from telcodesk.calendar.models import CalendarOverride
from telcodesk.calendar.rules import WorkCalendar
from telcodesk.db import Base, UTCDateTime
from telcodesk.halls import kpis
from telcodesk.halls.models import HallCounter, TicketEvent
from telcodesk.org.models import OrgUnit

NATIONWIDE = "000000"


class CounterPeriod(Base):
    """A counter's time in one state (open or paused; a close ends the period before)."""

    __tablename__ = "hall_counter_period"
    __table_args__ = (Index("ix_hall_counter_period_hall_start", "hall_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    counter_id: Mapped[int] = mapped_column(ForeignKey("hall_counter.id"), index=True)
    state: Mapped[str] = mapped_column(String(10))  # open | paused
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


def record(session: Session, counter: HallCounter, at: datetime) -> None:
    """The counter moved to ``counter.state`` at ``at``: end its open period, start the next."""
    current = session.scalar(
        select(CounterPeriod).where(
            CounterPeriod.counter_id == counter.id, CounterPeriod.ended_at.is_(None)
        )
    )
    if current is not None:
        current.ended_at = at
    if counter.state in ("open", "paused"):
        session.add(
            CounterPeriod(
                hall_id=counter.hall_id,
                counter_id=counter.id,
                state=counter.state,
                staff_id=counter.staff_id,
                started_at=at,
            )
        )
    session.flush()


@dataclass(frozen=True)
class CounterUse:
    counter: int
    open_minutes: float
    paused_minutes: float
    busy_minutes: float
    utilisation: float | None  # busy over open


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=clock.SHANGHAI).astimezone(UTC)
    return start, start + timedelta(days=1)


def counter_use(session: Session, hall: OrgUnit, day: date) -> list[CounterUse]:
    start, end = _day_bounds(day)
    now = clock.now()
    counters = {
        c.id: c.number
        for c in session.scalars(select(HallCounter).where(HallCounter.hall_id == hall.id))
    }
    minutes = {cid: {"open": 0.0, "paused": 0.0} for cid in counters}
    periods = session.scalars(
        select(CounterPeriod).where(
            CounterPeriod.hall_id == hall.id,
            CounterPeriod.started_at < end,
            or_(CounterPeriod.ended_at.is_(None), CounterPeriod.ended_at > start),
        )
    )
    for p in periods:
        until = min(p.ended_at or now, end)
        since = max(p.started_at, start)
        if until > since:
            minutes[p.counter_id][p.state] += (until - since).total_seconds() / 60
    # Serving time per counter: from each "start" at a counter to the ticket's next event
    # (finish, transfer, park … end the visit), clipped to the day; one still serving counts
    # until now.
    busy: dict[int, float] = {}
    events = session.execute(
        select(TicketEvent.ticket_id, TicketEvent.action, TicketEvent.at, TicketEvent.counter_id)
        .where(TicketEvent.hall_id == hall.id, TicketEvent.at >= start, TicketEvent.at < end)
        .order_by(TicketEvent.ticket_id, TicketEvent.at, TicketEvent.id)
    ).all()
    serving: dict[int, tuple[datetime, int]] = {}
    for ticket_id, action, at, counter_id in events:
        began = serving.pop(ticket_id, None)
        if began is not None:
            busy[began[1]] = busy.get(began[1], 0.0) + (at - began[0]).total_seconds()
        if action == "start" and counter_id is not None:
            serving[ticket_id] = (at, counter_id)
    for at, counter_id in serving.values():
        busy[counter_id] = busy.get(counter_id, 0.0) + (min(now, end) - at).total_seconds()
    return [
        CounterUse(
            counter=counters[cid],
            open_minutes=round(m["open"], 1),
            paused_minutes=round(m["paused"], 1),
            busy_minutes=round((busy.get(cid) or 0) / 60, 1),
            utilisation=kpis.utilisation((busy.get(cid) or 0) / 60, m["open"]),
        )
        for cid, m in sorted(minutes.items(), key=lambda kv: counters[kv[0]])
    ]


def calendar_for(session: Session, region_code: str) -> WorkCalendar:
    """The PRC calendar with the overrides of the hall's region (nationwide, province, city;
    the more local one wins), as the SLA clocks read it."""
    regions = {NATIONWIDE, region_code[:2] + "0000", region_code[:4] + "00", region_code}
    rows = session.scalars(
        select(CalendarOverride).where(CalendarOverride.region_code.in_(regions))
    )
    ordered = sorted(
        rows, key=lambda r: len(r.region_code.rstrip("0")) if r.region_code != NATIONWIDE else 0
    )
    return WorkCalendar.build(overrides={r.day: r.is_workday for r in ordered})


@dataclass(frozen=True)
class Opening:
    open_time: str | None
    close_time: str | None
    hours: float  # a day's opening hours (24 when always open)
    workdays_only: bool
    is_workday: bool  # the day, in the hall's calendar
    open_on_day: bool
    ok: bool  # T-4 on the day: open, and ≥ 10 hours
    closed_days_ahead: list[date]  # the next 14 days the hall would be shut (T-4 breached)


def opening(session: Session, hall: OrgUnit, day: date) -> Opening:
    cal = calendar_for(session, hall.region_code)
    hours = kpis.opening_hours(hall.open_time, hall.close_time)
    closed = [
        day + timedelta(d)
        for d in range(14)
        if hall.workdays_only and not cal.is_workday(day + timedelta(d))
    ]
    workday = cal.is_workday(day)
    open_on_day = workday or not hall.workdays_only
    return Opening(
        open_time=hall.open_time,
        close_time=hall.close_time,
        hours=hours,
        workdays_only=hall.workdays_only,
        is_workday=workday,
        open_on_day=open_on_day,
        ok=open_on_day and hours >= kpis.MIN_OPEN_HOURS,
        closed_days_ahead=closed,
    )
