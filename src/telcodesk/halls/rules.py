"""Hall rules, pure (no I/O): the priority policy a counter calls by, the ticket lifecycle as a
table, ticket numbers, and the wait estimate (BH-1, BH-2, T-3).

The policy (a work profile, stored as data in ``hall_work_profile.policy``)
----------------------------------------------------------------------------
A counter serves some queues. It looks only at each queue's head (queues are first come,
first served; the appointment queue by booked time) and chooses, in this order:

1. **Finally call by** (``max_wait``): a head that has waited ``max_wait`` minutes or more is
   called first, the longest-waiting of them. So nobody waits forever, whatever the rest of
   the profile says, and once overdue a ticket is never overtaken by a younger one.
2. **Conditions**, in their order: ``{"queues": ["V"], "waited_over": 3}`` calls the
   longest-waiting head of those queues once it has waited more than 3 minutes (a VIP
   waiting past 3 min is next; the 爱心通道 is a condition with 0 minutes: the fast lane).
3. **The recipe**, a weighted interleaving such as ``["P", "P", "G", "S"]``: from the
   counter's turn, the first position whose queue has a ticket; the turn moves past it.
   With every queue non-empty the counter calls P, P, G, S, P, P, G, S exactly. Without a
   recipe the queues are served in the order listed (strict priority).
4. **Share of target** (``protect``): if step 3 chose a queue not protected while a protected
   queue's head (VIP, care) has used a larger share of its own target wait (waited/target),
   that head goes first. So a VIP never waits behind a standard ticket that has used less of
   its target (T-3: VIP 5 min, others 30 min).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from telcodesk.halls import staffing
from telcodesk.labels import Label

# --- the policy --------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    queues: tuple[str, ...]
    waited_over: float  # minutes


@dataclass(frozen=True)
class Policy:
    queues: tuple[str, ...]
    recipe: tuple[str, ...] = ()
    conditions: tuple[Condition, ...] = ()
    protect: tuple[str, ...] = ()
    max_wait: float = 45.0  # minutes: T-3's 30 plus a margin

    def serves(self, queue: str) -> bool:
        return queue in self.queues


@dataclass(frozen=True)
class Head:
    """A queue's first ticket as the policy sees it."""

    ticket_id: int
    queue: str
    waited: float  # minutes since it was queued
    target: float  # the queue's target wait, minutes

    @property
    def share(self) -> float:
        return self.waited / self.target if self.target > 0 else math.inf


@dataclass(frozen=True)
class Choice:
    ticket_id: int
    queue: str
    reason: str  # max_wait | condition | recipe | order | target_share
    next_turn: int


class PolicyError(ValueError):
    pass


def policy_from_data(data: Mapping[str, Any]) -> Policy:
    """A policy from its stored form; refuses recipes or conditions naming unserved queues."""
    queues = tuple(str(q) for q in data.get("queues", ()))
    if not queues or len(set(queues)) != len(queues):
        raise PolicyError("a profile serves one or more distinct queues")
    recipe = tuple(str(q) for q in data.get("recipe", ()))
    conditions = tuple(
        Condition(tuple(str(q) for q in c["queues"]), float(c["waited_over"]))
        for c in data.get("conditions", ())
    )
    protect = tuple(str(q) for q in data.get("protect", ()))
    named = set(recipe) | set(protect) | {q for c in conditions for q in c.queues}
    if not named <= set(queues):
        raise PolicyError(f"queues not served: {sorted(named - set(queues))}")
    max_wait = float(data.get("max_wait", 45))
    if max_wait <= 0 or any(c.waited_over < 0 for c in conditions):
        raise PolicyError("minutes must be positive")
    return Policy(queues, recipe, conditions, protect, max_wait)


def policy_data(policy: Policy) -> dict[str, Any]:
    return {
        "queues": list(policy.queues),
        "recipe": list(policy.recipe),
        "conditions": [
            {"queues": list(c.queues), "waited_over": c.waited_over} for c in policy.conditions
        ],
        "protect": list(policy.protect),
        "max_wait": policy.max_wait,
    }


def _longest(heads: Iterable[Head]) -> Head | None:
    return max(heads, key=lambda h: (h.waited, -h.ticket_id), default=None)


def choose(policy: Policy, heads: Sequence[Head], turn: int = 0) -> Choice | None:
    """The ticket a counter with this policy calls next, or None when its queues are empty."""
    mine = {h.queue: h for h in heads if policy.serves(h.queue)}
    if not mine:
        return None
    overdue = _longest(h for h in mine.values() if h.waited >= policy.max_wait)
    if overdue is not None:
        return Choice(overdue.ticket_id, overdue.queue, "max_wait", turn)
    for condition in policy.conditions:
        hit = _longest(
            mine[q]
            for q in condition.queues
            if q in mine and mine[q].waited > condition.waited_over
        )
        if hit is not None:
            return Choice(hit.ticket_id, hit.queue, "condition", turn)
    picked, reason, next_turn = None, "order", turn
    if policy.recipe:
        n = len(policy.recipe)
        for step in range(n):
            queue = policy.recipe[(turn + step) % n]
            if queue in mine:
                picked, reason, next_turn = mine[queue], "recipe", (turn + step + 1) % n
                break
    if picked is None:  # no recipe, or its queues are empty: the listed order
        picked = next(mine[q] for q in policy.queues if q in mine)
    if picked.queue not in policy.protect:
        behind = [mine[q] for q in policy.protect if q in mine and mine[q].share > picked.share]
        if behind:
            first = max(behind, key=lambda h: (h.share, h.waited, -h.ticket_id))
            return Choice(first.ticket_id, first.queue, "target_share", next_turn)
    return Choice(picked.ticket_id, picked.queue, reason, next_turn)


# --- the ticket lifecycle ------------------------------------------------------------------


class State(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    PARKED = "parked"
    DONE = "done"
    NO_SHOW = "no_show"
    REMOVED = "removed"


class Action(StrEnum):
    CALL = "call"  # by the policy, or a pool's ticket
    RECALL = "recall"  # call the called ticket again
    NO_SHOW = "no_show"  # called N times, nobody came
    RECYCLE = "recycle"  # back into its queue (from now), e.g. the customer stepped out
    START = "start"  # the customer sits down
    PARK = "park"  # into the counter's or person's pool, recalled later
    UNPARK = "unpark"  # recall from the pool to the counter
    TRANSFER_QUEUE = "transfer_queue"
    TRANSFER_COUNTER = "transfer_counter"
    TRANSFER_STAFF = "transfer_staff"
    FINISH = "finish"
    REMOVE = "remove"  # by staff, or the customer left 离开
    RESET = "reset"  # the hall's day ends: whatever is open is closed


S, A = State, Action
TRANSITIONS: dict[tuple[State, Action], State] = {
    (S.WAITING, A.CALL): S.CALLED,
    (S.CALLED, A.RECALL): S.CALLED,
    (S.CALLED, A.NO_SHOW): S.NO_SHOW,
    (S.CALLED, A.RECYCLE): S.WAITING,
    (S.CALLED, A.START): S.SERVING,
    (S.CALLED, A.PARK): S.PARKED,
    (S.SERVING, A.PARK): S.PARKED,
    (S.PARKED, A.UNPARK): S.CALLED,
    (S.CALLED, A.TRANSFER_QUEUE): S.WAITING,
    (S.SERVING, A.TRANSFER_QUEUE): S.WAITING,
    (S.SERVING, A.TRANSFER_COUNTER): S.WAITING,
    (S.SERVING, A.TRANSFER_STAFF): S.WAITING,
    (S.SERVING, A.FINISH): S.DONE,
    (S.WAITING, A.REMOVE): S.REMOVED,
    (S.CALLED, A.REMOVE): S.REMOVED,
    (S.PARKED, A.REMOVE): S.REMOVED,
    **{(s, A.RESET): S.REMOVED for s in (S.WAITING, S.CALLED, S.SERVING, S.PARKED)},
}
OPEN_STATES = frozenset({S.WAITING, S.CALLED, S.SERVING, S.PARKED})
TERMINAL = frozenset(S) - OPEN_STATES


def next_state(state: State, action: Action) -> State | None:
    return TRANSITIONS.get((state, action))


class Outcome(StrEnum):
    """How a visit at a counter (or the ticket) ended: the Qmatic-style set of 13."""

    NORMAL = "normal"  # served 办结
    CONSULTATION_SOLVED = "consultation_solved"  # solved by the guide, no counter (BH-1)
    ORDER_REGISTERED = "order_registered"  # a work order taken for the back office
    INCOMPLETE_DOCUMENTS = "incomplete_documents"  # 证件不全 (BH-7), come back
    NO_SHOW = "no_show"
    RECYCLED = "recycled"
    PARKED = "parked"
    TRANSFER_TO_QUEUE = "transfer_to_queue"
    TRANSFER_TO_COUNTER = "transfer_to_counter"
    TRANSFER_TO_STAFF = "transfer_to_staff"
    REMOVED_BY_STAFF = "removed_by_staff"
    CUSTOMER_LEFT = "customer_left"  # reneged before the call
    REMOVED_BY_RESET = "removed_by_reset"


# What finishing a served visit may record (the rest are set by their actions).
FINISH_OUTCOMES = frozenset(
    {o.value for o in (Outcome.NORMAL, Outcome.ORDER_REGISTERED, Outcome.INCOMPLETE_DOCUMENTS)}
)
OUTCOME_LABELS: dict[Outcome, Label] = {
    Outcome.NORMAL: Label("办结", "Served"),
    Outcome.CONSULTATION_SOLVED: Label("引导台解决", "Solved by the guide"),
    Outcome.ORDER_REGISTERED: Label("已登记工单", "Work order registered"),
    Outcome.INCOMPLETE_DOCUMENTS: Label("证件资料不全", "Documents incomplete"),
    Outcome.NO_SHOW: Label("过号未到", "No-show"),
    Outcome.RECYCLED: Label("重新排队", "Recycled"),
    Outcome.PARKED: Label("挂起", "Parked"),
    Outcome.TRANSFER_TO_QUEUE: Label("转其他业务", "Transferred to a queue"),
    Outcome.TRANSFER_TO_COUNTER: Label("转其他窗口", "Transferred to a counter"),
    Outcome.TRANSFER_TO_STAFF: Label("转指定人员", "Transferred to a person"),
    Outcome.REMOVED_BY_STAFF: Label("工作人员删除", "Removed by staff"),
    Outcome.CUSTOMER_LEFT: Label("顾客离开", "Customer left"),
    Outcome.REMOVED_BY_RESET: Label("日终清理", "Closed at day end"),
}
STATE_LABELS: dict[State, Label] = {
    S.WAITING: Label("等候中", "Waiting"),
    S.CALLED: Label("已叫号", "Called"),
    S.SERVING: Label("办理中", "Serving"),
    S.PARKED: Label("挂起", "Parked"),
    S.DONE: Label("已办结", "Done"),
    S.NO_SHOW: Label("过号", "No-show"),
    S.REMOVED: Label("已取消", "Removed"),
}


# --- numbers and counters -----------------------------------------------------------------


def ticket_number(code: str, seq: int) -> str:
    """A001 … A999, then A1000: the prefix letter and at least three digits."""
    return f"{code}{seq:03d}"


def next_seq(last_day: date | None, last_seq: int, today: date) -> int:
    """Numbers restart every hall day."""
    return last_seq + 1 if last_day == today else 1


COUNTER_STATES = ("closed", "open", "paused")
COUNTER_MOVES: dict[tuple[str, str], str] = {
    ("closed", "open"): "open",
    ("paused", "open"): "open",
    ("open", "pause"): "paused",
    ("open", "close"): "closed",
    ("paused", "close"): "closed",
}


def announcement(number: str, counter: int) -> Label:
    """What the display says aloud (speechSynthesis, zh-CN) and shows."""
    return Label(
        f"请 {number} 号到 {counter} 号窗口", f"Ticket {number}, please go to counter {counter}"
    )


# --- the wait estimate -----------------------------------------------------------------------


@dataclass(frozen=True)
class QueueLoad:
    """What the estimate knows about one queue now."""

    ahead: int  # tickets before this one in its queue
    counters: float  # counters serving the queue, weighted by the share they give it
    idle: int  # of those, counters free right now
    handle_minutes: float  # recent mean handling time
    recent_waits: Sequence[float] = field(default=())  # last actual waits, minutes


def estimate_wait(load: QueueLoad) -> float:
    """Minutes until the ticket is called. Served in order by ``counters`` (c) that each take
    ``handle_minutes`` (h): a ticket with k ahead is called once k + 1 counters have freed, so
    about (k + 1 − idle) · h / c (a counter mid-visit frees after h/2 on average, which the
    + 1 − ½ … leaves to the blend below). The position-based figure is blended with the mean
    of the last actual waits (NextMe's way) only when there is no queue to count."""
    if load.counters <= 0:
        # No counter serves it now: the last actual waits are all there is.
        return sum(load.recent_waits) / len(load.recent_waits) if load.recent_waits else 0.0
    busy_ahead = load.ahead - load.idle
    if busy_ahead < 0:
        return 0.0
    return (busy_ahead + 0.5) * load.handle_minutes / load.counters


@dataclass(frozen=True)
class CounterNow:
    """An open counter as the estimate sees it."""

    policy: Policy
    busy: bool


def queue_load(
    code: str, ahead: int, counters: Iterable[CounterNow], waiting: Iterable[str], handle: float
) -> QueueLoad:
    """The load on queue ``code`` for a ticket with ``ahead`` before it: the live hall
    (alerts.py) and the simulator build it the same way, so the simulator scores the real
    estimate. Counters count by the share their recipe gives the queue now."""
    live = set(waiting)
    weight, idle = 0.0, 0
    for counter in counters:
        share = recipe_share(counter.policy, code, live)
        weight += share
        if share > 0 and not counter.busy:
            idle += 1
    return QueueLoad(ahead, weight, idle, handle)


@dataclass(frozen=True)
class Waiting:
    """A waiting ticket as the replay sees it (queues are lists in queue order)."""

    ticket_id: int
    waited: float  # minutes


@dataclass(frozen=True)
class Desk:
    """An open counter for the replay: its policy, recipe turn, and the minutes its current
    visit is expected to go on (0: free now)."""

    policy: Policy
    turn: int = 0
    remaining: float = 0.0


def remaining(mean_handle: float, elapsed: float) -> float:
    """A visit in progress: its queue's mean less what it has lasted, at least a minute."""
    return max(1.0, mean_handle - elapsed)


REPLAY_LIMIT = 400  # tickets waiting past which the replay gives way to the formula
REPLAY_STEPS = 3000


def replay_wait(
    ticket_id: int,
    queues: Mapping[str, Sequence[Waiting]],
    desks: Sequence[Desk],
    targets: Mapping[str, float],
    handles: Mapping[str, float],
    arrivals: Mapping[str, float] | None = None,
    patience: float | None = None,
) -> float | None:
    """Minutes until ``ticket_id`` is called, by running the counters' real policies forward
    over the tickets waiting now, each visit taking its queue's mean handling time, a visit
    in progress its ``remaining`` minutes. Tickets of the other queues keep arriving at their
    recent ``arrivals`` rates (per minute), since they may be called first (a VIP, the care
    lane, a recipe's turn). With the customers' mean ``patience`` (minutes; exponential, so
    memoryless from now), a ticket ahead is still there when reached with probability
    e^(-t/patience) after t minutes from now, and takes that share of its handling time (its
    expected cost; one who left takes none). None if no counter would call it within the
    replay's steps."""
    free_at = [d.remaining for d in desks]
    turns = [d.turn for d in desks]
    left = {q: list(items) for q, items in queues.items() if items}
    own = next(
        (q for q, items in queues.items() if any(w.ticket_id == ticket_id for w in items)), None
    )
    rates = {q: r for q, r in (arrivals or {}).items() if r > 0 and q != own}
    next_at = {q: 1 / r for q, r in rates.items()}
    phantom = -1
    for _ in range(REPLAY_STEPS):
        if not any(t < math.inf for t in free_at):
            break
        i = min(range(len(desks)), key=lambda k: free_at[k])
        now = free_at[i]
        for q, r in rates.items():
            while next_at[q] <= now:
                left.setdefault(q, []).append(Waiting(phantom, -next_at[q]))
                phantom -= 1
                next_at[q] += 1 / r
        heads = [
            Head(items[0].ticket_id, q, items[0].waited + now, targets.get(q, 30.0))
            for q, items in left.items()
            if items
        ]
        choice = choose(desks[i].policy, heads, turns[i])
        if choice is None:
            free_at[i] = math.inf
            continue
        if choice.ticket_id == ticket_id:
            return now
        head = left[choice.queue].pop(0)
        turns[i] = choice.next_turn
        stay = 1.0
        if patience:  # waited < 0: a foreseen arrival, waiting only since -waited
            stay = math.exp(-(now - max(0.0, -head.waited)) / patience)
        free_at[i] = now + handles.get(choice.queue, 8.0) * stay
    return None


# Fewest recent walk-outs for the patience to be estimated at all.
MIN_LEFT_FOR_PATIENCE = 5


def patience_estimate(exposure_minutes: float, left: int) -> float | None:
    """Customers' mean patience (minutes) from what the hall saw: under exponential
    patience the maximum-likelihood estimate is the minutes walk-ins spent waiting (those
    still waiting included) over the number who left before the call. None with too few
    walk-outs to say: the estimate then foresees nobody leaving."""
    if left < MIN_LEFT_FOR_PATIENCE:
        return None
    return exposure_minutes / left


def recipe_share(policy: Policy, queue: str, nonempty: Iterable[str]) -> float:
    """The share of a counter's calls ``queue`` gets under ``policy`` when the queues in
    ``nonempty`` have tickets: by recipe weight, or all of it under strict order if it is the
    first non-empty queue listed."""
    if not policy.serves(queue):
        return 0.0
    live = set(nonempty) | {queue}
    if policy.recipe:
        slots = [q for q in policy.recipe if q in live]
        if queue in slots:
            return slots.count(queue) / len(slots)
    first = next(q for q in policy.queues if q in live)
    return 1.0 if first == queue else 0.0


def counters_to_open(arrivals_per_hour: float, handle_minutes: float, target_minutes: float) -> int:
    """Counters needed so the mean wait (Erlang C) stays within target: the queueing model
    behind the peak alert (BH-3). See staffing.py."""
    return staffing.servers_for_mean_wait(arrivals_per_hour, handle_minutes, target_minutes)


# --- appointments 预约 (BH-4) ------------------------------------------------------------------

# The reminder SMS goes out this long before the booked time (the worker's sweep).
REMINDER_BEFORE = timedelta(hours=1)
MAX_SLOT_CAPACITY = 50
APPOINTMENT_STATES = ("booked", "checked_in", "late", "no_show", "cancelled")
# Live bookings hold a place in their slot; the others gave it back or used it.
HOLDING = ("booked",)


class Arrival(StrEnum):
    EARLY = "early"  # before the check-in window opens: come back later
    ON_TIME = "on_time"  # within the window: the appointment queue, by booked time
    LATE = "late"  # after it: the walk-in queue like any other ticket


def arrival(starts_at: datetime, now: datetime, early_minutes: int, late_minutes: int) -> Arrival:
    """Where a customer checking in at ``now`` for ``starts_at`` stands: the window is
    [starts_at − early, starts_at + late], both ends included."""
    if now < starts_at - timedelta(minutes=early_minutes):
        return Arrival.EARLY
    if now <= starts_at + timedelta(minutes=late_minutes):
        return Arrival.ON_TIME
    return Arrival.LATE


def window_closed(starts_at: datetime, now: datetime, late_minutes: int) -> bool:
    """The late window has passed: an appointment still only booked is a no-show."""
    return now > starts_at + timedelta(minutes=late_minutes)


def reminder_due(starts_at: datetime, now: datetime) -> bool:
    """Within the hour before the booked time (booked later than that: no reminder needed,
    the confirmation was just sent)."""
    return starts_at - REMINDER_BEFORE <= now < starts_at


def slot_starts(day: date, first: time, last: time, minutes: int) -> list[time]:
    """The start times of slots of ``minutes`` from ``first`` while they end by ``last``."""
    if minutes < 5 or minutes > 240:
        raise PolicyError("a slot lasts 5 to 240 minutes")
    starts, at = [], datetime.combine(day, first)
    end = datetime.combine(day, last)
    while at + timedelta(minutes=minutes) <= end:
        starts.append(at.time())
        at += timedelta(minutes=minutes)
    return starts
