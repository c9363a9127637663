"""Counter use cases (BH-1, BH-5, BH-7, VA-1…VA-3): a visit starts with the customer's
document, each transaction is checked by what its kind declares (``counter.rules``) and
becomes a work order of type transaction (registered and closed through ``workorders``); the
BSS carries it out (``counter.bss``). A value-added service waits for the customer's SMS
confirmation: the confirmation SMS goes out through notify, which reacts to the order event
``vas_confirmation_sent``; a reply 是 / Y / 1 activates it, a no or the worker's expiry
closes it with nothing activated.

Who: staff who register orders and edit customers (ORDER_CREATE and CUSTOMER_EDIT: hall
agents, hall managers, account managers), for customers of their region (404 otherwise).
Answers to confirmation SMS and expiries act as the system account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from telcodesk import clock
from telcodesk.counter import bss, rules
from telcodesk.counter.models import CounterTransaction, CounterVisit
from telcodesk.counter.rules import Check, Event, Kind, State
from telcodesk.counter.schemas import DocumentIn, TransactionIn, VisitIn
from telcodesk.counter.slip import Slip, SlipLine
from telcodesk.customers import identity, masking, phones
from telcodesk.customers import service as customers
from telcodesk.customers.models import Customer, CustomerProduct
from telcodesk.errors import Conflict, IllegalTransition, NotFound, ValidationFailed
from telcodesk.org import permissions
from telcodesk.org import service as org
from telcodesk.org.models import Staff
from telcodesk.org.permissions import Permission
from telcodesk.workorders import service as orders
from telcodesk.workorders.models import WorkOrder
from telcodesk.workorders.rules import Action, Channel, OrderType
from telcodesk.workorders.schemas import OrderCreate, TransitionIn

VISIT_PREFIX = "CV"


class CheckFailed(ValidationFailed):
    """A check the transaction's kind declares is not met (one code per check)."""

    code = "check_failed"


def _failed(check: str, zh: str, en: str, **details: Any) -> CheckFailed:
    return CheckFailed(zh, en, code=f"check_{check}", details={"check": check, **details})


def _require_counter(actor: Staff) -> None:
    permissions.require(actor, Permission.ORDER_CREATE)
    permissions.require(actor, Permission.CUSTOMER_EDIT)


def _matches(document: DocumentIn, kind: str | None, number: str | None) -> identity.Document:
    """The shown document, checked by its rules and against the one on record (BH-7)."""
    shown = identity.validate(document.id_type, document.id_number, today=customers.today())
    if kind is None or number is None or shown.kind.value != kind or shown.number != number:
        raise _failed(
            "identity",
            "所出示证件与客户登记证件不一致",
            "The document shown is not the customer's document on record",
        )
    return shown


# --- visits --------------------------------------------------------------------------------


def start_visit(session: Session, actor: Staff, data: VisitIn) -> CounterVisit:
    """A customer at the counter, identified by the document they show (BH-1, BH-7)."""
    customer = customers.get_customer(session, data.customer_id, viewer=actor)
    _require_counter(actor)
    _matches(data.document, customer.id_type, customer.id_number)
    visit = CounterVisit(
        customer_id=customer.id,
        agent_id=actor.id,
        province_code=customer.province_code,
        city_code=customer.city_code,
        document_type=data.document.id_type.value,
        started_at=clock.now(),
    )
    session.add(visit)
    session.flush()
    return visit


def parse_visit_number(number: str) -> int | None:
    head, _, key = number.strip().upper().partition("-")
    if not (head.startswith(VISIT_PREFIX) and key.isdigit() and len(key) <= 9):
        return None
    return int(key)


def get_visit(session: Session, number: str, *, viewer: Staff) -> CounterVisit:
    """A visit of a customer in the viewer's region (404 otherwise, as a missing one)."""
    key = parse_visit_number(number)
    visit = session.get(CounterVisit, key) if key else None
    if visit is None or visit.number != number.strip().upper():
        raise NotFound("办理记录不存在", "Visit not found", code="visit_not_found")
    customers.get_customer(session, visit.customer_id, viewer=viewer)
    permissions.require(viewer, Permission.CUSTOMER_VIEW)
    return visit


def visits_of(session: Session, customer_id: int, limit: int = 20) -> list[CounterVisit]:
    stmt = (
        select(CounterVisit)
        .where(CounterVisit.customer_id == customer_id)
        .order_by(CounterVisit.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def sign_visit(session: Session, actor: Staff, number: str) -> CounterVisit:
    """The customer signs the combined slip once 一单清 (BH-5): no more transactions after."""
    visit = get_visit(session, number, viewer=actor)
    _require_counter(actor)
    if visit.signed_at is not None:
        raise Conflict("业务单已签字确认", "The slip is signed already", code="visit_signed")
    if not visit.transactions:
        raise Conflict("本次未办理业务", "No transaction in this visit", code="visit_empty")
    visit.signed_at = clock.now()
    session.flush()
    return visit


# --- transactions --------------------------------------------------------------------------


@dataclass
class _Checked:
    product: CustomerProduct | None
    details: dict[str, Any]
    fee_fen: int


def _product(session: Session, customer: Customer, number: str | None) -> CustomerProduct:
    if not number:
        raise _failed("product", "请选择办理的号码", "Name the customer's number")
    normal = phones.try_normalise(number) or number
    product = session.scalar(
        select(CustomerProduct).where(
            CustomerProduct.customer_id == customer.id, CustomerProduct.number == normal
        )
    )
    if product is None or product.status == "cancelled":
        raise _failed("product", "该号码不是此客户的在用号码", "Not a live number of this customer")
    return product


def _new_account(session: Session, customer: Customer, data: TransactionIn) -> dict[str, Any]:
    """Opening an account 入网 (BH-7): a valid document on record and its copy kept; a new
    number nobody holds, and its plan."""
    if not (customer.id_type and customer.id_number):
        raise _failed("new_document", "入网须登记有效证件", "A new subscriber needs a document")
    if not (customer.id_copy_kept or data.document_copy_kept):
        raise _failed("new_document", "入网须留存证件复印件", "Keep a copy of the document")
    number = phones.normalise(data.product_number or "", field="product_number")
    taken = session.scalar(select(CustomerProduct.id).where(CustomerProduct.number == number))
    if taken is not None or customers.owner_of(session, number) not in (None, customer):
        raise _failed("new_document", "该号码已被使用", "The number is taken", number=number)
    if not data.plan:
        raise ValidationFailed("请选择套餐", "Name the plan", code="plan_required")
    return {"new_number": number, "plan": data.plan, "copy_kept": True}


def check(session: Session, customer: Customer, data: TransactionIn) -> _Checked:
    """Every check the kind declares, in the catalogue's terms; the first one not met refuses
    the transaction (422 ``check_<name>``) before anything is written."""
    spec = rules.CATALOGUE[data.kind]
    today = customers.today()
    details: dict[str, Any] = {}
    product = None
    if data.proxy is not None:  # 代办: both documents (BH-7)
        proxy = identity.validate(data.proxy.id_type, data.proxy.id_number, today=today)
        details["proxy"] = {
            "id_type": proxy.kind.value,
            "id_number": masking.mask_id_number(proxy.number),
            "name": masking.mask_name(data.proxy.name) or "",
        }
    if Check.PRODUCT in spec.checks:
        product = _product(session, customer, data.product_number)
    if Check.NEW_DOCUMENT in spec.checks:
        details |= _new_account(session, customer, data)
    if Check.ARREARS in spec.checks and product is not None and product.arrears_fen > 0:
        raise _failed(
            "arrears",
            f"号码欠费 {rules.yuan(product.arrears_fen)} 元，请先缴费",
            "The number owes money; take the payment first",
            arrears_fen=product.arrears_fen,
        )
    under_contract = product is not None and rules.under_contract(product.contract_end, today)
    if Check.CONTRACT in spec.checks and product is not None and under_contract:
        if not data.penalty_acknowledged:
            raise _failed(
                "contract",
                f"客户在协议期内（至 {product.contract_end}），须确认知晓违约责任",
                "Under contract: the customer must acknowledge the penalty",
                contract_end=str(product.contract_end),
            )
        details["penalty_acknowledged"] = str(product.contract_end)
    if Check.ADVANCE_NOTICE in spec.checks:
        if not data.notice_acknowledged:
            raise _failed(
                "advance_notice",
                "变更须事先告知客户并征得同意",
                "Tell the customer of the change in advance and get their consent (VA-2)",
            )
        details["notice"] = spec.terms or "已告知"
    if Check.RETENTION in spec.checks:
        if data.retention is None:
            raise _failed(
                "retention",
                "销户须记录一次挽留及客户答复",
                "Record one retention offer and the customer's answer (VA-3)",
            )
        details["retention"] = {
            "offer": data.retention.offer,
            "offer_zh": rules.RETENTION_OFFERS[data.retention.offer],
            "accepted": data.retention.accepted,
            "reason": data.retention.reason,
        }
    if Check.BOTH_PARTIES in spec.checks:
        if data.new_holder is None or not data.new_holder.name:
            raise _failed("both_parties", "过户须核验新机主证件", "Check the new holder's document")
        holder = identity.validate(data.new_holder.id_type, data.new_holder.id_number, today=today)
        if holder.number == customer.id_number:
            raise _failed("both_parties", "新机主与原机主相同", "The new holder is the same person")
        details["new_holder"] = {
            "id_type": holder.kind.value,
            "id_number": masking.mask_id_number(holder.number),
            "name": masking.mask_name(data.new_holder.name),
        }
    fee = spec.fee_fen
    if data.kind == Kind.VAS_SUBSCRIBE:
        if not data.service:
            raise ValidationFailed("请选择增值业务", "Choose the service", code="service_required")
        name, price = rules.SERVICES[data.service]
        details |= {"service": data.service, "service_zh": name, "price_fen": price}
    if data.kind == Kind.VAS_UNSUBSCRIBE:
        held = product.services.split(",") if product and product.services else []
        if data.service not in held:
            raise _failed("product", "该号码未订购此业务", "The number has no such service")
        details["service"] = data.service
    if data.kind == Kind.PLAN_CHANGE:
        if not data.plan:
            raise ValidationFailed("请填写新套餐", "Name the new plan", code="plan_required")
        details |= {"plan": data.plan, "old_plan": product.plan if product else None}
    if data.kind == Kind.PAYMENT:
        fee = data.amount_fen or 0
    if data.kind == Kind.PORTABILITY_CHECK and product is not None:
        blockers = rules.portability_blockers(product.contract_end, product.arrears_fen, today)
        details |= {"eligible": not blockers, "blockers": blockers}
    return _Checked(product, details, fee)


def add_transaction(
    session: Session, actor: Staff, visit_number: str, data: TransactionIn
) -> CounterTransaction:
    """One transaction of the visit: checked, registered as a work order of type transaction,
    then done at once, or — a value-added service — sent for the customer's confirmation."""
    visit = get_visit(session, visit_number, viewer=actor)
    _require_counter(actor)
    if visit.signed_at is not None:
        raise Conflict("业务单已签字，请开始新的办理", "The slip is signed", code="visit_signed")
    customer = customers.get_customer(session, visit.customer_id, viewer=actor)
    checked = check(session, customer, data)
    spec = rules.CATALOGUE[data.kind]
    number = checked.product.number if checked.product else checked.details.get("new_number")
    if data.kind == Kind.OPEN_ACCOUNT and not customer.id_copy_kept:
        customers.mark_copy_kept(customer)
    order, _ = orders.register_order(
        session,
        actor,
        OrderCreate(
            type=OrderType.TRANSACTION,
            channel=Channel.HALL,
            customer_id=customer.id,
            subject=f"{spec.label.zh} {number or ''}".strip(),
            description=f"柜台办理 {visit.number}",
        ),
    )
    now = clock.now()
    row = CounterTransaction(
        visit=visit,
        order_id=order.id,
        kind=data.kind.value,
        state=State.REQUESTED.value,
        product_number=number,
        fee_fen=checked.fee_fen,
        details=checked.details,
        created_at=now,
    )
    session.add(row)
    session.flush()
    if Check.SECOND_CONFIRMATION in spec.checks:
        _send_confirmation(session, actor, row, order, now)
    else:
        _complete(session, actor, row, order, checked.product)
    return row


@dataclass(frozen=True)
class ConfirmationText:
    """What the notify hook puts in the confirmation SMS (its ``message``)."""

    message: str


def _move(row: CounterTransaction, event: Event) -> None:
    target = rules.next_state(Kind(row.kind), State(row.state), event)
    if target is None:
        raise IllegalTransition(
            f"业务状态「{rules.STATE_LABELS[State(row.state)].zh}」下不能{event.value}",
            f"Cannot {event.value} a transaction that is {row.state}",
            code="transaction_illegal",
        )
    row.state = target.value


def _send_confirmation(
    session: Session, actor: Staff, row: CounterTransaction, order: WorkOrder, now: datetime
) -> None:
    """VA-1: the SMS states the service and its price; the request expires unconfirmed."""
    _move(row, Event.SEND_CONFIRMATION)
    row.expires_at = now + timedelta(minutes=rules.CONFIRMATION_MINUTES)
    name, price = row.details["service_zh"], row.details["price_fen"]
    text = (
        f"{name}（{rules.yuan(price)}元/月）。回复“是”或 Y 或 1 确认开通，回复“否”取消；"
        f"{rules.CONFIRMATION_MINUTES}分钟内未确认则不开通"
    )
    orders.record_event(
        session,
        order,
        actor,
        "vas_confirmation_sent",
        {"service": row.details["service"], "price_fen": price, "to": row.product_number},
        now=now,
        data=ConfirmationText(text),
    )
    session.flush()


def _complete(
    session: Session,
    actor: Staff,
    row: CounterTransaction,
    order: WorkOrder,
    product: CustomerProduct | None,
) -> None:
    """Carry the transaction out at the BSS, change the product and close the order."""
    _move(row, Event.COMPLETE)
    kind = Kind(row.kind)
    outcome = _apply_to_product(kind, row, product)
    if outcome.get("activate", True):
        bss_kind = outcome.get("bss_kind", kind.value)
        row.bss_ref = bss.adapter().execute(bss_kind, row.product_number, dict(row.details))
    if kind == Kind.OPEN_ACCOUNT:
        customer = session.get_one(Customer, order.customer_id)
        customers.add_product(
            session, customer, number=row.details["new_number"], plan=row.details["plan"]
        )
    row.details = {**row.details, "outcome": outcome["text"]}
    row.completed_at = clock.now()
    session.flush()
    orders.transition(
        session,
        actor,
        order.number,
        Action.RESOLVE_AT_ONCE,
        TransitionIn(version=order.version, message=outcome["text"]),
    )


def _apply_to_product(
    kind: Kind, row: CounterTransaction, product: CustomerProduct | None
) -> dict[str, Any]:
    label = rules.CATALOGUE[kind].label.zh
    details = row.details
    if kind == Kind.OPEN_ACCOUNT:
        return {"text": f"新号码 {details['new_number']} 已入网，套餐「{details['plan']}」"}
    if product is None:
        return {"text": f"{label}已办理"}
    if kind == Kind.VAS_SUBSCRIBE:
        held = [s for s in product.services.split(",") if s]
        product.services = ",".join(sorted({*held, details["service"]}))
        return {"text": f"{details['service_zh']}已开通（{rules.yuan(details['price_fen'])}元/月）"}
    if kind == Kind.VAS_UNSUBSCRIBE:
        product.services = ",".join(
            s for s in product.services.split(",") if s and s != details["service"]
        )
        return {"text": f"{rules.SERVICES[details['service']][0]}已退订"}
    if kind == Kind.PLAN_CHANGE:
        product.plan = details["plan"]
        return {"text": f"套餐变更为「{details['plan']}」，次月生效"}
    if kind == Kind.SUSPEND:
        product.status = "suspended"
    elif kind == Kind.RESUME:
        product.status = "active"
    elif kind == Kind.REPORT_LOSS:
        product.status = "lost"
    elif kind == Kind.SIM_REPLACE and product.status == "lost":
        product.status = "active"
    elif kind == Kind.PAYMENT:
        product.arrears_fen = max(product.arrears_fen - row.fee_fen, 0)
        return {"text": f"缴费 {rules.yuan(row.fee_fen)} 元"}
    elif kind == Kind.CANCEL:
        if details["retention"]["accepted"]:  # VA-3: retained, nothing cancelled
            offer = details["retention"]["offer_zh"]
            return {"text": f"客户接受挽留：{offer}，未销户", "bss_kind": "retention_offer"}
        product.status = "cancelled"
    elif kind == Kind.PORTABILITY_CHECK:
        eligible = details["eligible"]
        text = "符合携号转网条件" if eligible else "暂不符合：" + "；".join(details["blockers"])
        return {"text": text, "activate": False}
    elif kind == Kind.BILL_PRINT:
        return {"text": "账单已打印", "activate": False}
    return {"text": f"{label}已办理"}


# --- the customer's answer, and expiry (VA-1) ------------------------------------------------


def answer_by_sms(session: Session, phone: str, text: str) -> CounterTransaction | None:
    """A reply to a confirmation SMS: the number's latest pending request takes it. Yes
    (是 / Y / 1) activates the service, no closes it with nothing activated; any other text
    and a number with no pending request change nothing (None)."""
    reading = rules.reading_of(text)
    number = phones.try_normalise(phone) or phone
    row = session.scalar(
        select(CounterTransaction)
        .where(
            CounterTransaction.product_number == number,
            CounterTransaction.state == State.CONFIRMATION_SENT.value,
        )
        .order_by(CounterTransaction.id.desc())
        .limit(1)
    )
    if row is None or reading is None:
        return None
    now = clock.now()
    if row.expires_at is not None and row.expires_at <= now:
        _expire(session, row)
        return row
    system = org.system_actor(session)
    order = session.get_one(WorkOrder, row.order_id)
    row.answered_at = now
    row.details = {**row.details, "reply": text.strip()}
    if reading:
        _move(row, Event.CONFIRM)
        product = session.scalar(
            select(CustomerProduct).where(CustomerProduct.number == row.product_number)
        )
        _complete(session, system, row, order, product)
    else:
        _move(row, Event.DECLINE)
        _close_unactivated(session, system, row, order, "客户短信回复拒绝，未开通")
    return row


def _close_unactivated(
    session: Session, actor: Staff, row: CounterTransaction, order: WorkOrder, text: str
) -> None:
    row.details = {**row.details, "outcome": text}
    session.flush()
    orders.transition(
        session,
        actor,
        order.number,
        Action.RESOLVE_AT_ONCE,
        TransitionIn(version=order.version, message=text),
    )


def _expire(session: Session, row: CounterTransaction) -> None:
    _move(row, Event.EXPIRE)
    order = session.get_one(WorkOrder, row.order_id)
    _close_unactivated(session, org.system_actor(session), row, order, "超时未确认，未开通")


def expire_unconfirmed(session: Session, *, limit: int = 200) -> int:
    """The worker's job: requests whose confirmation time has passed expire, activating
    nothing (VA-1). Rows are locked (SKIP LOCKED) so two workers never expire one twice."""
    stmt = (
        select(CounterTransaction)
        .where(
            CounterTransaction.state == State.CONFIRMATION_SENT.value,
            CounterTransaction.expires_at <= clock.now(),
        )
        .order_by(CounterTransaction.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    due = list(session.scalars(stmt))
    for row in due:
        _expire(session, row)
    return len(due)


def _agreed_terms(row: CounterTransaction) -> str:
    """The kind's terms and what this transaction agreed: price, penalty, notice, retention."""
    details = row.details
    parts = [rules.CATALOGUE[Kind(row.kind)].terms]
    if "service_zh" in details:
        parts.append(f"{details['service_zh']} {rules.yuan(details['price_fen'])}元/月")
    if "penalty_acknowledged" in details:
        parts.append(f"协议期至 {details['penalty_acknowledged']}，已知晓违约责任")
    if "retention" in details:
        kept = details["retention"]
        parts.append(f"挽留：{kept['offer_zh']}（{'接受' if kept['accepted'] else '未接受'}）")
    if "new_holder" in details:
        parts.append(f"新机主 {details['new_holder']['name']} {details['new_holder']['id_number']}")
    if "proxy" in details:
        parts.append(f"代办人 {details['proxy']['name']} {details['proxy']['id_number']}")
    return "；".join(p for p in parts if p)


def slip_of(session: Session, viewer: Staff, number: str) -> Slip:
    """The combined slip of a visit the viewer may see (404 otherwise), masked (BH-5, CD-2)."""
    visit = get_visit(session, number, viewer=viewer)
    customer = customers.get_customer(session, visit.customer_id, viewer=viewer)
    agent = session.get_one(Staff, visit.agent_id)
    label = identity.LABELS[identity.DocumentKind(customer.id_type)][0] if customer.id_type else ""
    masked_id = masking.mask_id_number(customer.id_number) or "—"
    lines = tuple(
        SlipLine(
            kind_zh=rules.CATALOGUE[Kind(t.kind)].label.zh,
            product_number=masking.mask_phone(t.product_number) or "—",
            outcome=t.details.get("outcome") or rules.STATE_LABELS[State(t.state)].zh,
            terms=_agreed_terms(t),
            fee_yuan=rules.yuan(t.fee_fen if t.state == State.COMPLETED.value else 0),
        )
        for t in visit.transactions
    )
    return Slip(
        number=visit.number,
        started_at=visit.started_at,
        signed_at=visit.signed_at,
        agent=agent.display_name,
        customer_name=masking.mask_name(customer.name) or "",
        document=f"{label} {masked_id}".strip(),
        phone=masking.mask_phone(customer.phone) or "—",
        lines=lines,
        total_yuan=rules.yuan(total_fen(visit)),
    )


def total_fen(visit: CounterVisit) -> int:
    """What the customer pays for the visit: the fees of the transactions carried out."""
    return sum(t.fee_fen for t in visit.transactions if t.state == State.COMPLETED.value)
