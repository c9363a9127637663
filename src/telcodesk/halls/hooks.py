"""What halls let other domains plug into (wiring.py): where alerts to staff go.

Halls may not import notify (peers meet in wiring.py), so an alert to the duty manager is
handed to the sinks registered here; ``wiring.wire()`` registers notify's staff alerts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session

# (session, staff ids, kind, message in Chinese, message in English, province code)
AlertSink = Callable[[Session, Sequence[int], str, str, str, str], None]
_sinks: list[AlertSink] = []


def clear() -> None:
    _sinks.clear()


def on_alert(sink: AlertSink) -> None:
    _sinks.append(sink)


def sinks() -> list[AlertSink]:
    return list(_sinks)


def alert(
    session: Session, staff_ids: Sequence[int], kind: str, zh: str, en: str, province: str
) -> None:
    for sink in _sinks:
        sink(session, staff_ids, kind, zh, en, province)
