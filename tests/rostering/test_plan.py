"""The staffing plan (CC-3), pure: per interval Erlang C's agents are halls.staffing's (which
agrees with pyworkforce to 4 decimals, tests/halls/test_staffing.py), Erlang A's are the
fewest meeting the same target with abandonment, never more than Erlang C's."""

from __future__ import annotations

import math

import pytest

from telcodesk.halls import staffing
from telcodesk.rostering import plan

CALLS = plan.day_profile(3000, 30, "08:00", "22:00")


def forecast(**kw: object) -> plan.Forecast:
    base: dict[str, object] = dict(
        calls=CALLS,
        interval_minutes=30,
        aht_seconds=270,
        target_sl=0.8,
        answer_seconds=20,
        max_occupancy=0.85,
        shrinkage=0.3,
        patience_seconds=120,
    )
    return plan.Forecast(**(base | kw))  # type: ignore[arg-type]


def test_profile_covers_the_opening_hours_and_sums_to_the_day() -> None:
    assert len(CALLS) == 48
    assert sum(CALLS) == pytest.approx(3000, abs=5)
    assert all(c == 0 for c in CALLS[:16]) and all(c == 0 for c in CALLS[44:])
    peak = max(range(48), key=lambda i: CALLS[i])
    assert plan.clock_label(peak, 30) in ("09:30", "10:00")  # the morning peak


def test_erlang_c_is_the_reference_rule_and_erlang_a_needs_no_more() -> None:
    f = forecast()
    rows = plan.plan(f)
    assert [r.start for r in rows[:3]] == ["00:00", "00:30", "01:00"]
    for r in rows:
        if r.calls == 0:
            assert r.erlang_c.positions == r.erlang_a.positions == 0
            continue
        ref = staffing.required_positions(r.calls, 4.5, 20 / 60, 30, 0.8, 0.85, 0.3)
        assert r.erlang_c.agents == ref.raw_positions and r.erlang_c.positions == ref.positions
        assert r.erlang_c.service_level >= 0.8 and r.erlang_c.occupancy <= 0.85
        assert r.erlang_c.asa_seconds == pytest.approx(ref.asa * 60)
        a = r.erlang_a
        assert a.agents <= r.erlang_c.agents
        assert a.service_level >= 0.8 and a.occupancy <= 0.85 + 1e-9
        assert 0 <= a.abandonment < 0.2
        assert a.positions == math.ceil(a.agents / 0.7)
        if a.agents > 1:  # the fewest: one agent less misses the target or the occupancy
            fewer = staffing.erlang_a(a.agents - 1, r.calls, 4.5, 2.0, 30, 20 / 60)
            assert fewer.service_level < 0.8 or fewer.occupancy > 0.85


def test_impatient_callers_need_fewer_agents_than_patient_ones() -> None:
    impatient = plan.plan(forecast(patience_seconds=30))
    patient = plan.plan(forecast(patience_seconds=3600))
    assert sum(i.erlang_a.agents for i in impatient) < sum(i.erlang_a.agents for i in patient)
    # With patience far past the handling time, Erlang A approaches Erlang C.
    assert sum(i.erlang_a.agents for i in patient) >= 0.95 * sum(i.erlang_c.agents for i in patient)


def test_totals_and_the_roster_demand_follow_the_model() -> None:
    f = forecast(model="erlang_a")
    rows = plan.plan(f)
    t = plan.totals(f, rows)
    assert t.peak_positions == max(r.erlang_a.positions for r in rows)
    assert t.agent_hours == sum(r.erlang_a.positions for r in rows) / 2
    assert 0.8 <= t.service_level <= 1 and 0 < t.abandonment < 0.2
    stored = plan.as_data(rows)
    assert plan.demand(stored, "erlang_a") == [r.erlang_a.positions for r in rows]
    assert plan.demand(stored, "erlang_c") == [r.erlang_c.positions for r in rows]


def test_hourly_plan() -> None:
    calls = plan.day_profile(1200, 60, "00:00", "24:00")
    assert len(calls) == 24 and all(c > 0 for c in calls)
    rows = plan.plan(forecast(calls=calls, interval_minutes=60))
    assert [r.start for r in rows[-2:]] == ["22:00", "23:00"]
