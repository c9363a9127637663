"""Pure dispatch rules 派单规则 (CC-1, CH-4): which rule routes an order, and who in the chosen
unit gets it. No I/O: the service loads rules, staff and loads, these functions decide.

A rule's empty match fields match anything; the most specific matching rule wins (as for SLA
policies), ties go to the lower precedence, then the older rule. Within the unit the order goes
to an available staff member with the rule's skill, by least load or round robin.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from telcodesk.labels import Label
from telcodesk.matching import (  # noqa: F401 - the dispatch rules' vocabulary
    Explanation,
    FieldCheck,
    Matchable,
    OrderFacts,
    RuleCheck,
    check,
    choose,
    explain,
    rank,
    specificity,
)
from telcodesk.workorders.rules import Status


class Strategy(StrEnum):
    LEAST_LOAD = "least_load"  # 最少负载: fewest orders in hand, ties by id
    ROUND_ROBIN = "round_robin"  # 轮询: the next after the unit's last assignee, by id


STRATEGY_LABELS: dict[Strategy, Label] = {
    Strategy.LEAST_LOAD: Label("最少负载", "Least load"),
    Strategy.ROUND_ROBIN: Label("轮询", "Round robin"),
}

# Orders a handler still has work on (a replied order waits for a call-back by others).
LOAD_STATUSES = frozenset({Status.ASSIGNED, Status.IN_PROGRESS, Status.WAITING_CUSTOMER})

# The fields a dispatch rule can match on, in the order they are shown.
FIELDS = ("type", "category", "region", "tier", "channel")
FIELD_LABELS: dict[str, Label] = {
    "type": Label("类型", "Type"),
    "category": Label("分类", "Category"),
    "region": Label("地区", "Region"),
    "tier": Label("客户等级", "Tier"),
    "channel": Label("渠道", "Channel"),
}


# Matching is shared with the SLA policies (telcodesk.matching); dispatch names these fields.
RuleLike = Matchable
choose_rule = choose


# --- picking a handler ------------------------------------------------------------------------


@dataclass(frozen=True)
class Seat:
    """A staff member of the target unit, as dispatch sees them."""

    id: int
    skills: frozenset[str]
    available: bool
    load: int  # orders in hand (LOAD_STATUSES)
    # Their role handles the order's type and the order is in their reach (workorders.candidates):
    # the rules never send an order to someone who cannot act on it.
    qualified: bool = True

    def has_skill(self, skill: str | None) -> bool:
        return skill is None or skill in self.skills

    def eligible(self, skill: str | None) -> bool:
        return self.qualified and self.available and self.has_skill(skill)


def eligible(seats: Iterable[Seat], skill: str | None) -> list[Seat]:
    """Available staff with the skill (any staff when the rule needs none), by id."""
    return sorted((s for s in seats if s.eligible(skill)), key=lambda s: s.id)


def least_load(seats: Sequence[Seat]) -> Seat | None:
    return min(seats, key=lambda s: (s.load, s.id), default=None)


def round_robin(seats: Sequence[Seat], last_id: int | None) -> Seat | None:
    """The first seat after ``last_id`` by id, wrapping round to the lowest."""
    ordered = sorted(seats, key=lambda s: s.id)
    after = [s for s in ordered if last_id is None or s.id > last_id]
    return (after or ordered)[0] if ordered else None


def pick(
    seats: Iterable[Seat], skill: str | None, strategy: Strategy, last_id: int | None
) -> Seat | None:
    """The staff member to get the order, or None when nobody eligible is there."""
    candidates = eligible(seats, skill)
    if strategy == Strategy.ROUND_ROBIN:
        return round_robin(candidates, last_id)
    return least_load(candidates)
