"""Bulletins 公告 with read confirmation (KB-2: staff are briefed before a launch).

An editor pushes a notice to the staff of a region (nationwide: HQ's editors only); one
receipt per recipient is written at once and the listeners (notify) tell each of them; a
recipient confirms reading; editors of the region see who has not.
"""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from telcodesk import clock
from telcodesk.calendar.rules import (
    BusinessHours,
    Unit,
    WorkCalendar,
    add_duration,
    working_time_between,
)
from telcodesk.config import get_settings
from telcodesk.errors import NotFound
from telcodesk.knowledge import hooks, rules, service
from telcodesk.knowledge.models import KbBulletin, KbBulletinReceipt
from telcodesk.knowledge.schemas import BulletinIn
from telcodesk.org.models import OrgUnit, Staff
from telcodesk.org.permissions import Permission, require
from telcodesk.org.roles import SYSTEM_USERNAME
from telcodesk.org.scope import covers_region, out_of_scope, scope_of


class BulletinNotFound(NotFound):
    code = "bulletin_not_found"
    message_zh = "公告不存在"
    message_en = "Bulletin not found"


def _targets(session: Session, province: str | None, city: str | None) -> list[int]:
    stmt = (
        select(Staff.id)
        .join(OrgUnit, OrgUnit.id == Staff.unit_id)
        .where(Staff.active.is_(True), Staff.username != SYSTEM_USERNAME)
    )
    if city:
        stmt = stmt.where(func.substr(OrgUnit.region_code, 1, 4) == city[:4])
    elif province:
        stmt = stmt.where(func.substr(OrgUnit.region_code, 1, 2) == province[:2])
    return list(session.scalars(stmt.order_by(Staff.id)))


def push(session: Session, actor: Staff, data: BulletinIn) -> KbBulletin:
    require(actor, Permission.KB_EDIT)
    province, city = rules.region_of(data.region_code)
    if not covers_region(scope_of(actor), city or province):
        raise out_of_scope("公告的发布范围", "The bulletin's region")
    bulletin = KbBulletin(
        title=data.title.strip(),
        body=data.body.strip(),
        doc_number=data.doc_number.strip(),
        province_code=province,
        city_code=city,
        created_by_id=actor.id,
        published_at=clock.now(),
    )
    session.add(bulletin)
    session.flush()
    targets = _targets(session, province, city)
    first = next_reminder(
        service.work_calendar(session, city or province),
        bulletin.published_at,
        0,
        sorted(get_settings().bulletin_reminder_hours),
    )
    session.add_all(
        KbBulletinReceipt(bulletin_id=bulletin.id, staff_id=s, next_remind_at=first)
        for s in targets
    )
    session.flush()
    doc = f"（{bulletin.doc_number}）" if bulletin.doc_number else ""
    hooks.bulletin_pushed(
        session,
        targets,
        f"新公告{doc}：{bulletin.title}，请阅读并确认",
        f"New bulletin{doc}: {bulletin.title}; please read and confirm",
        f"/console/kb/bulletins/{bulletin.id}",
    )
    return bulletin


def _receipt(session: Session, bulletin_id: int, staff: Staff) -> KbBulletinReceipt | None:
    return session.scalar(
        select(KbBulletinReceipt).where(
            KbBulletinReceipt.bulletin_id == bulletin_id, KbBulletinReceipt.staff_id == staff.id
        )
    )


def get(session: Session, viewer: Staff, bulletin_id: int) -> KbBulletin:
    """A recipient's bulletin, or one of the editor's region (404 otherwise)."""
    bulletin = session.get(KbBulletin, bulletin_id)
    if bulletin is None:
        raise BulletinNotFound()
    if _receipt(session, bulletin_id, viewer) is None and not editor_of(viewer, bulletin):
        raise BulletinNotFound()
    return bulletin


def editor_of(viewer: Staff, bulletin: KbBulletin) -> bool:
    from telcodesk.org.permissions import can

    code = bulletin.city_code or bulletin.province_code
    return can(viewer, Permission.KB_EDIT) and covers_region(scope_of(viewer), code)


def confirm(session: Session, viewer: Staff, bulletin_id: int) -> KbBulletinReceipt:
    receipt = _receipt(session, bulletin_id, viewer)
    if receipt is None:
        raise BulletinNotFound()
    if receipt.read_at is None:
        receipt.read_at, receipt.next_remind_at = clock.now(), None
        session.flush()
    return receipt


def mine(
    session: Session, viewer: Staff, limit: int = 50
) -> list[tuple[KbBulletin, KbBulletinReceipt | None]]:
    """The viewer's bulletins (newest first) with their receipt; editors also see the ones
    they may manage in their region."""
    stmt = (
        select(KbBulletin, KbBulletinReceipt)
        .outerjoin(
            KbBulletinReceipt,
            (KbBulletinReceipt.bulletin_id == KbBulletin.id)
            & (KbBulletinReceipt.staff_id == viewer.id),
        )
        .order_by(KbBulletin.published_at.desc(), KbBulletin.id.desc())
        .limit(limit * 4)
    )
    out: list[tuple[KbBulletin, KbBulletinReceipt | None]] = []
    for bulletin, receipt in session.execute(stmt):
        if receipt is not None or editor_of(viewer, bulletin):
            out.append((bulletin, receipt))
    return out[:limit]


def counts(session: Session, bulletin_id: int) -> tuple[int, int]:
    total, read = session.execute(
        select(func.count(), func.count(KbBulletinReceipt.read_at)).where(
            KbBulletinReceipt.bulletin_id == bulletin_id
        )
    ).one()
    return int(total), int(read)


def unread(
    session: Session, viewer: Staff, bulletin_id: int
) -> list[tuple[Staff, OrgUnit, KbBulletinReceipt]]:
    """Who has not confirmed yet, with the reminders they were sent: for the editors of the
    bulletin's region (404 else)."""
    bulletin = session.get(KbBulletin, bulletin_id)
    if bulletin is None or not editor_of(viewer, bulletin):
        raise BulletinNotFound()
    stmt = (
        select(Staff, OrgUnit, KbBulletinReceipt)
        .join(KbBulletinReceipt, KbBulletinReceipt.staff_id == Staff.id)
        .join(OrgUnit, OrgUnit.id == Staff.unit_id)
        .where(KbBulletinReceipt.bulletin_id == bulletin_id, KbBulletinReceipt.read_at.is_(None))
        .order_by(OrgUnit.code, Staff.username)
    )
    return [(s, u, r) for s, u, r in session.execute(stmt)]


# --- reminders (KB-2: staff are briefed before a launch) ---------------------------------

# Reminders count office hours: 09:00–18:00 Beijing time on PRC working days (the region's
# calendar), so a bulletin pushed on Friday evening is not chased over the weekend.
OFFICE = BusinessHours(open=time(9, 0), close=time(18, 0), workdays_only=True)


def next_reminder(
    cal: WorkCalendar, published_at: datetime, sent: int, stages: list[float]
) -> datetime | None:
    """When the next reminder stage falls due (office hours after the push), if any is left."""
    if sent >= len(stages):
        return None
    return add_duration(cal, OFFICE, published_at, stages[sent], Unit.BUSINESS_HOURS)


def remind_unread(session: Session, *, now: datetime | None = None, limit: int = 200) -> int:
    """Tell the recipients who have not confirmed a bulletin after the reminder stages
    (config ``bulletin_reminder_hours``, office hours since it was pushed), once per stage:
    only the latest stage due is sent (a recipient found late gets one reminder, not a
    burst). Receipts are found by their ``next_remind_at`` (indexed); recipients of one
    bulletin and stage are told in one call of the listeners. Returns the receipts handled."""
    stages = sorted(get_settings().bulletin_reminder_hours)
    now = now or clock.now()
    rows = session.execute(
        select(KbBulletinReceipt, KbBulletin, Staff.active)
        .join(KbBulletin, KbBulletin.id == KbBulletinReceipt.bulletin_id)
        .join(Staff, Staff.id == KbBulletinReceipt.staff_id)
        .where(KbBulletinReceipt.read_at.is_(None), KbBulletinReceipt.next_remind_at <= now)
        .order_by(KbBulletinReceipt.next_remind_at, KbBulletinReceipt.id)
        .limit(limit)
        .with_for_update(of=KbBulletinReceipt, skip_locked=True)
    ).all()
    calendars: dict[str | None, WorkCalendar] = {}
    told: dict[tuple[int, int], list[int]] = {}
    bulletins: dict[int, KbBulletin] = {}
    for receipt, bulletin, active in rows:
        if not active:  # left the company: nobody to remind
            receipt.next_remind_at = None
            continue
        region = bulletin.city_code or bulletin.province_code
        if region not in calendars:
            calendars[region] = service.work_calendar(session, region)
        cal = calendars[region]
        elapsed = working_time_between(cal, OFFICE, bulletin.published_at, now, Unit.BUSINESS_HOURS)
        stage = rules.reminder_stage_due(elapsed.total_seconds() / 3600, stages, receipt.reminders)
        if stage is not None:
            receipt.reminders, receipt.reminded_at = stage + 1, now
            told.setdefault((bulletin.id, stage), []).append(receipt.staff_id)
            bulletins[bulletin.id] = bulletin
        # Not due after all (a day made a holiday since): the next stage's time again.
        receipt.next_remind_at = next_reminder(
            cal, bulletin.published_at, receipt.reminders, stages
        )
    for (bulletin_id, stage), staff_ids in told.items():
        bulletin = bulletins[bulletin_id]
        doc = f"（{bulletin.doc_number}）" if bulletin.doc_number else ""
        hooks.bulletin_pushed(
            session,
            staff_ids,
            f"提醒（第{stage + 1}次）：公告{doc}「{bulletin.title}」尚未确认阅读，请阅读并确认",
            f"Reminder {stage + 1}: bulletin{doc} '{bulletin.title}' is not confirmed yet; "
            "please read and confirm",
            f"/console/kb/bulletins/{bulletin.id}",
        )
    session.flush()
    return len(rows)
