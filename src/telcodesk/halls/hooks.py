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


# (session, customer id, phone, kind, text, province code): an SMS to a customer through the
# outbox (BH-4: an appointment's confirmation and reminder); wiring registers notify's.
CustomerSmsSink = Callable[[Session, int, str, str, str, str], None]
_sms_sinks: list[CustomerSmsSink] = []


def clear_sms() -> None:
    _sms_sinks.clear()


def on_customer_sms(sink: CustomerSmsSink) -> None:
    _sms_sinks.append(sink)


def customer_sms(
    session: Session, customer_id: int, phone: str, kind: str, text: str, province: str
) -> None:
    for sink in _sms_sinks:
        sink(session, customer_id, phone, kind, text, province)
