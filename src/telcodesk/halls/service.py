"""Hall use cases (BH-1…BH-3): issue a ticket, call the next one by the counter's policy, and
every action on a ticket and a counter. Services flush, never commit.

Every action goes through ``rules.TRANSITIONS`` and leaves a ``hall_ticket_event`` row; a
visit's end (finish, transfer, park, no-show …) records its outcome and the time it took.
Call next chooses from the heads of the queues with ``rules.choose`` and takes the ticket with
a compare-and-set update, so two counters calling at once never get the same ticket.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, bindparam, case, func, literal, select, union_all, update
from sqlalchemy.orm import Session

from telcodesk import clock
from telcodesk.db import UTCDateTime
from telcodesk.errors import Conflict, IllegalTransition, NotFound, ValidationFailed
from telcodesk.halls import alerts, rules, usage
from telcodesk.halls.models import (
    HallConfig,
    HallCounter,
    ServiceType,
    Ticket,
    TicketEvent,
    TicketLink,
    WorkProfile,
)
from telcodesk.halls.rules import Action, Outcome, State
from telcodesk.halls.setup import VIP_TIERS, counters_of, types_of
from telcodesk.org.models import OrgUnit, Staff
from telcodesk.org.permissions import Permission, require
from telcodesk.org.service import province_and_city

SOURCES = ("kiosk", "guide", "phone", "appointment", "counter", "offline")


class TicketNotFound(NotFound):
    code = "ticket_not_found"
    message_zh = "号票不存在"
    message_en = "Unknown ticket"


class CounterNotFound(NotFound):
    code = "counter_not_found"
    message_zh = "窗口不存在"
    message_en = "Unknown counter"


class CounterNotOpen(Conflict):
    code = "counter_not_open"
    message_zh = "窗口未开启"
    message_en = "The counter is not open"


def _minutes(since: datetime, now: datetime) -> float:
    return max(0.0, (now - since).total_seconds() / 60)


# --- issuing -------------------------------------------------------------------------------


def queue_for(types: dict[str, ServiceType], code: str, *, tier: str, care: bool) -> ServiceType:
    """The queue a ticket joins: the type asked for, the care lane for 爱心通道, VIP for gold
    and diamond members asking for a transaction (BH-2)."""
    if code not in types:
        raise ValidationFailed(
            "业务类型不存在", f"Unknown service type {code!r}", code="unknown_service_type"
        )
    asked = types[code]
    if asked.kind == "standard":
        care_lane = next((t for t in types.values() if t.kind == "care"), None)
        vip_lane = next((t for t in types.values() if t.kind == "vip"), None)
        if care and care_lane:
            return care_lane
        if tier in VIP_TIERS and vip_lane and code == "A":
            return vip_lane
    return asked


def issue(
    session: Session,
    hall: OrgUnit,
    code: str,
    *,
    source: str,
    customer_id: int | None = None,
    tier: str = "standard",
    care: bool = False,
    booked_at: datetime | None = None,
    actor: Staff | None = None,
    number: str | None = None,
    at: datetime | None = None,
) -> Ticket:
    """A ticket A001 … for the hall's day (BH-1); numbered per type, restarting every day.
    An offline record being entered (BH-6) keeps its own ``number`` and its place from the
    time ``at`` it was issued in the browser."""
    now = clock.now()
    issued = at or now
    today = clock.local(now).date()
    types = types_of(session, hall.id)
    kind = queue_for(types, code, tier=tier, care=care)
    # The type's row is the day's counter: locked, so two kiosks never print one number twice.
    locked = session.scalar(select(ServiceType).where(ServiceType.id == kind.id).with_for_update())
    assert locked is not None
    seq = rules.next_seq(locked.last_day, locked.last_seq, today)
    locked.last_day, locked.last_seq = today, seq
    province, city = province_and_city(hall)
    ticket = Ticket(
        hall_id=hall.id,
        service_type_id=kind.id,
        day=today,
        seq=seq,
        number=number or rules.ticket_number(kind.code, seq),
        public_token=secrets.token_urlsafe(16),
        source=source,
        customer_id=customer_id,
        tier=tier,
        care=care,
        state=State.WAITING,
        issued_at=issued,
        queued_at=issued,
        booked_at=booked_at,
        province_code=province,
        city_code=city,
    )
    session.add(ticket)
    session.flush()
    _event(
        session, ticket, "issue", None, actor, None, details={"source": source, "type": kind.code}
    )
    from_queries = alerts.estimate(session, hall, ticket)
    ticket.estimate_minutes = round(from_queries)
    alerts.check(session, hall)
    return ticket


# --- history -------------------------------------------------------------------------------


def _event(
    session: Session,
    ticket: Ticket,
    action: str,
    from_state: str | None,
    actor: Staff | None,
    counter: HallCounter | None,
    *,
    outcome: str | None = None,
    details: dict[str, object] | None = None,
) -> None:
    session.add(
        TicketEvent(
            ticket_id=ticket.id,
            hall_id=ticket.hall_id,
            action=action,
            from_state=from_state,
            to_state=ticket.state,
            at=clock.now(),
            staff_id=actor.id if actor else None,
            counter_id=counter.id if counter else None,
            outcome=outcome,
            details=details or {},
        )
    )


def _apply(ticket: Ticket, action: Action) -> str:
    new = rules.next_state(State(ticket.state), action)
    if new is None:
        raise IllegalTransition(
            f"号票当前状态({rules.STATE_LABELS[State(ticket.state)].zh})不允许此操作",
            f"Ticket {ticket.number} is {ticket.state}: {action.value} is not allowed",
        )
    old = ticket.state
    ticket.state = new
    return old


def _end_visit(ticket: Ticket, now: datetime) -> None:
    """Adds the visit's time at the counter to the ticket's handling time."""
    if ticket.served_at is not None:
        ticket.handle_seconds += int((now - ticket.served_at).total_seconds())
        ticket.served_at = None


# --- counters ------------------------------------------------------------------------------


def get_counter(session: Session, hall: OrgUnit, number: int) -> HallCounter:
    counter = session.scalar(
        select(HallCounter).where(HallCounter.hall_id == hall.id, HallCounter.number == number)
    )
    if counter is None:
        raise CounterNotFound()
    return counter


def move_counter(
    session: Session, actor: Staff, hall: OrgUnit, number: int, move: str
) -> HallCounter:
    """Open, pause or close a counter (the one who opens it sits at it)."""
    counter = get_counter(session, hall, number)
    new = rules.COUNTER_MOVES.get((counter.state, move))
    if new is None:
        raise IllegalTransition(
            f"窗口当前状态不允许{move}", f"Counter {number} is {counter.state}: cannot {move}"
        )
    if move in ("pause", "close") and _current(session, counter) is not None:
        raise Conflict("请先办结当前号票", "Finish the current ticket first", code="counter_busy")
    counter.state, counter.state_since = new, clock.now()
    counter.staff_id = actor.id if new == "open" else counter.staff_id if new == "paused" else None
    session.flush()
    usage.record(session, counter, counter.state_since)  # the KPIs' utilisation (T-3)
    alerts.check(session, hall)
    return counter


def _current(session: Session, counter: HallCounter) -> Ticket | None:
    return session.scalar(
        select(Ticket).where(
            Ticket.counter_id == counter.id, Ticket.state.in_((State.CALLED, State.SERVING))
        )
    )


def current_ticket(session: Session, counter: HallCounter) -> Ticket | None:
    return _current(session, counter)


# --- call next -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A ticket call next may take, as the one candidates statement reads it."""

    ticket_id: int
    type_id: int
    queued_at: datetime
    issued_at: datetime
    first_called_at: datetime | None
    arm: int  # CURRENT, POOL, or QUEUES + the queue's place in the profile


CURRENT, POOL, QUEUES = 0, 1, 3
WAITING = State.WAITING.value


def _arm(arm: int, *where: Any, order: tuple[Any, ...]) -> Any:
    return select(
        select(
            Ticket.id, Ticket.service_type_id, Ticket.queued_at, Ticket.issued_at,
            Ticket.first_called_at, literal(arm).label("arm"),
        )
        .where(*where)
        .order_by(*order)
        .limit(1)
        .subquery()
    )  # fmt: skip


# Statements built once and reused with bound values: building and hashing a ten-arm UNION
# cost more than running it (item 11), so they are kept per shape (which arms order by the
# booked time), and SQLAlchemy's compiled cache finds them at once.
_CANDIDATES: dict[tuple[bool, ...], Any] = {}


def _candidates_statement(booked_order: tuple[bool, ...]) -> Any:
    statement = _CANDIDATES.get(booked_order)
    if statement is None:
        waiting = Ticket.state == WAITING
        by_queue = (Ticket.queued_at, Ticket.id)
        arms = [
            _arm(
                CURRENT,
                Ticket.counter_id == bindparam("counter"),
                Ticket.state.in_((State.CALLED.value, State.SERVING.value)),
                order=(Ticket.id,),
            ),
            _arm(POOL, Ticket.pool_counter_id == bindparam("counter"), waiting, order=by_queue),
            _arm(POOL, Ticket.pool_staff_id == bindparam("staff"), waiting, order=by_queue),
        ]
        for i, booked in enumerate(booked_order):
            arms.append(
                _arm(
                    QUEUES + i, Ticket.service_type_id == bindparam(f"type{i}"), waiting,
                    Ticket.pool_counter_id.is_(None), Ticket.pool_staff_id.is_(None),
                    order=(Ticket.booked_at, *by_queue) if booked else by_queue,
                )
            )  # fmt: skip
        statement = _CANDIDATES[booked_order] = union_all(*arms)
    return statement


def candidates(
    session: Session, kinds: list[ServiceType], counter: HallCounter, actor: Staff
) -> list[Candidate]:
    """In one statement (UNION ALL of LIMIT 1 arms, each on an index): the counter's current
    ticket if it has one, the first ticket of its pool and of its person's pool, and the head
    of each of its queues ``kinds`` not held in a pool (the appointment queue by booked time).
    Call next never reads more than these few rows, however many wait (item 11)."""
    statement = _candidates_statement(tuple(k.kind == "appointment" for k in kinds))
    values: dict[str, Any] = {"counter": counter.id, "staff": actor.id}
    values.update({f"type{i}": k.id for i, k in enumerate(kinds)})
    return [Candidate(*row) for row in session.execute(statement, values).all()]


def heads(kinds: list[ServiceType], found: list[Candidate], now: datetime) -> list[rules.Head]:
    """The queues' heads as the policy sees them (minutes waited since queued, the target)."""
    return [
        rules.Head(
            c.ticket_id, kinds[c.arm - QUEUES].code, _minutes(c.queued_at, now),
            kinds[c.arm - QUEUES].target_wait_minutes,
        )
        for c in found
        if c.arm >= QUEUES
    ]  # fmt: skip


_TAKE = (
    update(Ticket)
    .where(Ticket.id == bindparam("ticket"), Ticket.state == WAITING)
    .values(
        state=State.CALLED.value,
        counter_id=bindparam("counter"),
        staff_id=bindparam("staff"),
        pool_counter_id=None,
        pool_staff_id=None,
        called_at=bindparam("now", type_=UTCDateTime()),
        call_count=1,
        # The first call ends the wait (KPIs); a recycled ticket's next call does not.
        first_called_at=func.coalesce(
            Ticket.first_called_at, bindparam("now", type_=UTCDateTime())
        ),
        wait_seconds=case(
            (Ticket.first_called_at.is_(None), bindparam("wait", type_=Integer())),
            else_=Ticket.wait_seconds,
        ),
    )
    .returning(Ticket)
    .execution_options(synchronize_session=False, populate_existing=True)
)


def _take(
    session: Session, candidate: Candidate, counter: HallCounter, actor: Staff
) -> Ticket | None:
    """Compare-and-set: the ticket is ours only if it is still waiting. One UPDATE … RETURNING
    sets the call and hands back the row (the API answers with it)."""
    now = clock.now()
    values = {
        "ticket": candidate.ticket_id,
        "counter": counter.id,
        "staff": actor.id,
        "now": now,
        "wait": int((now - candidate.issued_at).total_seconds()),
    }
    return session.scalars(_TAKE, values).one_or_none()


@dataclass
class Called:
    ticket: Ticket
    reason: str


def call_next(session: Session, actor: Staff, hall: OrgUnit, number: int) -> Called | None:
    """The counter calls its next ticket: its pool first, then by its work profile."""
    found_counter = session.execute(
        select(HallCounter, WorkProfile)
        .join(WorkProfile, WorkProfile.id == HallCounter.profile_id)
        .where(HallCounter.hall_id == hall.id, HallCounter.number == number)
    ).one_or_none()
    if found_counter is None:
        raise CounterNotFound()
    counter, profile = found_counter
    if counter.state != "open":
        raise CounterNotOpen()
    types = types_of(session, hall.id)
    policy = rules.policy_from_data(profile.policy)
    kinds = [types[code] for code in policy.queues if code in types]
    for _ in range(5):  # another counter may take a head first: choose again
        found = candidates(session, kinds, counter, actor)
        if any(c.arm == CURRENT for c in found):
            raise Conflict(
                "请先办结当前号票", "Finish the current ticket first", code="counter_busy"
            )
        pooled = min(
            (c for c in found if c.arm == POOL),
            key=lambda c: (c.queued_at, c.ticket_id),
            default=None,
        )
        if pooled is not None:
            ticket = _take(session, pooled, counter, actor)
            if ticket is None:
                continue
            reason, next_turn = "pool", counter.recipe_turn
        else:
            choice = rules.choose(policy, heads(kinds, found, clock.now()), counter.recipe_turn)
            if choice is None:
                return None
            chosen = next(c for c in found if c.ticket_id == choice.ticket_id)
            ticket = _take(session, chosen, counter, actor)
            if ticket is None:
                continue
            reason, next_turn = choice.reason, choice.next_turn
        counter.recipe_turn = next_turn
        _event(
            session, ticket, Action.CALL, State.WAITING, actor, counter, details={"reason": reason}
        )
        session.flush()  # alerts: checked by the hall_alerts job (jobs.py), not here
        return Called(ticket, reason)
    raise Conflict("叫号繁忙，请重试", "Busy calling; try again", code="call_contention")


# --- actions on the called or served ticket ---------------------------------------------


def get_ticket(session: Session, hall: OrgUnit, ticket_id: int) -> Ticket:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or ticket.hall_id != hall.id:
        raise TicketNotFound()
    return ticket


def recall(session: Session, actor: Staff, hall: OrgUnit, ticket_id: int) -> Ticket:
    """Call again; after the hall's N calls nobody came: no-show (the visit ends)."""
    ticket = get_ticket(session, hall, ticket_id)
    config = session.get(HallConfig, hall.id)
    assert config is not None
    counter = session.get(HallCounter, ticket.counter_id) if ticket.counter_id else None
    if ticket.state == State.CALLED and ticket.call_count >= config.no_show_after_calls:
        old = _apply(ticket, Action.NO_SHOW)
        ticket.outcome, ticket.finished_at = Outcome.NO_SHOW, clock.now()
        _event(session, ticket, Action.NO_SHOW, old, actor, counter, outcome=Outcome.NO_SHOW)
    else:
        old = _apply(ticket, Action.RECALL)
        ticket.call_count += 1
        ticket.called_at = clock.now()
        _event(
            session,
            ticket,
            Action.RECALL,
            old,
            actor,
            counter,
            details={"calls": ticket.call_count},
        )
    session.flush()
    return ticket


def start(session: Session, actor: Staff, hall: OrgUnit, ticket_id: int) -> Ticket:
    ticket = get_ticket(session, hall, ticket_id)
    old = _apply(ticket, Action.START)
    ticket.served_at = clock.now()
    counter = session.get(HallCounter, ticket.counter_id) if ticket.counter_id else None
    _event(session, ticket, Action.START, old, actor, counter)
    session.flush()
    return ticket


def finish(
    session: Session, actor: Staff, hall: OrgUnit, ticket_id: int, outcome: str = Outcome.NORMAL
) -> Ticket:
    if outcome not in rules.FINISH_OUTCOMES:
        raise ValidationFailed(
            "办结结果不正确", f"Unknown outcome {outcome!r}", code="unknown_outcome"
        )
    ticket = get_ticket(session, hall, ticket_id)
    old = _apply(ticket, Action.FINISH)
    now = clock.now()
    _end_visit(ticket, now)
    ticket.outcome, ticket.finished_at = outcome, now
    counter = session.get(HallCounter, ticket.counter_id) if ticket.counter_id else None
    _event(session, ticket, Action.FINISH, old, actor, counter, outcome=outcome)
    session.flush()
    return ticket


def _requeue(ticket: Ticket, now: datetime) -> None:
    _end_visit(ticket, now)
    ticket.queued_at = now
    ticket.counter_id = None
    ticket.call_count = 0


def recycle(session: Session, actor: Staff, hall: OrgUnit, ticket_id: int) -> Ticket:
    """Back into its queue from now (the customer stepped out when called)."""
    ticket = get_ticket(session, hall, ticket_id)
    counter = session.get(HallCounter, ticket.counter_id) if ticket.counter_id else None
    old = _apply(ticket, Action.RECYCLE)
    _requeue(ticket, clock.now())
    _event(session, ticket, Action.RECYCLE, old, actor, counter, outcome=Outcome.RECYCLED)
    session.flush()
    return ticket


def park(session: Session, actor: Staff, hall: OrgUnit, ticket_id: int) -> Ticket:
    """Into this counter's pool (waiting for a document, a colleague): recalled with unpark."""
    ticket = get_ticket(session, hall, ticket_id)
    counter = session.get(HallCounter, ticket.counter_id) if ticket.counter_id else None
    old = _apply(ticket, Action.PARK)
    _end_visit(ticket, clock.now())
    ticket.pool_counter_id = ticket.counter_id
    _event(session, ticket, Action.PARK, old, actor, counter, outcome=Outcome.PARKED)
    session.flush()
    return ticket


def unpark(session: Session, actor: Staff, hall: OrgUnit, ticket_id: int, number: int) -> Ticket:
    """Recall a parked ticket to a counter."""
    ticket = get_ticket(session, hall, ticket_id)
    counter = get_counter(session, hall, number)
    if counter.state != "open":
        raise CounterNotOpen()
    if _current(session, counter) is not None:
        raise Conflict("请先办结当前号票", "Finish the current ticket first", code="counter_busy")
    old = _apply(ticket, Action.UNPARK)
    now = clock.now()
    ticket.counter_id, ticket.staff_id, ticket.pool_counter_id = counter.id, actor.id, None
    ticket.called_at, ticket.call_count = now, 1
    _event(session, ticket, Action.UNPARK, old, actor, counter)
    session.flush()
    return ticket


def transfer(
    session: Session,
    actor: Staff,
    hall: OrgUnit,
    ticket_id: int,
    *,
    to_type: str | None = None,
    to_counter: int | None = None,
    to_staff: Staff | None = None,
) -> Ticket:
    """Send the visit on: to another queue, to one counter's pool or to one person's pool."""
    if sum(x is not None for x in (to_type, to_counter, to_staff)) != 1:
        raise ValidationFailed(
            "请指定一个转移目标", "Give exactly one of type, counter, staff", code="transfer_target"
        )
    ticket = get_ticket(session, hall, ticket_id)
    counter = session.get(HallCounter, ticket.counter_id) if ticket.counter_id else None
    now = clock.now()
    details: dict[str, object] = {}
    if to_type is not None:
        types = types_of(session, hall.id)
        if to_type not in types:
            raise ValidationFailed(
                "业务类型不存在", f"Unknown service type {to_type!r}", code="unknown_service_type"
            )
        old = _apply(ticket, Action.TRANSFER_QUEUE)
        ticket.service_type_id = types[to_type].id
        outcome, action = Outcome.TRANSFER_TO_QUEUE, Action.TRANSFER_QUEUE
        details["type"] = to_type
    elif to_counter is not None:
        target = get_counter(session, hall, to_counter)
        old = _apply(ticket, Action.TRANSFER_COUNTER)
        ticket.pool_counter_id = target.id
        outcome, action = Outcome.TRANSFER_TO_COUNTER, Action.TRANSFER_COUNTER
        details["counter"] = to_counter
    else:
        assert to_staff is not None
        if to_staff.unit_id != hall.id:
            raise ValidationFailed(
                "只能转给本厅员工", "Only to staff of this hall", code="transfer_target"
            )
        old = _apply(ticket, Action.TRANSFER_STAFF)
        ticket.pool_staff_id = to_staff.id
        outcome, action = Outcome.TRANSFER_TO_STAFF, Action.TRANSFER_STAFF
        details["staff"] = to_staff.username
    _requeue(ticket, now)
    _event(session, ticket, action, old, actor, counter, outcome=outcome, details=details)
    session.flush()
    return ticket


def remove(
    session: Session, actor: Staff, hall: OrgUnit, ticket_id: int, *, left: bool = False
) -> Ticket:
    """Staff remove a ticket, or record that the customer left before being served."""
    ticket = get_ticket(session, hall, ticket_id)
    counter = session.get(HallCounter, ticket.counter_id) if ticket.counter_id else None
    old = _apply(ticket, Action.REMOVE)
    outcome = Outcome.CUSTOMER_LEFT if left else Outcome.REMOVED_BY_STAFF
    ticket.outcome, ticket.finished_at = outcome, clock.now()
    _event(session, ticket, Action.REMOVE, old, actor, counter, outcome=outcome)
    session.flush()
    return ticket


def walk_direct(
    session: Session,
    actor: Staff,
    hall: OrgUnit,
    number: int,
    code: str,
    *,
    customer_id: int | None = None,
    tier: str = "standard",
) -> Ticket:
    """A customer served at once at the counter (no queue): a ticket made serving."""
    counter = get_counter(session, hall, number)
    if counter.state != "open":
        raise CounterNotOpen()
    if _current(session, counter) is not None:
        raise Conflict("请先办结当前号票", "Finish the current ticket first", code="counter_busy")
    ticket = issue(
        session, hall, code, source="counter", customer_id=customer_id, tier=tier, actor=actor
    )
    taken = _take(
        session,
        Candidate(ticket.id, ticket.service_type_id, ticket.queued_at, ticket.issued_at, None, -1),
        counter,
        actor,
    )
    assert taken is ticket
    old = _apply(ticket, Action.START)
    ticket.served_at = clock.now()
    _event(session, ticket, "walk_direct", old, actor, counter)
    session.flush()
    return ticket


def solved_by_guide(session: Session, actor: Staff, hall: OrgUnit, ticket_id: int) -> Ticket:
    """Pre-processing while waiting solved it (BH-1): the ticket leaves the queue."""
    ticket = get_ticket(session, hall, ticket_id)
    old = _apply(ticket, Action.REMOVE)
    ticket.outcome, ticket.finished_at = Outcome.CONSULTATION_SOLVED, clock.now()
    _event(session, ticket, Action.REMOVE, old, actor, None, outcome=Outcome.CONSULTATION_SOLVED)
    session.flush()
    return ticket


def reset_day(session: Session, hall: OrgUnit, actor: Staff | None = None) -> int:
    """The hall's day ends: every open ticket is closed (removed by reset)."""
    now = clock.now()
    rows = session.scalars(
        select(Ticket).where(Ticket.hall_id == hall.id, Ticket.state.in_(tuple(rules.OPEN_STATES)))
    ).all()
    for ticket in rows:
        old = _apply(ticket, Action.RESET)
        _end_visit(ticket, now)
        ticket.outcome, ticket.finished_at = Outcome.REMOVED_BY_RESET, now
        _event(session, ticket, Action.RESET, old, actor, None, outcome=Outcome.REMOVED_BY_RESET)
    session.flush()
    return len(rows)


def waiting_count(session: Session, hall: OrgUnit) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Ticket)
            .where(Ticket.hall_id == hall.id, Ticket.state == State.WAITING)
        )
        or 0
    )


def hall_counters(session: Session, hall: OrgUnit) -> list[HallCounter]:
    return counters_of(session, hall.id)


# --- what a visit led to (item 3) ---------------------------------------------------------------


def serving_ticket(session: Session, actor: Staff, hall: OrgUnit, ticket_id: int) -> Ticket:
    """The ticket a counter is serving now: the only one a visit or an order is linked to."""
    require(actor, Permission.HALL_SERVE)
    ticket = get_ticket(session, hall, ticket_id)
    if ticket.state != State.SERVING:
        raise Conflict(
            "请先开始办理该号票", "Start serving the ticket first", code="ticket_not_serving"
        )
    return ticket


def identify(session: Session, ticket: Ticket, customer_id: int, tier: str) -> None:
    """The customer of an anonymous ticket, once known at the counter (KPIs by tier)."""
    if ticket.customer_id is None:
        ticket.customer_id, ticket.tier = customer_id, tier


def link(
    session: Session, actor: Staff, ticket: Ticket, kind: str, target_id: int, number: str
) -> TicketLink:
    """Record that the visit led to a counter visit or a work order (the history says so)."""
    row = TicketLink(
        ticket_id=ticket.id, hall_id=ticket.hall_id, kind=kind, target_id=target_id,
        number=number, linked_at=clock.now(), staff_id=actor.id,
    )  # fmt: skip
    session.add(row)
    counter = session.get(HallCounter, ticket.counter_id) if ticket.counter_id else None
    _event(session, ticket, f"link_{kind}", ticket.state, actor, counter, details={kind: number})
    session.flush()
    return row


def links_of(session: Session, ticket: Ticket) -> list[TicketLink]:
    return list(
        session.scalars(
            select(TicketLink).where(TicketLink.ticket_id == ticket.id).order_by(TicketLink.id)
        )
    )
