"""Lifecycle through the service layer on a real database (norms WO-1, WO-2, CH-3)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from telcodesk.db import unit_of_work
from telcodesk.errors import DomainError, IllegalTransition, StaleVersion, ValidationFailed
from telcodesk.org.models import Staff
from telcodesk.workorders import rules
from telcodesk.workorders import service as orders
from telcodesk.workorders.rules import Action, Status
from telcodesk.workorders.schemas import OrderCreate, TransitionIn
from tests.factories import World


def new_order(session: Session, world: World, **kw: object) -> str:
    data = {
        "type": "complaint",
        "channel": "hotline",
        "customer_id": world.customer.id,
        "subject": "宽带掉线",
        "category_code": "network.broadband.drops",
        **kw,
    }
    order, created = orders.register_order(session, world.agent, OrderCreate.model_validate(data))
    assert created
    return order.number


def inputs_for(action: Action, world: World) -> dict[str, object]:
    data: dict[str, object] = {}
    if action == Action.EXTEND:
        data["extend_by"] = 1
    if action in rules.REASON_REQUIRED:
        data["reason"] = "原因说明"
    if action in rules.CUSTOMER_TEXT_REQUIRED:
        data["message"] = "已为您处理"
    if action in rules.HANDLER_REQUIRED:
        data["handler"] = world.handler.username
    if action in rules.ARCHIVING:  # a complaint is archived classified (SQ-2)
        data.update(root_cause="network", responsibility="carrier", justified=True)
    return data


# Dispatch needs rules (tests/routing/test_routing.py); registration is not a transition.
ACTIONS = [a for a in Action if a not in (Action.REGISTER, Action.DISPATCH)]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=25))
def test_random_sequences_keep_history_equal_to_successful_transitions(
    factory: sessionmaker[Session], world: World, actions: list[Action]
) -> None:
    with unit_of_work(factory) as session:
        number = new_order(session, world)
    succeeded = 0
    for action in actions:
        with unit_of_work(factory) as session:
            order = orders.get_order(session, number, viewer=None)
            before = Status(order.status)
            legal = action in orders.allowed_actions(order)
            try:
                orders.transition(
                    session,
                    world.supervisor,
                    number,
                    action,
                    TransitionIn(version=order.version, **inputs_for(action, world)),
                )
                succeeded += 1
                assert legal
                assert order.status == rules.next_status(before, action)
            except IllegalTransition:
                assert not legal
    with unit_of_work(factory) as session:
        order = orders.get_order(session, number, viewer=None)
        events = orders.history(session, order)
        assert len(events) == 1 + succeeded  # the registration, then each successful transition
        assert events[-1].to_status == order.status
        for prev, nxt in itertools.pairwise(events):
            assert nxt.from_status == prev.to_status
        # 首问负责制 (CH-3): the first-contact owner never changes, whoever handles the order.
        assert order.first_contact_owner_id == world.agent.id
        assert (order.closed_at is not None) == rules.is_closed(Status(order.status))


def walk(
    factory: sessionmaker[Session],
    world: World,
    number: str,
    *steps: tuple[Action, dict[str, object]] | tuple[Action, dict[str, object], Staff],
) -> None:
    """Apply the steps as the handler, or as the step's own actor where the table wants
    someone else (a call-back is not the handler's, SQ-1)."""
    for step in steps:
        action, extra = step[0], step[1]
        actor = step[2] if len(step) == 3 else world.handler
        with unit_of_work(factory) as session:
            order = orders.get_order(session, number, viewer=None)
            orders.transition(
                session, actor, number, action, TransitionIn(version=order.version, **extra)
            )


# What archiving a complaint records (SQ-2).
CLASSIFIED = {"root_cause": "billing", "responsibility": "carrier", "justified": True}


def test_full_lifecycle_with_unsatisfied_callback_reopening(
    factory: sessionmaker[Session], world: World
) -> None:
    with unit_of_work(factory) as session:
        number = new_order(session, world)
    h = {"handler": world.handler.username}
    walk(
        factory,
        world,
        number,
        (Action.REVIEW_VALID, {}),
        (Action.ASSIGN, h),
        (Action.START, {}),
        (Action.SUSPEND, {"reason": "等待客户提供账单"}),
        (Action.RESUME, {}),
        (Action.REPLY, {"message": "已核实，退还多收费用 20 元"}),
        # The owner calls the customer back (CH-3), not the handler (SQ-1).
        (Action.START_CALLBACK, {}, world.agent),
        (Action.CALLBACK_UNSATISFIED, {"reason": "客户认为退费不足"}, world.agent),
        (Action.REPLY, {"message": "补退 10 元"}),
        (Action.START_CALLBACK, {}, world.agent),
        (Action.CALLBACK_SATISFIED, CLASSIFIED, world.agent),
    )
    with unit_of_work(factory) as session:
        order = orders.get_order(session, number, viewer=None)
        assert order.status == Status.ARCHIVED
        assert order.reopen_count == 1 and order.satisfied is True and order.closed_at is not None
        assert order.callback_outcome == "satisfied" and order.root_cause == "billing"
        events = orders.history(session, order)
        unsatisfied = next(e for e in events if e.action == Action.CALLBACK_UNSATISFIED)
        assert unsatisfied.reason == "客户认为退费不足"
        assert unsatisfied.changes["reopen_count"] == [0, 1]
        assert unsatisfied.actor_id == world.agent.id
        assert [n.kind for n in orders.notes(session, order)] == ["reply", "reply"]


def test_invalid_review_closes_with_explanation(
    factory: sessionmaker[Session], world: World
) -> None:
    with unit_of_work(factory) as session:
        number = new_order(session, world)
    walk(
        factory,
        world,
        number,
        (Action.REVIEW_INVALID, {"reason": "非本公司业务", "message": "请联系广电客服"}),
    )
    with unit_of_work(factory) as session:
        order = orders.get_order(session, number, viewer=None)
        assert order.status == Status.INVALID and order.is_valid is False
        assert order.invalid_reason == "非本公司业务"
        assert orders.notes(session, order)[0].body == "请联系广电客服"


def test_one_touch_resolution_has_history(factory: sessionmaker[Session], world: World) -> None:
    with unit_of_work(factory) as session:
        number = new_order(
            session,
            world,
            type="consultation",
            category_code="enquiry.tariff",
            resolve_now=True,
            resolution="5G 套餐 129 元含 30GB",
        )
    with unit_of_work(factory) as session:
        order = orders.get_order(session, number, viewer=None)
        assert order.status == Status.ARCHIVED
        assert [e.action for e in orders.history(session, order)] == ["register", "resolve_at_once"]


def test_one_touch_refused_for_complaints(factory: sessionmaker[Session], world: World) -> None:
    with unit_of_work(factory) as session, pytest.raises(ValidationFailed) as err:
        new_order(session, world, resolve_now=True, resolution="x")
    assert err.value.code == "one_touch_not_allowed"


def test_stale_version_refused(factory: sessionmaker[Session], world: World) -> None:
    with unit_of_work(factory) as session:
        number = new_order(session, world)
    with unit_of_work(factory) as session, pytest.raises(StaleVersion):
        orders.transition(
            session, world.handler, number, Action.REVIEW_VALID, TransitionIn(version=99)
        )


def test_concurrent_update_detected_by_version_column(
    factory: sessionmaker[Session], world: World
) -> None:
    """Two sessions read version 1; the second write must fail, not overwrite (lost update)."""
    with unit_of_work(factory) as session:
        number = new_order(session, world)
    s1, s2 = factory(), factory()
    try:
        o1, o2 = (
            orders.get_order(s1, number, viewer=None),
            orders.get_order(s2, number, viewer=None),
        )
        orders.transition(
            s1, world.handler, number, Action.REVIEW_VALID, TransitionIn(version=o1.version)
        )
        s1.commit()
        with pytest.raises(DomainError) as err:
            orders.transition(
                s2,
                world.handler,
                number,
                Action.REVIEW_INVALID,
                TransitionIn(version=o2.version, reason="x", message="y"),
            )
        assert err.value.code == "stale_version"
    finally:
        s2.rollback()
        s1.close()
        s2.close()


def test_escalate_raises_level_and_keeps_owner(
    factory: sessionmaker[Session], world: World
) -> None:
    with unit_of_work(factory) as session:
        number = new_order(session, world)
    walk(
        factory,
        world,
        number,
        (Action.REVIEW_VALID, {}),
        (
            Action.ESCALATE,
            {"reason": "重大投诉，客户要求上级处理", "handler": world.supervisor.username},
            world.agent,  # the owner answers for the order (CH-3)
        ),
    )
    with unit_of_work(factory) as session:
        order = orders.get_order(session, number, viewer=None)
        assert order.escalation_level == 1
        assert order.handler_id == world.supervisor.id
        assert order.first_contact_owner_id == world.agent.id
