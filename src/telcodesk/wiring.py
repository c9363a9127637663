"""Who reacts to what in the order lifecycle: the one place where domains are plugged in.

Adding a reaction to a lifecycle action is one line here (see `workorders/hooks.py` for what
a before- and an after-hook may do). `wire()` is called once by every entry point (the app,
the worker, the CLI) and is safe to call again. docs/hooks.md lists the result (generated).
"""

from __future__ import annotations

from telcodesk.notify import hooks as notify
from telcodesk.routing import hooks as routing
from telcodesk.sla import hooks as sla
from telcodesk.workorders import hooks
from telcodesk.workorders.rules import Action


def wire() -> None:
    hooks.clear()
    # Dispatch by the rules chooses the unit and the handler (CC-1, CH-4).
    hooks.before(Action.DISPATCH, routing.dispatch)
    # A chase names the handler and their supervisors (CH-4, WO-4).
    hooks.before(Action.CHASE, routing.chase)
    # SLA clocks: start at registration; stop, pause, resume, reopen, extend later (T-2, WO-1).
    hooks.after(Action.REGISTER, sla.start_clocks)
    for action in sla.CLOCK_ACTIONS:
        hooks.after(action, sla.move_clocks)
    # notify: alerts to the staff an event names, the customer told (WO-2), events to NATS.
    hooks.after(hooks.ANY, notify.alert_notified)
    hooks.after("register", notify.tell_customer)
    hooks.after("resolve_at_once", notify.tell_customer)
    hooks.after("note", notify.tell_customer)
    hooks.after("reply", notify.tell_customer)
    hooks.after("start_callback", notify.tell_customer)
    hooks.after(hooks.ANY, notify.publish_event)
