"""Who can take an order (CC-1, CH-4, WO-4): the people assign, transfer, escalation and the
dispatch rules may choose.

A candidate is an active account — never the system account — whose role handles the order's
type (``rules.HANDLED_TYPES``: no inspectors, auditors, admins or judicial staff), and who is in
reach: their own region holds the order (the city's staff, the province's centres, HQ), or the
actor is a dispatcher sending it across regions inside their own (WO-4). The list is grouped by
unit and searchable by name, so a supervisor finds the person in a province of thousands.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from telcodesk.errors import Forbidden, ValidationFailed
from telcodesk.org import permissions
from telcodesk.org.models import OrgUnit, Staff
from telcodesk.org.permissions import Permission
from telcodesk.org.roles import SYSTEM_USERNAME, Role
from telcodesk.org.scope import scope_of
from telcodesk.org.service import province_and_city
from telcodesk.workorders import authority, rules
from telcodesk.workorders.models import WorkOrder
from telcodesk.workorders.queries import get_order
from telcodesk.workorders.rules import OrderType, Status

# Orders a handler still has work on: their load, shown beside their name.
IN_HAND = (Status.ASSIGNED, Status.IN_PROGRESS, Status.WAITING_CUSTOMER)
LIMIT = 200


def in_reach(actor: Staff | None, order: WorkOrder, staff: Staff) -> bool:
    if scope_of(staff).covers(order.province_code, order.city_code):
        return True
    # Across regions only by a dispatcher, and only to people inside the dispatcher's own.
    return (
        actor is not None
        and (actor.username == SYSTEM_USERNAME or permissions.can(actor, Permission.ORDER_DISPATCH))
        and scope_of(actor).covers(*province_and_city(staff.unit))
    )


def qualified(order: WorkOrder, staff: Staff) -> bool:
    """The person's account and role can take this order, wherever they sit."""
    return (
        staff.active and staff.username != SYSTEM_USERNAME and rules.handles(staff.role, order.type)
    )


def eligible(actor: Staff | None, order: WorkOrder, staff: Staff) -> bool:
    return qualified(order, staff) and in_reach(actor, order, staff)


def require_eligible(actor: Staff, order: WorkOrder, staff: Staff) -> None:
    if not qualified(order, staff):
        raise Forbidden(
            f"「{staff.display_name}」的角色不处理此类工单，不能接单",
            f"{staff.display_name}'s role does not handle {order.type} orders",
            code="handler_not_eligible",
            details={"handler": staff.username, "role": staff.role, "type": order.type},
        )
    if not in_reach(actor, order, staff):
        raise Forbidden(
            "跨地区转派需由主管或值班经理操作",
            "Only supervisors and duty managers transfer across regions",
            code="cross_region_transfer_denied",
            details={"handler": staff.username},
        )


@dataclass
class Candidate:
    staff: Staff
    load: int


@dataclass
class UnitGroup:
    unit: OrgUnit
    candidates: list[Candidate] = field(default_factory=list)


def roles_for(order_type: str) -> list[Role]:
    return [r for r, types in rules.HANDLED_TYPES.items() if OrderType(order_type) in types]


def candidates(
    session: Session, actor: Staff, order: WorkOrder, q: str | None = None, limit: int = LIMIT
) -> list[UnitGroup]:
    """Eligible people for the order, by unit (nearest the order first), then by name."""
    stmt = (
        select(Staff)
        .join(OrgUnit, Staff.unit_id == OrgUnit.id)
        .where(
            Staff.active,
            Staff.username != SYSTEM_USERNAME,
            Staff.role.in_(roles_for(order.type)),
        )
        .order_by(OrgUnit.id, Staff.display_name, Staff.id)
    )
    if q and q.strip():
        term = q.strip()
        stmt = stmt.where(
            or_(
                Staff.display_name.icontains(term, autoescape=True),
                Staff.username.icontains(term, autoescape=True),
            )
        )
    found = [s for s in session.scalars(stmt) if in_reach(actor, order, s)][:limit]
    loads = dict(
        session.execute(
            select(WorkOrder.handler_id, func.count())
            .where(
                WorkOrder.handler_id.in_([s.id for s in found]),
                WorkOrder.status.in_(IN_HAND),
            )
            .group_by(WorkOrder.handler_id)
        ).all()
    )
    groups: dict[int, UnitGroup] = {}
    for s in found:
        groups.setdefault(s.unit_id, UnitGroup(s.unit)).candidates.append(
            Candidate(s, loads.get(s.id, 0))
        )

    def nearness(g: UnitGroup) -> tuple[int, int]:  # the order's city first, then up the tree
        region = g.unit.region_code
        level = 0 if region[:4] == order.city_code[:4] and not region.endswith("0000") else 1
        return (level if region != "100000" else 2), g.unit.id

    return sorted(groups.values(), key=nearness)


def in_region(session: Session, actor: Staff, limit: int = LIMIT) -> list[Staff]:
    """People of the actor's own region whose role handles some type of order, by unit then
    name: the bulk form's picker (issue 9 item 2). Each order still checks
    ``require_eligible`` when the action runs, so the list only helps to choose."""
    scope = scope_of(actor)
    handling = [role for role, types in rules.HANDLED_TYPES.items() if types]
    stmt = (
        select(Staff)
        .join(OrgUnit, Staff.unit_id == OrgUnit.id)
        .where(Staff.active, Staff.username != SYSTEM_USERNAME, Staff.role.in_(handling))
        .order_by(OrgUnit.id, Staff.display_name, Staff.id)
        .limit(limit)
    )
    if not scope.everything:  # a city's units share its first four digits, a province's two
        prefix = scope.city[:4] if scope.city else (scope.province or "")[:2]
        stmt = stmt.where(OrgUnit.region_code.startswith(prefix, autoescape=True))
    return list(session.scalars(stmt))


# Actions that hand the order to a person the actor chooses.
CHOOSING = (rules.Action.ASSIGN, rules.Action.TRANSFER, rules.Action.ESCALATE)


def for_order(
    session: Session, actor: Staff, number: str, action: rules.Action, q: str | None = None
) -> list[UnitGroup]:
    """The candidates ``actor`` may choose from to ``action`` the order: 404 out of scope,
    403 unless the table lets them take that action on it (they need not see who could)."""
    if action not in CHOOSING:
        raise ValidationFailed(
            "只有分派、转派和升级需要选择处理人",
            "Only assign, transfer and escalate choose a handler",
            code="action_chooses_no_handler",
            details={"actions": list(CHOOSING)},
        )
    order = get_order(session, number, viewer=actor)
    authority.require(actor, order, action)
    return candidates(session, actor, order, q)
