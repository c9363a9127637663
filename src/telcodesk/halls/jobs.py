"""Halls' scheduled jobs: the duty manager's alerts (BH-3) raised or cleared for every hall;
appointments' reminder SMS and no-shows (BH-4).

Issuing a ticket and moving a counter check their hall at once; calling a ticket does not
(it keeps "call next" fast with thousands waiting), so this prompt job is what clears a peak
as the counters work the queue down, within the worker's prompt interval.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from telcodesk.config import Settings
from telcodesk.halls import alerts, appointments
from telcodesk.halls.models import HallConfig
from telcodesk.org.models import OrgUnit
from telcodesk.scheduling import Job


def check_halls(session: Session, settings: Settings) -> int:
    halls = session.scalars(
        select(OrgUnit).join(HallConfig, HallConfig.unit_id == OrgUnit.id)
    ).all()
    for hall in halls:
        alerts.check(session, hall)
    return len(halls)


def appointments_due(session: Session, settings: Settings) -> int:
    done = appointments.sweep(session)
    return done.reminded + done.no_shows


JOBS = (
    Job(
        "hall_alerts",
        "营业厅排队高峰与暂停窗口提醒 / hall peak and paused-counter alerts (BH-3)",
        check_halls,
        prompt=True,
    ),
    Job(
        "hall_appointments",
        "营业厅预约提醒短信与过号未到 / hall appointment reminders and no-shows (BH-4)",
        appointments_due,
        prompt=True,
    ),
)
