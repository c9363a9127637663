"""The customer is told (WO-2): SMS from editable templates, honouring opt-outs and quiet hours.

A template is Jinja2 in a sandbox (an admin's text cannot reach Python objects), looked up
for the order's province first, then HQ's nationwide one (province 100000), then the built-in
text below. Variables: number, subject, deadline, message, sign.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import literal, select, union_all
from sqlalchemy.orm import Session

from telcodesk import clock
from telcodesk.customers import service as customers
from telcodesk.errors import Forbidden, NotFound, ValidationFailed
from telcodesk.notify import rules, service
from telcodesk.notify.models import CustomerOptOut, MessageTemplate, QuietHours
from telcodesk.org import permissions
from telcodesk.org.models import Staff
from telcodesk.org.permissions import Permission
from telcodesk.org.scope import HQ_REGION, scope_of
from telcodesk.workorders.models import WorkOrder

SIGN = "客服中心"
DEFAULT_QUIET = ("21:00", "08:00")

DEFAULTS: dict[str, str] = {
    "registered": "【{{ sign }}】您反映的问题已受理，工单号 {{ number }}。我们将尽快核实处理，"
    "{% if deadline %}预计 {{ deadline }} 前答复您。{% else %}并尽快答复您。{% endif %}",
    "progress": "【{{ sign }}】您的工单 {{ number }} 处理进展：{{ message }}",
    "reply": "【{{ sign }}】您的工单 {{ number }} 已处理：{{ message }}。"
    "稍后我们将回访，感谢您的耐心。",
    "callback": "【{{ sign }}】您的工单 {{ number }} 已答复，"
    "我们将回访了解您是否满意，请留意来电。",
    # VA-1: the second confirmation of a value-added service names the service and its price
    # (counter/service.py writes both into the message).
    "vas_confirm": "【{{ sign }}】业务二次确认：您在营业厅申请开通{{ message }}。",
}
SAMPLE = {
    "number": "GD20261201000123",
    "subject": "家中宽带无法上网",
    "deadline": "12月3日 18:00",
    "message": "已安排装维人员上门检修",
    "sign": SIGN,
}

_env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)

# Lifecycle events that are a moment the customer is told of.
MOMENTS = {
    "register": "registered",
    "reply": "reply",
    "resolve_at_once": "reply",
    "start_callback": "callback",
    "vas_confirmation_sent": "vas_confirm",  # counter: second confirmation (VA-1)
}


def moment(event: str, data: Any) -> str | None:
    if event == "note":
        return "progress" if getattr(data, "kind", None) == "progress" else None
    return MOMENTS.get(event)


def render(body: str, variables: dict[str, Any]) -> str:
    try:
        return _env.from_string(body).render(**variables)
    except TemplateError as exc:
        raise ValidationFailed(
            f"模板有误：{exc}", f"Template error: {exc}", code="bad_template"
        ) from exc


def quiet_window(session: Session, province: str) -> tuple[str, str]:
    rows = {
        q.province_code: (q.start, q.end)
        for q in session.scalars(
            select(QuietHours).where(QuietHours.province_code.in_((province, HQ_REGION)))
        )
    }
    return rows.get(province) or rows.get(HQ_REGION) or DEFAULT_QUIET


@dataclass
class Lookups:
    """What one customer message needs to know, read in one round trip."""

    opted_out: bool
    template: str
    quiet: tuple[str, str]


def lookups(session: Session, customer_id: int, kind: str, province: str) -> Lookups:
    """The opt-out, the template in force and the quiet window in one statement (UNION ALL):
    a registration pays one query for telling the customer, not three."""
    regions = (province, HQ_REGION)
    rows = session.execute(
        union_all(
            select(literal("tpl"), MessageTemplate.province_code, MessageTemplate.body).where(
                MessageTemplate.kind == kind,
                MessageTemplate.channel == rules.SMS,
                MessageTemplate.active,
                MessageTemplate.province_code.in_(regions),
            ),
            select(
                literal("quiet"), QuietHours.province_code, QuietHours.start + "-" + QuietHours.end
            ).where(QuietHours.province_code.in_(regions)),
            select(literal("optout"), literal(""), CustomerOptOut.channel).where(
                CustomerOptOut.customer_id == customer_id, CustomerOptOut.channel == rules.SMS
            ),
        )
    ).all()
    found: dict[tuple[str, str], str] = {(what, region): value for what, region, value in rows}
    template = found.get(("tpl", province)) or found.get(("tpl", HQ_REGION)) or DEFAULTS[kind]
    quiet = found.get(("quiet", province)) or found.get(("quiet", HQ_REGION))
    window = tuple(quiet.split("-", 1)) if quiet else DEFAULT_QUIET
    return Lookups(("optout", "") in found, template, (window[0], window[-1]))


def _deadline(order: WorkOrder) -> str:
    due = [c.due_at for c in order.clocks if c.kind == "resolution" and c.due_at is not None]
    if not due:
        return ""  # no time limit applies: the template says "as soon as we can"
    local = clock.local(min(due))
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def customer_row(
    session: Session, order: WorkOrder, kind: str, data: Any, now: datetime
) -> dict[str, Any] | None:
    """The outbox row of the customer's SMS for this moment; None if they opted out."""
    cust = order.customer
    known = lookups(session, cust.id, kind, order.province_code)
    if known.opted_out:
        return None
    variables = {
        "number": order.number,
        "subject": order.subject,
        "deadline": _deadline(order),
        "message": getattr(data, "message", None) or getattr(data, "body", None) or "",
        "sign": SIGN,
    }
    try:
        body = render(known.template, variables)
    except ValidationFailed:  # an edited template broken at run time: fall back, never lose it
        body = render(DEFAULTS[kind], variables)
    release = rules.quiet_release(now, *known.quiet)
    return service.outbox_row(
        channel=rules.SMS,
        kind=kind,
        recipient=cust.phone,
        body=body,
        at=now,
        not_before=release,
        held="quiet_hours" if release else "",
        order_id=order.id,
        customer_id=cust.id,
        province_code=order.province_code,
    )


# --- administration: templates, quiet hours, opt-outs ---------------------------------------


def _admin_province(actor: Staff, province: str) -> None:
    """HQ edits the nationwide texts and any province's; a province admin only their own."""
    permissions.require(actor, Permission.EDIT_MESSAGE_TEMPLATES)
    scope = scope_of(actor)
    if scope.everything:
        return
    if scope.city is not None or province != scope.province:
        raise Forbidden(
            "只能维护本省的模板与免打扰时段",
            "You can only edit your own province's templates and quiet hours",
            code="template_out_of_scope",
        )


def admin_province(actor: Staff) -> str:
    """The province whose texts an admin edits: HQ's nationwide 100000, or their own."""
    permissions.require(actor, Permission.EDIT_MESSAGE_TEMPLATES)
    scope = scope_of(actor)
    return HQ_REGION if scope.everything else (scope.province or HQ_REGION)


def list_templates(session: Session, actor: Staff) -> list[dict[str, Any]]:
    """Every kind with the text in force for the viewer's province and where it comes from."""
    permissions.require(actor, Permission.EDIT_MESSAGE_TEMPLATES)
    scope = scope_of(actor)
    rows = list(session.scalars(select(MessageTemplate).order_by(MessageTemplate.id)))
    out = []
    for kind in rules.CUSTOMER_KINDS:
        mine = [
            t
            for t in rows
            if t.kind == kind
            and (scope.everything or t.province_code in (HQ_REGION, scope.province))
        ]
        out.append({"kind": kind, "default": DEFAULTS[kind], "templates": mine})
    return out


def save_template(
    session: Session, actor: Staff, *, kind: str, province_code: str, body: str, active: bool = True
) -> MessageTemplate:
    if kind not in rules.CUSTOMER_KINDS:
        raise ValidationFailed(f"未知的消息类型：{kind}", f"Unknown message kind: {kind}")
    if not (len(province_code) == 6 and province_code.isdigit() and province_code.endswith("0000")):
        raise ValidationFailed(
            "省份编码应为 6 位，如 440000", "Province code must be like 440000", code="bad_province"
        )
    _admin_province(actor, province_code)
    render(body, SAMPLE)  # refuse a text that does not render, before it reaches a customer
    row = session.scalar(
        select(MessageTemplate).where(
            MessageTemplate.kind == kind,
            MessageTemplate.channel == rules.SMS,
            MessageTemplate.province_code == province_code,
        )
    )
    if row is None:
        row = MessageTemplate(kind=kind, channel=rules.SMS, province_code=province_code)
        session.add(row)
    row.body, row.active = body, active
    row.updated_at, row.updated_by_id = clock.now(), actor.id
    session.flush()
    return row


def delete_template(session: Session, actor: Staff, *, kind: str, province_code: str) -> None:
    _admin_province(actor, province_code)
    row = session.scalar(
        select(MessageTemplate).where(
            MessageTemplate.kind == kind,
            MessageTemplate.channel == rules.SMS,
            MessageTemplate.province_code == province_code,
        )
    )
    if row is None:
        raise NotFound("模板不存在", "Template not found", code="template_not_found")
    session.delete(row)
    session.flush()


def save_quiet_hours(
    session: Session, actor: Staff, *, province_code: str, start: str, end: str
) -> QuietHours:
    _admin_province(actor, province_code)
    for value in (start, end):
        try:
            parsed = rules.parse_hhmm(value)
        except ValueError:
            parsed = None
        if parsed is None or parsed.hour > 23 or parsed.minute > 59:
            raise ValidationFailed("时间格式应为 HH:MM", "Times must be HH:MM", code="bad_time")
    row = session.get(QuietHours, province_code)
    if row is None:
        row = QuietHours(province_code=province_code)
        session.add(row)
    row.start, row.end, row.updated_at = start, end, clock.now()
    session.flush()
    return row


def opt_outs(session: Session, actor: Staff, customer_id: int) -> set[str]:
    """The channels a customer opted out of (404 out of the viewer's scope)."""
    customers.get_customer(session, customer_id, viewer=actor)
    return set(
        session.scalars(
            select(CustomerOptOut.channel).where(CustomerOptOut.customer_id == customer_id)
        )
    )


def set_opt_out(
    session: Session, actor: Staff, customer_id: int, channel: str, opted: bool
) -> bool:
    """Record or lift a customer's opt-out 退订 (the customer asked, the agent records it)."""
    customers.get_customer(session, customer_id, viewer=actor)  # 404 out of scope
    permissions.require(actor, Permission.CUSTOMER_EDIT)
    if channel not in (rules.SMS, rules.EMAIL):
        raise ValidationFailed(f"未知渠道：{channel}", f"Unknown channel: {channel}")
    row = session.scalar(
        select(CustomerOptOut).where(
            CustomerOptOut.customer_id == customer_id, CustomerOptOut.channel == channel
        )
    )
    if opted and row is None:
        session.add(
            CustomerOptOut(
                customer_id=customer_id,
                channel=channel,
                created_at=clock.now(),
                created_by_id=actor.id,
            )
        )
    elif not opted and row is not None:
        session.delete(row)
    session.flush()
    return opted
