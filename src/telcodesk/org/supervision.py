"""Who supervises a unit (CH-4, WO-3): one rule the work orders, dispatch and alerts share.

A supervisor 主管 or a hall duty manager 值班经理 supervises their own unit and every unit
below it: a province supervisor is over the province's centres, its cities and their halls.
Walking up the tree is bounded (``MAX_DEPTH``), so a broken parent chain — even a cycle —
can never hang a request or the worker: the walk just stops.
"""

from __future__ import annotations

from collections.abc import Iterator

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
