"""A point where a peer hands something to whoever ``wiring.py`` connects there.

Peers never import each other (docs/architecture.md), so halls or the counter cannot call
notify: they call a ``Sinks`` of their own, and wiring connects notify's function to it.
``Sinks[[Session, int, str]]`` says what a sink takes; calling it calls every sink, in the
order connected, in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, ParamSpec

P = ParamSpec("P")


class Sinks(Generic[P]):
    def __init__(self) -> None:
        self._sinks: list[Callable[P, None]] = []

    def connect(self, sink: Callable[P, None]) -> None:
        self._sinks.append(sink)

    def clear(self) -> None:
        self._sinks.clear()

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> None:
        for sink in self._sinks:
            sink(*args, **kwargs)
