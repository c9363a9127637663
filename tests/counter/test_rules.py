"""The counter's lifecycle table and catalogue (VA-1): exhaustively with hypothesis, no
sequence of events activates a value-added service without the customer's confirmation, and a
declined or expired request stays final."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from telcodesk.counter import rules
from telcodesk.counter.rules import CATALOGUE, Check, Event, Kind, State


@given(st.sampled_from(list(Kind)), st.lists(st.sampled_from(list(Event)), max_size=8))
def test_no_sequence_completes_a_confirmed_kind_without_confirmation(
    kind: Kind, events: list[Event]
) -> None:
    state, seen = State.REQUESTED, [State.REQUESTED]
    for event in events:
        target = rules.next_state(kind, state, event)
        if target is None:
            continue
        assert state not in rules.FINAL  # nothing leaves a final state
        state = target
        seen.append(state)
    if Check.SECOND_CONFIRMATION in CATALOGUE[kind].checks and State.COMPLETED in seen:
        assert seen.index(State.CONFIRMED) < seen.index(State.COMPLETED)
    if State.EXPIRED in seen or State.DECLINED in seen:
        assert State.COMPLETED not in seen


def test_the_table_exhaustively() -> None:
    for kind in Kind:
        confirmed = Check.SECOND_CONFIRMATION in CATALOGUE[kind].checks
        for state in State:
            for event in Event:
                target = rules.next_state(kind, state, event)
                if state in rules.FINAL:
                    assert target is None
                if event == Event.COMPLETE and target is not None:
                    assert state == (State.CONFIRMED if confirmed else State.REQUESTED)
                if event == Event.SEND_CONFIRMATION:
                    assert (target is not None) == (confirmed and state == State.REQUESTED)


def test_every_kind_declares_its_checks_and_the_replies_read() -> None:
    assert set(CATALOGUE) == set(Kind)
    strict = {Check.CONTRACT, Check.ARREARS, Check.IDENTITY}
    for kind in (Kind.CANCEL, Kind.TRANSFER, Kind.PLAN_CHANGE):  # BH-7 strict review
        assert strict <= CATALOGUE[kind].checks
    assert Check.RETENTION in CATALOGUE[Kind.CANCEL].checks
    assert Check.BOTH_PARTIES in CATALOGUE[Kind.TRANSFER].checks
    for text in ("是", "Y", "y", "1", " yes ", "确认"):
        assert rules.reading_of(text) is True
    for text in ("否", "N", "0", "取消"):
        assert rules.reading_of(text) is False
    assert rules.reading_of("好的吧") is None
