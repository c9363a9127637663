"""Dispatch API (CC-1, CH-4): the rules, and "which rule matched and why" for an order.

Dispatching and chasing are lifecycle actions: ``POST /api/v1/orders/{number}/actions/dispatch``
(no handler: the rules choose) and ``.../actions/chase`` (with a reason).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from telcodesk.deps import ApiStaff, DbDep
from telcodesk.org.models import OrgUnit
from telcodesk.routing import service
from telcodesk.routing.models import DispatchRule
from telcodesk.routing.rules import Strategy
from telcodesk.routing.schemas import (
    RULE_CODE_PATTERN,
    ExplainOut,
    FieldCheckOut,
    ProblemOut,
    RuleCheckOut,
    RuleIn,
    RuleOut,
    SeatOut,
    UnitRef,
)
from telcodesk.workorders import service as orders
from telcodesk.workorders.api import OrderNumber

router = APIRouter(prefix="/api/v1", tags=["dispatch"])

RuleCode = Annotated[str, Path(min_length=1, max_length=40, pattern=RULE_CODE_PATTERN)]


def rule_out(rule: DispatchRule, units: dict[int, OrgUnit]) -> RuleOut:
    unit = units.get(rule.target_unit_id) if rule.target_unit_id else None
    return RuleOut(
        **service.as_input(rule, units).model_dump(),
        code=rule.code,
        id=rule.id,
        target_unit_name=unit.name if unit else None,
        updated_at=rule.updated_at,
    )


@router.get("/dispatch/rules", response_model=list[RuleOut], operation_id="dispatch_rules_list")
def list_rules(staff: ApiStaff, db: DbDep) -> list[RuleOut]:
    """Every rule, best precedence first (reference data: all staff may read it)."""
    with db.uow() as session:
        units = service.units_by_id(session)
        return [rule_out(r, units) for r in service.list_rules(session)]


@router.put("/dispatch/rules/{code}", response_model=RuleOut, operation_id="dispatch_rules_save")
def save_rule(code: RuleCode, body: RuleIn, staff: ApiStaff, db: DbDep) -> RuleOut:
    """Create or replace a rule (edit_dispatch_rules; audited as dispatch_rule_saved)."""
    with db.uow() as session:
        rule = service.save_rule(session, staff, code, body)
        return rule_out(rule, service.units_by_id(session))


def explain_out(p: service.Plan) -> ExplainOut:
    rule, problem = p.rule, p.problem
    skill = rule.required_skill if rule else None
    return ExplainOut(
        number=p.order.number,
        rule=rule.code if rule else None,
        rules=[
            RuleCheckOut(
                code=c.rule.code,
                name=c.rule.name,
                precedence=c.rule.precedence,
                matched=c.matched,
                checks=[FieldCheckOut.model_validate(f) for f in c.checks],
            )
            for c in p.explanation.checks
        ],
        unit=UnitRef.model_validate(p.unit) if p.unit else None,
        strategy=Strategy(rule.strategy) if rule else None,
        required_skill=skill,
        candidates=[
            SeatOut(
                username=s.username,
                display_name=s.display_name,
                load=seat.load,
                available=seat.available,
                has_skill=seat.has_skill(skill),
                eligible=seat.eligible(skill),
            )
            for s, seat in p.seats
        ],
        would_choose=p.chosen.username if p.chosen else None,
        problem=ProblemOut(
            code=problem.code, message_zh=problem.message_zh, message_en=problem.message_en
        )
        if problem
        else None,
        dispatch_note=p.order.dispatch_note,
    )


@router.get(
    "/orders/{number}/dispatch/explain",
    response_model=ExplainOut,
    operation_id="orders_dispatch_explain",
)
def explain(number: OrderNumber, staff: ApiStaff, db: DbDep) -> ExplainOut:
    """Which dispatch rule matches the order now and why, whom it would go to, and the note of
    the dispatch that happened. 404 for orders outside the caller's scope (CD-2)."""
    with db.uow() as session:
        order = orders.get_order(session, number, viewer=staff)
        return explain_out(service.explain(session, order, staff))
