"""docs/roles.md in full: the role matrix (org) and, on top of it, who may act on an order and
which roles take which order types — all generated from the tables in the code."""

from __future__ import annotations

from telcodesk.org.roles import ROLE_LABELS, Role
from telcodesk.org.roles_doc import role_matrix_markdown
from telcodesk.workorders.rules import (
    ACTION_LABELS,
    HANDLED_TYPES,
    ORDER_ACTORS,
    ORDER_BARRED,
    RELATION_LABELS,
    TYPE_LABELS,
    Act,
    Action,
    OrderType,
    Relation,
)

ACTORS_HEADER = """
## Who may act on an order 谁可以处理工单 (CH-3, CH-4, WO-1, SQ-1)

Generated from `ORDER_ACTORS` and `ORDER_BARRED` in `src/telcodesk/workorders/rules.py`. The
permission matrix above says what a role may do at all; this table says who, among those who
see an order, may take each action on it, by how they stand to it. ✓ allows the action, ✗
forbids it whatever else holds (whoever did the work does not survey the customer's
satisfaction or close the order without that survey, SQ-1). The service works out the
relations and answers 403 `order_action_denied` otherwise; the console offers only what the
viewer may do. The order's unit is its handling unit, or its owner's while nobody has taken it.

- **首问责任人 owner**: registered the order and owns it until it is closed (CH-3).
- **当前处理人 handler**: the order is in their hands now.
- **处理单位成员 unit member**: works in the order's unit in a role that handles its type.
- **上级主管 supervisor**: a supervisor or hall duty manager of that unit or of one above it.
- **派单员 dispatcher**: holds the dispatch permission and the order lies in their region.
- **质检/回访 inspector**: holds the call-back permission and the order lies in their region.
- **系统作业 system**: the worker's account; it has only the rights listed here.
"""

TYPES_HEADER = """
## Who can take an order 可接单人员 (CC-1, CH-4)

Assign, transfer, escalation and the dispatch rules choose only active staff whose role handles
the order's type (below) and who are in reach: their region holds the order, or the one
choosing is a dispatcher sending it across regions inside their own (WO-4). Never the system
account. When the rules find nobody in the chosen unit, the order waits in that unit's queue
(console: 我的工单 → 本单位待领) and the unit's supervisors are alerted. Judicial requests are
answered through the judicial reveal (CD-2), not as work orders, so the judicial liaison takes
no order type.
"""


def _act_label(act: Act) -> str:
    if isinstance(act, Action):
        return f"{ACTION_LABELS[act].zh} ({act.value})"
    return {"note": "添加备注", "edit": "修改工单"}[act.value] + f" ({act.value})"


def order_actors_markdown() -> str:
    relations = list(Relation)
    head = "| action | " + " | ".join(RELATION_LABELS[r].zh for r in relations) + " |"
    sub = "| --- | " + " | ".join(f"`{r.value}`" for r in relations) + " |"
    rows = [
        f"| {_act_label(act)} | "
        + " | ".join(
            "✗" if r in ORDER_BARRED.get(act, frozenset()) else "✓" if r in allowed else ""
            for r in relations
        )
        + " |"
        for act, allowed in ORDER_ACTORS.items()
    ]
    return ACTORS_HEADER + "\n" + "\n".join([head, sub, *rows]) + "\n"


def handled_types_markdown() -> str:
    types = list(OrderType)
    head = "| role | " + " | ".join(TYPE_LABELS[t].zh for t in types) + " |"
    sub = "| --- | " + " | ".join(f"`{t.value}`" for t in types) + " |"
    rows = [
        f"| {ROLE_LABELS[role].zh} (`{role.value}`) | "
        + " | ".join("✓" if t in HANDLED_TYPES[role] else "" for t in types)
        + " |"
        for role in Role
    ]
    return TYPES_HEADER + "\n" + "\n".join([head, sub, *rows]) + "\n"


def roles_markdown() -> str:
    return role_matrix_markdown() + order_actors_markdown() + handled_types_markdown()
