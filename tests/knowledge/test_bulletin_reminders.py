"""Bulletin reminders on both engines (KB-2: staff are briefed before a launch): a recipient
who has not confirmed is reminded after 4 and after 12 office hours (09–18 on PRC working
days), once per stage, through notify; one found late gets the latest stage only; a
confirmation stops them; editors see who has not read, with the reminders sent."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from telcodesk import clock
from telcodesk.db import unit_of_work
from telcodesk.knowledge import bulletins
from telcodesk.knowledge.jobs import JOBS
from telcodesk.knowledge.schemas import BulletinIn
from telcodesk.notify.models import Notification
from tests.knowledge.conftest import Desk


def at(day: int, hour: int, minute: int = 0) -> None:
    """Set the clock to a Beijing time in December 2026."""
    when = datetime(2026, 12, day, hour, minute, tzinfo=clock.SHANGHAI).astimezone(UTC)
    clock.set_clock(lambda: when)


def reminders_of(session: Session, staff_id: int) -> list[str]:
    rows = session.scalars(
        select(Notification)
        .where(Notification.staff_id == staff_id, Notification.kind == "bulletin")
        .order_by(Notification.id)
    )
    return [n.message_zh for n in rows]


def test_reminded_once_per_stage_in_office_hours(
    factory: sessionmaker[Session], desk: Desk
) -> None:
    agent, handler = desk.world.agent, desk.world.handler
    at(7, 10)
    with unit_of_work(factory) as session:
        b = bulletins.push(
            session,
            desk.gz_editor,
            BulletinIn(title="5G套餐上线", body="请熟悉口径", region_code="440100"),
        )
        bid = b.id
    with unit_of_work(factory) as session:
        bulletins.confirm(session, handler, bid)  # the handler reads at once
    at(7, 13, 59)  # 3 h 59 office minutes: nothing yet
    with unit_of_work(factory) as session:
        assert bulletins.remind_unread(session) == 0
    at(7, 14)  # 4 office hours
    with unit_of_work(factory) as session:
        assert bulletins.remind_unread(session) >= 1
    with unit_of_work(factory) as session:
        assert bulletins.remind_unread(session) == 0  # once per stage
        said = reminders_of(session, agent.id)
        assert len(said) == 2 and said[1].startswith("提醒（第1次）")
        assert len(reminders_of(session, handler.id)) == 1  # confirmed: only the push
    # 12 office hours: Monday 10–18 is 8, Tuesday 09–13 the other 4.
    at(8, 12, 59)
    with unit_of_work(factory) as session:
        assert bulletins.remind_unread(session) == 0
    at(8, 13)
    with unit_of_work(factory) as session:
        bulletins.remind_unread(session)
    at(20, 13)
    with unit_of_work(factory) as session:
        assert bulletins.remind_unread(session) == 0  # all stages sent
        said = reminders_of(session, agent.id)
        assert len(said) == 3 and said[2].startswith("提醒（第2次）")
        (who,) = [
            r for s, _, r in bulletins.unread(session, desk.gz_editor, bid) if s.id == agent.id
        ]
        assert who.reminders == 2


def test_found_late_gets_one_reminder_and_weekends_do_not_count(
    factory: sessionmaker[Session], desk: Desk
) -> None:
    agent = desk.world.agent
    at(11, 17)  # Friday 17:00: one office hour left that week
    with unit_of_work(factory) as session:
        bulletins.push(
            session,
            desk.gz_editor,
            BulletinIn(title="停机维护口径", body="周末维护", region_code="440100"),
        )
    at(13, 23)  # Sunday night: still one office hour
    with unit_of_work(factory) as session:
        assert bulletins.remind_unread(session) == 0
    at(16, 9)  # Wednesday 09:00: 1 + 9 + 9 = 19 office hours, both stages past
    with unit_of_work(factory) as session:
        bulletins.remind_unread(session)
    with unit_of_work(factory) as session:
        said = reminders_of(session, agent.id)
        assert len(said) == 2 and said[1].startswith("提醒（第2次）")  # no burst of two


def test_the_worker_runs_it() -> None:
    assert "kb_bulletin_reminders" in {j.name for j in JOBS}
