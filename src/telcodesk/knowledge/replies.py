"""Reply templates 话术 (issue 9 item 7; KB-1, CD-2): canned replies per order category with
variables, kept by the knowledge editors of a region, inserted into an order's reply or note
with the variables filled here, on the server.

- Write: ``kb_edit`` inside the editor's region (nationwide templates are HQ's; 403
  ``write_out_of_scope`` otherwise), states draft → active → retired (``rules.REPLY_MOVES``).
- Read: editors and reviewers see their region's templates in every state; whoever reads the
  knowledge base sees the **active** ones that apply where they work (nationwide, their
  province's, their city's), and on an order those whose category covers the order's.
  Another region's template answers 404.
- Fill: only for someone who may see the order (404 otherwise, like the order); the
  customer's name comes masked (``customers.masking``, CD-2), never in full.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from telcodesk import clock
from telcodesk.customers import masking
from telcodesk.errors import IllegalTransition, NotFound, ValidationFailed
from telcodesk.knowledge import rules
from telcodesk.knowledge.models import KbReplyTemplate
from telcodesk.knowledge.rules import ReplyState
from telcodesk.knowledge.schemas import ReplyTemplateIn
from telcodesk.org.models import Staff
from telcodesk.org.permissions import Permission, can, require
from telcodesk.org.scope import covers_region, out_of_scope, scope_of
from telcodesk.workorders import queries as order_queries
from telcodesk.workorders.models import Category, WorkOrder

# The order's resolution clock (sla.service.RESOLUTION), read through WorkOrder.clocks by
# name like the order page does: knowledge does not import its peer sla.
RESOLUTION_CLOCK = "resolution"


class TemplateNotFound(NotFound):
    code = "reply_template_not_found"
    message_zh = "话术模板不存在"
    message_en = "Reply template not found"


def _region(t: KbReplyTemplate) -> str | None:
    return t.city_code or t.province_code


def _editorial(viewer: Staff, t: KbReplyTemplate) -> bool:
    editor = can(viewer, Permission.KB_EDIT) or can(viewer, Permission.KB_REVIEW)
    return editor and covers_region(scope_of(viewer), _region(t))


def _applies_to(viewer: Staff, t: KbReplyTemplate) -> bool:
    s = scope_of(viewer)
    return rules.visible(s.province, s.city, t.province_code, t.city_code)


def may_see(viewer: Staff, t: KbReplyTemplate) -> bool:
    if not can(viewer, Permission.KB_READ):
        return False
    if _editorial(viewer, t):
        return True
    return t.state == ReplyState.ACTIVE and _applies_to(viewer, t)


def get(session: Session, viewer: Staff, template_id: int) -> KbReplyTemplate:
    require(viewer, Permission.KB_READ)
    t = session.get(KbReplyTemplate, template_id)
    if t is None or not may_see(viewer, t):
        raise TemplateNotFound(details={"id": template_id})
    return t


def listed(
    session: Session, viewer: Staff, *, state: str | None = None, limit: int = 500
) -> list[KbReplyTemplate]:
    """The templates the viewer may see (editors: their region's in every state), by title."""
    require(viewer, Permission.KB_READ)
    stmt = select(KbReplyTemplate).order_by(KbReplyTemplate.title, KbReplyTemplate.id)
    if state:
        stmt = stmt.where(KbReplyTemplate.state == state)
    return [t for t in session.scalars(stmt.limit(limit * 5)) if may_see(viewer, t)][:limit]


def _check(session: Session, actor: Staff, data: ReplyTemplateIn) -> tuple[str | None, str | None]:
    require(actor, Permission.KB_EDIT)
    province, city = rules.region_of(data.region_code)
    if not covers_region(scope_of(actor), city or province):
        raise out_of_scope("话术的适用地区", "The template's region")
    unknown = rules.unknown_variables(data.body)
    if unknown:
        known = "、".join("{" + v + "}" for v in rules.REPLY_VARIABLES)
        raise ValidationFailed(
            f"未知的变量：{'、'.join(unknown)}；可用：{known}",
            f"Unknown variables: {', '.join(unknown)}; known: {known.replace('、', ', ')}",
            code="unknown_variable",
            details={"unknown": unknown, "known": list(rules.REPLY_VARIABLES)},
        )
    if (
        data.category_code
        and session.scalar(select(Category.id).where(Category.code == data.category_code)) is None
    ):
        raise ValidationFailed(
            f"工单分类不存在：{data.category_code}",
            f"Unknown order category {data.category_code!r}",
            code="unknown_category",
        )
    return province, city


def create(session: Session, actor: Staff, data: ReplyTemplateIn) -> KbReplyTemplate:
    province, city = _check(session, actor, data)
    now = clock.now()
    t = KbReplyTemplate(
        title=data.title,
        body=data.body,
        category_code=data.category_code or None,
        province_code=province,
        city_code=city,
        state=ReplyState.DRAFT,
        created_by_id=actor.id,
        updated_by_id=actor.id,
        created_at=now,
        updated_at=now,
    )
    session.add(t)
    session.flush()
    return t


def _writable(session: Session, actor: Staff, template_id: int) -> KbReplyTemplate:
    t = get(session, actor, template_id)  # 404 out of scope
    require(actor, Permission.KB_EDIT)
    if not covers_region(scope_of(actor), _region(t)):
        raise out_of_scope("话术模板", "The template")
    return t


def update(
    session: Session, actor: Staff, template_id: int, data: ReplyTemplateIn
) -> KbReplyTemplate:
    """New text, category or title; the region stays (as for articles)."""
    t = _writable(session, actor, template_id)
    province, city = _check(session, actor, data)
    if (province, city) != (t.province_code, t.city_code):
        raise ValidationFailed(
            "话术的适用地区不能修改", "A template's region cannot change", code="region_fixed"
        )
    t.title, t.body, t.category_code = data.title, data.body, data.category_code or None
    t.updated_by_id, t.updated_at = actor.id, clock.now()
    session.flush()
    return t


def move(session: Session, actor: Staff, template_id: int, state: ReplyState) -> KbReplyTemplate:
    t = _writable(session, actor, template_id)
    current = ReplyState(t.state)
    if state not in rules.REPLY_MOVES[current]:
        raise IllegalTransition(
            f"话术状态「{rules.REPLY_STATE_LABELS[current].zh}」不能改为"
            f"「{rules.REPLY_STATE_LABELS[state].zh}」",
            f"A {current.value} template cannot become {state.value}",
            details={"state": current, "to": state},
        )
    t.state, t.updated_by_id, t.updated_at = state, actor.id, clock.now()
    session.flush()
    return t


# --- on an order ------------------------------------------------------------------------


def for_order(
    session: Session, viewer: Staff, number: str
) -> tuple[WorkOrder, list[KbReplyTemplate]]:
    """The active templates for this order: applying where the viewer works, and for the
    order's category (or every category)."""
    order = order_queries.get_order(session, number, viewer=viewer)  # 404 out of scope
    if not can(viewer, Permission.KB_READ):
        return order, []
    code = order.category.code if order.category else None
    rows = session.scalars(
        select(KbReplyTemplate)
        .where(KbReplyTemplate.state == ReplyState.ACTIVE)
        .order_by(KbReplyTemplate.title, KbReplyTemplate.id)
    )
    found = [
        t for t in rows if _applies_to(viewer, t) and rules.category_covers(t.category_code, code)
    ]
    # The most specific category first: a broadband template before an every-order one.
    found.sort(key=lambda t: -len(t.category_code or ""))
    return order, found


def values(session: Session, viewer: Staff, order: WorkOrder, lang: str = "zh") -> dict[str, str]:
    """What the variables stand for on this order, for this agent."""
    due = [c.due_at for c in order.clocks if c.kind == RESOLUTION_CLOCK and c.stopped_at is None]
    unit = viewer.unit
    category = order.category
    return {
        "customer_name": masking.mask_name(order.customer.name) or "",
        "order_number": order.number,
        "subject": order.subject,
        "category": (category.name_zh if lang == "zh" else category.name_en) if category else "",
        "due_date": clock.local(due[0]).strftime("%Y-%m-%d %H:%M") if due else "",
        "agent_name": viewer.display_name,
        "agent_unit": unit.name if unit else "",
        "today": clock.local(clock.now()).strftime("%Y-%m-%d"),
    }


def filled(
    session: Session, viewer: Staff, number: str, template_id: int | str, lang: str = "zh"
) -> tuple[WorkOrder, KbReplyTemplate, str]:
    """The template's text for this order, variables filled on the server. The id is read
    after the order's scope check (another city's order answers 404 whatever the id)."""
    order, usable = for_order(session, viewer, number)
    text = str(template_id).strip()
    if not text.isdigit() or not 0 < int(text) <= 2**31 - 1:
        raise ValidationFailed("话术编号无效", "Invalid template id", code="template_id_invalid")
    t = next((t for t in usable if t.id == int(text)), None)
    if t is None:
        raise TemplateNotFound(details={"id": template_id})
    return order, t, rules.fill(t.body, values(session, viewer, order, lang))
