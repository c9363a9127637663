"""Lifecycle hooks: how other domains plug into the order lifecycle without `workorders`
importing them (ARCHITECTURE.md: the ladder, one writer per table).

`workorders` is the only writer of orders, their history and notes. Another domain reacts to
what happens to an order through two kinds of hook, registered in one explicit place
(`telcodesk.wiring`), never by decorators scattered around:

- a **before-hook** runs before an action is applied. It may refuse the action by raising a
  `DomainError`, or return fields for `workorders` to set on the order (and to record in the
  history), e.g. dispatch choosing a handler or an approval guarding an archive;
- an **after-hook** runs once the history row is written, in the same transaction, e.g. SLA
  clocks moving, notifications and customer messages being queued in the outbox. It may add
  what it did to the row's ``changes`` (assign a new dict: the policy chosen, a new deadline).

A before-hook's fields that `workorders.service.HOOK_FIELDS` names are set on the order; any
other key it returns is kept in the history row's ``changes`` as it is (``notified``: the
staff ids the notify hook tells).

Hooks are keyed by the event's name: a lifecycle `Action` value (`"reply"`) or one of the
events other domains record through `record_event` (`"sla_warning"`, `"note"` …). The key
`ANY` reaches every event. Hooks run in the order they were registered.

An after-hook may take a **batch** instead (`after_batch`): the list of (happening, history
row) pairs of one event name, so that a thousand SLA warnings of one sweep
(`workorders.record_events`) become one bulk INSERT of notifications, not a thousand. A
single event reaches it as a list of one; the order of registration holds either way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from telcodesk.org.models import Staff
from telcodesk.workorders.models import OrderEvent, WorkOrder

ANY = "*"


@dataclass
class Happening:
    """What is happening to an order: handed to every hook of the event."""

    session: Session
    order: WorkOrder
    actor: Staff
    event: str  # an Action value or a recorded event name
    now: datetime
    # The action's input (TransitionIn for lifecycle actions), or the recorded event's payload.
    data: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


BeforeHook = Callable[[Happening], Mapping[str, Any] | None]
AfterHook = Callable[[Happening, OrderEvent], None]
Pairs = list[tuple[Happening, OrderEvent]]
BatchHook = Callable[[Pairs], None]


def _one_by_one(hook: AfterHook) -> BatchHook:
    def run(pairs: Pairs) -> None:
        for happening, event in pairs:
            hook(happening, event)

    run.__wrapped__ = hook  # type: ignore[attr-defined]  # the name the doc lists
    return run


_before: dict[str, list[BeforeHook]] = defaultdict(list)
_after: dict[str, list[BatchHook]] = defaultdict(list)


def before(event: str, hook: BeforeHook) -> None:
    _before[str(event)].append(hook)


def after(event: str, hook: AfterHook) -> None:
    _after[str(event)].append(_one_by_one(hook))


def after_batch(event: str, hook: BatchHook) -> None:
    """An after-hook that takes the events of one name together (see the module docstring)."""
    _after[str(event)].append(hook)


def run_before(happening: Happening) -> dict[str, Any]:
    """Run the before-hooks; the fields they return, merged in order (a later hook wins)."""
    fields: dict[str, Any] = {}
    for hook in (*_before.get(happening.event, ()), *_before.get(ANY, ())):
        fields |= dict(hook(happening) or {})
    return fields


def run_after(happening: Happening, event: OrderEvent) -> None:
    run_after_batch([(happening, event)])


def run_after_batch(pairs: Pairs) -> None:
    """Run the after-hooks over many events: grouped by event name (in the order the names
    first come), each group through its hooks in the order they were registered."""
    groups: dict[str, Pairs] = defaultdict(list)
    for pair in pairs:
        groups[pair[0].event].append(pair)
    for name, group in groups.items():
        for hook in (*_after.get(name, ()), *_after.get(ANY, ())):
            hook(group)


def registered() -> dict[str, dict[str, list[str]]]:
    """Who reacts to what, for the generated doc and its test: event → before/after → hooks."""
    names: dict[str, dict[str, list[str]]] = {}
    for kind, table in (("before", _before), ("after", _after)):
        for event, hooks in table.items():
            slot = names.setdefault(event, {"before": [], "after": []})
            slot[kind] = [_name(h) for h in hooks]
    return dict(sorted(names.items()))


def _name(hook: Callable[..., Any]) -> str:
    hook = getattr(hook, "__wrapped__", hook)
    return f"{hook.__module__}.{hook.__qualname__}"


def clear() -> None:
    """Forget every hook (the wiring module calls this before registering, so wiring twice is
    the same as wiring once)."""
    _before.clear()
    _after.clear()
