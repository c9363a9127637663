"""Pure notification rules (no I/O): urgency, who hears of what by which channel, retry
backoff, quiet hours, the SMS gateway's request signature.

Quiet hours 免打扰: a window [start, end) in local time (Asia/Shanghai), possibly across
midnight (21:00–08:00). A message due inside the window is held until the window's end, the
next time that local clock time comes round; outside it goes at once.

Backoff: attempt n (1-based) that fails waits base · 2^(n-1), capped, so a gateway that is down
for an hour is tried a handful of times, not thousands; after `max_attempts` the message is a
dead letter 死信 an admin can replay.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Asia/Shanghai")

CONSOLE, EMAIL, SMS, EVENT = "console", "email", "sms", "event"
STAFF_CHANNELS = (CONSOLE, EMAIL, SMS)
CHANNELS = (EMAIL, SMS, EVENT)

PENDING, SENT, DEAD = "pending", "sent", "dead"
STATES = (PENDING, SENT, DEAD)

# What staff are notified of, and the channels each kind takes unless they chose otherwise:
# a breach reaches the phone, warnings and chases the mailbox as well as the bell.
STAFF_KINDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "sla_breach": ("超时告警", "SLA breach", (CONSOLE, EMAIL, SMS)),
    "sla_warning": ("时限预警", "SLA warning", (CONSOLE, EMAIL)),
    "chase": ("催办", "Chase", (CONSOLE, EMAIL)),
    "unassigned": ("无人处理", "Nobody handles it", (CONSOLE, EMAIL)),
    "info": ("其他通知", "Other notices", (CONSOLE,)),
}

# Customer messages (WO-2): the order's moments the customer is told of.
CUSTOMER_KINDS: dict[str, tuple[str, str]] = {
    "registered": ("受理告知", "Order registered"),
    "progress": ("进度告知", "Progress"),
    "reply": ("答复告知", "Reply"),
    "callback": ("回访告知", "Call-back"),
}

BREACH, WARN_90, WARN_75, CHASE, INFO = 50, 40, 30, 20, 10


def urgency(kind: str, share: float | None = None) -> int:
    """breach > 90 % warning > 75 % warning > chase > everything else."""
    if kind == "sla_breach":
        return BREACH
    if kind == "sla_warning":
        return WARN_90 if (share or 0) >= 0.9 else WARN_75
    if kind in ("chase", "unassigned"):
        return CHASE
    return INFO


def preference_key(kind: str) -> str:
    return kind if kind in STAFF_KINDS else "info"


def channels_for(kind: str, chosen: dict[str, list[str]] | None) -> tuple[str, ...]:
    """The channels a staff member takes this kind by: their choice, else the default."""
    key = preference_key(kind)
    if chosen and key in chosen:
        return tuple(c for c in STAFF_CHANNELS if c in chosen[key])
    return STAFF_KINDS[key][2]


def backoff(attempts: int, base_s: float, cap_s: float) -> timedelta:
    """Wait after the `attempts`-th failed attempt (1-based)."""
    return timedelta(seconds=min(cap_s, base_s * 2 ** max(0, attempts - 1)))


def parse_hhmm(value: str) -> time:
    hours, _, minutes = value.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(value)
    return time(int(hours), int(minutes))


def quiet_release(now: datetime, start: str, end: str) -> datetime | None:
    """When a message due `now` may go, if `now` lies in the quiet window; else None."""
    begin, finish = parse_hhmm(start), parse_hhmm(end)
    if begin == finish:
        return None  # an empty window: no quiet hours
    local = now.astimezone(LOCAL)
    at = local.time()
    inside = begin <= at < finish if begin < finish else at >= begin or at < finish
    if not inside:
        return None
    release = local.replace(hour=finish.hour, minute=finish.minute, second=0, microsecond=0)
    if release <= local:
        release += timedelta(days=1)
    return release.astimezone(UTC)


def sign(secret: str, timestamp: str, nonce: str, body: bytes) -> str:
    """HMAC-SHA256 over timestamp, nonce and body, as carriers' SMS platforms take it."""
    message = timestamp.encode() + b"\n" + nonce.encode() + b"\n" + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_ok(secret: str, timestamp: str, nonce: str, body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, timestamp, nonce, body), signature)


def event_subject(prefix: str, action: str) -> str:
    """NATS subject of an order event: telcodesk.order.<action>."""
    return f"{prefix}.order.{action}"
