"""What halls let other domains plug into (wiring.py): where alerts to staff and SMS to
customers go.

Halls may not import notify (peers meet in wiring.py), so an alert to the duty manager or an
appointment's SMS is handed to the sinks connected here; ``wiring.wire()`` connects notify's.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from telcodesk.sinks import Sinks

# (session, staff ids, kind, message in Chinese, message in English, province code)
alert: Sinks[[Session, Sequence[int], str, str, str, str]] = Sinks()

# (session, customer id, phone, kind, text, province code): an SMS to a customer through the
# outbox (BH-4: an appointment's confirmation and reminder).
customer_sms: Sinks[[Session, int, str, str, str, str]] = Sinks()
