"""Pure SLA rules: which policy applies, where each threshold of a clock falls (T-1, T-2, WO-3).

A clock counts time in one unit (calendar hours, business hours, PRC working days). Its
thresholds are shares of the allowed time (warnings at 75 % and 90 % by default, the breach at
100 %); paused time is added on top, so it is never counted against the order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from telcodesk.calendar.rules import BusinessHours, Unit, WorkCalendar, add_duration
from telcodesk.matching import M, Matchable, OrderFacts, choose, specificity

# Policies match orders like dispatch rules do: the most specific wins (telcodesk.matching).
PolicyLike = Matchable


def choose_policy(policies: Iterable[M], order: OrderFacts) -> M | None:
    """HQ sets the nationwide policies; a province (or city) adds its own, which win inside
    it (CD-2): a matching city policy first, then a province's, then a nationwide one — the
    most specific within each."""
    policies = list(policies)
    for level in (2, 1, 0):  # specificity()[2]: city, province, no region
        found = choose((p for p in policies if specificity(p)[2] == level), order)
        if found is not None:
            return found
    return None


def seconds_of(amount: float, unit: Unit) -> float:
    """Counted seconds in ``amount`` of a unit (a working day counts its 24 hours)."""
    return amount * (86400.0 if unit == Unit.WORKING_DAYS else 3600.0)


def amount_of(seconds: float, unit: Unit) -> float:
    return seconds / (86400.0 if unit == Unit.WORKING_DAYS else 3600.0)


@dataclass(frozen=True)
class Stage:
    number: int  # 1-based
    kind: str  # warning | breach
    share: float


def stages(warn_shares: Sequence[float]) -> list[Stage]:
    """The thresholds of a clock in order: each warning share below 1, then the breach."""
    shares = sorted({s for s in warn_shares if 0 < s < 1})
    return [Stage(i + 1, "warning", s) for i, s in enumerate(shares)] + [
        Stage(len(shares) + 1, "breach", 1.0)
    ]


def threshold_at(
    cal: WorkCalendar,
    hours: BusinessHours,
    unit: Unit,
    start: datetime,
    allowed_s: float,
    paused_s: float,
    share: float,
) -> datetime:
    return add_duration(cal, hours, start, amount_of(share * allowed_s + paused_s, unit), unit)


def risk(now: datetime, first_warning_at: datetime, due_at: datetime) -> str:
    """A colour for the console: ok, warning (past the first warning), breached."""
    if now >= due_at:
        return "breached"
    return "warning" if now >= first_warning_at else "ok"
