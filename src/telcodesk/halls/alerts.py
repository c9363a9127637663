"""Wait estimates and the duty manager's alerts (T-3, BH-3).

A ticket's estimate replays the open counters' real policies over the tickets waiting now
(``rules.replay_wait``): each visit takes its type's mean handling time of the last 30
visits within 4 hours (the type's nominal time until there are any), the other queues keep
arriving at their last half-hour's rates, and a ticket ahead may leave before it is reached
(the walk-ins' mean patience over the last 4 hours: minutes waited over walk-outs). The
simulator scores exactly this. The predicted waits of the queues (the board, the peak
alert, checked after every call) use the cheaper queue formula ``rules.estimate_wait``:
tickets ahead over the counters serving the queue, weighted by the share their recipe gives
it.

A **peak** is a predicted wait past the hall's threshold (30 min, T-3) for a new ticket of
any queue. The duty manager is told how many counters to open: the fewest servers whose
Erlang C mean wait for the last hour's arrivals and handling stays within a third of the
threshold (staffing.servers_for_mean_wait), less those open. The alert stays open, once,
until the predicted waits are back under the threshold; then it clears (and says so).
A **paused counter** while a ticket waits past its target raises its own alert (BH-3: no
counter pauses while the queue is long), cleared when the counter reopens or the queue
is back within target.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from telcodesk import clock
from telcodesk.halls import hooks, rules, staffing
from telcodesk.halls.models import HallAlert, HallConfig, HallCounter, ServiceType, Ticket
from telcodesk.halls.rules import State
from telcodesk.halls.setup import counters_of, policies_of, types_of
from telcodesk.org.models import OrgUnit, Staff
from telcodesk.org.roles import Role
from telcodesk.org.service import province_and_city
from telcodesk.org.supervision import supervisors_over

RECENT = timedelta(hours=4)
RECENT_VISITS = 30
ARRIVAL_WINDOW = timedelta(minutes=30)  # the arrival rates the replay foresees


def _handle_minutes(session: Session, kind: ServiceType) -> float:
    since = clock.now() - RECENT
    rows = session.scalars(
        select(Ticket.handle_seconds)
        .where(
            Ticket.service_type_id == kind.id,
            Ticket.state == State.DONE,
            Ticket.finished_at >= since,
            Ticket.handle_seconds > 0,
        )
        .order_by(Ticket.finished_at.desc())
        .limit(RECENT_VISITS)
    ).all()
    return sum(rows) / len(rows) / 60 if rows else float(kind.nominal_handle_minutes)


def _busy_counters(session: Session, hall_id: int) -> set[int]:
    return set(
        session.scalars(
            select(Ticket.counter_id).where(
                Ticket.hall_id == hall_id,
                Ticket.state.in_((State.CALLED, State.SERVING)),
                Ticket.counter_id.is_not(None),
            )
        )
    )


def _nonempty(session: Session, hall_id: int, types: dict[str, ServiceType]) -> dict[str, int]:
    """Waiting tickets per queue with any, counted on the queue index type by type."""
    counts = {}
    for code, kind in types.items():
        n = session.scalar(
            select(func.count())
            .select_from(Ticket)
            .where(Ticket.service_type_id == kind.id, Ticket.state == State.WAITING)
        )
        if n:
            counts[code] = n
    return counts


class _Now:
    """The hall as the estimates see it, read once per check."""

    def __init__(self, session: Session, hall: OrgUnit) -> None:
        self.session = session
        self.types = types_of(session, hall.id)
        policies = policies_of(session, hall.id)
        busy = _busy_counters(session, hall.id)
        self.counters = [
            rules.CounterNow(policies[c.profile_id], c.id in busy)
            for c in counters_of(session, hall.id)
            if c.state == "open"
        ]
        self.waiting = _nonempty(session, hall.id, self.types)
        self._handles: dict[str, float] = {}

    def handle(self, code: str) -> float:
        if code not in self._handles:
            self._handles[code] = _handle_minutes(self.session, self.types[code])
        return self._handles[code]

    def load(self, code: str, ahead: int) -> rules.QueueLoad:
        return rules.queue_load(code, ahead, self.counters, self.waiting, self.handle(code))


def load_for(session: Session, hall: OrgUnit, code: str, ahead: int) -> rules.QueueLoad:
    return _Now(session, hall).load(code, ahead)


def estimate(session: Session, hall: OrgUnit, ticket: Ticket) -> float:
    """Minutes until ``ticket`` is called (0 once it is no longer waiting): the counters'
    policies replayed over the tickets waiting now (rules.replay_wait), as the simulator
    scores it; past rules.REPLAY_LIMIT waiting tickets, the queue formula."""
    if ticket.state != State.WAITING:
        return 0.0
    kind = session.get(ServiceType, ticket.service_type_id)
    assert kind is not None
    replayed = _replay(session, hall, ticket)
    if replayed is not None:
        return replayed
    return rules.estimate_wait(load_for(session, hall, kind.code, position(session, ticket)))


def _replay(session: Session, hall: OrgUnit, ticket: Ticket) -> float | None:
    now = clock.now()
    types = types_of(session, hall.id)
    waiting = session.scalars(
        select(Ticket)
        .where(
            Ticket.hall_id == hall.id,
            Ticket.state == State.WAITING,
            Ticket.pool_counter_id.is_(None),
            Ticket.pool_staff_id.is_(None),
        )
        .order_by(Ticket.queued_at, Ticket.id)
        .limit(rules.REPLAY_LIMIT + 1)
    ).all()
    if len(waiting) > rules.REPLAY_LIMIT:
        return None
    code_of = {t.id: code for code, t in types.items()}
    queues: dict[str, list[Ticket]] = {}
    for t in waiting:
        queues.setdefault(code_of.get(t.service_type_id, ""), []).append(t)
    for code, items in queues.items():  # appointments by booked time
        if code in types and types[code].kind == "appointment":
            items.sort(key=lambda t: (t.booked_at or t.queued_at, t.id))
    handles = {code: _handle_minutes(session, t) for code, t in types.items()}
    current = {
        t.counter_id: t
        for t in session.scalars(
            select(Ticket).where(
                Ticket.hall_id == hall.id, Ticket.state.in_((State.CALLED, State.SERVING))
            )
        )
    }
    policies = policies_of(session, hall.id)
    desks = []
    for c in counters_of(session, hall.id):
        if c.state != "open":
            continue
        busy = current.get(c.id)
        left = 0.0
        if busy is not None:
            started = busy.served_at or busy.called_at or now
            left = rules.remaining(handles[code_of[busy.service_type_id]], _minutes(started, now))
        desks.append(rules.Desk(policies[c.profile_id], c.recipe_turn, left))
    since = now - ARRIVAL_WINDOW
    issued = session.execute(
        select(Ticket.service_type_id, func.count())
        .where(Ticket.hall_id == hall.id, Ticket.issued_at >= since)
        .group_by(Ticket.service_type_id)
    ).all()
    window = ARRIVAL_WINDOW.total_seconds() / 60
    rates = {code_of[type_id]: n / window for type_id, n in issued if type_id in code_of}
    return rules.replay_wait(
        ticket.id,
        {
            q: [rules.Waiting(t.id, _minutes(t.queued_at, now)) for t in items]
            for q, items in queues.items()
        },
        desks,
        {code: float(t.target_wait_minutes) for code, t in types.items()},
        handles,
        rates,
        rules.patience_estimate(*_exposure(session, hall, now)),
    )


def _exposure(session: Session, hall: OrgUnit, now: datetime) -> tuple[float, int]:
    """Minutes the hall's walk-ins of the last hours spent waiting (called, left, or still
    waiting) and how many left before the call: the customers' patience (rules)."""
    rows = session.execute(
        select(Ticket.issued_at, Ticket.wait_seconds, Ticket.outcome, Ticket.finished_at).where(
            Ticket.hall_id == hall.id,
            Ticket.issued_at >= now - RECENT,
            Ticket.booked_at.is_(None),
        )
    ).all()
    minutes, left = 0.0, 0
    for issued, wait_seconds, outcome, finished in rows:
        if wait_seconds is not None:
            minutes += wait_seconds / 60
        elif outcome == "customer_left":
            minutes += _minutes(issued, finished or now)
            left += 1
        elif outcome is None:
            minutes += _minutes(issued, now)
    return minutes, left


def _minutes(since: datetime, now: datetime) -> float:
    return max(0.0, (now - since).total_seconds() / 60)


def position(session: Session, ticket: Ticket) -> int:
    """Tickets ahead of this one in its queue."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Ticket)
            .where(
                Ticket.service_type_id == ticket.service_type_id,
                Ticket.state == State.WAITING,
                (Ticket.queued_at < ticket.queued_at)
                | ((Ticket.queued_at == ticket.queued_at) & (Ticket.id < ticket.id)),
            )
        )
        or 0
    )


def duty_managers(session: Session, hall: OrgUnit) -> list[int]:
    """The hall's duty managers on duty (active), else the supervisors over the hall."""
    own = session.scalars(
        select(Staff.id).where(
            Staff.unit_id == hall.id, Staff.role == Role.HALL_MANAGER, Staff.active
        )
    ).all()
    return list(own) or [s.id for s in supervisors_over(session, hall)]


def _open_alert(
    session: Session, hall: OrgUnit, kind: str, counter_id: int | None
) -> HallAlert | None:
    return session.scalar(
        select(HallAlert).where(
            HallAlert.hall_id == hall.id,
            HallAlert.kind == kind,
            HallAlert.counter_id.is_(None)
            if counter_id is None
            else HallAlert.counter_id == counter_id,
            HallAlert.cleared_at.is_(None),
        )
    )


def predicted_waits(session: Session, hall: OrgUnit) -> dict[str, float]:
    """Per queue with tickets: the wait a ticket issued now would have."""
    now = _Now(session, hall)
    return {code: rules.estimate_wait(now.load(code, n)) for code, n in now.waiting.items()}


def counters_needed(session: Session, hall: OrgUnit, threshold: float) -> int:
    now = clock.now()
    arrivals = (
        session.scalar(
            select(func.count())
            .select_from(Ticket)
            .where(Ticket.hall_id == hall.id, Ticket.issued_at >= now - timedelta(hours=1))
        )
        or 0
    )
    handled = session.scalars(
        select(Ticket.handle_seconds)
        .where(Ticket.hall_id == hall.id, Ticket.state == State.DONE, Ticket.handle_seconds > 0)
        .order_by(Ticket.finished_at.desc())
        .limit(RECENT_VISITS)
    ).all()
    types = types_of(session, hall.id).values()
    handle = (
        sum(handled) / len(handled) / 60
        if handled
        else sum(t.nominal_handle_minutes for t in types) / max(1, len(types))
    )
    return staffing.servers_for_mean_wait(float(arrivals), handle, threshold / 3)


def check(session: Session, hall: OrgUnit) -> None:
    """Raise or clear the hall's peak and paused-counter alerts (called after every change
    of the queue or the counters, and by the worker)."""
    config = session.get(HallConfig, hall.id)
    if config is None:
        return
    now = clock.now()
    province, _ = province_and_city(hall)
    waits = predicted_waits(session, hall)
    worst = max(waits.values(), default=0.0)
    peak = _open_alert(session, hall, "hall_peak", None)
    counters = counters_of(session, hall.id)
    open_count = sum(c.state == "open" for c in counters)
    if worst > config.peak_wait_minutes and peak is None:
        needed = counters_needed(session, hall, config.peak_wait_minutes)
        to_open = max(1, needed - open_count)
        session.add(
            HallAlert(
                hall_id=hall.id,
                kind="hall_peak",
                raised_at=now,
                details={"predicted": round(worst, 1), "needed": needed, "to_open": to_open},
            )
        )
        hooks.alert(
            session,
            duty_managers(session, hall),
            "hall_peak",
            f"{hall.name}排队高峰：预计等候 {worst:.0f} 分钟，请再开 {to_open} 个窗口",
            f"{hall.name} peak: predicted wait {worst:.0f} min, open {to_open} more counter(s)",
            province,
        )
    elif peak is not None and worst <= config.peak_wait_minutes:
        peak.cleared_at = now
        hooks.alert(
            session,
            duty_managers(session, hall),
            "hall_peak_cleared",
            f"{hall.name}排队高峰已缓解",
            f"{hall.name}: the peak has cleared",
            province,
        )
    _check_paused(session, hall, counters, province)
    session.flush()


def _over_target(session: Session, hall: OrgUnit) -> bool:
    now = clock.now()
    for kind in types_of(session, hall.id).values():
        oldest = session.scalar(
            select(func.min(Ticket.queued_at)).where(
                Ticket.service_type_id == kind.id, Ticket.state == State.WAITING
            )
        )
        if oldest is not None and (now - oldest) > timedelta(minutes=kind.target_wait_minutes):
            return True
    return False


def _check_paused(
    session: Session, hall: OrgUnit, counters: list[HallCounter], province: str
) -> None:
    over = _over_target(session, hall)
    for counter in counters:
        alert = _open_alert(session, hall, "hall_paused", counter.id)
        if counter.state == "paused" and over and alert is None:
            session.add(
                HallAlert(
                    hall_id=hall.id,
                    kind="hall_paused",
                    counter_id=counter.id,
                    raised_at=clock.now(),
                    details={},
                )
            )
            hooks.alert(
                session,
                duty_managers(session, hall),
                "hall_paused",
                f"{hall.name} {counter.number} 号窗口暂停中，但有顾客等候超时",
                f"{hall.name}: counter {counter.number} is paused while customers wait past target",
                province,
            )
        elif alert is not None and (counter.state != "paused" or not over):
            alert.cleared_at = clock.now()


def open_alerts(session: Session, hall: OrgUnit) -> list[HallAlert]:
    return list(
        session.scalars(
            select(HallAlert)
            .where(HallAlert.hall_id == hall.id, HallAlert.cleared_at.is_(None))
            .order_by(HallAlert.id)
        )
    )
