"""Dispatch use cases (CC-1, CH-4, WO-4): route an order by the rules to a unit and a person,
chase the handler, edit the rules. Services flush but never commit: the caller's unit of work
writes the order, its history, notifications and audit rows together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from telcodesk import clock
from telcodesk.audit import service as audit
from telcodesk.errors import Conflict, DomainError, NotFound, ValidationFailed
from telcodesk.org import permissions
from telcodesk.org import service as org
from telcodesk.org.models import OrgUnit, Staff
from telcodesk.org.permissions import Permission
from telcodesk.org.roles import UnitKind
from telcodesk.org.scope import covers_region, out_of_scope, scope_of
from telcodesk.org.supervision import supervisors_over
from telcodesk.routing import rules
from telcodesk.routing.models import DispatchRule
from telcodesk.routing.rules import Strategy
from telcodesk.routing.schemas import RULE_CODE_PATTERN, RuleIn
from telcodesk.workorders import candidates as eligibility
from telcodesk.workorders.models import Category, WorkOrder
from telcodesk.workorders.queries import facts_of

# --- default rules ----------------------------------------------------------------------------

# Seeded once; admins edit them in the console. Units are found by kind near the order, so the
# defaults fit any province: the order's city remote seats (department), else the province's.
DEFAULT_RULES: list[dict[str, Any]] = [
    {
        "code": "fault",
        "name": "故障申告 → 属地远程坐席（最少负载）",
        "match_type": "fault",
        "required_skill": "fault",
        "target_kind": UnitKind.DEPARTMENT,
    },
    {
        "code": "complaint",
        "name": "投诉 → 省投诉处理中心",
        "match_type": "complaint",
        "required_skill": "complaint",
        "target_kind": UnitKind.COMPLAINT_CENTRE,
    },
    {
        "code": "complaint-diamond",
        "name": "钻石卡客户投诉 → 省投诉处理中心（轮询）",
        "match_type": "complaint",
        "match_tier": "diamond",
        "required_skill": "complaint",
        "target_kind": UnitKind.COMPLAINT_CENTRE,
        "strategy": Strategy.ROUND_ROBIN,
    },
    {
        "code": "complaint-gold",
        "name": "金卡客户投诉 → 省投诉处理中心（轮询）",
        "match_type": "complaint",
        "match_tier": "gold",
        "required_skill": "complaint",
        "target_kind": UnitKind.COMPLAINT_CENTRE,
        "strategy": Strategy.ROUND_ROBIN,
    },
    {
        "code": "vas",
        "name": "增值业务争议 → 省投诉处理中心",
        "match_category": "vas",
        "required_skill": "complaint",
        "target_kind": UnitKind.COMPLAINT_CENTRE,
    },
    {
        "code": "billing",
        "name": "计费争议 → 省投诉处理中心",
        "match_category": "billing",
        "required_skill": "complaint",
        "target_kind": UnitKind.COMPLAINT_CENTRE,
    },
    {
        # Appeals come from the regulator with its own clocks (T-6): the complaint centre.
        "code": "appeal",
        "name": "申诉 → 省投诉处理中心",
        "match_type": "appeal",
        "required_skill": "complaint",
        "target_kind": UnitKind.COMPLAINT_CENTRE,
    },
    {
        "code": "default",
        "name": "其他 → 属地远程坐席",
        "precedence": 1000,
        "target_kind": UnitKind.DEPARTMENT,
    },
]


def seed_rules(session: Session) -> int:
    """Add the default rules whose codes are missing (edited ones stay). Returns rows added."""
    existing = set(session.scalars(select(DispatchRule.code)))
    added = 0
    for i, r in enumerate(DEFAULT_RULES):
        if r["code"] in existing:
            continue
        session.add(
            DispatchRule(
                **{"precedence": 10 * (i + 1), "strategy": Strategy.LEAST_LOAD, **r},
                active=True,
                updated_at=clock.now(),
            )
        )
        added += 1
    session.flush()
    return added


# --- reading and editing rules ----------------------------------------------------------------


def list_rules(session: Session) -> list[DispatchRule]:
    return list(
        session.scalars(select(DispatchRule).order_by(DispatchRule.precedence, DispatchRule.id))
    )


def units_by_id(session: Session) -> dict[int, OrgUnit]:
    return {u.id: u for u in session.scalars(select(OrgUnit).order_by(OrgUnit.id))}


def as_input(rule: DispatchRule, units: dict[int, OrgUnit]) -> RuleIn:
    unit = units.get(rule.target_unit_id) if rule.target_unit_id else None
    return RuleIn.model_validate(
        {
            **{f: getattr(rule, f) for f in RuleIn.model_fields if hasattr(rule, f)},
            "target_unit_code": unit.code if unit else None,
        }
    )


def save_rule(session: Session, actor: Staff, code: str, data: RuleIn) -> DispatchRule:
    """Create or replace a rule by code (admins, audited). Orders dispatched later use it."""
    permissions.require(actor, Permission.EDIT_DISPATCH_RULES)
    if not re.fullmatch(RULE_CODE_PATTERN, code) or len(code) > 40:
        raise ValidationFailed(
            "规则代码只能由小写字母、数字和 . _ - 组成（不超过 40 个字符）",
            "A rule code is up to 40 lower-case letters, digits, '.', '_' or '-'",
            code="invalid_rule_code",
        )
    unit_id = None
    if data.target_unit_code:
        try:
            target = org.get_unit_by_code(session, data.target_unit_code)
        except NotFound as exc:
            raise ValidationFailed(
                "处理单位不存在",
                f"Unknown unit {data.target_unit_code!r}",
                code="unknown_unit",
            ) from exc
        if not covers_region(scope_of(actor), target.region_code):
            raise out_of_scope(f"处理单位 {target.code} ", f"Unit {target.code}")
        unit_id = target.id
    if data.match_category and not session.scalar(
        select(Category.id).where(Category.code == data.match_category)
    ):
        raise ValidationFailed(
            "分类不存在", f"Unknown category {data.match_category!r}", code="unknown_category"
        )
    rule = session.scalar(select(DispatchRule).where(DispatchRule.code == code))
    # Nationwide rules (no region) are HQ's; a province edits only its own, as they are and
    # as they would be (rules are read by all, so another region's answers 403, CD-2).
    for region in ([rule.match_region] if rule else []) + [data.match_region]:
        if not covers_region(scope_of(actor), region):
            raise out_of_scope(
                "全国性的派单规则" if not region else f"行政区划 {region} 的派单规则",
                "A nationwide rule" if not region else f"A rule of region {region}",
            )
    before = as_input(rule, units_by_id(session)).model_dump(mode="json") if rule else None
    if rule is None:
        rule = DispatchRule(code=code)
        session.add(rule)
    for name, value in data.model_dump(exclude={"target_unit_code"}).items():
        setattr(rule, name, value)
    rule.target_unit_id = unit_id
    rule.updated_at = clock.now()
    session.flush()
    audit.record(
        session,
        actor,
        "dispatch_rule_saved",
        "dispatch_rule",
        code,
        before=before,
        after=data.model_dump(mode="json"),
    )
    return rule


# --- planning a dispatch ----------------------------------------------------------------------


def active_rules(session: Session) -> list[DispatchRule]:
    return list(session.scalars(select(DispatchRule).where(DispatchRule.active)))


def target_unit(session: Session, rule: DispatchRule, order: WorkOrder) -> OrgUnit | None:
    """The rule's fixed unit; else the unit of its kind in the order's city (so the province
    centre's dispatch lands on the city's remote seats, CH-4), else in the order's province."""
    if rule.target_unit_id is not None:
        return session.get(OrgUnit, rule.target_unit_id)
    kind, city, province = rule.target_kind or UnitKind.CITY, order.city_code, order.province_code
    found = session.scalars(
        select(OrgUnit).where(
            OrgUnit.kind == kind,
            or_(OrgUnit.region_code.startswith(city[:4]), OrgUnit.region_code == province),
        )
    )

    def nearness(u: OrgUnit) -> tuple[int, int]:  # the city itself, its districts, the province
        return (0 if u.region_code == city else 2 if u.region_code == province else 1), u.id

    return min(found, key=nearness, default=None)


@dataclass
class Plan:
    """What dispatch does with an order now, and why (the explain view shows it as is)."""

    order: WorkOrder
    explanation: rules.Explanation[DispatchRule]
    unit: OrgUnit | None = None
    seats: list[tuple[Staff, rules.Seat]] = field(default_factory=list)
    chosen: Staff | None = None
    problem: DomainError | None = None

    @property
    def rule(self) -> DispatchRule | None:
        return self.explanation.chosen


def _seats(
    session: Session, unit: OrgUnit, order: WorkOrder, actor: Staff | None
) -> list[tuple[Staff, rules.Seat]]:
    """Active staff of the unit with their loads, counted in one grouped query, each marked
    whether they can act on the order at all (their role handles its type, it is in reach)."""
    staff = list(
        session.scalars(
            select(Staff).where(Staff.unit_id == unit.id, Staff.active).order_by(Staff.id)
        )
    )
    counts = session.execute(
        select(WorkOrder.handler_id, func.count())
        .where(
            WorkOrder.handler_id.in_([s.id for s in staff]),
            WorkOrder.status.in_(rules.LOAD_STATUSES),
        )
        .group_by(WorkOrder.handler_id)
    )
    loads = {handler_id: n for handler_id, n in counts}
    return [
        (
            s,
            rules.Seat(
                s.id,
                frozenset(s.skills or ()),
                s.available,
                loads.get(s.id, 0),
                eligibility.eligible(actor, order, s),
            ),
        )
        for s in staff
    ]


def plan(
    session: Session, order: WorkOrder, *, lock: bool = False, actor: Staff | None = None
) -> Plan:
    """Choose the rule, the unit and the person. ``lock`` holds the unit row until commit, so
    concurrent dispatches to one unit see each other's loads and round-robin turns."""
    p = Plan(order, rules.explain(active_rules(session), facts_of(order)))
    rule = p.rule
    if rule is None:
        p.problem = Conflict(
            "没有匹配的派单规则，请维护派单规则或手工分派",
            "No dispatch rule matches this order; add a rule or assign it by hand",
            code="no_dispatch_rule",
        )
        return p
    p.unit = target_unit(session, rule, order)
    if p.unit is None:
        p.problem = Conflict(
            f"派单规则「{rule.name}」在工单所在地市 {order.city_code} 找不到处理单位",
            f"Rule {rule.code!r} finds no handling unit for city {order.city_code}",
            code="no_dispatch_unit",
        )
        return p
    if lock:  # re-read under a row lock (PostgreSQL; SQLite serialises writers anyway)
        stmt = select(OrgUnit).where(OrgUnit.id == p.unit.id).with_for_update()
        p.unit = session.scalars(stmt.execution_options(populate_existing=True)).one()
    p.seats = _seats(session, p.unit, order, actor)
    seat = rules.pick(
        (s for _, s in p.seats),
        rule.required_skill,
        Strategy(rule.strategy),
        p.unit.last_assigned_id,
    )
    p.chosen = next((s for s, st in p.seats if seat is not None and st.id == seat.id), None)
    if p.chosen is None:
        skill = f"且具备「{rule.required_skill}」技能" if rule.required_skill else ""
        skill_en = f" with skill {rule.required_skill!r}" if rule.required_skill else ""
        p.problem = Conflict(
            f"「{p.unit.name}」没有可接单{skill}的人员",
            f"Nobody available{skill_en} in {p.unit.name}",
            code="no_dispatch_candidate",
        )
    return p


def explain(session: Session, order: WorkOrder, viewer: Staff) -> Plan:
    """Which rule matches and why for an order the viewer sees (the caller checked scope)."""
    permissions.require(viewer, Permission.ORDER_VIEW)
    return plan(session, order, actor=viewer)


def note(p: Plan, actor: Staff) -> dict[str, Any]:
    """The dispatch note kept on the order: the rule, why it matched, who could take it."""
    rule, unit, chosen = p.rule, p.unit, p.chosen
    assert rule is not None and unit is not None
    matched = next(c for c in p.explanation.checks if c.rule is rule)
    return {
        "rule": {"code": rule.code, "name": rule.name},
        "why": [
            {"field": c.field, "wanted": c.wanted, "actual": c.actual}
            for c in matched.matched_fields
        ],
        "strategy": rule.strategy,
        "skill": rule.required_skill,
        "unit": {"id": unit.id, "code": unit.code, "name": unit.name},
        "candidates": [
            {
                "username": s.username,
                "display_name": s.display_name,
                "load": seat.load,
                "available": seat.available,
                "has_skill": seat.has_skill(rule.required_skill),
                "qualified": seat.qualified,
                "eligible": seat.eligible(rule.required_skill),
            }
            for s, seat in p.seats
        ],
        "chosen": (
            {"username": chosen.username, "display_name": chosen.display_name} if chosen else None
        ),
        "by": actor.username,
        "at": clock.now().isoformat(),
    }


# --- lifecycle steps (before-hooks of the work-order lifecycle, see routing/hooks.py) --------


def dispatch(session: Session, order: WorkOrder, actor: Staff) -> dict[str, Any]:
    """Route a reviewed order by the rules (CC-1, CH-4): the unit, the handler and the note
    for `workorders` to set, and the rule for the history. Fails loudly (409) when no rule or
    unit is found. When the unit has nobody who can take it, the order waits in that unit's
    queue (``queued``: `workorders` leaves its state) and the unit's supervisors are named in
    ``notified`` for the notify hook to alert."""
    permissions.require(actor, Permission.ORDER_DISPATCH)
    p = plan(session, order, lock=True, actor=actor)
    if p.problem is not None and p.unit is not None and p.rule is not None:
        return _queue(session, p, actor)
    if p.problem is not None:
        raise p.problem
    assert p.rule is not None and p.unit is not None and p.chosen is not None
    p.unit.last_assigned_id = p.chosen.id  # the next round-robin turn starts after them
    return {
        "handler_id": p.chosen.id,
        "handling_unit_id": p.unit.id,
        "dispatch_note": note(p, actor),
        "dispatch_rule": p.rule.code,
        "handling_unit": p.unit.code,
    }


def _queue(session: Session, p: Plan, actor: Staff) -> dict[str, Any]:
    """No one in the rule's unit can take the order: it waits in the unit's queue (a member
    takes it, a supervisor assigns it) and the unit's supervisors are told at once (the
    notify hook alerts whoever ``notified`` names)."""
    unit, rule = p.unit, p.rule
    assert unit is not None and rule is not None and p.problem is not None
    notified = [s.id for s in supervisors_over(session, unit)]
    return {
        "handler_id": None,
        "handling_unit_id": unit.id,
        "dispatch_note": {
            **note(p, actor),
            "queued": True,
            "problem": p.problem.to_dict(),
            "notified": notified,
        },
        "dispatch_rule": rule.code,
        "handling_unit": unit.code,
        "queued": True,
        "notified": notified,
    }


def chase(session: Session, order: WorkOrder, actor: Staff) -> dict[str, Any]:
    """催办 (CH-4, WO-4): the handler and their supervisors are to be told (the notify hook
    tells everyone in ``notified``). The first-contact owner (CH-3) may chase as well as the
    centre; a supervisor chasing is not told of their own chase."""
    handler = order.handler
    if handler is None:
        raise Conflict(
            "工单尚无处理人，无法催办", "The order has no handler to chase", code="no_handler"
        )
    recipients = [handler] + [
        s for s in supervisors_over(session, handler.unit) if s.id != actor.id
    ]
    unique = {s.id: s for s in recipients}
    return {
        "chased": sorted(s.username for s in unique.values()),
        "notified": list(unique),
    }
