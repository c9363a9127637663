"""Counter API 柜台业务: visits, their transactions and the combined slip's signature; the
customer's SMS replies to a second confirmation, forwarded by the SMS platform (VA-1)."""

from __future__ import annotations

import json
import threading
import time
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from telcodesk.counter import offers, rules, service, slip
from telcodesk.counter.models import CounterTransaction, CounterVisit
from telcodesk.counter.schemas import (
    OfferIn,
    OfferOut,
    SmsReplyIn,
    SmsReplyOut,
    TransactionIn,
    TransactionOut,
    VisitIn,
    VisitOut,
)
from telcodesk.customers.models import Customer
from telcodesk.customers.schemas import MAX_ID
from telcodesk.deps import ApiStaff, DbDep, SettingsDep
from telcodesk.errors import NotFound, Unauthenticated, ValidationFailed
from telcodesk.notify import rules as notify_rules
from telcodesk.workorders.models import WorkOrder

router = APIRouter(prefix="/api/v1/counter", tags=["counter"])

VISIT_PATTERN = r"^CV[0-9]{8}-[0-9]{6,9}$"
VisitNumber = Annotated[str, Path(pattern=VISIT_PATTERN, max_length=20)]


def transaction_out(session: Session, row: CounterTransaction) -> TransactionOut:
    kind, state = rules.Kind(row.kind), rules.State(row.state)
    return TransactionOut(
        id=row.id,
        kind=row.kind,
        kind_zh=rules.CATALOGUE[kind].label.zh,
        state=row.state,
        state_zh=rules.STATE_LABELS[state].zh,
        order_number=session.get_one(WorkOrder, row.order_id).number,
        product_number=row.product_number,
        fee_fen=row.fee_fen,
        details=row.details,
        expires_at=row.expires_at,
        completed_at=row.completed_at,
    )


def visit_out(session: Session, visit: CounterVisit) -> VisitOut:
    return VisitOut(
        number=visit.number,
        customer_id=visit.customer_id,
        customer_name=session.get_one(Customer, visit.customer_id).name,
        started_at=visit.started_at,
        signed_at=visit.signed_at,
        transactions=[transaction_out(session, t) for t in visit.transactions],
        total_fen=service.total_fen(visit),
    )


@router.post(
    "/visits", response_model=VisitOut, status_code=201, operation_id="counter_visit_start"
)
def start(body: VisitIn, staff: ApiStaff, db: DbDep) -> VisitOut:
    """Start a visit: the customer's document is checked by its rules and against the record
    (422 ``check_identity`` when it is not theirs, BH-7)."""
    with db.uow() as session:
        return visit_out(session, service.start_visit(session, staff, body))


@router.get("/visits/{visit_number}", response_model=VisitOut, operation_id="counter_visit_get")
def get(visit_number: VisitNumber, staff: ApiStaff, db: DbDep) -> VisitOut:
    """One counter visit with its transactions and slip state (BH-5)."""
    with db.uow() as session:
        return visit_out(session, service.get_visit(session, visit_number, viewer=staff))


@router.post(
    "/visits/{visit_number}/transactions",
    response_model=TransactionOut,
    status_code=201,
    operation_id="counter_transaction_add",
)
def add(
    visit_number: VisitNumber, body: TransactionIn, staff: ApiStaff, db: DbDep
) -> TransactionOut:
    """One transaction, checked by what its kind declares (422 ``check_<name>``: identity,
    product, contract, arrears, advance_notice, retention, both_parties); a value-added
    service waits for the customer's SMS confirmation (state ``confirmation_sent``)."""
    with db.uow() as session:
        return transaction_out(session, service.add_transaction(session, staff, visit_number, body))


@router.post(
    "/visits/{visit_number}/sign", response_model=VisitOut, operation_id="counter_visit_sign"
)
def sign(visit_number: VisitNumber, staff: ApiStaff, db: DbDep) -> VisitOut:
    """The customer signs the combined slip once 一单清 (BH-5)."""
    with db.uow() as session:
        return visit_out(session, service.sign_visit(session, staff, visit_number))


def slip_pdf_response(db: DbDep, staff: ApiStaff, visit_number: str) -> Response:
    """The slip read in one unit of work, rendered after it (no transaction held open)."""
    with db.uow() as session:
        shown = service.slip_of(session, staff, visit_number)
    return Response(
        slip.render_pdf(shown),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{shown.number}.pdf"',
            "Cache-Control": "no-store",
        },
    )


@router.get(
    "/visits/{visit_number}/slip.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
    operation_id="counter_visit_slip_pdf",
)
def slip_pdf(visit_number: VisitNumber, staff: ApiStaff, db: DbDep) -> Response:
    """The combined slip 一单清 as PDF (BH-5): every transaction of the visit with its fee and
    agreed terms, the masked document, the signature field and a QR code of the visit number;
    the same visit gives the same bytes."""
    return slip_pdf_response(db, staff, visit_number)


@router.post(
    "/customers/{customer_id}/offers",
    response_model=OfferOut,
    status_code=201,
    operation_id="counter_marketing_sms",
)
def send_offer(
    customer_id: Annotated[int, Path(ge=1, le=MAX_ID)], body: OfferIn, staff: ApiStaff, db: DbDep
) -> OfferOut:
    """A marketing SMS 营销短信 with one of the catalogue's offers, through the outbox: 403
    ``consent_required`` without the customer's valid marketing consent (CD-3); audited."""
    with db.uow() as session:
        sent = offers.send_offer(session, staff, customer_id, body.offer)
        return OfferOut(customer_id=sent.customer_id, offer=sent.offer, text=sent.text)


REPLY_SKEW_S = 300
_nonces: dict[str, float] = {}
_nonce_lock = threading.Lock()


def _fresh_nonce(nonce: str, now: float) -> bool:
    with _nonce_lock:
        for old in [k for k, t in _nonces.items() if t < now - 2 * REPLY_SKEW_S]:
            del _nonces[old]
        if nonce in _nonces:
            return False
        _nonces[nonce] = now
        return True


@router.post("/sms-replies", response_model=SmsReplyOut, operation_id="counter_sms_reply")
async def sms_reply(request: Request, db: DbDep, settings: SettingsDep) -> SmsReplyOut:
    """A customer's SMS reply 上行短信, forwarded by the SMS platform and signed as its
    receipts are (HMAC-SHA256 over timestamp, nonce and body, within five minutes, each nonce
    once). 是 / Y / 1 confirms the number's pending value-added request, 否 / N declines it;
    anything else changes nothing (``matched`` false)."""
    if not settings.sms_secret:
        raise NotFound()
    raw = await request.body()
    stamp = request.headers.get("X-Timestamp", "")
    nonce = request.headers.get("X-Nonce", "")
    now = time.time()
    if not (
        stamp.isdigit()
        and abs(now - int(stamp)) <= REPLY_SKEW_S
        and 8 <= len(nonce) <= 64
        and notify_rules.signature_ok(
            settings.sms_secret, stamp, nonce, raw, request.headers.get("X-Signature", "")
        )
        and _fresh_nonce(nonce, now)
    ):
        raise Unauthenticated("短信签名无效", "Bad SMS signature", code="bad_signature")
    try:
        body = SmsReplyIn.model_validate(json.loads(raw))
    except ValueError as exc:
        raise ValidationFailed("上行短信格式有误", "Malformed reply", code="bad_reply") from exc
    with db.uow() as session:
        row = service.answer_by_sms(session, body.phone, body.text)
        if row is None:
            return SmsReplyOut(matched=False)
        number = session.get_one(WorkOrder, row.order_id).number
        return SmsReplyOut(matched=True, state=row.state, order_number=number)
