"""The hall's priority policy and ticket lifecycle, pure (BH-2, T-3): property tests.

- no ticket starves: once past the profile's max wait, a ticket is never overtaken by a
  younger one, and under a stream of VIPs a standard ticket is still called;
- a VIP never waits behind a standard ticket that has used less of its target;
- the recipe P, P, G, S is reproduced exactly while every queue has tickets.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from telcodesk.halls import rules
from telcodesk.halls.rules import Action, Head, Policy, State
from telcodesk.halls.setup import DEFAULT_PROFILES

TARGETS = {"P": 30.0, "G": 30.0, "S": 30.0, "V": 5.0, "L": 10.0}


def heads_strategy(queues: tuple[str, ...]) -> st.SearchStrategy[list[Head]]:
    def build(waits: list[float | None]) -> list[Head]:
        return [
            Head(i + 1, q, w, TARGETS[q])
            for i, (q, w) in enumerate(zip(queues, waits, strict=True))
            if w is not None
        ]

    return st.lists(
        st.one_of(st.none(), st.floats(0, 120, allow_nan=False)),
        min_size=len(queues),
        max_size=len(queues),
    ).map(build)


def test_recipe_p_p_g_s_is_reproduced_exactly() -> None:
    policy = Policy(queues=("P", "G", "S"), recipe=("P", "P", "G", "S"))
    turn, called = 0, []
    ids = itertools.count(1)
    for _ in range(12):
        heads = [Head(next(ids), q, 0.0, 30.0) for q in ("P", "G", "S")]
        choice = rules.choose(policy, heads, turn)
        assert choice is not None
        called.append(choice.queue)
        turn = choice.next_turn
    assert "".join(called) == "PPGS" * 3


def test_recipe_skips_an_empty_queue_and_keeps_its_place() -> None:
    policy = Policy(queues=("P", "G", "S"), recipe=("P", "P", "G", "S"))
    choice = rules.choose(policy, [Head(1, "P", 0, 30), Head(2, "S", 0, 30)], 2)
    assert choice is not None and (choice.queue, choice.next_turn) == ("S", 0)


@settings(max_examples=300, deadline=None)
@given(
    heads=heads_strategy(("V", "P", "G", "S", "L")),
    turn=st.integers(0, 7),
    profile=st.sampled_from(["general", "vip", "plain"]),
)
def test_a_vip_never_waits_behind_a_standard_ticket_that_used_less_of_its_target(
    heads: list[Head], turn: int, profile: str
) -> None:
    policy = {
        "general": Policy(
            ("L", "V", "P", "G", "S"),
            ("P", "P", "G", "S"),
            (rules.Condition(("V",), 3),),
            ("V", "L"),
        ),
        "vip": Policy(("V", "P", "L"), ("V", "P"), (), ("V", "L")),
        "plain": Policy(
            ("V", "P", "G", "S", "L"), ("P", "G", "S", "P"), (), ("V", "L"), max_wait=60
        ),
    }[profile]
    choice = rules.choose(policy, heads, turn)
    mine = [h for h in heads if policy.serves(h.queue)]
    if not mine:
        assert choice is None
        return
    assert choice is not None
    chosen = next(h for h in heads if h.ticket_id == choice.ticket_id)
    if chosen.queue not in ("V", "L") and choice.reason != "max_wait":
        for vip in (h for h in mine if h.queue == "V"):
            assert chosen.share >= vip.share, (chosen, vip, choice)


@settings(max_examples=200, deadline=None)
@given(heads=heads_strategy(("V", "P", "G", "S", "L")), turn=st.integers(0, 7))
def test_an_overdue_ticket_is_never_overtaken_by_a_younger_one(
    heads: list[Head], turn: int
) -> None:
    policy = rules.policy_from_data(
        {
            **DEFAULT_PROFILES["general"][1],
            "queues": ["L", "V", "P", "G", "S"],
            "recipe": ["P", "P", "G", "S"],
        }
    )
    choice = rules.choose(policy, heads, turn)
    overdue = [h for h in heads if h.waited >= policy.max_wait]
    if overdue:
        assert choice is not None
        chosen = next(h for h in heads if h.ticket_id == choice.ticket_id)
        assert chosen.waited == max(h.waited for h in overdue)


@settings(max_examples=60, deadline=None)
@given(vips_per_minute=st.integers(1, 3), handle=st.integers(1, 4))
def test_no_ticket_starves_under_a_stream_of_priority_tickets(
    vips_per_minute: int, handle: int
) -> None:
    """Strict priority (VIP first) with VIPs arriving faster than they are served: the one
    standard ticket is still called, by the max-wait guard, within max_wait + one visit."""
    policy = Policy(("V", "P"), max_wait=20, protect=("V",))
    ids = itertools.count(2)
    waiting: list[tuple[int, str, float]] = [(1, "P", 0.0)]  # id, queue, queued at (minute)
    now = 0.0
    while now < 200:
        waiting += [(next(ids), "V", now) for _ in range(vips_per_minute * handle)]
        queue_heads = []
        for q in ("V", "P"):
            first = min((w for w in waiting if w[1] == q), key=lambda w: (w[2], w[0]), default=None)
            if first:
                queue_heads.append(Head(first[0], q, now - first[2], TARGETS[q]))
        choice = rules.choose(policy, queue_heads)
        assert choice is not None
        waiting = [w for w in waiting if w[0] != choice.ticket_id]
        if choice.ticket_id == 1:
            assert now <= policy.max_wait + handle
            return
        now += handle
    pytest.fail("the standard ticket starved")


def test_conditions_call_a_vip_past_three_minutes_and_the_care_lane_at_once() -> None:
    policy = rules.policy_from_data(DEFAULT_PROFILES["general"][1])
    # A standard ticket that used a third of its 30 min goes before a VIP that used a fifth
    # of its 5 min, not before one that used two fifths.
    choice = rules.choose(policy, [Head(1, "A", 10, 30), Head(2, "V", 1, 5)])
    assert choice is not None and (choice.ticket_id, choice.reason) == (1, "recipe")
    choice = rules.choose(policy, [Head(1, "A", 10, 30), Head(2, "V", 2, 5)])
    assert choice is not None and (choice.ticket_id, choice.reason) == (2, "target_share")
    late_vip = [Head(1, "A", 29, 30), Head(2, "V", 3.5, 5)]
    choice = rules.choose(policy, late_vip)
    assert choice is not None and (choice.ticket_id, choice.reason) == (2, "condition")
    care = [Head(1, "V", 4, 5), Head(2, "L", 0.5, 10)]
    choice = rules.choose(policy, care)
    assert choice is not None and choice.ticket_id == 2


def test_a_policy_naming_a_queue_it_does_not_serve_is_refused() -> None:
    with pytest.raises(rules.PolicyError):
        rules.policy_from_data({"queues": ["A"], "recipe": ["A", "B"]})
    for _, data in DEFAULT_PROFILES.values():
        assert rules.policy_data(rules.policy_from_data(data))["queues"] == data["queues"]


# --- the lifecycle table ---------------------------------------------------------------------


@given(st.lists(st.sampled_from(list(Action)), max_size=30))
def test_the_lifecycle_never_leaves_a_terminal_state(actions: list[Action]) -> None:
    state = State.WAITING
    for action in actions:
        new = rules.next_state(state, action)
        if state in rules.TERMINAL:
            assert new is None
        if new is not None:
            state = new


def test_every_open_state_can_be_ended_and_numbers_restart_each_day() -> None:
    from datetime import date

    for state in rules.OPEN_STATES:
        assert rules.next_state(state, Action.RESET) == State.REMOVED
    assert rules.ticket_number("A", 7) == "A007"
    assert rules.next_seq(date(2026, 1, 1), 41, date(2026, 1, 1)) == 42
    assert rules.next_seq(date(2026, 1, 1), 41, date(2026, 1, 2)) == 1
    assert len(rules.Outcome) == 13


def test_the_estimate_counts_tickets_ahead_over_the_counters_serving() -> None:
    assert rules.estimate_wait(rules.QueueLoad(ahead=0, counters=2, idle=1, handle_minutes=8)) == 0
    assert rules.estimate_wait(rules.QueueLoad(ahead=3, counters=2, idle=0, handle_minutes=8)) == 14
    assert rules.estimate_wait(rules.QueueLoad(3, 0, 0, 8, recent_waits=(10, 20))) == 15
