"""Notify's HTTP API: a staff member's notifications and preferences, the outbox for admins,
customer message templates and quiet hours, opt-outs, the SMS platform's delivery receipts,
and the messages sent about an order (its timeline)."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from telcodesk import clock
from telcodesk.customers.masking import mask_phone
from telcodesk.deps import ApiStaff, DbDep, SettingsDep
from telcodesk.errors import NotFound, Unauthenticated, ValidationFailed
from telcodesk.inputs import Line
from telcodesk.notify import customer, outbox, queries, rules, service
from telcodesk.notify.models import NotifyProfile, OutboxMessage
from telcodesk.notify.schemas import (
    PROVINCE_PATTERN,
    CustomerKind,
    MarkedOut,
    MessageOut,
    NotificationOut,
    OptOutIn,
    OptOutOut,
    OutboxOut,
    PreferencesIn,
    PreferencesOut,
    QuietHoursIn,
    QuietHoursOut,
    ReceiptIn,
    ReplayIn,
    TemplateIn,
    TemplateKindOut,
    TemplateOut,
    UnreadOut,
)
from telcodesk.workorders import service as orders

router = APIRouter(prefix="/api/v1", tags=["notifications"])

Province = Annotated[str, Path(pattern=PROVINCE_PATTERN)]
NotificationId = Annotated[int, Path(ge=1, le=2**31 - 1)]
OrderNumber = Annotated[Line, Path(max_length=40)]


@router.get(
    "/notifications", response_model=list[NotificationOut], operation_id="notifications_list"
)
def list_notifications(
    staff: ApiStaff,
    db: DbDep,
    unread: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[NotificationOut]:
    """The caller's own notifications, most urgent first (breach > 90 % > 75 % > chase)."""
    with db.uow() as session:
        return queries.notifications(session, staff, unread_only=unread, limit=limit)


@router.get(
    "/notifications/unread-count", response_model=UnreadOut, operation_id="notifications_unread"
)
def unread_count(staff: ApiStaff, db: DbDep) -> UnreadOut:
    """How many of the caller's notifications are unread (the bell)."""
    with db.uow() as session:
        return UnreadOut(unread=service.unread_count(session, staff))


@router.post(
    "/notifications/{notification_id}/read",
    response_model=NotificationOut,
    operation_id="notifications_mark_read",
)
def mark_read(notification_id: NotificationId, staff: ApiStaff, db: DbDep) -> NotificationOut:
    """Mark one of the caller's notifications read."""
    with db.uow() as session:
        note = service.mark_read(session, staff, notification_id)
        by_id = queries.numbers(session, {note.order_id} if note.order_id else set())
        return queries.out(note, by_id)


@router.post(
    "/notifications/read-all", response_model=MarkedOut, operation_id="notifications_read_all"
)
def mark_all_read(staff: ApiStaff, db: DbDep) -> MarkedOut:
    """Mark all of the caller's notifications read."""
    with db.uow() as session:
        return MarkedOut(marked=service.mark_all_read(session, staff))


@router.post(
    "/orders/{number}/notifications/read",
    response_model=MarkedOut,
    operation_id="orders_notifications_read",
)
def mark_order_read(number: OrderNumber, staff: ApiStaff, db: DbDep) -> MarkedOut:
    """Mark the caller's notifications about one order read (404 out of scope)."""
    with db.uow() as session:
        order = orders.get_order(session, number, viewer=staff)
        return MarkedOut(marked=service.mark_order_read(session, staff, order.id))


def preferences_out(profile: NotifyProfile) -> PreferencesOut:
    return PreferencesOut(
        email=profile.email,
        mobile=profile.mobile,
        channels=service.effective_channels(profile),
    )


@router.get(
    "/notifications/preferences",
    response_model=PreferencesOut,
    operation_id="notifications_preferences",
)
def get_preferences(staff: ApiStaff, db: DbDep) -> PreferencesOut:
    """The caller's notification preferences per kind and channel."""
    with db.uow() as session:
        return preferences_out(service.get_profile(session, staff))


@router.put(
    "/notifications/preferences",
    response_model=PreferencesOut,
    operation_id="notifications_preferences_save",
)
def save_preferences(body: PreferencesIn, staff: ApiStaff, db: DbDep) -> PreferencesOut:
    """Which kinds reach the caller through which channel; kinds not given keep the default."""
    with db.uow() as session:
        profile = service.save_profile(
            session,
            staff,
            email=body.email,
            mobile=body.mobile,
            channels={k: list(v) for k, v in body.channels.items()},
        )
        return preferences_out(profile)


# --- the outbox (admins) ------------------------------------------------------------------


@router.get("/outbox", response_model=list[OutboxOut], operation_id="outbox_list")
def list_outbox(
    staff: ApiStaff,
    db: DbDep,
    state: Annotated[Line | None, Query(max_length=12)] = None,
    channel: Annotated[Line | None, Query(max_length=10)] = None,
    before_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[OutboxMessage]:
    """Messages in the caller's region, newest first (manage_outbox)."""
    with db.uow() as session:
        return outbox.list_messages(
            session, staff, state=state, channel=channel, limit=limit, before_id=before_id
        )


@router.post("/outbox/replay", response_model=MarkedOut, operation_id="outbox_replay")
def replay(body: ReplayIn, staff: ApiStaff, db: DbDep) -> MarkedOut:
    """Send dead letters again, with their dedup keys (manage_outbox)."""
    with db.uow() as session:
        return MarkedOut(marked=outbox.replay(session, staff, body.ids))


# --- customer messages: templates, quiet hours, opt-outs ----------------------------------


@router.get(
    "/message-templates", response_model=list[TemplateKindOut], operation_id="templates_list"
)
def list_templates(staff: ApiStaff, db: DbDep) -> list[TemplateKindOut]:
    """The message templates notifications are written from."""
    with db.uow() as session:
        return [
            TemplateKindOut(
                kind=t["kind"],
                default=t["default"],
                templates=[TemplateOut.model_validate(x) for x in t["templates"]],
            )
            for t in customer.list_templates(session, staff)
        ]


@router.put(
    "/message-templates/{kind}/{province_code}",
    response_model=TemplateOut,
    operation_id="templates_save",
)
def save_template(
    kind: CustomerKind, province_code: Province, body: TemplateIn, staff: ApiStaff, db: DbDep
) -> TemplateOut:
    """HQ's nationwide text (province 100000) or a province's override (edit_message_templates;
    a province admin edits only their own province's)."""
    with db.uow() as session:
        row = customer.save_template(
            session,
            staff,
            kind=kind,
            province_code=province_code,
            body=body.body,
            active=body.active,
        )
        return TemplateOut.model_validate(row)


@router.delete(
    "/message-templates/{kind}/{province_code}",
    status_code=204,
    operation_id="templates_delete",
)
def delete_template(
    kind: CustomerKind, province_code: Province, staff: ApiStaff, db: DbDep
) -> None:
    """Drop an override: the province falls back to HQ's text."""
    with db.uow() as session:
        customer.delete_template(session, staff, kind=kind, province_code=province_code)


@router.put(
    "/quiet-hours/{province_code}", response_model=QuietHoursOut, operation_id="quiet_hours_save"
)
def save_quiet_hours(
    province_code: Province, body: QuietHoursIn, staff: ApiStaff, db: DbDep
) -> QuietHoursOut:
    """Set a province's quiet hours for SMS to customers (admins of the province)."""
    with db.uow() as session:
        row = customer.save_quiet_hours(
            session, staff, province_code=province_code, start=body.start, end=body.end
        )
        return QuietHoursOut(province_code=row.province_code, start=row.start, end=row.end)


@router.put(
    "/customers/{customer_id}/opt-outs/{channel}",
    response_model=OptOutOut,
    operation_id="customers_opt_out",
)
def set_opt_out(
    customer_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    channel: Annotated[Line, Path(max_length=10)],
    body: OptOutIn,
    staff: ApiStaff,
    db: DbDep,
) -> OptOutOut:
    """The customer asked not to be messaged on a channel (退订), or to be again."""
    with db.uow() as session:
        opted = customer.set_opt_out(session, staff, customer_id, channel, body.opted_out)
        return OptOutOut(customer_id=customer_id, channel=channel, opted_out=opted)


@router.get(
    "/orders/{number}/messages", response_model=list[MessageOut], operation_id="orders_messages"
)
def order_messages(number: OrderNumber, staff: ApiStaff, db: DbDep) -> list[MessageOut]:
    """Messages sent about the order, with their delivery state (404 out of scope)."""
    with db.uow() as session:
        order = orders.get_order(session, number, viewer=staff)
        return [message_out(m) for m in outbox.for_order(session, order.id)]


def message_out(m: OutboxMessage) -> MessageOut:
    to = mask_phone(m.recipient) if m.customer_id and m.channel == rules.SMS else m.recipient
    return MessageOut(
        id=m.id,
        channel=m.channel,
        kind=m.kind,
        to=to or "",
        body=m.body,
        state=m.state,
        held=m.held,
        receipt=m.receipt,
        created_at=m.created_at,
        sent_at=m.sent_at,
        next_attempt_at=m.next_attempt_at,
    )


# --- the SMS platform's delivery receipts -------------------------------------------------

RECEIPT_SKEW_S = 300
_nonces: dict[str, float] = {}
_nonce_lock = threading.Lock()


def _fresh_nonce(nonce: str, now: float) -> bool:
    """A nonce seen within the skew window is a replay (kept per process)."""
    with _nonce_lock:
        for old in [k for k, t in _nonces.items() if t < now - 2 * RECEIPT_SKEW_S]:
            del _nonces[old]
        if nonce in _nonces:
            return False
        _nonces[nonce] = now
        return True


@router.post("/notify/sms/receipts", operation_id="sms_receipts")
async def sms_receipt(request: Request, db: DbDep, settings: SettingsDep) -> dict[str, str]:
    """Delivery receipt 状态报告 from the SMS platform: HMAC-SHA256 over timestamp, nonce and
    body with the shared secret, the timestamp within five minutes, each nonce once."""
    if not settings.sms_secret:
        raise NotFound()
    raw = await request.body()
    stamp = request.headers.get("X-Timestamp", "")
    nonce = request.headers.get("X-Nonce", "")
    signature = request.headers.get("X-Signature", "")
    now = time.time()
    if not (
        stamp.isdigit()
        and abs(now - int(stamp)) <= RECEIPT_SKEW_S
        and 8 <= len(nonce) <= 64
        and rules.signature_ok(settings.sms_secret, stamp, nonce, raw, signature)
        and _fresh_nonce(nonce, now)
    ):
        raise Unauthenticated("回执签名无效", "Bad receipt signature", code="bad_signature")
    try:
        body = ReceiptIn.model_validate(json.loads(raw))
    except ValueError as exc:
        raise ValidationFailed("回执格式有误", "Malformed receipt", code="bad_receipt") from exc
    at = datetime.fromtimestamp(body.at, UTC) if body.at else clock.now()
    with db.uow() as session:
        row = outbox.record_receipt(
            session, msg_id=body.msg_id, client_ref=body.client_ref, status=body.status, at=at
        )
        return {"code": "0", "receipt": row.receipt or ""}
