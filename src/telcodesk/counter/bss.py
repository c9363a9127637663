"""The carrier's BSS 业务支撑系统, a third party: the counter asks it to carry out a
transaction. ``Bss`` is the adapter interface; ``RecordingBss`` is the in-process stand-in
the embedded default and the tests use — it records every request and answers with a
reference, so a test can assert what was (and what was not) activated."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class BssRequest:
    kind: str
    number: str | None
    params: dict[str, Any]
    ref: str


class Bss(Protocol):
    def execute(self, kind: str, number: str | None, params: dict[str, Any]) -> str:
        """Carry out the transaction; returns the BSS's reference."""


class RecordingBss:
    def __init__(self) -> None:
        self.requests: list[BssRequest] = []
        self._seq = itertools.count(1)
        self._lock = threading.Lock()

    def execute(self, kind: str, number: str | None, params: dict[str, Any]) -> str:
        with self._lock:
            ref = f"BSS{next(self._seq):08d}"
            self.requests.append(BssRequest(kind, number, dict(params), ref))
        return ref


_adapter: Bss = RecordingBss()


def adapter() -> Bss:
    return _adapter


def use(bss: Bss) -> None:
    """Plug in the carrier's adapter (or a fresh recording one in a test)."""
    global _adapter
    _adapter = bss
