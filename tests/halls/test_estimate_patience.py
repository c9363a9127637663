"""The wait estimate foresees customers leaving (issue 11 item 5, T-3): the walk-ins' mean
patience is estimated from what the hall saw (exponential patience: minutes waited over
walk-outs), and a ticket ahead costs its handling time times the chance it is still there."""

from __future__ import annotations

import math

import pytest

from telcodesk.halls import rules

POLICY = rules.Policy(queues=("A",))


def test_patience_is_waiting_minutes_over_walk_outs() -> None:
    assert rules.patience_estimate(300.0, 4) is None  # too few walk-outs to say
    assert rules.patience_estimate(300.0, 5) == pytest.approx(60.0)


def test_tickets_ahead_may_leave() -> None:
    queue = {"A": [rules.Waiting(1, 5.0), rules.Waiting(2, 3.0), rules.Waiting(3, 0.0)]}
    desks = [rules.Desk(POLICY, 0, 0.0)]
    args = (queue, desks, {"A": 30.0}, {"A": 10.0})
    assert rules.replay_wait(3, *args) == pytest.approx(20.0)  # nobody leaves
    assert rules.replay_wait(3, *args, patience=None) == pytest.approx(20.0)
    # Ticket 1 is reached now (still there: its full 10 min); ticket 2 after 10 min, still
    # there with probability e^(-10/60).
    expected = 10.0 + 10.0 * math.exp(-10 / 60)
    assert rules.replay_wait(3, *args, patience=60.0) == pytest.approx(expected)
    assert rules.replay_wait(3, *args, patience=1e9) == pytest.approx(20.0, abs=1e-6)
