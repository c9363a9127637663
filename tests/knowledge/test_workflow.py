"""The editorial workflow (KB-2): the table, reviewer ≠ author, approver groups, scope,
frozen published versions, scheduled publication on a PRC working day, expiry on time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from telcodesk import clock
from telcodesk.db import unit_of_work
from telcodesk.errors import DomainError, Forbidden, IllegalTransition, NotFound
from telcodesk.knowledge import rules
from telcodesk.knowledge import service as kb
from telcodesk.knowledge.models import KbSearchDoc
from telcodesk.knowledge.rules import Action, Relation, State
from tests.knowledge.conftest import Desk, article, publish


@given(st.lists(st.tuples(st.sampled_from(list(Action)), st.sets(st.sampled_from(list(Relation))))))
@settings(max_examples=300, deadline=None)
def test_the_table_never_leaves_its_states(steps: list[tuple[Action, set[Relation]]]) -> None:
    """Whatever is tried, a version only moves along the table, by whom the table names;
    retired and superseded are final, and only approved or scheduled versions get published."""
    state = State.DRAFT
    for action, who in steps:
        relations = frozenset(who)
        after = rules.next_state(state, action)
        if not rules.allowed(state, action, relations):
            continue
        assert after is not None and rules.WHO[action] & relations
        if after == State.PUBLISHED:
            assert state in (State.APPROVED, State.SCHEDULED)
        if after == State.APPROVED:
            assert Relation.REVIEWER in relations  # never the author's own approval
        assert state not in (State.RETIRED, State.SUPERSEDED)
        state = after
    assert state in State


def test_reviewer_is_never_the_author(factory: sessionmaker[Session], desk: Desk) -> None:
    with unit_of_work(factory) as session:
        # An admin holds both rights, and still may not approve their own draft.
        a = kb.create_article(session, desk.world.admin, article())
        kb.act(session, desk.world.admin, a.number, Action.SUBMIT)
        with pytest.raises(Forbidden) as refused:
            kb.act(session, desk.world.admin, a.number, Action.APPROVE)
        assert refused.value.code == "reviewer_is_author"
        with pytest.raises(Forbidden):  # an editor is no reviewer
            kb.act(session, desk.editor, a.number, Action.APPROVE)
        with pytest.raises(DomainError):  # a return needs comments
            kb.act(session, desk.reviewer, a.number, Action.RETURN)
        kb.act(session, desk.reviewer, a.number, Action.RETURN, comment="资费写错了")
        assert kb.latest(session, a).state == State.RETURNED
        assert a.returned_count == 1
        kb.update_draft(session, desk.world.admin, a.number, article(answer="改正后的口径"))
        kb.act(session, desk.world.admin, a.number, Action.SUBMIT)
        kb.act(session, desk.reviewer, a.number, Action.APPROVE)
        with pytest.raises(IllegalTransition):
            kb.act(session, desk.reviewer, a.number, Action.APPROVE)


def test_approver_group_per_category(factory: sessionmaker[Session], desk: Desk) -> None:
    with unit_of_work(factory) as session:
        kb.set_approvers(session, desk.hq_editor, "broadband", [desk.hq_reviewer])
        with pytest.raises(Forbidden):  # nationwide reference data: HQ's
            kb.set_approvers(session, desk.editor, "broadband", [desk.reviewer])
        a = kb.create_article(session, desk.editor, article())
        kb.act(session, desk.editor, a.number, Action.SUBMIT)
        with pytest.raises(Forbidden):  # the province's reviewer is not in the group
            kb.act(session, desk.reviewer, a.number, Action.APPROVE)
        kb.act(session, desk.hq_reviewer, a.number, Action.APPROVE)


def test_write_scope_and_read_scope(factory: sessionmaker[Session], desk: Desk) -> None:
    with unit_of_work(factory) as session:
        with pytest.raises(Forbidden) as refused:  # a city editor writes for the city only
            kb.create_article(session, desk.gz_editor, article(region_code="440000"))
        assert refused.value.code == "write_out_of_scope"
        with pytest.raises(Forbidden):
            kb.create_article(session, desk.editor, article(region_code=None))  # HQ's
        sz = publish(session, desk.editor, desk.reviewer, region_code="440300")
        gz = publish(session, desk.gz_editor, desk.reviewer, region_code="440100")
        # Guangzhou's agent reads Guangzhou's and the province's, never Shenzhen's (404).
        assert kb.get_article(session, gz.number, desk.world.agent)
        with pytest.raises(NotFound):
            kb.get_article(session, sz.number, desk.world.agent)
        # Nor may Guangzhou's editor act on Shenzhen's article.
        with pytest.raises(NotFound):
            kb.revise(session, desk.gz_editor, sz.number)
        # A draft is the editors' until published.
        draft = kb.create_article(session, desk.editor, article())
        with pytest.raises(NotFound):
            kb.get_article(session, draft.number, desk.world.agent)


def test_published_versions_never_change(factory: sessionmaker[Session], desk: Desk) -> None:
    with unit_of_work(factory) as session:
        a = publish(session, desk.editor, desk.reviewer)
        with pytest.raises(IllegalTransition):
            kb.update_draft(session, desk.editor, a.number, article(answer="偷偷改"))
        first = kb.live(session, a)
        assert first is not None
        kb.revise(session, desk.editor, a.number)
        kb.update_draft(session, desk.editor, a.number, article(answer="新口径：重启光猫"))
        kb.act(session, desk.editor, a.number, Action.SUBMIT)
        kb.act(session, desk.reviewer, a.number, Action.APPROVE)
        kb.act(session, desk.editor, a.number, Action.PUBLISH)
        states = [(v.version_no, v.state, v.answer) for v in kb.versions(session, a)]
        assert states == [
            (1, State.SUPERSEDED, "请先重启光猫，观察LOS灯是否红灯。"),
            (2, State.PUBLISHED, "新口径：重启光猫"),
        ]
        assert "新口径" in kb.diff(session, desk.editor, a.number, 1, 2)


def test_scheduled_publication_and_expiry_on_time(
    factory: sessionmaker[Session], desk: Desk
) -> None:
    # Friday 2026-10-02 is inside the National Day holiday (1–7 October): the schedule moves
    # to Thursday 2026-10-08, the first working day after it, same Beijing time.
    now = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)
    clock.set_clock(lambda: now)
    with unit_of_work(factory) as session:
        a = kb.create_article(
            session, desk.editor, article(effective_to="2026-10-20T00:00:00+08:00")
        )
        kb.act(session, desk.editor, a.number, Action.SUBMIT)
        kb.act(session, desk.reviewer, a.number, Action.APPROVE)
        v = kb.act(
            session,
            desk.editor,
            a.number,
            Action.SCHEDULE,
            publish_at=datetime(2026, 10, 2, 9, 0),  # Beijing time
        )
        assert v.publish_at == datetime(2026, 10, 8, 1, 0, tzinfo=UTC)
        number = a.number
    for at, live in [
        (datetime(2026, 10, 8, 0, 59, tzinfo=UTC), False),
        (datetime(2026, 10, 8, 1, 0, tzinfo=UTC), True),
        (datetime(2026, 10, 19, 16, 0, tzinfo=UTC), False),
    ]:
        clock.set_clock(lambda at=at: at)
        with unit_of_work(factory) as session:
            kb.publish_due(session)
            hits = kb.search_articles(session, desk.world.agent, "断网")
            assert [h[1].number for h in hits] == ([number] if live else []), at
    with unit_of_work(factory) as session:
        assert kb.retire_expired(session) == 1
        assert session.scalars(select(KbSearchDoc)).all() == []
        assert kb.latest(session, kb.get_article(session, number, desk.editor)).state == (
            State.RETIRED
        )
