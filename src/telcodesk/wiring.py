"""Who reacts to what in the order lifecycle: the one place where domains are plugged in.

Adding a reaction to a lifecycle action is one line here (see `workorders/hooks.py` for what
a before- and an after-hook may do). `wire()` is called once by every entry point (the app,
the worker, the CLI) and is safe to call again. docs/architecture.md lists the result.
"""

from __future__ import annotations

from telcodesk.notify import hooks as notify
from telcodesk.workorders import hooks


def wire() -> None:
    hooks.clear()
    # notify: alerts to the staff an event names, the customer told (WO-2), events to NATS.
    hooks.after(hooks.ANY, notify.alert_notified)
    hooks.after("register", notify.tell_customer)
    hooks.after("resolve_at_once", notify.tell_customer)
    hooks.after("note", notify.tell_customer)
    hooks.after("reply", notify.tell_customer)
    hooks.after("start_callback", notify.tell_customer)
    hooks.after(hooks.ANY, notify.publish_event)
