"""Notify's use cases for staff: alerts into the bell and the outbox, the inbox, mark read,
preferences; and `enqueue`, the one way a message enters the outbox.

Services flush but never commit: a notification and its outbox rows are written in the
transaction of what caused them, and leave only after it commits (the worker delivers them).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from telcodesk import clock
from telcodesk.errors import NotFound, ValidationFailed
from telcodesk.notify import rules
from telcodesk.notify.models import Notification, NotifyProfile, OutboxMessage
from telcodesk.org.models import Staff

_PROFILES = "notify.profiles"
# Bulk rows with None keep their columns, so rows of one table are one statement (the ORM's
# bulk INSERT would otherwise split them by which values are None).
ALL_COLUMNS = {"render_nulls": True}


def outbox_row(
    *,
    channel: str,
    kind: str,
    recipient: str,
    body: str = "",
    subject: str = "",
    payload: dict[str, Any] | None = None,
    at: datetime | None = None,
    not_before: datetime | None = None,
    held: str = "",
    order_id: int | None = None,
    customer_id: int | None = None,
    staff_id: int | None = None,
    province_code: str | None = None,
    dedup_key: str | None = None,
) -> dict[str, Any]:
    """The columns of one outbox row: pending, due now (or at ``not_before``), a dedup key
    the receiver can use (generated unless given)."""
    now = at or clock.now()
    return {
        "channel": channel,
        "kind": kind,
        "recipient": recipient,
        "subject": subject,
        "body": body,
        "payload": payload or {},
        "dedup_key": dedup_key or f"td-{channel}-{uuid.uuid4().hex}",
        "state": rules.PENDING,
        "attempts": 0,
        "next_attempt_at": not_before or now,
        "held": held,
        "created_at": now,
        "order_id": order_id,
        "customer_id": customer_id,
        "staff_id": staff_id,
        "province_code": province_code,
    }


def enqueue(session: Session, **fields: Any) -> OutboxMessage:
    """Add one outbox row (`outbox_row`'s fields; not flushed: the unit of work's flush puts
    several in one statement)."""
    row = OutboxMessage(**outbox_row(**fields))
    session.add(row)
    return row


def insert_rows(
    session: Session, notifications: list[dict[str, Any]], outbox: list[dict[str, Any]]
) -> None:
    """A batch's notifications and outbox rows, one INSERT each (the SLA sweep's thousand
    alerts: no ORM object per row)."""
    if notifications:
        session.execute(insert(Notification), notifications, execution_options=ALL_COLUMNS)
    if outbox:
        session.execute(insert(OutboxMessage), outbox, execution_options=ALL_COLUMNS)


def _profiles(session: Session) -> dict[int, NotifyProfile]:
    """Every staff profile, read once per transaction: a sweep firing a thousand stages asks
    once, not a thousand times."""
    cached = session.info.get(_PROFILES)
    if cached is None:
        cached = {p.staff_id: p for p in session.scalars(select(NotifyProfile))}
        session.info[_PROFILES] = cached
    return cached


def staff_rows(
    session: Session,
    staff_ids: Iterable[int],
    *,
    order_id: int | None,
    kind: str,
    message_zh: str,
    message_en: str,
    at: datetime | None = None,
    share: float | None = None,
    link: str | None = None,
    province_code: str | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """What telling these staff members writes: a bell notification for each who takes this
    kind in the console, an email / SMS outbox row for each who takes it by those channels
    (their preferences, read once per transaction). Returns (notifications, outbox rows)."""
    now = at or clock.now()
    profiles = _profiles(session)
    level = rules.urgency(kind, share)
    notes: list[dict[str, Any]] = []
    outbox: list[dict[str, Any]] = []
    for staff_id in dict.fromkeys(staff_ids):  # once per person, in the order given
        profile = profiles.get(staff_id)
        channels = rules.channels_for(kind, profile.channels if profile else None)
        if rules.CONSOLE in channels:
            notes.append(
                {
                    "staff_id": staff_id,
                    "order_id": order_id,
                    "kind": kind,
                    "urgency": level,
                    "message_zh": message_zh,
                    "message_en": message_en,
                    "created_at": now,
                }
            )
        if profile is None:
            continue  # no address known: the bell only
        text = f"{message_zh}\n{message_en}" + (f"\n{link}" if link else "")
        common: dict[str, Any] = {"kind": kind, "at": now, "order_id": order_id}
        common |= {"staff_id": staff_id, "province_code": province_code}
        if rules.EMAIL in channels and profile.email:
            outbox.append(
                outbox_row(
                    channel=rules.EMAIL,
                    recipient=profile.email,
                    subject=f"[telcodesk] {message_zh}"[:200],
                    body=text,
                    **common,
                )
            )
        if rules.SMS in channels and profile.mobile:
            outbox.append(
                outbox_row(channel=rules.SMS, recipient=profile.mobile, body=message_zh, **common)
            )
    return notes, outbox


def send_staff(session: Session, staff_ids: Iterable[int], **what: Any) -> list[Notification]:
    """Tell staff members of something (`staff_rows`' arguments): the bell and the outbox."""
    notes, outbox = staff_rows(session, staff_ids, **what)
    written = [Notification(**n) for n in notes]
    session.add_all([*written, *(OutboxMessage(**o) for o in outbox)])
    return written


# --- the inbox ----------------------------------------------------------------------------


def unread_count(session: Session, viewer: Staff) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.staff_id == viewer.id, Notification.read_at.is_(None))
        )
        or 0
    )


def inbox(
    session: Session, viewer: Staff, *, unread_only: bool = False, limit: int = 200
) -> list[Notification]:
    """The viewer's own notifications, most urgent first, then newest (a person sees only
    theirs: scope is the recipient)."""
    query = select(Notification).where(Notification.staff_id == viewer.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    query = query.order_by(
        Notification.urgency.desc(), Notification.created_at.desc(), Notification.id.desc()
    )
    return list(session.scalars(query.limit(limit)))


def _mark(session: Session, viewer: Staff, *conditions: Any) -> int:
    now = clock.now()
    result = session.execute(
        update(Notification)
        .where(Notification.staff_id == viewer.id, Notification.read_at.is_(None), *conditions)
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def mark_read(session: Session, viewer: Staff, notification_id: int) -> Notification:
    note = session.get(Notification, notification_id)
    if note is None or note.staff_id != viewer.id:  # someone else's: as if absent
        raise NotFound("通知不存在", "Notification not found", code="notification_not_found")
    if note.read_at is None:
        note.read_at = clock.now()
        session.flush()
    return note


def mark_order_read(session: Session, viewer: Staff, order_id: int) -> int:
    return _mark(session, viewer, Notification.order_id == order_id)


def mark_all_read(session: Session, viewer: Staff) -> int:
    return _mark(session, viewer)


# --- preferences --------------------------------------------------------------------------


def get_profile(session: Session, viewer: Staff) -> NotifyProfile:
    """The viewer's own profile; an unsaved one with the defaults if they never set one."""
    profile = session.get(NotifyProfile, viewer.id)
    if profile is None:
        profile = NotifyProfile(staff_id=viewer.id, email=None, mobile=None, channels={})
    return profile


def effective_channels(profile: NotifyProfile) -> dict[str, list[str]]:
    return {k: list(rules.channels_for(k, profile.channels)) for k in rules.STAFF_KINDS}


def save_profile(
    session: Session,
    viewer: Staff,
    *,
    email: str | None,
    mobile: str | None,
    channels: dict[str, list[str]],
) -> NotifyProfile:
    """Save the viewer's own preferences (a person sets only theirs)."""
    for kind, chosen in channels.items():
        if kind not in rules.STAFF_KINDS or not set(chosen) <= set(rules.STAFF_CHANNELS):
            raise ValidationFailed(
                f"未知的通知类型或渠道：{kind}",
                f"Unknown notification kind or channel: {kind}",
                code="bad_notify_channel",
            )
    if rules.EMAIL in {c for v in channels.values() for c in v} and not email:
        raise ValidationFailed(
            "选择邮件渠道需填写邮箱", "Email chosen but no address given", code="email_missing"
        )
    if rules.SMS in {c for v in channels.values() for c in v} and not mobile:
        raise ValidationFailed(
            "选择短信渠道需填写手机号", "SMS chosen but no mobile given", code="mobile_missing"
        )
    profile = session.get(NotifyProfile, viewer.id)
    if profile is None:
        profile = NotifyProfile(staff_id=viewer.id)
        session.add(profile)
    profile.email = email or None
    profile.mobile = mobile or None
    profile.channels = {k: [c for c in rules.STAFF_CHANNELS if c in v] for k, v in channels.items()}
    profile.updated_at = clock.now()
    session.info.pop(_PROFILES, None)
    session.flush()
    return profile
