"""Who may act on an order (CH-3, CH-4, WO-1, SQ-1): the service works out how the actor stands
to the order — reading the unit tree and the role's permissions — and ``rules.may_act`` decides
from those relations alone, by the table ``rules.ORDER_ACTORS``.

Scope comes first: an order outside the actor's reach is not found (404, CD-2); one they see
but may not act on this way answers 403 ``order_action_denied``.
"""

from __future__ import annotations

from sqlalchemy.orm import object_session

from telcodesk.errors import Forbidden
from telcodesk.org import permissions
from telcodesk.org.models import OrgUnit, Staff
from telcodesk.org.permissions import Permission
from telcodesk.org.roles import SYSTEM_USERNAME
from telcodesk.org.scope import scope_of
from telcodesk.org.supervision import is_supervising, supervises
from telcodesk.workorders import rules
from telcodesk.workorders.models import WorkOrder
from telcodesk.workorders.rules import Act, Relation


def order_unit(order: WorkOrder) -> OrgUnit | None:
    """The unit an order sits with: its handling unit, or its owner's while nobody has it."""
    if order.handling_unit_id is not None:
        session = object_session(order)
        return session.get(OrgUnit, order.handling_unit_id) if session else None
    return order.first_contact_owner.unit


def relations_of(actor: Staff, order: WorkOrder) -> frozenset[Relation]:
    if actor.username == SYSTEM_USERNAME:  # explicit rights only, whatever its role grants
        return frozenset({Relation.SYSTEM})
    found: set[Relation] = set()
    if permissions.can(actor, Permission.ORDER_ACT):
        if order.first_contact_owner_id == actor.id:
            found.add(Relation.OWNER)
        if order.handler_id is not None and order.handler_id == actor.id:
            found.add(Relation.HANDLER)
        unit_id = order.handling_unit_id or order.first_contact_owner.unit_id
        if actor.unit_id == unit_id and rules.handles(actor.role, order.type):
            found.add(Relation.UNIT_MEMBER)
        # Only a supervisor's relation needs the unit tree read (an order list stays cheap).
        if is_supervising(actor) and supervises(actor, order_unit(order)):
            found.add(Relation.SUPERVISOR)
    # Dispatching and call-backs work over a region, not over a unit (WO-4, SQ-1).
    in_region = scope_of(actor).covers(order.province_code, order.city_code)
    if in_region and permissions.can(actor, Permission.ORDER_DISPATCH):
        found.add(Relation.DISPATCHER)
    if in_region and permissions.can(actor, Permission.ORDER_CALLBACK):
        found.add(Relation.INSPECTOR)
    return frozenset(found)


def may(actor: Staff, order: WorkOrder, act: Act) -> bool:
    return rules.may_act(relations_of(actor, order), act)


def require(actor: Staff, order: WorkOrder, act: Act) -> None:
    """403 unless the table lets the actor's relations to the order do ``act``."""
    relations = relations_of(actor, order)
    if rules.may_act(relations, act):
        return
    label = rules.ACTION_LABELS.get(act) if isinstance(act, rules.Action) else None
    deeds = {rules.Deed.NOTE: ("添加备注", "add a note"), rules.Deed.EDIT: ("修改工单", "edit")}
    zh, en = (label.zh, label.en) if label else deeds[rules.Deed(act)]
    who = sorted(rules.ORDER_ACTORS.get(act, frozenset()))
    raise Forbidden(
        f"您与该工单的关系不允许「{zh}」，可由："
        + "、".join(rules.RELATION_LABELS[r].zh for r in who),
        f"Your relation to this order does not allow '{en}'; it is for: "
        + ", ".join(rules.RELATION_LABELS[r].en for r in who),
        code="order_action_denied",
        details={"action": act, "relations": sorted(relations), "allowed": who},
    )
