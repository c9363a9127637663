"""An order's attachments through the service layer on both engines (issue 9 item 7; CD-1,
CD-2, WO-2): scoped like the order, in its history, ID copies only for those who may reveal
personal data and every download of one audited, removal by the uploader or a supervisor
with the bytes purged, one transaction per upload."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from telcodesk.attachments.models import Attachment, AttachmentBlob
from telcodesk.audit.models import AuditRecord
from telcodesk.db import unit_of_work
from telcodesk.errors import DomainError
from telcodesk.workorders import attachments as files
from telcodesk.workorders import service as orders
from telcodesk.workorders.models import OrderAttachment, OrderEvent
from telcodesk.workorders.rules import Action
from telcodesk.workorders.schemas import TransitionIn
from tests.attachments.conftest import HTML, WAV, png
from tests.factories import World
from tests.workorders.test_lifecycle import new_order


@pytest.fixture
def number(factory: sessionmaker[Session], world: World) -> str:
    with unit_of_work(factory) as session:
        return new_order(session, world)


def attach(
    factory: sessionmaker[Session],
    actor: object,
    number: str,
    kind: str = "screenshot",
    name: str = "截图.png",
    data: bytes | None = None,
    declared: str = "image/png",
) -> int:
    with unit_of_work(factory) as session:
        _, stored = files.attach(
            session,
            actor,
            number,
            kind=kind,
            filename=name,
            declared=declared,  # type: ignore[arg-type]
            data=png() if data is None else data,
        )
        return stored.id


def code_of(call: object) -> tuple[int, str]:
    try:
        call()  # type: ignore[operator]
    except DomainError as exc:
        return exc.status, exc.code
    raise AssertionError("not refused")


def test_attach_list_download_with_history(
    factory: sessionmaker[Session], world: World, number: str
) -> None:
    ident = attach(factory, world.agent, number)
    with unit_of_work(factory) as session:
        order, rows = files.listed(session, world.agent, number)
        assert [(link.kind, a.filename, a.content_type) for link, a in rows] == [
            ("screenshot", "截图.png", "image/png")
        ]
        stored, data = files.download(session, world.agent, number, str(ident))
        assert data == png() and stored.size == len(png())
        events = [e for e in orders.history(session, order) if e.action == "attachment"]
        assert len(events) == 1
        assert events[0].changes["filename"] == "截图.png"
        assert events[0].changes["kind"] == "screenshot"
        # A screenshot is no personal data: reading it writes no audit record.
        assert session.scalar(select(func.count(AuditRecord.id))) == 0


def test_another_city_sees_nothing(
    factory: sessionmaker[Session], world: World, number: str
) -> None:
    ident = attach(factory, world.agent, number)
    with unit_of_work(factory) as session:
        other = world.other_city_agent
        assert code_of(lambda: files.listed(session, other, number)) == (404, "order_not_found")
        assert code_of(lambda: files.download(session, other, number, ident)) == (
            404,
            "order_not_found",
        )
        assert code_of(lambda: files.remove(session, other, number, ident)) == (
            404,
            "order_not_found",
        )
    assert code_of(lambda: attach(factory, world.other_city_agent, number))[0] == 404


def test_only_who_answers_for_the_order_attaches(
    factory: sessionmaker[Session], world: World, number: str
) -> None:
    # The auditor sees the order (order_view in Guangdong) but does not work on it.
    assert code_of(lambda: attach(factory, world.auditor, number)) == (403, "order_action_denied")
    attach(factory, world.supervisor, number)


def test_a_disguised_file_writes_nothing(
    factory: sessionmaker[Session], world: World, number: str
) -> None:
    assert code_of(lambda: attach(factory, world.agent, number, data=HTML)) == (
        422,
        "attachment_type_not_allowed",
    )
    assert code_of(lambda: attach(factory, world.agent, number, kind="selfie")) == (
        422,
        "attachment_kind",
    )
    with unit_of_work(factory) as session:
        for table in (Attachment, AttachmentBlob, OrderAttachment):
            assert session.scalar(select(func.count()).select_from(table)) == 0
        assert (
            session.scalar(
                select(func.count(OrderEvent.id)).where(OrderEvent.action == "attachment")
            )
            == 0
        )


def test_id_copies_are_for_revealers_and_audited(
    factory: sessionmaker[Session], world: World, number: str
) -> None:
    ident = attach(
        factory,
        world.agent,
        number,
        kind="id_copy",
        name="身份证.jpg",
        data=b"\xff\xd8\xff\xe0 scan",
        declared="image/jpeg",
    )
    with unit_of_work(factory) as session:
        # The auditor may see the order but not a customer's full personal data (CD-2).
        assert code_of(lambda: files.download(session, world.auditor, number, ident)) == (
            403,
            "attachment_private",
        )
    with unit_of_work(factory) as session:
        _, data = files.download(session, world.agent, number, ident)
        assert data.startswith(b"\xff\xd8\xff")
    with unit_of_work(factory) as session:
        (rec,) = session.scalars(select(AuditRecord)).all()
        assert (rec.action, rec.actor_id, rec.object_type, rec.object_id) == (
            "attachment_download",
            world.agent.id,
            "order_attachment",
            str(ident),
        )
        assert rec.details["order"] == number and rec.details["attachment_kind"] == "id_copy"


def test_removal_purges_the_bytes(
    factory: sessionmaker[Session], world: World, number: str
) -> None:
    mine = attach(
        factory,
        world.agent,
        number,
        kind="recording",
        name="通话.wav",
        data=WAV,
        declared="audio/wav",
    )
    theirs = attach(factory, world.agent, number)
    with unit_of_work(factory) as session:
        # A colleague of the order's unit: did not attach it, is no supervisor.
        assert code_of(lambda: files.remove(session, world.handler, number, mine)) == (
            403,
            "attachment_remove_denied",
        )
    with unit_of_work(factory) as session:
        files.remove(session, world.agent, number, mine)
    with unit_of_work(factory) as session:
        files.remove(session, world.supervisor, number, theirs)  # a supervisor may
    with unit_of_work(factory) as session:
        assert session.scalar(select(func.count()).select_from(AttachmentBlob)) == 0
        assert all(a.purged_at for a in session.scalars(select(Attachment)))
        assert files.listed(session, world.agent, number)[1] == []
        assert code_of(lambda: files.download(session, world.agent, number, mine)) == (
            404,
            "attachment_not_found",
        )
        actions = [r.action for r in session.scalars(select(AuditRecord).order_by(AuditRecord.id))]
        assert actions == ["attachment_remove", "attachment_remove"]
        removed = session.scalars(
            select(OrderEvent).where(OrderEvent.action == "attachment_removed")
        ).all()
        assert {e.actor_id for e in removed} == {world.agent.id, world.supervisor.id}


def test_a_closed_order_keeps_its_files(
    factory: sessionmaker[Session], world: World, number: str
) -> None:
    ident = attach(factory, world.agent, number)
    with unit_of_work(factory) as session:
        orders.transition(
            session,
            world.agent,
            number,
            Action.REVIEW_INVALID,
            TransitionIn(version=1, reason="重复来电", message="您的问题已在另一工单处理"),
        )
    assert code_of(lambda: attach(factory, world.agent, number)) == (409, "order_closed")
    with unit_of_work(factory) as session:
        assert code_of(lambda: files.remove(session, world.agent, number, ident)) == (
            403,
            "attachment_remove_denied",
        )
        assert files.download(session, world.agent, number, ident)[1] == png()


def test_bad_attachment_id_after_the_scope_check(
    factory: sessionmaker[Session], world: World, number: str
) -> None:
    with unit_of_work(factory) as session:
        assert code_of(lambda: files.download(session, world.agent, number, "x1")) == (
            422,
            "attachment_id_invalid",
        )
        assert code_of(lambda: files.download(session, world.agent, number, "99999")) == (
            404,
            "attachment_not_found",
        )
