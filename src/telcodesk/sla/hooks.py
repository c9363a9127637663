"""How the SLA clocks follow the order lifecycle (T-2, T-3, WO-1), as after-hooks wired in
`telcodesk.wiring`: a registration starts the response and resolution clocks; later actions
stop, pause, resume, reopen or extend them. Each hook adds what it changed (the policy chosen,
a clock met, a new deadline) to the history row the action wrote."""

from __future__ import annotations

from typing import Any

from telcodesk.sla import service
from telcodesk.workorders import rules
from telcodesk.workorders.hooks import Happening
from telcodesk.workorders.models import OrderEvent
from telcodesk.workorders.rules import Action

# The lifecycle actions that move a running clock (the wiring registers `move_clocks` on each).
CLOCK_ACTIONS = tuple(
    a
    for a in Action
    if a in rules.STOPS_RESPONSE
    or a in rules.STOPS_RESOLUTION
    or a in (Action.SUSPEND, Action.RESUME, Action.CALLBACK_UNSATISFIED, Action.EXTEND)
)


def _note(event: OrderEvent, changes: dict[str, Any]) -> None:
    if changes:  # a new dict, so the JSON column sees the change even after a flush
        event.changes = {**event.changes, **changes}


def start_clocks(happening: Happening, event: OrderEvent) -> None:
    """A new order's clocks, from the matching policy (T-1, T-2, T-6)."""
    policy = service.start_clocks(happening.session, happening.order, happening.actor.unit)
    _note(event, {"sla_policy": policy.code if policy else None})


def move_clocks(happening: Happening, event: OrderEvent) -> None:
    """Stop, pause, resume, reopen or extend the clocks as the action means (T-2, WO-1)."""
    session, order, now = happening.session, happening.order, happening.now
    action = Action(happening.event)
    changes: dict[str, Any] = {}
    stopped = {
        kind
        for kind, stops in (
            (service.RESPONSE, rules.STOPS_RESPONSE),
            (service.RESOLUTION, rules.STOPS_RESOLUTION),
        )
        if action in stops
    }
    if stopped:
        changes |= service.stop(session, order, stopped, now)
    if action == Action.SUSPEND:
        service.pause(session, order, now)
    elif action == Action.RESUME:
        changes |= service.resume(session, order, now)
    elif action == Action.CALLBACK_UNSATISFIED:
        changes |= service.reopen(session, order, now)
    elif action == Action.EXTEND:
        changes |= service.extend(session, order, happening.data.extend_by, now)
    _note(event, changes)
