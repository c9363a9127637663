"""Staffing 排班 (CC-3): Erlang B, C and A for call-centre intervals and hall counters, pure.

Notation: calls ``transactions`` arrive in an interval of ``interval`` minutes and take ``aht``
minutes each, so the offered load is a = transactions / interval · aht Erlangs; n agents.

- **Erlang B** (blocking, no queue): B(0) = 1, B(n) = a·B(n−1) / (n + a·B(n−1)) — the
  recursion is stable for any n and gives B for n agents in n steps.
- **Erlang C** (infinite patience): the probability a call waits
  C(n) = n·B(n) / (n − a·(1 − B(n))) for n > a; the service level within t minutes
  SL = 1 − C·e^{−(n−a)·t/aht}; the average speed of answer ASA = C·aht / (n − a);
  occupancy a / n.
- **agents needed**: the fewest n with SL ≥ target, raised to a / max occupancy if the
  occupancy would pass it; then divided by (1 − shrinkage), rounded up. The same rules
  (and so the same answers, to 4 decimals) as ``pyworkforce.queuing.ErlangC``, whose values
  are stored in tests/data as the reference. It searches n upwards recomputing B from 1 for
  each n (O(n²)); here B is carried from n to n + 1 (O(n)).
- **Erlang A** (M/M/n+M, callers abandon after an exponential patience of mean ``patience``
  minutes): the birth–death chain with births λ and deaths min(k, n)·μ + max(k − n, 0)·θ,
  truncated where its probabilities vanish. P(wait) by PASTA, abandonment
  Σ π_k (k − n)θ / λ, ASA = L_q / λ over all callers; the service level is the share of
  callers answered within t (a caller with m ahead advances at nμ + mθ, computed by
  uniformisation over all callers at once). With patience → ∞ it tends to Erlang C.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


def offered_load(transactions: float, aht: float, interval: float) -> float:
    return transactions / interval * aht


def erlang_b(n: int, load: float) -> float:
    b = 1.0
    for k in range(1, n + 1):
        b = load * b / (k + load * b)
    return b


def _c_from_b(n: int, load: float, b: float) -> float:
    return n * b / (n - load * (1 - b)) if n > load else 1.0


def erlang_c(n: int, load: float) -> float:
    """Probability an arriving call waits (1 when n ≤ a: the queue grows without bound)."""
    return _c_from_b(n, load, erlang_b(n, load))


def _sl(n: int, load: float, c: float, answer_within: float, aht: float) -> float:
    if n <= load:
        return 0.0
    return max(0.0, 1 - c * math.exp(-(n - load) * answer_within / aht))


def service_level(n: int, load: float, answer_within: float, aht: float) -> float:
    return _sl(n, load, erlang_c(n, load), answer_within, aht)


def asa(n: int, load: float, aht: float) -> float:
    return erlang_c(n, load) * aht / (n - load) if n > load else math.inf


@dataclass(frozen=True)
class Requirement:
    raw_positions: int  # agents on the phones
    positions: int  # agents scheduled, with shrinkage
    service_level: float
    occupancy: float
    waiting_probability: float
    asa: float  # minutes


def required_positions(
    transactions: float,
    aht: float,
    answer_within: float,
    interval: float,
    target_sl: float,
    max_occupancy: float = 1.0,
    shrinkage: float = 0.0,
) -> Requirement:
    """Agents for one interval under Erlang C (times in minutes; see the module docstring)."""
    if transactions <= 0 or aht <= 0 or answer_within <= 0 or interval <= 0:
        raise ValueError("transactions, aht, answer time and interval must be positive")
    if not 0 <= shrinkage < 1 or not 0 <= target_sl <= 1 or not 0 < max_occupancy <= 1:
        raise ValueError("shrinkage in [0, 1), service level in [0, 1], occupancy in (0, 1]")
    load = offered_load(transactions, aht, interval)
    n = round(load + 1)
    b = erlang_b(n, load)
    c = _c_from_b(n, load, b)
    sl = _sl(n, load, c, answer_within, aht)
    while sl < target_sl:
        n += 1
        b = load * b / (n + load * b)
        c = _c_from_b(n, load, b)
        sl = _sl(n, load, c, answer_within, aht)
    if load / n > max_occupancy:
        n = math.ceil(load / max_occupancy)
        c = erlang_c(n, load)
        sl = _sl(n, load, c, answer_within, aht)
    return Requirement(
        raw_positions=n,
        positions=math.ceil(n / (1 - shrinkage)),
        service_level=sl,
        occupancy=load / n,
        waiting_probability=c,
        asa=c * aht / (n - load) if n > load else math.inf,
    )


def servers_for_mean_wait(arrivals_per_hour: float, handle_minutes: float, target: float) -> int:
    """Fewest servers whose mean wait (Erlang C: C·h / (n − a)) is within ``target`` minutes."""
    if arrivals_per_hour <= 0:
        return 0
    load = arrivals_per_hour / 60 * handle_minutes
    n = max(1, math.floor(load) + 1)
    b = erlang_b(n, load)
    while _c_from_b(n, load, b) * handle_minutes / (n - load) > target:
        n += 1
        b = load * b / (n + load * b)
    return n


# --- Erlang A -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ErlangA:
    waiting_probability: float
    abandonment: float  # share of callers who hang up before an answer
    service_level: float  # share of all callers answered within the answer time
    asa: float  # mean wait of all callers, minutes
    occupancy: float


def erlang_a(
    n: int, transactions: float, aht: float, patience: float, interval: float, answer_within: float
) -> ErlangA:
    lam, mu, theta = transactions / interval, 1 / aht, 1 / patience
    # Stationary distribution, in logs to stay finite; stop once the terms are negligible.
    logs = [0.0]
    k = 0
    while True:
        k += 1
        rate = min(k, n) * mu + max(k - n, 0) * theta
        logs.append(logs[-1] + math.log(lam / rate))
        if k > n and logs[-1] < max(logs) - 40:
            break
    top = max(logs)
    weights = [math.exp(x - top) for x in logs]
    total = sum(weights)
    pi = [w / total for w in weights]
    p_wait = sum(pi[n:])
    queue_len = sum(p * (k - n) for k, p in enumerate(pi) if k > n)
    abandon = queue_len * theta / lam
    busy = sum(p * min(k, n) for k, p in enumerate(pi))
    # Service level: callers finding m ahead (state n + m) advance at nμ + mθ and may leave at
    # θ; uniformise at the fastest rate and step until the time's Poisson mass is used up.
    mass = pi[n:]  # index m: m callers ahead
    fastest = n * mu + (len(mass) + 1) * theta
    steps_mean = fastest * answer_within
    answered = sum(pi[:n])
    poisson = math.exp(-steps_mean)
    step, cumulative = 0, 0.0
    state = list(mass)
    while cumulative < 1 - 1e-12 and step < 100000:
        cumulative += poisson
        # state[m]: probability of still waiting with m ahead after `step` jumps
        step += 1
        new = [0.0] * len(state)
        reached = 0.0
        for m, p in enumerate(state):
            if p == 0.0:
                continue
            advance = (n * mu + m * theta) / fastest
            leave = theta / fastest
            if m == 0:
                reached += p * advance
            else:
                new[m - 1] += p * advance
            new[m] += p * (1 - advance - leave)
        # answered within t: reached at a jump that happens before t
        answered += reached * (1 - cumulative)
        state = new
        poisson *= steps_mean / step
    return ErlangA(
        waiting_probability=p_wait,
        abandonment=abandon,
        service_level=min(1.0, answered),
        asa=queue_len / lam,
        occupancy=busy / n,
    )
