"""What the counter lets other domains plug into (wiring.py): where an SMS to a customer goes.

The counter may not import notify (peers meet in wiring.py), so a marketing SMS is handed to
the sinks connected here; ``wiring.wire()`` connects notify's outbox (the customer's SMS
opt-out respected there).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from telcodesk.sinks import Sinks

# (session, customer id, phone, kind, text, province code)
customer_sms: Sinks[[Session, int, str, str, str, str]] = Sinks()
