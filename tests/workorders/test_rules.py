"""Pure lifecycle rules (norm WO-1), checked exhaustively and with hypothesis."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from telcodesk.workorders import rules
from telcodesk.workorders.rules import Action, Status

ALL_PAIRS = [(s, a) for s in Status for a in Action]


def reachable() -> set[Status]:
    seen, todo = {Status.REGISTERED}, [Status.REGISTERED]
    while todo:
        s = todo.pop()
        for a in rules.allowed_actions(s):
            t = rules.next_status(s, a)
            assert t is not None
            if t not in seen:
                seen.add(t)
                todo.append(t)
    return seen


def test_every_status_is_reachable_from_registration() -> None:
    assert reachable() == set(Status)


def test_closed_states_allow_nothing() -> None:
    for s in rules.CLOSED:
        assert rules.allowed_actions(s) == []


def test_every_open_state_can_still_reach_archive() -> None:
    for start in set(Status) - rules.CLOSED:
        seen, todo = {start}, [start]
        while todo:
            s = todo.pop()
            for a in rules.allowed_actions(s):
                t = rules.next_status(s, a)
                if t is not None and t not in seen:
                    seen.add(t)
                    todo.append(t)
        assert Status.ARCHIVED in seen, start


def test_unsatisfied_callback_reopens() -> None:
    assert rules.next_status(Status.CALLBACK, Action.CALLBACK_UNSATISFIED) == Status.IN_PROGRESS


def test_registration_is_not_a_transition() -> None:
    assert all(rules.next_status(s, Action.REGISTER) is None for s in Status)


@given(st.lists(st.sampled_from(list(Action)), max_size=60))
def test_random_action_sequences_stay_legal(actions: list[Action]) -> None:
    state, applied = Status.REGISTERED, 0
    for action in actions:
        target = rules.next_status(state, action)
        if action in rules.allowed_actions(state):
            assert target is not None
            state, applied = target, applied + 1
        else:
            assert target is None
        assert state in Status
        if rules.is_closed(state):
            assert rules.allowed_actions(state) == []
    assert applied <= len(actions)


@given(
    st.integers(min_value=1, max_value=2**31 - 1),
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1), timezones=st.just(UTC)
    ),
)
def test_public_number_round_trips(order_id: int, created: datetime) -> None:
    number = rules.public_number(order_id, created)
    assert number.startswith("WO")
    assert rules.parse_public_number(number) == order_id
    assert rules.parse_public_number(number.lower()) == order_id


@given(st.text(max_size=30))
def test_parse_rejects_garbage(text: str) -> None:
    parsed = rules.parse_public_number(text)
    assert parsed is None or text.strip().upper().startswith("WO")
