"""Who reacts to what in the order lifecycle: the one place where domains are plugged in.

Adding a reaction to a lifecycle action is one line here (see `workorders/hooks.py` for what
a before- and an after-hook may do). `wire()` is called once by every entry point (the app,
the worker, the CLI) and is safe to call again. docs/architecture.md lists the result.
"""

from __future__ import annotations

from telcodesk.workorders import hooks


def wire() -> None:
    hooks.clear()
