"""Console pages for dispatch (CC-1, CH-4): the rules (admins edit, others read) and "which rule
matches and why" for an order. Dispatch and chase themselves are the order's action forms."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from telcodesk import clock
from telcodesk.customers.schemas import Tier
from telcodesk.deps import DbDep
from telcodesk.errors import DomainError
from telcodesk.org import permissions
from telcodesk.org.models import Staff
from telcodesk.org.permissions import Permission
from telcodesk.routing import rules as routing_rules
from telcodesk.routing import service as routing
from telcodesk.routing.schemas import RuleIn
from telcodesk.web.kernel import done
from telcodesk.web.views import ConsoleStaff, error_text, lang_of, render, templates
from telcodesk.web.words import UNIT_KIND_LABELS as KIND_LABELS
from telcodesk.workorders import service as orders

router = APIRouter(include_in_schema=False)

RULE_FIELDS = (
    "name",
    "precedence",
    "match_type",
    "match_category",
    "match_region",
    "match_tier",
    "match_channel",
    "required_skill",
    "target_unit_code",
    "target_kind",
    "strategy",
)


def _local(iso: str | None) -> str:
    """A stored ISO time (UTC) as Beijing time."""
    return clock.local(datetime.fromisoformat(iso)).strftime("%Y-%m-%d %H:%M") if iso else ""


# The order page's dispatch note (workorders/_dispatch_note.html) uses these too.
templates.env.globals.update(routing_rules=routing_rules, unit_kinds=KIND_LABELS, tiers=list(Tier))
templates.env.filters["isolocal"] = _local


@router.get("/console/admin/dispatch", response_class=HTMLResponse)
def rules_page(request: Request, staff: ConsoleStaff, db: DbDep) -> HTMLResponse:
    return _rules_page(request, staff, db)


def _rules_page(
    request: Request,
    staff: Staff,
    db: DbDep,
    error: str | None = None,
    status: int = 200,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    with db.uow() as session:
        units = routing.units_by_id(session)
        return render(
            request,
            "routing/routing_rules.html",
            staff,
            rule_rows=[(r, routing.as_input(r, units)) for r in routing.list_rules(session)],
            units=sorted(units.values(), key=lambda u: u.code),
            editable=permissions.can(staff, Permission.EDIT_DISPATCH_RULES),
            error=error,
            status=status,
            form=form or {},
        )


@router.post("/console/admin/dispatch", response_model=None)
async def save_rule(request: Request, staff: ConsoleStaff, db: DbDep) -> Response:
    form = {k: str(v).strip() for k, v in (await request.form()).items()}
    raw: dict[str, Any] = {k: form[k] for k in RULE_FIELDS if form.get(k)}
    raw["active"] = form.get("active") == "1"
    try:
        data = RuleIn.model_validate(raw)
        with db.uow() as session:
            routing.save_rule(session, staff, form.get("code", ""), data)
    except (ValidationError, DomainError) as exc:
        status = exc.status if isinstance(exc, DomainError) else 422
        return _rules_page(request, staff, db, error_text(exc, lang_of(request)), status, form)
    code = form.get("code", "")
    return done(request, "/console/admin/dispatch", f"已保存派单规则：{code}", f"Saved: {code}")


@router.get("/console/orders/{number}/dispatch", response_class=HTMLResponse)
def explain_page(number: str, request: Request, staff: ConsoleStaff, db: DbDep) -> HTMLResponse:
    """Which rule matches the order now and why, and whom dispatch would pick (CC-1). Out of
    scope answers the kernel's 404 page (CD-2)."""
    with db.uow() as session:
        order = orders.get_order(session, number, viewer=staff)
        return render(
            request,
            "routing/routing_explain.html",
            staff,
            order=order,
            plan=routing.explain(session, order, staff),
        )
