"""Edit after registration (issue 9 item 3, WO-2): correcting the type, category, priority,
subject, description, customer or city of an open order, as a lifecycle deed with history.

Scope is checked on the old state (an order the actor cannot see is not found, CD-2) and on
the new one: the new customer must be in the actor's reach and the new city a real city of
their region, so an edit never moves an order out of the actor's region. The SLA clocks keep
the policy chosen at registration (docs/sla.md, "Edits keep the clocks").
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from telcodesk import clock
from telcodesk.customers import service as customers
from telcodesk.errors import IllegalTransition, StaleVersion, ValidationFailed
from telcodesk.org.models import Staff
from telcodesk.workorders import authority, hooks, rules
from telcodesk.workorders import service as orders
from telcodesk.workorders.models import WorkOrder
from telcodesk.workorders.rules import Deed, Status
from telcodesk.workorders.schemas import OrderEdit

# What an edit may change, in the order the history lists them.
EDITABLE = ("type", "category", "priority", "subject", "description", "customer", "city")


def may_edit(order: WorkOrder, viewer: Staff) -> bool:
    return not rules.is_closed(Status(order.status)) and authority.may(viewer, order, Deed.EDIT)


def edit_order(session: Session, actor: Staff, number: str, data: OrderEdit) -> WorkOrder:
    """Apply the given corrections in one history row ``edit`` (WO-2: old → new per field)."""
    order = orders.get_order(session, number, viewer=actor)  # old state in scope, else 404
    if data.version != order.version:
        raise StaleVersion(details={"current_version": order.version})
    if rules.is_closed(Status(order.status)):
        raise IllegalTransition(
            "已关闭的工单不能修改", "A closed order cannot be edited", code="order_closed"
        )
    authority.require(actor, order, Deed.EDIT)
    changes: dict[str, Any] = {}
    if data.type is not None and data.type != order.type:
        # The handler in charge must still handle the new type (an appeal goes to complaint
        # handlers only): otherwise transfer first.
        if order.handler is not None and not rules.handles(order.handler.role, data.type):
            raise ValidationFailed(
                f"当前处理人不处理「{rules.TYPE_LABELS[data.type].zh}」类工单，请先转派",
                f"The current handler does not take {data.type.value} orders: transfer first",
                code="handler_cannot_take_type",
            )
        changes["type"] = [order.type, data.type.value]
        order.type = data.type
    if data.category_code is not None:
        category = orders.get_category(session, data.category_code)
        old = order.category.code if order.category else None
        if category.code != old:
            changes["category"] = [old, category.code]
            order.category = category
    if data.priority is not None and data.priority != order.priority:
        changes["priority"] = [order.priority, data.priority.value]
        order.priority = data.priority
    for field in ("subject", "description"):
        value = getattr(data, field)
        if value is not None and value != getattr(order, field):
            changes[field] = [getattr(order, field), value]
            setattr(order, field, value)
    if data.customer_id is not None and data.customer_id != order.customer_id:
        customer = customers.get_customer(session, data.customer_id, viewer=actor)  # 404 else
        if customer.id != order.customer_id:  # a merged record leads to the live one
            changes["customer_id"] = [order.customer_id, customer.id]
            order.customer = customer
    if data.city_code is not None and data.city_code != order.city_code:
        city = customers.choose_city(actor, data.city_code)  # a city of the actor's region
        if city != order.city_code:
            changes["city_code"] = [order.city_code, city]
            order.city_code, order.province_code = city, city[:2] + "0000"
    if not changes:
        raise ValidationFailed("没有需要修改的内容", "Nothing to change", code="nothing_changed")
    now = clock.now()
    order.updated_at = now
    orders._flush(session)  # a concurrent change fails here (stale version), before history
    # The clocks keep the registration's policy (docs/sla.md): said in the row, for audits.
    changes["sla_policy"] = "kept"
    happening = hooks.Happening(session, order, actor, "edit", now, data)
    orders._write_event(happening, from_status=order.status, changes=changes, reason=data.reason)
    orders._flush(session)
    return order
