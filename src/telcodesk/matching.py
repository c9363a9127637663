"""Pure rule matching shared by SLA policies and dispatch rules: a rule's empty match fields
match anything, and the most specific matching rule wins (T-2, CC-1).

Specificity: more named fields first, then a deeper category prefix ("network.broadband"
beats "network"), then a city over a province; ties go to the lower precedence, then the
older rule. ``explain`` keeps, for every rule, which fields matched — the "why" view.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

# The fields a rule may name, in the order they are shown; a rule type may lack some
# (dispatch rules have no priority).
FIELDS = ("type", "category", "priority", "region", "tier", "channel")


class Matchable(Protocol):
    id: int
    precedence: int
    match_type: str | None
    match_category: str | None
    match_region: str | None
    match_tier: str | None
    match_channel: str | None


M = TypeVar("M", bound=Matchable)
T = TypeVar("T")


@dataclass(frozen=True)
class OrderFacts:
    """What rules look at in an order."""

    type: str
    category_code: str | None
    tier: str
    channel: str
    province_code: str
    city_code: str
    priority: str | None = None


@dataclass(frozen=True)
class FieldCheck:
    field: str
    wanted: str | None  # the rule's value; None matches anything
    actual: str | None  # the order's value
    matched: bool


@dataclass(frozen=True)
class RuleCheck(Generic[T]):
    """One rule against one order: each field matched or not."""

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


def _wanted(rule: Matchable, field: str) -> str | None:
    value: str | None = getattr(rule, f"match_{field}", None)
    return value


def check(rule: M, o: OrderFacts) -> RuleCheck[M]:
    checks = []
    for field in FIELDS:
        if not hasattr(rule, f"match_{field}"):
            continue
        wanted = _wanted(rule, field)
        if field == "category":
            actual, ok = (
                o.category_code,
                wanted is None or _category_matches(wanted, o.category_code),
            )
        elif field == "region":
            actual, ok = (
                f"{o.province_code}/{o.city_code}",
                wanted in (None, o.province_code, o.city_code),
            )
        else:
            actual = getattr(o, field)
            ok = wanted in (None, actual)
        checks.append(FieldCheck(field, wanted, actual, ok))
    return RuleCheck(rule, tuple(checks))


def specificity(rule: Matchable) -> tuple[int, int, int]:
    """More named fields win; then a deeper category prefix; then a city over a province."""
    named = sum(_wanted(rule, f) is not None for f in FIELDS)
    depth = rule.match_category.count(".") + 1 if rule.match_category else 0
    region = 0 if not rule.match_region else (1 if rule.match_region.endswith("0000") else 2)
    return named, depth, region


def rank(rule: Matchable) -> tuple[int, int, int, int, int]:
    """Sort key: the winner first."""
    named, depth, region = specificity(rule)
    return -named, -depth, -region, rule.precedence, rule.id


@dataclass(frozen=True)
class Explanation(Generic[T]):
    chosen: T | None
    checks: list[RuleCheck[T]]  # every rule, matching ones first, each group best first


def explain(rules: Iterable[M], order: OrderFacts) -> Explanation[M]:
    """Which rule applies to the order and why; the others with the fields they missed."""
    checks = [check(r, order) for r in rules]
    checks.sort(key=lambda c: (not c.matched, rank(c.rule)))
    chosen = checks[0].rule if checks and checks[0].matched else None
    return Explanation(chosen, checks)


def choose(rules: Iterable[M], order: OrderFacts) -> M | None:
    """The most specific matching rule, or None."""
    return explain(rules, order).chosen
