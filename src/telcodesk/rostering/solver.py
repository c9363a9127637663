"""The roster 排班表 (CC-3), pure: people onto shifts for whole weeks so that the plan's agents
are on duty in every interval, under the rules, solved with OR-Tools CP-SAT in a time limit.

The roster is **cyclic**: the week after the last repeats the first, so a night shift of the
last day covers the first morning's early hours, and rest and run-length rules wrap around
(a person who works the last days and the first ones has worked them in a row).

Hard rules (each a family of constraints switched on by one literal, so an infeasible input
names the families in CP-SAT's infeasible core):
- ``one_shift``: at most one shift a day per person (always on, not a family);
- ``rest_days``: at least ``min_rest_days`` days off in every 7 consecutive days;
- ``consecutive_days``: at most ``max_consecutive_days`` working days in a row;
- ``consecutive_nights``: at most ``max_consecutive_nights`` nights in a row;
- ``transitions``: no shift followed the next day by one starting less than
  ``min_rest_hours`` after it ended (night → morning), nor the pairs listed as ``forbidden``;
- ``leave``: approved leave (request ``off``) is a day off;
- ``cover`` (only with ``hard_cover``): every interval has at least the plan's agents.

Soft, in the objective (weights below): agent-intervals short of the plan, agent-intervals
over it, preferences not met (``prefer_off``, ``shift``, ``avoid``), and the spread of nights
between people. Which rules **bind** is measured, not guessed: the roster is solved again
with each family switched off (same time limit), and a family binds when that lowers the
short-of-plan total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

FAMILIES = ("rest_days", "consecutive_days", "consecutive_nights", "transitions", "leave", "cover")
REQUEST_KINDS = ("off", "prefer_off", "shift", "avoid")
# Objective weights: a missing agent outweighs everything else; a preference outweighs a
# spare agent, so a person's wish is kept when it costs no cover.
W_UNDER, W_REQUEST, W_NIGHT_SPREAD, W_OVER = 1000, 40, 5, 1


@dataclass(frozen=True)
class Shift:
    code: str
    start: str  # "07:00"
    hours: float
    night: bool = False

    def start_minutes(self) -> int:
        h, m = map(int, self.start.split(":"))
        return h * 60 + m

    def end_minutes(self) -> int:
        return self.start_minutes() + round(self.hours * 60)


@dataclass(frozen=True)
class Rules:
    min_rest_days: int = 2
    max_consecutive_days: int = 5
    max_consecutive_nights: int = 3
    min_rest_hours: float = 11
    forbidden: tuple[tuple[str, str], ...] = ()
    hard_cover: bool = False


@dataclass(frozen=True)
class Request:
    person: int
    day: int  # 0-based day of the roster
    kind: str  # off | prefer_off | shift | avoid
    shift: str | None = None


@dataclass(frozen=True)
class Problem:
    people: Sequence[int]  # staff ids
    days: int  # whole weeks: 7, 14, 21, 28
    interval_minutes: int
    demand: Sequence[Sequence[int]]  # per day, per interval: agents to schedule
    shifts: Sequence[Shift]
    rules: Rules = Rules()
    requests: Sequence[Request] = ()


@dataclass
class Solution:
    status: str  # optimal | feasible
    assignments: dict[tuple[int, int], str]  # (person, day) -> shift code
    cover: list[list[int]]
    under: list[list[int]]
    over: list[list[int]]
    requests_unmet: list[Request]
    objective: float
    seconds: float
    binding: dict[str, int] = field(default_factory=dict)  # family -> under-cover without it
    at_limit: dict[str, int] = field(default_factory=dict)  # family -> people at its limit


class Infeasible(Exception):
    def __init__(self, families: list[str]) -> None:
        super().__init__(", ".join(families))
        self.families = families


class SolverTimeout(Exception):
    """No roster found within the time limit (neither feasible nor proven infeasible)."""


def forbidden_pairs(shifts: Sequence[Shift], rules: Rules) -> set[tuple[str, str]]:
    """Shift pairs (today, tomorrow) with less than the minimum rest between them."""
    pairs = set(rules.forbidden)
    for a in shifts:
        for b in shifts:
            gap = 24 * 60 + b.start_minutes() - a.end_minutes()
            if gap < rules.min_rest_hours * 60:
                pairs.add((a.code, b.code))
    return pairs


def covered(shift: Shift, day: int, days: int, interval_minutes: int) -> list[tuple[int, int]]:
    """(day, interval) pairs a shift starting on ``day`` covers, wrapping past midnight and,
    on the last day, onto the first (the roster is cyclic)."""
    per_day = 24 * 60 // interval_minutes
    first = shift.start_minutes() // interval_minutes
    count = round(shift.hours * 60 / interval_minutes)
    return [((day + (i // per_day)) % days, i % per_day) for i in range(first, first + count)]


def check(problem: Problem) -> None:
    """Shape errors (the service turns them into 422 before anything is solved)."""
    per_day = 24 * 60 // problem.interval_minutes
    if problem.days % 7 or not 7 <= problem.days <= 28:
        raise ValueError("days: whole weeks, 7 to 28")
    if len(problem.demand) != problem.days or any(len(d) != per_day for d in problem.demand):
        raise ValueError("demand: one row per day, one value per interval")
    codes = {s.code for s in problem.shifts}
    if len(codes) != len(problem.shifts) or not codes:
        raise ValueError("shifts: at least one, codes unique")
    for s in problem.shifts:
        if s.start_minutes() % problem.interval_minutes or round(s.hours * 60) % (
            problem.interval_minutes
        ):
            raise ValueError(f"shift {s.code}: start and length on the plan's intervals")
    people = set(problem.people)
    for r in problem.requests:
        if r.person not in people or not 0 <= r.day < problem.days:
            raise ValueError("request: unknown person or day outside the roster")
        if r.kind in ("shift", "avoid") and r.shift not in codes:
            raise ValueError(f"request: unknown shift {r.shift!r}")


class _Model:
    def __init__(self, problem: Problem) -> None:
        self.p = problem
        m = self.m = cp_model.CpModel()
        days, people, shifts = problem.days, list(problem.people), list(problem.shifts)
        per_day = 24 * 60 // problem.interval_minutes
        self.x = {
            (p, d, s.code): m.new_bool_var(f"x{p}_{d}_{s.code}")
            for p in people
            for d in range(days)
            for s in shifts
        }
        self.switch = {f: m.new_bool_var(f"rule_{f}") for f in FAMILIES}
        on = self.switch
        work = {
            (p, d): sum(self.x[p, d, s.code] for s in shifts) for p in people for d in range(days)
        }
        nights = {
            (p, d): sum(self.x[p, d, s.code] for s in shifts if s.night)
            for p in people
            for d in range(days)
        }
        for p in people:
            for d in range(days):
                m.add(work[p, d] <= 1)
        r = problem.rules
        for p in people:
            for start in range(days):
                window = [(start + k) % days for k in range(7)]
                m.add(sum(work[p, d] for d in window) <= 7 - r.min_rest_days).only_enforce_if(
                    on["rest_days"]
                )
                run = [(start + k) % days for k in range(r.max_consecutive_days + 1)]
                m.add(sum(work[p, d] for d in run) <= r.max_consecutive_days).only_enforce_if(
                    on["consecutive_days"]
                )
                run = [(start + k) % days for k in range(r.max_consecutive_nights + 1)]
                m.add(sum(nights[p, d] for d in run) <= r.max_consecutive_nights).only_enforce_if(
                    on["consecutive_nights"]
                )
        for a, b in forbidden_pairs(shifts, r):
            for p in people:
                for d in range(days):
                    m.add_bool_or(
                        [self.x[p, d, a].Not(), self.x[p, (d + 1) % days, b].Not()]
                    ).only_enforce_if(on["transitions"])
        terms: list[object] = []
        self.request_misses: list[tuple[Request, cp_model.IntVar]] = []
        for q in problem.requests:
            if q.kind == "off":
                m.add(work[q.person, q.day] == 0).only_enforce_if(on["leave"])
                continue
            miss = m.new_bool_var(f"miss_{q.person}_{q.day}_{q.kind}")
            if q.kind == "prefer_off":
                m.add(work[q.person, q.day] == 0).only_enforce_if(miss.Not())
            elif q.kind == "shift":
                assert q.shift is not None
                m.add(self.x[q.person, q.day, q.shift] == 1).only_enforce_if(miss.Not())
            else:
                assert q.shift is not None
                m.add(self.x[q.person, q.day, q.shift] == 0).only_enforce_if(miss.Not())
            self.request_misses.append((q, miss))
            terms.append(W_REQUEST * miss)
        cover_terms: dict[tuple[int, int], list[cp_model.IntVar]] = {
            (d, i): [] for d in range(days) for i in range(per_day)
        }
        for s in shifts:
            for d in range(days):
                for slot in covered(s, d, days, problem.interval_minutes):
                    cover_terms[slot].extend(self.x[p, d, s.code] for p in people)
        n = len(people)
        self.cover, self.under, self.over = {}, {}, {}
        for (d, i), vars_ in cover_terms.items():
            need = int(problem.demand[d][i])
            c = self.cover[d, i] = m.new_int_var(0, n, f"c{d}_{i}")
            m.add(c == sum(vars_))
            u = self.under[d, i] = m.new_int_var(0, max(need, 0), f"u{d}_{i}")
            o = self.over[d, i] = m.new_int_var(0, n, f"o{d}_{i}")
            m.add(c + u - o == need)
            m.add(c >= need).only_enforce_if(on["cover"])
        self.under_total = sum(self.under.values())
        terms.append(W_UNDER * self.under_total)
        terms.append(W_OVER * sum(self.over.values()))
        if any(s.night for s in shifts):
            most = m.new_int_var(0, days, "most_nights")
            fewest = m.new_int_var(0, days, "fewest_nights")
            for p in people:
                total = sum(nights[p, d] for d in range(days))
                m.add(most >= total)
                m.add(fewest <= total)
            terms.append(W_NIGHT_SPREAD * (most - fewest))
        m.minimize(sum(terms))  # type: ignore[arg-type]

    def solve(
        self, families: Sequence[str], seconds: float, workers: int
    ) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus]:
        """Solve with the named families on and the others off (all as assumptions, so an
        infeasible answer can say which of them conflict)."""
        m = self.m
        m.clear_assumptions()
        m.add_assumptions([lit if f in families else ~lit for f, lit in self.switch.items()])
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = seconds
        solver.parameters.num_workers = workers
        solver.parameters.random_seed = 7
        status = solver.solve(m)
        return solver, status


def _longest_run(flags: Sequence[bool]) -> int:
    """Longest run of True in a cyclic sequence."""
    if all(flags):
        return len(flags)
    best = run = 0
    for f in [*flags, *flags]:
        run = run + 1 if f else 0
        best = max(best, run)
    return best


def at_limit(problem: Problem, assignments: dict[tuple[int, int], str]) -> dict[str, int]:
    """How many people the roster holds exactly at each limit: fewest days off in a week, the
    longest run of working days, the longest run of nights."""
    nights = {s.code for s in problem.shifts if s.night}
    days, r = problem.days, problem.rules
    counts = {"rest_days": 0, "consecutive_days": 0, "consecutive_nights": 0}
    for p in problem.people:
        works = [(p, d) in assignments for d in range(days)]
        night = [assignments.get((p, d)) in nights for d in range(days)]
        fewest_off = min(
            7 - sum(works[(start + k) % days] for k in range(7)) for start in range(days)
        )
        counts["rest_days"] += fewest_off == r.min_rest_days
        counts["consecutive_days"] += _longest_run(works) == r.max_consecutive_days
        counts["consecutive_nights"] += bool(nights) and (
            _longest_run(night) == r.max_consecutive_nights
        )
    return counts


def _minimal_core(model: _Model, families: list[str], seconds: float) -> list[str]:
    """The rule families that conflict: CP-SAT's core over the switches, shrunk by dropping
    each family in turn while the rest stays infeasible (deletion-based, so each named family
    is needed for the conflict)."""
    solver, status = model.solve(families, seconds, 1)
    index = {lit.Index(): f for f, lit in model.switch.items()}
    core = [index[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in index]
    minimal = core or list(families)
    for f in list(minimal):
        trial = [g for g in minimal if g != f]
        _, status = model.solve(trial, seconds, 1)
        if status == cp_model.INFEASIBLE:
            minimal = trial
    return minimal


def _families(problem: Problem) -> list[str]:
    on = [f for f in FAMILIES if f != "cover"]
    return [*on, "cover"] if problem.rules.hard_cover else on


def solve(
    problem: Problem, seconds: float = 10.0, workers: int = 2, explain: bool = True
) -> Solution:
    """The best roster found in ``seconds``; raises ``Infeasible`` with the rule families of
    an infeasible core, or ``SolverTimeout``."""
    check(problem)
    model = _Model(problem)
    families = _families(problem)
    solver, status = model.solve(families, seconds, workers)
    if status == cp_model.INFEASIBLE:
        raise Infeasible(_minimal_core(model, families, seconds))
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise SolverTimeout()
    days = problem.days
    per_day = 24 * 60 // problem.interval_minutes
    assignments = {
        (p, d): code for (p, d, code), var in model.x.items() if solver.boolean_value(var)
    }
    solution = Solution(
        status="optimal" if status == cp_model.OPTIMAL else "feasible",
        assignments=assignments,
        cover=[[solver.value(model.cover[d, i]) for i in range(per_day)] for d in range(days)],
        under=[[solver.value(model.under[d, i]) for i in range(per_day)] for d in range(days)],
        over=[[solver.value(model.over[d, i]) for i in range(per_day)] for d in range(days)],
        requests_unmet=[q for q, miss in model.request_misses if solver.boolean_value(miss)],
        objective=solver.objective_value,
        seconds=solver.wall_time,
    )
    solution.at_limit = at_limit(problem, assignments)
    if explain:
        short = sum(map(sum, solution.under))
        for f in families:
            if f == "cover":
                continue
            relaxed, st = model.solve([g for g in families if g != f], seconds, workers)
            if st in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                without = sum(relaxed.value(model.under[k]) for k in model.under)
                if without < short:
                    solution.binding[f] = without
    return solution
