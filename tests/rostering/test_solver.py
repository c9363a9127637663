"""The roster solver (CC-3), property-style: for generated problems every hard rule holds on
the answer (checked here from the assignments, not from the model), the reported cover and
under/over-cover are what the assignments give, and rules that cannot all hold are named."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from telcodesk.rostering import solver

SHIFTS = [
    solver.Shift("M", "07:00", 8),
    solver.Shift("D", "10:00", 8),
    solver.Shift("E", "15:00", 8),
    solver.Shift("N", "23:00", 8, night=True),
]


def _demand(peak: int, interval: int = 60) -> list[int]:
    per_day = 24 * 60 // interval
    out = []
    for i in range(per_day):
        hour = i * interval / 60
        out.append(peak if 9 <= hour < 18 else max(1, peak // 3) if 7 <= hour < 23 else 1)
    return out


def check_rules(problem: solver.Problem, s: solver.Solution) -> None:
    days, r = problem.days, problem.rules
    by_code = {x.code: x for x in problem.shifts}
    banned = solver.forbidden_pairs(problem.shifts, r)
    for p in problem.people:
        row = [s.assignments.get((p, d)) for d in range(days)]
        for start in range(days):
            week = [row[(start + k) % days] for k in range(7)]
            assert sum(x is None for x in week) >= r.min_rest_days, (p, row)
            run = [row[(start + k) % days] for k in range(r.max_consecutive_days + 1)]
            assert any(x is None for x in run), (p, row)
            nights = [row[(start + k) % days] for k in range(r.max_consecutive_nights + 1)]
            assert not all(x is not None and by_code[x].night for x in nights), (p, row)
            today, tomorrow = row[start], row[(start + 1) % days]
            if today and tomorrow:
                assert (today, tomorrow) not in banned, (p, row)
                gap = 24 * 60 + by_code[tomorrow].start_minutes() - by_code[today].end_minutes()
                assert gap >= r.min_rest_hours * 60
    for q in problem.requests:
        if q.kind == "off":
            assert (q.person, q.day) not in s.assignments
    # The reported cover is what the assignments give; under and over are its gaps.
    per_day = 24 * 60 // problem.interval_minutes
    cover = [[0] * per_day for _ in range(days)]
    for (_, d), code in s.assignments.items():
        for day, i in solver.covered(by_code[code], d, days, problem.interval_minutes):
            cover[day][i] += 1
    assert cover == s.cover
    for d in range(days):
        for i in range(per_day):
            need = problem.demand[d][i]
            assert s.under[d][i] == max(0, need - cover[d][i])
            assert s.over[d][i] == max(0, cover[d][i] - need)
    if r.hard_cover:
        assert not any(map(any, s.under))


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(
    people=st.integers(3, 14),
    peak=st.integers(1, 5),
    rest=st.integers(1, 3),
    max_days=st.integers(3, 6),
    max_nights=st.integers(1, 4),
    rest_hours=st.sampled_from([8, 11, 12]),
    leave=st.lists(st.tuples(st.integers(0, 13), st.integers(0, 6)), max_size=6),
    prefs=st.lists(
        st.tuples(
            st.integers(0, 13),
            st.integers(0, 6),
            st.sampled_from(["prefer_off", "shift", "avoid"]),
            st.sampled_from(["M", "D", "E", "N"]),
        ),
        max_size=6,
    ),
)
def test_every_rule_holds_on_the_answer(
    people: int,
    peak: int,
    rest: int,
    max_days: int,
    max_nights: int,
    rest_hours: int,
    leave: list[tuple[int, int]],
    prefs: list[tuple[int, int, str, str]],
) -> None:
    ids = list(range(1, people + 1))
    requests = [solver.Request(ids[p % people], d, "off") for p, d in leave]
    requests += [
        solver.Request(ids[p % people], d, k, None if k == "prefer_off" else c)
        for p, d, k, c in prefs
    ]
    problem = solver.Problem(
        people=ids,
        days=7,
        interval_minutes=60,
        demand=[_demand(peak)] * 7,
        shifts=SHIFTS,
        rules=solver.Rules(
            min_rest_days=rest,
            max_consecutive_days=max_days,
            max_consecutive_nights=max_nights,
            min_rest_hours=rest_hours,
        ),
        requests=requests,
    )
    s = solver.solve(problem, seconds=3, explain=False)
    check_rules(problem, s)
    unmet = set(s.requests_unmet)
    for q in requests:  # an unmet preference is reported, a met one is not
        on = s.assignments.get((q.person, q.day))
        missed = {
            "prefer_off": on is not None,
            "shift": on != q.shift,
            "avoid": on == q.shift,
            "off": False,
        }[q.kind]
        assert missed == (q in unmet) or q.kind == "off"


def test_a_two_week_roster_meets_an_easy_plan_fully_and_says_what_binds() -> None:
    problem = solver.Problem(
        people=list(range(1, 21)),
        days=14,
        interval_minutes=60,
        demand=[_demand(4)] * 14,
        shifts=SHIFTS,
        requests=[solver.Request(1, 0, "off"), solver.Request(2, 3, "shift", "E")],
    )
    s = solver.solve(problem, seconds=10)
    check_rules(problem, s)
    assert sum(map(sum, s.under)) == 0
    assert (1, 0) not in s.assignments and s.assignments.get((2, 3)) == "E"
    assert s.binding == {}  # nothing short, so no rule costs cover
    assert set(s.at_limit) == {"rest_days", "consecutive_days", "consecutive_nights"}


def test_binding_rule_is_the_one_whose_relaxation_covers_more() -> None:
    # Four people, only nights needed: at most 2 nights in a row binds (relaxing it fills
    # more nights); the rest-day and run rules are loose enough here.
    night_only = [2 if (h >= 23 or h < 7) else 0 for h in range(24)]
    problem = solver.Problem(
        people=[1, 2, 3, 4],
        days=7,
        interval_minutes=60,
        demand=[night_only] * 7,
        shifts=SHIFTS,
        rules=solver.Rules(min_rest_days=1, max_consecutive_days=6, max_consecutive_nights=1),
    )
    s = solver.solve(problem, seconds=5)
    check_rules(problem, s)
    assert sum(map(sum, s.under)) > 0
    assert "consecutive_nights" in s.binding
    assert s.binding["consecutive_nights"] < sum(map(sum, s.under))


def test_infeasible_rules_are_named() -> None:
    day_only = [2 if 9 <= h < 17 else 0 for h in range(24)]
    shifts = [solver.Shift("D", "09:00", 8)]
    too_few = solver.Problem(
        people=[1, 2],
        days=7,
        interval_minutes=60,
        demand=[day_only] * 7,
        shifts=shifts,
        rules=solver.Rules(hard_cover=True),
    )
    with pytest.raises(solver.Infeasible) as err:
        solver.solve(too_few, seconds=5)
    assert err.value.families == ["rest_days", "cover"] or err.value.families == [
        "consecutive_days",
        "cover",
    ]
    # Leave that leaves a day unstaffed conflicts with full cover, and only that.
    one = [1 if 9 <= h < 17 else 0 for h in range(24)]
    leave = solver.Problem(
        people=[1, 2],
        days=7,
        interval_minutes=60,
        demand=[one] * 7,
        shifts=shifts,
        rules=solver.Rules(min_rest_days=0, max_consecutive_days=7, hard_cover=True),
        requests=[solver.Request(1, 2, "off"), solver.Request(2, 2, "off")],
    )
    with pytest.raises(solver.Infeasible) as err:
        solver.solve(leave, seconds=5)
    assert err.value.families == ["leave", "cover"]


def test_shapes_are_checked() -> None:
    good = dict(people=[1], days=7, interval_minutes=60, demand=[[0] * 24] * 7, shifts=SHIFTS)
    for bad, words in (
        ({"days": 5}, "whole weeks"),
        ({"demand": [[0] * 24] * 6}, "one row per day"),
        ({"shifts": [solver.Shift("M", "07:30", 8)]}, "intervals"),
        ({"requests": [solver.Request(9, 0, "off")]}, "unknown person"),
        ({"requests": [solver.Request(1, 0, "shift", "X")]}, "unknown shift"),
    ):
        with pytest.raises(ValueError, match=words):
            solver.check(solver.Problem(**(good | bad)))  # type: ignore[arg-type]
