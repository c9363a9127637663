"""Pure SLA rules: which policy applies, where each threshold of a clock falls (T-1, T-2, WO-3).

A clock counts time in one unit (calendar hours, business hours, PRC working days). Its
thresholds are shares of the allowed time (warnings at 75 % and 90 % by default, the breach at
100 %); paused time is added on top, so it is never counted against the order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from telcodesk.calendar.rules import BusinessHours, Unit, WorkCalendar, add_duration


class PolicyLike(Protocol):
    id: int
    precedence: int
    match_type: str | None
    match_category: str | None
    match_priority: str | None
    match_tier: str | None
    match_channel: str | None
    match_region: str | None


P = TypeVar("P", bound=PolicyLike)


@dataclass(frozen=True)
class OrderFacts:
    type: str
    category_code: str | None
    priority: str
    tier: str
    channel: str
    province_code: str
    city_code: str


def _matches(p: PolicyLike, o: OrderFacts) -> bool:
    category = o.category_code or ""
    return (
        (p.match_type is None or p.match_type == o.type)
        and (
            p.match_category is None
            or category == p.match_category
            or category.startswith(p.match_category + ".")
        )
        and (p.match_priority is None or p.match_priority == o.priority)
        and (p.match_tier is None or p.match_tier == o.tier)
        and (p.match_channel is None or p.match_channel == o.channel)
        and (p.match_region is None or p.match_region in (o.province_code, o.city_code))
    )


def specificity(p: PolicyLike) -> tuple[int, int, int]:
    """More matched fields win; a deeper category prefix or a city over a province wins next."""
    fields = (
        p.match_type,
        p.match_category,
        p.match_priority,
        p.match_tier,
        p.match_channel,
        p.match_region,
    )
    depth = p.match_category.count(".") + 1 if p.match_category else 0
    region = (
        2
        if p.match_region and not p.match_region.endswith("0000")
        else (1 if p.match_region else 0)
    )
    return sum(f is not None for f in fields), depth, region


def choose_policy(policies: Iterable[P], order: OrderFacts) -> P | None:
    """The most specific matching policy; ties go to the lower precedence, then the older policy."""
    candidates = [p for p in policies if _matches(p, order)]
    if not candidates:
        return None
    return min(candidates, key=lambda p: (tuple(-x for x in specificity(p)), p.precedence, p.id))


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
