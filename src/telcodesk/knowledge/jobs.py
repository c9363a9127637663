"""Knowledge's scheduled jobs (KB-2): scheduled versions go live on time (the schedule was
moved onto a PRC working day when it was set), expired ones leave at the end of their period.
Search already hides an expired article the moment it ends; the job retires it for good."""

from __future__ import annotations

from sqlalchemy.orm import Session

from telcodesk.config import Settings
from telcodesk.knowledge import bulletins, service
from telcodesk.scheduling import Job

BATCH = 200


def _publish(session: Session, settings: Settings) -> int:
    return service.publish_due(session, limit=BATCH)


def _retire(session: Session, settings: Settings) -> int:
    return service.retire_expired(session, limit=BATCH)


def _remind(session: Session, settings: Settings) -> int:
    return bulletins.remind_unread(session, limit=BATCH)


JOBS = (
    Job(
        "kb_publish_due",
        "按时发布定时发布的知识 / publish scheduled articles (KB-2)",
        _publish,
        BATCH,
    ),
    Job("kb_retire_expired", "下线到期的知识 / retire expired articles (KB-2)", _retire, BATCH),
    Job(
        "kb_bulletin_reminders",
        "提醒未确认阅读公告的员工 / remind staff of unconfirmed bulletins (KB-2)",
        _remind,
        BATCH,
    ),
)
