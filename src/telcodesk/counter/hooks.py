"""What the counter lets other domains plug into (wiring.py): where an SMS to a customer goes.

The counter may not import notify (peers meet in wiring.py), so a marketing SMS is handed to
the sinks registered here; ``wiring.wire()`` registers notify's outbox (the customer's SMS
opt-out respected there).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

# (session, customer id, phone, kind, text, province code)
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
