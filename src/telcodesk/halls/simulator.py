"""A seeded discrete-event simulation of a hall day (simpy) that runs the REAL priority
policy (rules.choose) and the REAL wait estimate (rules.queue_load + rules.estimate_wait),
and summarises the day with the live hall's KPIs (kpis.py). So a counter plan can be
checked against T-3 before the day, and the estimate is scored against what happened.

The day: arrivals by half-hour (a rate per hour for each half-hour from opening, Poisson
within it), customer classes (type, share, mean handling time, tier, care), reneging (a
customer leaves after an exponential patience) and baulking (on seeing a long queue, a
customer may not take a number), appointments (arrive up to 10 minutes early, queue by
booked time), no-shows (called three times, a minute apart, then skipped), and counter
schedules (each counter opens and closes at its own times, with its work profile). Handling
times are lognormal with the class's mean and a coefficient of variation of 0.5. After the
last arrival the counters serve whoever still waits.
"""

from __future__ import annotations

import math
import random
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import Any

import simpy

from telcodesk.halls import kpis, rules

Process = Generator[simpy.Event, Any, None]
NO_SHOW_CALLS_MINUTES = 3.0  # three calls a minute apart
RECENT_VISITS, RECENT_MINUTES = 30, 240  # the estimate's handling time: as alerts.py
ARRIVAL_WINDOW = 30.0  # minutes of arrivals the estimate's rates are counted over


@dataclass(frozen=True)
class CustomerClass:
    type: str
    share: float
    handle: float  # mean minutes
    tier: str = "standard"


@dataclass(frozen=True)
class CounterPlan:
    number: int
    policy: rules.Policy
    opens: float = 0.0  # minutes after the hall opens
    closes: float = math.inf


@dataclass(frozen=True)
class Day:
    arrivals: Sequence[float]  # per hour, one rate per half-hour from opening
    classes: Sequence[CustomerClass]
    counters: Sequence[CounterPlan]
    targets: dict[str, float]  # queue -> target wait (T-3)
    appointment_queue: str | None = None
    appointments: Sequence[float] = ()  # booked minutes after opening
    patience: float | None = 60.0  # mean minutes before a customer leaves; None: never
    baulk_over: int | None = 40  # waiting customers that make some not take a number
    no_show: float = 0.03
    open_hour: int = 9


@dataclass
class _Ticket:
    id: int
    queue: str
    tier: str
    issued: float
    queued: float
    handle: float
    booked: float | None = None
    estimate: float | None = None
    wait: float | None = None
    served: float = 0.0
    counter: int | None = None
    outcome: str | None = None


@dataclass
class DayResult:
    visits: list[kpis.Visit]
    scored: list[tuple[float, float]]  # (estimate, actual wait) of every called ticket
    busy: dict[int, float]
    open_minutes: dict[int, float]
    baulked: int
    summary: kpis.Summary = field(init=False)

    def __post_init__(self) -> None:
        self.summary = kpis.summarise(self.visits)

    def errors(self) -> list[float]:
        return [abs(e - a) for e, a in self.scored]

    def mae(self) -> float:
        errors = self.errors()
        return sum(errors) / len(errors) if errors else 0.0

    def p90(self) -> float:
        return kpis.percentile(self.errors(), 0.9) or 0.0


class _Hall:
    def __init__(self, env: simpy.Environment, day: Day, rng: random.Random) -> None:
        self.env, self.day, self.rng = env, day, rng
        self.queues: dict[str, list[_Ticket]] = {}
        self.done: list[_Ticket] = []
        self.recent: dict[str, list[tuple[float, float]]] = {}  # queue -> (finished, minutes)
        # Walk-ins' waits that ended, as the live hall's tickets record them: (ended at,
        # minutes waited, left before the call) - the estimate's patience.
        self.waits: list[tuple[float, float, bool]] = []
        self.busy_now: dict[int, bool] = {}
        self.turns: dict[int, int] = {}
        self.issued: dict[str, list[float]] = {}  # queue -> issue times
        self.serving: dict[int, tuple[str, float]] = {}  # counter -> (queue, visit started)
        self.open_now: dict[int, bool] = {}
        self.busy: dict[int, float] = {c.number: 0.0 for c in day.counters}
        self.open_minutes: dict[int, float] = {c.number: 0.0 for c in day.counters}
        self.arrived = env.event()
        self.arrivals_over = False
        self.ids = iter(range(1, 10**9))
        self.baulked = 0
        self.handles = {c.type: c.handle for c in day.classes}

    # -- the estimate, built as the live hall builds it ---------------------------------
    def _handle_estimate(self, queue: str) -> float:
        now = self.env.now
        recent = [m for t, m in self.recent.get(queue, []) if now - t <= RECENT_MINUTES]
        recent = recent[-RECENT_VISITS:]
        return sum(recent) / len(recent) if recent else self.handles.get(queue, 8.0)

    def estimate(self, ticket: _Ticket) -> float:
        now = self.env.now
        waiting = sum(len(q) for q in self.queues.values())
        if waiting <= rules.REPLAY_LIMIT:
            desks = [
                rules.Desk(c.policy, self.turns.get(c.number, 0), self._remaining(c.number, now))
                for c in self.day.counters
                if self.open_now.get(c.number)
            ]
            queues = {
                code: [rules.Waiting(t.id, now - t.queued) for t in items]
                for code, items in self.queues.items()
            }
            handles = {code: self._handle_estimate(code) for code in self.queues}
            since = now - ARRIVAL_WINDOW
            rates = {
                code: sum(1 for at in times if at >= since) / ARRIVAL_WINDOW
                for code, times in self.issued.items()
            }
            patience = rules.patience_estimate(*self._exposure(now))
            replayed = rules.replay_wait(
                ticket.id, queues, desks, self.day.targets, handles, rates, patience
            )
            if replayed is not None:
                return replayed
        queue = self.queues.get(ticket.queue, [])
        ahead = queue.index(ticket)
        counters = [
            rules.CounterNow(c.policy, self.busy_now.get(c.number, False))
            for c in self.day.counters
            if self.open_now.get(c.number)
        ]
        nonempty = [q for q, items in self.queues.items() if items]
        load = rules.queue_load(
            ticket.queue, ahead, counters, nonempty, self._handle_estimate(ticket.queue)
        )
        return rules.estimate_wait(load)

    def _exposure(self, now: float) -> tuple[float, int]:
        """Minutes walk-ins spent waiting in the recent window (ended waits and those still
        waiting) and how many of them left before the call."""
        ended = [(w, gone) for at, w, gone in self.waits if now - at <= RECENT_MINUTES]
        waiting = [now - t.queued for q in self.queues.values() for t in q if t.booked is None]
        return sum(w for w, _ in ended) + sum(waiting), sum(gone for _, gone in ended)

    def _remaining(self, number: int, now: float) -> float:
        if not self.busy_now.get(number):
            return 0.0
        queue, started = self.serving[number]
        return rules.remaining(self._handle_estimate(queue), now - started)

    # -- arrivals --------------------------------------------------------------------------
    def _join(self, ticket: _Ticket) -> None:
        queue = self.queues.setdefault(ticket.queue, [])
        queue.append(ticket)
        self.issued.setdefault(ticket.queue, []).append(ticket.issued)
        if ticket.booked is not None:
            queue.sort(key=lambda t: (t.booked if t.booked is not None else t.queued, t.id))
        ticket.estimate = self.estimate(ticket)
        if not self.arrived.triggered:
            self.arrived.succeed()
        if self.day.patience is not None and ticket.booked is None:
            self.env.process(self._renege(ticket, self.rng.expovariate(1 / self.day.patience)))

    def _handle_time(self, mean: float) -> float:
        sigma = math.sqrt(math.log(1 + 0.5**2))
        return self.rng.lognormvariate(math.log(mean) - sigma**2 / 2, sigma)

    def walk_ins(self) -> Process:
        shares = [c.share for c in self.day.classes]
        for half, rate in enumerate(self.day.arrivals):
            end = (half + 1) * 30.0
            while rate > 0:
                gap = self.rng.expovariate(rate / 60)
                if self.env.now + gap >= end:
                    yield self.env.timeout(end - self.env.now)
                    break
                yield self.env.timeout(gap)
                kind = self.rng.choices(self.day.classes, weights=shares)[0]
                waiting = sum(len(q) for q in self.queues.values())
                if (
                    self.day.baulk_over is not None
                    and waiting > self.day.baulk_over
                    and self.rng.random() < 0.5
                ):
                    self.baulked += 1
                    continue
                now = self.env.now
                self._join(
                    _Ticket(
                        next(self.ids),
                        kind.type,
                        kind.tier,
                        now,
                        now,
                        self._handle_time(kind.handle),
                    )
                )
            else:
                yield self.env.timeout(end - self.env.now)
        self.arrivals_over = True

    def booked(self) -> Process:
        queue = self.day.appointment_queue
        if queue is None:
            return
        for at in sorted(self.day.appointments):
            arrive = max(self.env.now, at - self.rng.uniform(0, 10))
            yield self.env.timeout(arrive - self.env.now)
            now = self.env.now
            ticket = _Ticket(
                next(self.ids),
                queue,
                "gold",
                now,
                now,
                self._handle_time(self.handles.get(queue, 8.0)),
                booked=at,
            )
            self._join(ticket)

    def _renege(self, ticket: _Ticket, patience: float) -> Process:
        yield self.env.timeout(patience)
        queue = self.queues.get(ticket.queue, [])
        if ticket in queue:
            queue.remove(ticket)
            ticket.outcome = "customer_left"
            self.done.append(ticket)
            self.waits.append((self.env.now, self.env.now - ticket.queued, True))

    # -- counters ----------------------------------------------------------------------------
    def counter(self, plan: CounterPlan) -> Process:
        yield self.env.timeout(plan.opens)
        self.open_now[plan.number] = True
        opened, turn = self.env.now, 0
        while True:
            now = self.env.now
            closing = now >= plan.closes
            heads = [
                rules.Head(q[0].id, code, now - q[0].queued, self.day.targets.get(code, 30.0))
                for code, q in self.queues.items()
                if q
            ]
            choice = None if closing else rules.choose(plan.policy, heads, turn)
            if choice is None:
                nothing_left = self.arrivals_over and not any(
                    self.queues.get(q) for q in plan.policy.queues
                )
                if closing or nothing_left:
                    break
                self.arrived = self.env.event() if self.arrived.triggered else self.arrived
                yield self.arrived | self.env.timeout(1.0)
                continue
            turn = self.turns[plan.number] = choice.next_turn
            queue = self.queues[choice.queue]
            ticket = next(t for t in queue if t.id == choice.ticket_id)
            queue.remove(ticket)
            ticket.wait, ticket.counter = now - ticket.issued, plan.number
            if ticket.booked is None:
                self.waits.append((now, now - ticket.queued, False))
            self.busy_now[plan.number] = True
            self.serving[plan.number] = (ticket.queue, now)
            if self.rng.random() < self.day.no_show:
                yield self.env.timeout(NO_SHOW_CALLS_MINUTES)
                ticket.outcome = "no_show"
                self.busy[plan.number] += NO_SHOW_CALLS_MINUTES
            else:
                yield self.env.timeout(ticket.handle)
                ticket.outcome, ticket.served = "normal", ticket.handle
                self.busy[plan.number] += ticket.handle
                self.recent.setdefault(ticket.queue, []).append((self.env.now, ticket.handle))
            self.busy_now[plan.number] = False
            self.done.append(ticket)
        self.open_now[plan.number] = False
        self.open_minutes[plan.number] += self.env.now - opened


def simulate(day: Day, seed: int) -> DayResult:
    rng = random.Random(seed)
    env = simpy.Environment()
    hall = _Hall(env, day, rng)
    env.process(hall.walk_ins())
    env.process(hall.booked())
    for plan in day.counters:
        env.process(hall.counter(plan))
    env.run(until=len(day.arrivals) * 30 + 24 * 60)  # a day, and then some to serve the rest
    tickets = hall.done + [t for q in hall.queues.values() for t in q]
    visits = [
        kpis.Visit(
            type=t.queue,
            tier=t.tier,
            counter=t.counter,
            hour=day.open_hour + int(t.issued // 60),
            wait=t.wait,
            handle=t.served,
            target=day.targets.get(t.queue, 30.0),
            outcome=t.outcome or "removed_by_reset",
        )
        for t in sorted(tickets, key=lambda t: t.id)
    ]
    scored = [
        (t.estimate, t.wait) for t in tickets if t.wait is not None and t.estimate is not None
    ]
    return DayResult(visits, scored, hall.busy, hall.open_minutes, hall.baulked)
