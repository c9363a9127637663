"""Closure data (SQ-1, SQ-2; issue 9 item 4): the call-back's answer on the four-step scale and
its unanswered tries, and at archive a complaint's root cause, responsibility and whether it
was justified, from editable code lists. Service layer, both engines."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from telcodesk.audit.models import AuditRecord
from telcodesk.db import unit_of_work
from telcodesk.errors import DomainError
from telcodesk.org.models import Staff
from telcodesk.workorders import service as orders
from telcodesk.workorders.rules import Action, Status
from telcodesk.workorders.schemas import NoteIn, TransitionIn
from tests.conftest import console_login
from tests.factories import World, hq_admin
from tests.workorders.test_lifecycle import new_order

CLASSIFIED = {"root_cause": "billing", "responsibility": "carrier", "justified": False}


def act(
    factory: sessionmaker[Session], actor: Staff, number: str, action: Action, **kw: object
) -> None:
    with unit_of_work(factory) as session:
        order = orders.get_order(session, number, viewer=None)
        data = TransitionIn.model_validate({"version": order.version, **kw})
        orders.transition(session, actor, number, action, data)


def refused(factory: sessionmaker[Session], *args: object, **kw: object) -> str:
    with pytest.raises(DomainError) as caught:
        act(factory, *args, **kw)  # type: ignore[arg-type]
    return caught.value.code


def in_callback(factory: sessionmaker[Session], world: World, **kw: object) -> str:
    with unit_of_work(factory) as session:
        number = new_order(session, world, **kw)
    act(factory, world.handler, number, Action.REVIEW_VALID)
    act(factory, world.handler, number, Action.ASSIGN, handler=world.handler.username)
    act(factory, world.handler, number, Action.START)
    act(factory, world.handler, number, Action.REPLY, message="已退还多收费用")
    act(factory, world.agent, number, Action.START_CALLBACK)
    return number


def order(factory: sessionmaker[Session], number: str):  # type: ignore[no-untyped-def]
    with unit_of_work(factory) as session:
        return orders.get_order(session, number, viewer=None)


def test_the_scale_each_call_back_action_may_record(
    factory: sessionmaker[Session], world: World
) -> None:
    number = in_callback(factory, world)
    agent = world.agent
    assert (
        refused(
            factory, agent, number, Action.CALLBACK_UNSATISFIED, reason="不满", outcome="satisfied"
        )
        == "outcome_not_allowed"
    )
    assert (
        refused(
            factory, agent, number, Action.CALLBACK_SATISFIED, outcome="dissatisfied", **CLASSIFIED
        )
        == "outcome_not_allowed"
    )
    act(factory, agent, number, Action.CALLBACK_UNSATISFIED, reason="退费不足")
    assert order(factory, number).callback_outcome == "dissatisfied"
    act(factory, world.handler, number, Action.REPLY, message="补退 10 元")
    act(factory, agent, number, Action.START_CALLBACK)
    act(
        factory,
        agent,
        number,
        Action.CALLBACK_SATISFIED,
        outcome="basically_satisfied",
        **CLASSIFIED,
    )
    done = order(factory, number)
    assert done.status == Status.ARCHIVED and done.callback_outcome == "basically_satisfied"
    assert (done.root_cause, done.responsibility, done.justified) == ("billing", "carrier", False)


def test_a_complaint_is_archived_classified_and_only_at_archive(
    factory: sessionmaker[Session], world: World
) -> None:
    number = in_callback(factory, world)
    code = refused(factory, world.agent, number, Action.CALLBACK_SATISFIED, root_cause="billing")
    assert code == "classification_required"
    bad = {**CLASSIFIED, "root_cause": "no_such_cause"}
    assert (
        refused(factory, world.agent, number, Action.CALLBACK_SATISFIED, **bad)
        == "unknown_root_cause"
    )
    # Nothing of it was written by the refused tries.
    assert (
        order(factory, number).root_cause is None
        and order(factory, number).status == Status.CALLBACK
    )
    with unit_of_work(factory) as session:
        other = new_order(session, world)
    act(factory, world.handler, other, Action.REVIEW_VALID)
    assert (
        refused(
            factory,
            world.handler,
            other,
            Action.ASSIGN,
            handler=world.handler.username,
            **CLASSIFIED,
        )
        == "classification_not_allowed"
    )


def test_a_consultation_archives_without_classification(
    factory: sessionmaker[Session], world: World
) -> None:
    number = in_callback(factory, world, type="consultation", category_code="enquiry.tariff")
    act(factory, world.agent, number, Action.CALLBACK_SATISFIED)
    assert order(factory, number).callback_outcome == "satisfied"
    assert order(factory, number).root_cause is None


def test_unanswered_tries_count_and_an_archive_in_call_back_is_unreachable(
    factory: sessionmaker[Session], world: World
) -> None:
    number = in_callback(factory, world)
    with unit_of_work(factory) as session:
        # The handler never does the call-back (SQ-1), not even a try.
        with pytest.raises(DomainError) as caught:
            orders.add_note(session, world.handler, number, NoteIn(kind="attempt", body="未接"))
        assert caught.value.status == 403
    for _ in range(2):
        with unit_of_work(factory) as session:
            orders.add_note(session, world.agent, number, NoteIn(kind="attempt", body="未接听"))
    assert order(factory, number).callback_attempts == 2
    act(factory, world.agent, number, Action.ARCHIVE, reason="三次未接通", **CLASSIFIED)
    closed = order(factory, number)
    assert closed.callback_outcome == "unreachable" and closed.root_cause == "billing"
    with unit_of_work(factory) as session, pytest.raises(DomainError) as caught:
        orders.add_note(session, world.agent, number, NoteIn(kind="attempt", body="再打"))
    assert caught.value.code == "not_in_callback"


def test_the_worker_archives_unanswered_call_backs_unclassified(
    factory: sessionmaker[Session], world: World
) -> None:
    number = in_callback(factory, world)
    with unit_of_work(factory) as session:
        assert orders.archive_unanswered_callbacks(session, world.system, timedelta(0)) == 1
    closed = order(factory, number)
    assert closed.status == Status.ARCHIVED and closed.callback_outcome == "unreachable"
    assert closed.root_cause is None  # counted as unclassified, not made up


def test_code_lists_are_nationwide_edited_by_hq_and_audited(
    factory: sessionmaker[Session], world: World
) -> None:
    with unit_of_work(factory) as session, pytest.raises(DomainError) as caught:
        orders.set_closure_code(session, world.admin, "root_cause", "roaming", "漫游", "Roaming")
    assert caught.value.code == "write_out_of_scope"  # a province admin
    with unit_of_work(factory) as session:
        hq = hq_admin(session)
        orders.set_closure_code(session, hq, "root_cause", "roaming", "国际漫游", "Roaming")
        orders.set_closure_code(
            session, hq, "root_cause", "billing", "计费差错", "Billing error", active=False
        )
        kinds = {(c.kind, c.code) for c in orders.closure_codes(session)}
        assert ("root_cause", "roaming") in kinds and ("root_cause", "billing") not in kinds
        saved = session.scalars(
            select(AuditRecord).where(AuditRecord.action == "closure_code_saved")
        ).all()
        assert len(saved) == 2
    number = in_callback(factory, world)
    retired = refused(factory, world.agent, number, Action.CALLBACK_SATISFIED, **CLASSIFIED)
    assert retired == "unknown_root_cause"  # retired: kept on old orders, no longer offered
    act(
        factory,
        world.agent,
        number,
        Action.CALLBACK_SATISFIED,
        **{**CLASSIFIED, "root_cause": "roaming"},
    )
    assert order(factory, number).root_cause == "roaming"


def test_hq_admin_edits_the_code_lists_in_the_console(
    client: TestClient, factory: sessionmaker[Session], world: World
) -> None:
    """Issue 9 item 6: the lists are editable in the console, by HQ admins only."""
    with unit_of_work(factory) as session:
        hq_admin(session)
    console_login(client, world.admin.username)  # a province admin reads, edits nothing
    page = client.get("/console/admin/closure-codes")
    assert page.status_code == 200 and 'data-code="billing"' in page.text
    assert 'id="new-root_cause"' not in page.text
    refused = client.post(
        "/console/admin/closure-codes",
        data={"kind": "root_cause", "code": "roaming", "name_zh": "漫游", "name_en": "Roaming"},
    )
    assert refused.status_code in (403, 404)
    console_login(client, "hq.admin")
    assert 'id="new-root_cause"' in client.get("/console/admin/closure-codes").text
    added = client.post(
        "/console/admin/closure-codes",
        data={"kind": "root_cause", "code": "roaming", "name_zh": "漫游计费", "name_en": "Roaming"},
        follow_redirects=False,
    )
    assert added.status_code == 303
    retired = client.post(
        "/console/admin/closure-codes",
        data={"kind": "root_cause", "code": "other", "name_zh": "其他", "name_en": "Other",
              "active": "0"},
    )  # fmt: skip
    assert retired.status_code == 200 and "已保存" in retired.text
    with unit_of_work(factory) as session:
        active = {(c.kind, c.code) for c in orders.closure_codes(session)}
    assert ("root_cause", "roaming") in active and ("root_cause", "other") not in active
    bad = client.post(
        "/console/admin/closure-codes",
        data={"kind": "root_cause", "code": "Not A Code", "name_zh": "x", "name_en": "x"},
    )
    assert bad.status_code == 422
