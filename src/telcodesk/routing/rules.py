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
from typing import Generic, Protocol, TypeVar

from telcodesk.workorders.rules import Label, Status


class Strategy(StrEnum):
    LEAST_LOAD = "least_load"  # 最少负载: fewest orders in hand, ties by id
    ROUND_ROBIN = "round_robin"  # 轮询: the next after the unit's last assignee, by id


STRATEGY_LABELS: dict[Strategy, Label] = {
    Strategy.LEAST_LOAD: Label("最少负载", "Least load"),
    Strategy.ROUND_ROBIN: Label("轮询", "Round robin"),
}

# Orders a handler still has work on (a replied order waits for a call-back by others).
LOAD_STATUSES = frozenset({Status.ASSIGNED, Status.IN_PROGRESS, Status.WAITING_CUSTOMER})

# The fields a rule can match on, in the order they are shown.
FIELDS = ("type", "category", "region", "tier", "channel")
FIELD_LABELS: dict[str, Label] = {
    "type": Label("类型", "Type"),
    "category": Label("分类", "Category"),
    "region": Label("地区", "Region"),
    "tier": Label("客户等级", "Tier"),
    "channel": Label("渠道", "Channel"),
}


class RuleLike(Protocol):
    id: int
    precedence: int
    match_type: str | None
    match_category: str | None
    match_region: str | None
    match_tier: str | None
    match_channel: str | None


R = TypeVar("R", bound=RuleLike)
T = TypeVar("T")  # a rule, in the result types


@dataclass(frozen=True)
class OrderFacts:
    """What the rules look at in an order."""

    type: str
    category_code: str | None
    tier: str
    channel: str
    province_code: str
    city_code: str


@dataclass(frozen=True)
class FieldCheck:
    field: str
    wanted: str | None  # the rule's value; None matches anything
    actual: str | None  # the order's value
    matched: bool


@dataclass(frozen=True)
class RuleCheck(Generic[T]):
    """One rule against one order: each field matched or not (the "why" view)."""

    rule: T
    checks: tuple[FieldCheck, ...]

    @property
    def matched(self) -> bool:
        return all(c.matched for c in self.checks)

    @property
    def matched_fields(self) -> list[FieldCheck]:
        """The fields the rule names and the order meets: why it applies."""
        return [c for c in self.checks if c.wanted is not None and c.matched]


def _category_matches(prefix: str, code: str | None) -> bool:
    return code is not None and (code == prefix or code.startswith(prefix + "."))


def check(rule: R, o: OrderFacts) -> RuleCheck[R]:
    region = f"{o.province_code}/{o.city_code}"
    checks = (
        FieldCheck("type", rule.match_type, o.type, rule.match_type in (None, o.type)),
        FieldCheck(
            "category",
            rule.match_category,
            o.category_code,
            rule.match_category is None or _category_matches(rule.match_category, o.category_code),
        ),
        FieldCheck(
            "region",
            rule.match_region,
            region,
            rule.match_region in (None, o.province_code, o.city_code),
        ),
        FieldCheck("tier", rule.match_tier, o.tier, rule.match_tier in (None, o.tier)),
        FieldCheck(
            "channel", rule.match_channel, o.channel, rule.match_channel in (None, o.channel)
        ),
    )
    return RuleCheck(rule, checks)


def specificity(rule: RuleLike) -> tuple[int, int, int]:
    """More named fields win; then a deeper category prefix; then a city over a province."""
    named = (
        rule.match_type,
        rule.match_category,
        rule.match_region,
        rule.match_tier,
        rule.match_channel,
    )
    depth = rule.match_category.count(".") + 1 if rule.match_category else 0
    region = 0 if not rule.match_region else (1 if rule.match_region.endswith("0000") else 2)
    return sum(f is not None for f in named), depth, region


def rank(rule: RuleLike) -> tuple[int, int, int, int, int]:
    """Sort key: the winner first."""
    named, depth, region = specificity(rule)
    return -named, -depth, -region, rule.precedence, rule.id


@dataclass(frozen=True)
class Explanation(Generic[T]):
    chosen: T | None
    checks: list[RuleCheck[T]]  # every rule, matching ones first, each group best first


def explain(rules: Iterable[R], order: OrderFacts) -> Explanation[R]:
    """Which rule routes the order and why; the others with the fields they missed."""
    checks = [check(r, order) for r in rules]
    checks.sort(key=lambda c: (not c.matched, rank(c.rule)))
    chosen = checks[0].rule if checks and checks[0].matched else None
    return Explanation(chosen, checks)


def choose_rule(rules: Iterable[R], order: OrderFacts) -> R | None:
    """The most specific matching rule; ties go to the lower precedence, then the older rule."""
    return explain(rules, order).chosen


# --- picking a handler ------------------------------------------------------------------------


@dataclass(frozen=True)
class Seat:
    """A staff member of the target unit, as dispatch sees them."""

    id: int
    skills: frozenset[str]
    available: bool
    load: int  # orders in hand (LOAD_STATUSES)

    def has_skill(self, skill: str | None) -> bool:
        return skill is None or skill in self.skills

    def eligible(self, skill: str | None) -> bool:
        return self.available and self.has_skill(skill)


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
