"""Who supervises a unit (CH-4, WO-3): one rule the work orders, dispatch, chases and the SLA
sweep share.

A supervisor 主管 or a hall duty manager 值班经理 supervises their own unit and every unit
below it: a province supervisor is over the province's centres, its cities and their halls.
Whom to alert about a unit's order are the supervisors of the nearest unit, going up from it,
that has any; a breach goes one level above theirs (WO-3). Walking up the tree is bounded
(``MAX_DEPTH``) and never visits a unit twice, so a broken parent chain — even a cycle — can
never hang a request or the worker: the walk just stops.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from telcodesk.org.models import OrgUnit, Staff
from telcodesk.org.roles import Role

SUPERVISING = frozenset({Role.SUPERVISOR, Role.HALL_MANAGER})
# HQ → province → city → hall / centre / department is four levels; a few spare.
MAX_DEPTH = 8


def units_up(unit: OrgUnit | None) -> Iterator[OrgUnit]:
    """The unit, its parent, and so on up to the root; at most MAX_DEPTH units, none twice."""
    seen: set[int] = set()
    current = unit
    while current is not None and current.id not in seen and len(seen) < MAX_DEPTH:
        seen.add(current.id)
        yield current
        current = current.parent


def is_supervising(staff: Staff) -> bool:
    return staff.active and staff.role in SUPERVISING


def supervises(staff: Staff, unit: OrgUnit | None) -> bool:
    """Whether ``staff`` is a supervisor of ``unit`` or of a unit above it."""
    return is_supervising(staff) and any(u.id == staff.unit_id for u in units_up(unit))


def supervisors_over(session: Session, unit: OrgUnit) -> list[Staff]:
    """The supervisors of the nearest unit, going up from ``unit``, that has any: whom to
    alert about an order of that unit (a chase, an order no one in the unit can take)."""
    for current in units_up(unit):
        found = list(
            session.scalars(
                select(Staff)
                .where(Staff.unit_id == current.id, Staff.active, Staff.role.in_(SUPERVISING))
                .order_by(Staff.id)
            )
        )
        if found:
            return found
    return []


def nearest_supervised(
    unit_id: int | None,
    parent_of: Callable[[int], int | None],
    has_supervisors: Callable[[int], bool],
) -> int | None:
    """The first unit from ``unit_id`` upwards that has supervisors (pure; bounded walk)."""
    seen: set[int] = set()
    while unit_id is not None and unit_id not in seen and len(seen) < MAX_DEPTH:
        if has_supervisors(unit_id):
            return unit_id
        seen.add(unit_id)
        unit_id = parent_of(unit_id)
    return None


@dataclass
class Supervision:
    """The same rule as ``supervisors_over``, over a snapshot of the tree and the supervising
    staff read in two queries: for a sweep that asks about many orders at once."""

    parents: dict[int, int | None] = field(default_factory=dict)
    supervisors: dict[int, list[int]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> Supervision:
        parents = {i: p for i, p in session.execute(select(OrgUnit.id, OrgUnit.parent_id))}
        supervisors: dict[int, list[int]] = {}
        rows = session.execute(
            select(Staff.id, Staff.unit_id)
            .where(Staff.active, Staff.role.in_(SUPERVISING))
            .order_by(Staff.id)
        )
        for staff_id, unit_id in rows:
            supervisors.setdefault(unit_id, []).append(staff_id)
        return cls(parents, supervisors)

    def supervising_unit(self, unit_id: int | None) -> int | None:
        return nearest_supervised(unit_id, self.parents.get, self.supervisors.__contains__)

    def supervisors_of(self, unit_id: int | None) -> list[int]:
        level = self.supervising_unit(unit_id)
        return list(self.supervisors[level]) if level is not None else []

    def level_above(self, unit_id: int | None) -> list[int]:
        """The supervisors one level above the unit's own (a breach goes there, WO-3); the
        unit's own when nobody supervises above them."""
        level = self.supervising_unit(unit_id)
        if level is None:
            return []
        upper = self.supervising_unit(self.parents.get(level))
        return list(self.supervisors[upper if upper is not None else level])
