"""Dispatch by rules (CC-1, CH-4, WO-4): rule choice and its explanation, least load and round
robin, skills, the province centre dispatching to city remote seats and chasing them, cross-region
transfer, rules editing, and the first-contact owner who never changes (CH-3)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from telcodesk import clock
from telcodesk.audit import service as audit
from telcodesk.config import Settings
from telcodesk.db import unit_of_work
from telcodesk.errors import Forbidden
from telcodesk.notify.models import Notification
from telcodesk.org import admin as org_admin
from telcodesk.org import service as org
from telcodesk.org.admin_schemas import SkillsIn
from telcodesk.org.models import Staff
from telcodesk.org.roles import Role, UnitKind
from telcodesk.routing import rules, service
from telcodesk.routing.rules import OrderFacts, Seat, Strategy
from telcodesk.routing.schemas import RuleIn
from telcodesk.worker import Worker
from telcodesk.workorders import service as orders
from telcodesk.workorders.rules import Action, Status
from telcodesk.workorders.schemas import OrderCreate, TransitionIn
from tests.conftest import console_login, login
from tests.factories import PASSWORD, World, hq_admin

# --- pure rules ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FakeRule:
    id: int
    precedence: int = 100
    match_type: str | None = None
    match_category: str | None = None
    match_region: str | None = None
    match_tier: str | None = None
    match_channel: str | None = None


FACTS = OrderFacts("fault", "network.broadband.drops", "gold", "hotline", "440000", "440100")


def test_category_matches_by_code_prefix_and_region_by_province_or_city() -> None:
    def matched(**kw: str) -> bool:
        return rules.check(FakeRule(1, **kw), FACTS).matched  # type: ignore[arg-type]

    assert matched(match_category="network") and matched(match_category="network.broadband")
    assert matched(match_category="network.broadband.drops")
    assert not matched(match_category="network.broad") and not matched(match_category="billing")
    assert matched(match_region="440000") and matched(match_region="440100")
    assert not matched(match_region="440300")
    no_category = OrderFacts("fault", None, "gold", "hotline", "440000", "440100")
    assert not rules.check(FakeRule(1, match_category="network"), no_category).matched


def test_most_specific_rule_wins_then_precedence_then_id() -> None:
    anything = FakeRule(1, precedence=1)
    by_type = FakeRule(2, match_type="fault")
    deeper = FakeRule(3, match_category="network.broadband")
    shallow = FakeRule(4, match_category="network")
    city = FakeRule(5, match_region="440100")
    province = FakeRule(6, match_region="440000")
    two = FakeRule(7, precedence=500, match_type="fault", match_tier="gold")
    assert rules.choose_rule([anything, by_type], FACTS) is by_type  # more fields beat precedence
    assert rules.choose_rule([shallow, deeper], FACTS) is deeper
    assert rules.choose_rule([province, city], FACTS) is city
    assert rules.choose_rule([by_type, deeper, city, two], FACTS) is two
    tie_a, tie_b = FakeRule(8, precedence=50, match_type="fault"), FakeRule(9, match_type="fault")
    assert rules.choose_rule([tie_b, tie_a], FACTS) is tie_a
    assert rules.choose_rule([FakeRule(11, match_type="fault"), by_type], FACTS) is by_type
    assert rules.choose_rule([FakeRule(12, match_tier="diamond")], FACTS) is None


def test_explanation_says_which_fields_matched_and_which_did_not() -> None:
    fits = FakeRule(1, match_type="fault", match_region="440100")
    misses = FakeRule(2, match_type="complaint", match_tier="gold")
    why = rules.explain([misses, fits], FACTS)
    assert why.chosen is fits
    assert [c.rule for c in why.checks] == [fits, misses]  # matching rules first
    assert [(c.field, c.wanted) for c in why.checks[0].matched_fields] == [
        ("type", "fault"),
        ("region", "440100"),
    ]
    missed = {c.field: c for c in why.checks[1].checks}
    assert not missed["type"].matched and missed["type"].actual == "fault"
    assert missed["tier"].matched and missed["channel"].wanted is None


TYPES, TIERS, CHANNELS = ["fault", "complaint"], ["standard", "gold"], ["hotline", "hall"]
CATEGORIES = [None, "network", "network.broadband", "network.broadband.drops", "billing"]
REGIONS = [None, "440000", "440100", "440300"]

rule_lists = st.lists(
    st.builds(
        FakeRule,
        id=st.integers(1, 10_000),
        precedence=st.integers(0, 3),
        match_type=st.sampled_from([None, *TYPES]),
        match_category=st.sampled_from(CATEGORIES),
        match_region=st.sampled_from(REGIONS),
        match_tier=st.sampled_from([None, *TIERS]),
        match_channel=st.sampled_from([None, *CHANNELS]),
    ),
    max_size=12,
    unique_by=lambda r: r.id,
)
facts = st.builds(
    OrderFacts,
    type=st.sampled_from(TYPES),
    category_code=st.sampled_from([c for c in CATEGORIES if c] + [None, "billing.charges"]),
    tier=st.sampled_from(TIERS),
    channel=st.sampled_from(CHANNELS),
    province_code=st.just("440000"),
    city_code=st.sampled_from(["440100", "440300"]),
)


def oracle(r: FakeRule, o: OrderFacts) -> bool:
    """Matching, written out independently of the module."""
    category = o.category_code or ""
    return (
        r.match_type in (None, o.type)
        and (r.match_category is None or (category + ".").startswith(r.match_category + "."))
        and r.match_region in (None, o.province_code, o.city_code)
        and r.match_tier in (None, o.tier)
        and r.match_channel in (None, o.channel)
    )


@given(rule_lists, facts, st.randoms())
def test_the_chosen_rule_matches_and_no_matching_rule_ranks_before_it(
    rule_list: list[FakeRule], order: OrderFacts, rnd: random.Random
) -> None:
    why = rules.explain(rule_list, order)
    matching = [r for r in rule_list if oracle(r, order)]
    assert [c.rule for c in why.checks if c.matched] == sorted(matching, key=rules.rank)
    assert len(why.checks) == len(rule_list)
    if not matching:
        assert why.chosen is None
        return
    assert why.chosen is not None and oracle(why.chosen, order)
    assert all(rules.rank(why.chosen) <= rules.rank(r) for r in matching)
    shuffled = list(rule_list)
    rnd.shuffle(shuffled)
    assert rules.choose_rule(shuffled, order) is why.chosen  # the input order does not matter


SKILLS = ["fault", "complaint", "vip"]
seat_lists = st.lists(
    st.builds(
        Seat,
        id=st.integers(1, 500),
        skills=st.frozensets(st.sampled_from(SKILLS)),
        available=st.booleans(),
        load=st.integers(0, 30),
    ),
    max_size=10,
    unique_by=lambda s: s.id,
)
skills = st.sampled_from([None, *SKILLS])


@given(seat_lists, skills, st.sampled_from(list(Strategy)), st.none() | st.integers(0, 600))
def test_the_choice_is_always_an_available_candidate_with_the_skill(
    seats: list[Seat], skill: str | None, strategy: Strategy, last_id: int | None
) -> None:
    chosen = rules.pick(seats, skill, strategy, last_id)
    eligible = [s for s in seats if s.available and (skill is None or skill in s.skills)]
    if not eligible:
        assert chosen is None
        return
    assert chosen in eligible


@given(seat_lists, skills)
def test_least_load_picks_a_minimum_load_lowest_id_first(
    seats: list[Seat], skill: str | None
) -> None:
    chosen = rules.pick(seats, skill, Strategy.LEAST_LOAD, None)
    eligible = rules.eligible(seats, skill)
    if chosen is not None:
        low = min(s.load for s in eligible)
        assert chosen.load == low
        assert chosen.id == min(s.id for s in eligible if s.load == low)


@given(seat_lists, skills, st.none() | st.integers(0, 600), st.integers(1, 4))
def test_round_robin_cycles_through_everyone_fairly(
    seats: list[Seat], skill: str | None, last_id: int | None, rounds: int
) -> None:
    eligible = rules.eligible(seats, skill)
    picks: list[int] = []
    for _ in range(rounds * len(eligible)):
        chosen = rules.pick(seats, skill, Strategy.ROUND_ROBIN, last_id)
        assert chosen is not None
        picks.append(chosen.id)
        last_id = chosen.id
    ids = sorted(s.id for s in eligible)
    assert all(picks.count(i) == rounds for i in ids)  # everyone equally often
    for start in range(0, len(picks), max(1, len(ids))):  # each cycle is everyone once, by id
        cycle = picks[start : start + len(ids)]
        assert sorted(cycle) == ids
        assert cycle == ids[ids.index(cycle[0]) :] + ids[: ids.index(cycle[0])]


# --- through the services, on both databases ----------------------------------------------------


@dataclass
class Desk:
    """Remote seats in Guangzhou and Shenzhen, the provincial complaint centre (CC-1)."""

    gz: list[str]
    sz: list[str]
    cmp: list[str]


def build_desk(session: Session, world: World, *, seed: bool = True) -> Desk:
    if seed:
        service.seed_rules(session)
    units = {
        code: org.ensure_unit(
            session,
            code=code,
            name=name,
            kind=kind,
            region_code=region,
            parent=org.get_unit_by_code(session, parent),
        )
        for code, name, kind, region, parent in [
            ("GZ-RS", "广州远程坐席", UnitKind.DEPARTMENT, "440100", "GZ"),
            ("SZ-RS", "深圳远程坐席", UnitKind.DEPARTMENT, "440300", "SZ"),
            ("GD-CMP", "省投诉处理中心", UnitKind.COMPLAINT_CENTRE, "440000", "GD"),
        ]
    }
    desk = Desk(["gz.remote1", "gz.remote2"], ["sz.remote1"], ["cmp1", "cmp2", "cmp3"])
    for names, unit, skill in [
        (desk.gz, "GZ-RS", "fault"),
        (desk.sz, "SZ-RS", "fault"),
        (desk.cmp, "GD-CMP", "complaint"),
    ]:
        for username in names:
            org.create_staff(
                session,
                username=username,
                display_name=username,
                password=PASSWORD,
                unit=units[unit],
                role=Role.COMPLAINT_HANDLER,
            )
            set_skills(session, world, username, [skill])
    return desk


def set_skills(
    session: Session, world: World, username: str, skills: list[str], available: bool = True
) -> None:
    org_admin.set_skills(
        session, world.admin, username, SkillsIn(skills=skills, available=available)
    )


def reviewed(session: Session, world: World, *, vip: bool = False, **kw: object) -> str:
    """A reviewed order, registered by its first-contact owner: the Guangzhou hotline agent, or
    the provincial supervisor for the gold customer, who lives in Shenzhen."""
    data = {
        "type": "fault",
        "channel": "hotline",
        "customer_id": (world.vip if vip else world.customer).id,
        "subject": "宽带掉线",
        "category_code": "network.broadband.drops",
        **kw,
    }
    owner = world.supervisor if vip else world.agent
    order, _ = orders.register_order(session, owner, OrderCreate.model_validate(data))
    orders.transition(
        session, world.supervisor, order.number, Action.REVIEW_VALID, TransitionIn(version=1)
    )
    return order.number


def act(
    factory: sessionmaker[Session], actor: Staff, number: str, action: Action, **kw: object
) -> None:
    with unit_of_work(factory) as session:
        order = orders.get_order(session, number, viewer=None)
        orders.transition(session, actor, number, action, TransitionIn(version=order.version, **kw))


def handler_of(factory: sessionmaker[Session], number: str) -> str:
    with unit_of_work(factory) as session:
        order = orders.get_order(session, number, viewer=None)
        return order.handler.username if order.handler else ""


def test_province_dispatches_faults_to_the_order_city_remote_seats_by_least_load(
    factory: sessionmaker[Session], world: World
) -> None:
    with unit_of_work(factory) as session:
        build_desk(session, world)
        gz = [reviewed(session, world) for _ in range(3)]
        sz = reviewed(session, world, vip=True)  # the gold customer lives in Shenzhen
    for number in [*gz, sz]:
        act(factory, world.supervisor, number, Action.DISPATCH)
    # Loads 0/0 → remote1 (lower id), 1/0 → remote2, 1/1 → remote1.
    assert [handler_of(factory, n) for n in gz] == ["gz.remote1", "gz.remote2", "gz.remote1"]
    assert handler_of(factory, sz) == "sz.remote1"

    with unit_of_work(factory) as session:
        order = orders.get_order(session, gz[2], viewer=None)
        assert order.status == Status.ASSIGNED
        note = order.dispatch_note
        assert note is not None
        assert note["rule"]["code"] == "fault" and note["strategy"] == "least_load"
        assert note["why"] == [{"field": "type", "wanted": "fault", "actual": "fault"}]
        assert note["unit"]["code"] == "GZ-RS" and note["skill"] == "fault"
        assert [(c["username"], c["load"]) for c in note["candidates"]] == [
            ("gz.remote1", 1),
            ("gz.remote2", 1),
        ]
        assert note["chosen"]["username"] == "gz.remote1" and note["by"] == "gd.supervisor"
        assert order.handling_unit_id == org.get_unit_by_code(session, "GZ-RS").id
        event = orders.history(session, order)[-1]
        assert event.action == Action.DISPATCH and event.actor_id == world.supervisor.id
        assert event.changes["dispatch_rule"] == "fault"
        assert event.changes["handling_unit_id"][1] == order.handling_unit_id
        assert order.first_contact_owner_id == world.agent.id  # CH-3


def test_least_load_counts_only_orders_in_hand(
    factory: sessionmaker[Session], world: World
) -> None:
    with unit_of_work(factory) as session:
        build_desk(session, world)
        first, second, third = (reviewed(session, world) for _ in range(3))
    act(factory, world.supervisor, first, Action.DISPATCH)
    act(factory, world.supervisor, second, Action.DISPATCH)
    remote1 = org_staff(factory, "gz.remote1")
    act(factory, remote1, first, Action.START)
    act(factory, remote1, first, Action.REPLY, message="已修复")  # replied: off remote1's hands
    act(factory, world.supervisor, third, Action.DISPATCH)
    assert handler_of(factory, third) == "gz.remote1"


def org_staff(factory: sessionmaker[Session], username: str) -> Staff:
    with unit_of_work(factory) as session:
        return org.get_staff_by_username(session, username)


def test_skill_and_availability_filter_the_candidates(
    factory: sessionmaker[Session], world: World
) -> None:
    with unit_of_work(factory) as session:
        build_desk(session, world)
        set_skills(session, world, "gz.remote1", ["complaint"])  # no fault skill
        a, b = reviewed(session, world), reviewed(session, world)
    act(factory, world.supervisor, a, Action.DISPATCH)
    assert handler_of(factory, a) == "gz.remote2"
    with unit_of_work(factory) as session:
        set_skills(session, world, "gz.remote2", ["fault"], available=False)  # on a break
    # Nobody there can take it: the order waits in the unit's queue and the supervisor over
    # the unit is alerted, in the history (``notified``) and by a notification.
    act(factory, world.supervisor, b, Action.DISPATCH)
    with unit_of_work(factory) as session:
        order = orders.get_order(session, b, viewer=None)
        assert order.status == Status.REVIEWED and order.handler_id is None
        assert order.handling_unit_id == org.get_unit_by_code(session, "GZ-RS").id
        note = order.dispatch_note
        assert note is not None and note["queued"] is True and note["chosen"] is None
        assert note["problem"]["code"] == "no_dispatch_candidate"
        assert "广州远程坐席" in note["problem"]["message_zh"]
        assert "fault" in note["problem"]["message_en"]
        event = orders.history(session, order)[-1]
        assert event.action == Action.DISPATCH and event.to_status == Status.REVIEWED
        assert event.changes["queued"] is True
        assert event.changes["notified"] == [world.supervisor.id]  # GD is over GZ-RS
        kind = Notification.kind == "unassigned"  # notify's kind for an order nobody takes
        alerts = session.scalars(select(Notification).where(kind))
        assert [(n.staff_id, n.order_id) for n in alerts] == [(world.supervisor.id, order.id)]
    # A member of the unit finds it in the unit's queue and takes it when back (CC-1).
    remote2 = org_staff(factory, "gz.remote2")
    with unit_of_work(factory) as session:
        assert [o.number for o in orders.unit_queue(session, remote2)] == [b]
        assert orders.unit_queue(session, world.agent) == []  # not the agent's unit
    act(factory, remote2, b, Action.ASSIGN, handler="gz.remote2")
    assert handler_of(factory, b) == "gz.remote2"
    with unit_of_work(factory) as session:
        assert orders.unit_queue(session, remote2) == []


def test_no_rule_is_a_clear_409_not_a_silent_failure(
    client: TestClient, factory: sessionmaker[Session], world: World
) -> None:
    with unit_of_work(factory) as session:
        build_desk(session, world, seed=False)
        number = reviewed(session, world)
    boss = login(client, world.supervisor.username)
    res = client.post(
        f"/api/v1/orders/{number}/actions/dispatch", json={"version": 2}, headers=boss
    )
    assert res.status_code == 409
    body = res.json()
    assert body["code"] == "no_dispatch_rule" and body["message_zh"] and body["message_en"]
    with unit_of_work(factory) as session:  # a rule whose unit kind exists nowhere near
        rule = RuleIn.model_validate(
            {"name": "故障 → 客户经理团队", "match_type": "fault", "target_kind": "account_team"}
        )
        service.save_rule(session, hq_admin(session), "fault-am", rule)
    res = client.post(
        f"/api/v1/orders/{number}/actions/dispatch", json={"version": 2}, headers=boss
    )
    assert res.status_code == 409 and res.json()["code"] == "no_dispatch_unit"


def test_dispatch_needs_the_dispatch_permission_and_takes_no_handler(
    client: TestClient, factory: sessionmaker[Session], world: World
) -> None:
    with unit_of_work(factory) as session:
        build_desk(session, world)
        number = reviewed(session, world)
    agent, boss = login(client, world.agent.username), login(client, world.supervisor.username)
    url = f"/api/v1/orders/{number}/actions/dispatch"
    res = client.post(url, json={"version": 2}, headers=agent)  # the owner is no dispatcher
    assert res.status_code == 403 and res.json()["code"] == "order_action_denied"
    res = client.post(url, json={"version": 2, "handler": "gz.remote2"}, headers=boss)
    assert res.status_code == 422 and res.json()["code"] == "handler_not_allowed"
    res = client.post(url, json={"version": 2}, headers=boss)
    assert res.status_code == 200, res.text
    out = res.json()
    assert out["status"] == "assigned" and out["handler"]["username"] == "gz.remote1"
    assert out["dispatch_note"]["rule"]["code"] == "fault" and out["handling_unit_id"]
    assert "chase" in out["allowed_actions"]


def test_vip_complaints_go_round_robin_to_the_complaint_centre(
    factory: sessionmaker[Session], world: World
) -> None:
    complaint = {"type": "complaint", "category_code": "billing.charges"}
    with unit_of_work(factory) as session:
        build_desk(session, world)
        vip = [reviewed(session, world, vip=True, **complaint) for _ in range(4)]
        plain = reviewed(session, world, **complaint)
    for number in vip:
        act(factory, world.supervisor, number, Action.DISPATCH)
    # Round robin ignores loads: cmp1, cmp2, cmp3, then cmp1 again (the unit remembers).
    assert [handler_of(factory, n) for n in vip] == ["cmp1", "cmp2", "cmp3", "cmp1"]
    act(factory, world.supervisor, plain, Action.DISPATCH)
    assert handler_of(factory, plain) == "cmp2"  # least load: cmp2 and cmp3 have one each
    with unit_of_work(factory) as session:
        vip_note = orders.get_order(session, vip[0], viewer=None).dispatch_note
        plain_note = orders.get_order(session, plain, viewer=None).dispatch_note
        assert vip_note and plain_note
        # The gold rule (type + tier) is more specific than the billing one (category).
        assert vip_note["rule"]["code"] == "complaint-gold"
        assert vip_note["strategy"] == "round_robin" and vip_note["unit"]["code"] == "GD-CMP"
        assert plain_note["rule"]["code"] == "billing"


def test_chase_notifies_the_handler_and_supervisor_and_is_in_the_history(
    client: TestClient, factory: sessionmaker[Session], world: World
) -> None:
    with unit_of_work(factory) as session:
        build_desk(session, world)
        number = reviewed(session, world)
        order = orders.get_order(session, number, viewer=None)
        assert Action.CHASE not in orders.allowed_actions(order)  # nobody to chase yet
    act(factory, world.supervisor, number, Action.DISPATCH)
    owner = login(client, world.agent.username)  # the first-contact owner chases (CH-3)
    url = f"/api/v1/orders/{number}/actions/chase"
    res = client.post(url, json={"version": 3}, headers=owner)
    assert res.status_code == 422 and res.json()["code"] == "reason_required"
    res = client.post(url, json={"version": 3, "reason": "客户第二次来电催促"}, headers=owner)
    assert res.status_code == 200, res.text
    assert res.json()["status"] == "assigned"
    history = client.get(f"/api/v1/orders/{number}/history", headers=owner).json()
    chase = history[-1]
    assert chase["action"] == "chase" and chase["reason"] == "客户第二次来电催促"
    assert chase["from_status"] == chase["to_status"] == "assigned"
    assert chase["changes"]["chased"] == ["gd.supervisor", "gz.remote1"]
    with unit_of_work(factory) as session:
        notes = session.scalars(select(Notification).order_by(Notification.id)).all()
        to = {n.staff_id for n in notes}
        assert to == {org.get_staff_by_username(session, "gz.remote1").id, world.supervisor.id}
        assert all(n.kind == "chase" and "客户第二次来电催促" in n.message_zh for n in notes)
        assert all(number in n.message_en for n in notes)


def test_cross_region_transfer_needs_a_supervisor_and_the_owner_never_changes(
    client: TestClient, factory: sessionmaker[Session], world: World
) -> None:
    with unit_of_work(factory) as session:
        build_desk(session, world)
        number = reviewed(session, world)
    act(factory, world.supervisor, number, Action.DISPATCH)
    act(factory, org_staff(factory, "gz.remote1"), number, Action.START)
    move = {"handler": "sz.remote1", "reason": "客户常住深圳，转属地处理"}
    with pytest.raises(Forbidden) as err:  # a city handler cannot move it sideways (WO-4)
        act(factory, org_staff(factory, "gz.remote1"), number, Action.TRANSFER, **move)
    assert err.value.code == "cross_region_transfer_denied"
    agent = login(client, world.agent.username)  # the owner does not transfer at all
    res = client.post(
        f"/api/v1/orders/{number}/actions/transfer", json={"version": 4, **move}, headers=agent
    )
    assert res.status_code == 403 and res.json()["code"] == "order_action_denied"
    act(factory, world.supervisor, number, Action.TRANSFER, **move)
    act(factory, world.supervisor, number, Action.CHASE, reason="跨区工单请尽快处理")
    with unit_of_work(factory) as session:
        order = orders.get_order(session, number, viewer=None)
        assert order.handler is not None and order.handler.username == "sz.remote1"
        assert order.handling_unit_id == org.get_unit_by_code(session, "SZ-RS").id
        events = orders.history(session, order)
        transfer = next(e for e in events if e.action == Action.TRANSFER)
        assert transfer.reason == "客户常住深圳，转属地处理"
        assert transfer.actor_id == world.supervisor.id
        assert [e.action for e in events][-4:] == ["dispatch", "start", "transfer", "chase"]
        # 首问负责制 (CH-3): dispatch, transfer and chase leave the owner alone.
        assert order.first_contact_owner_id == world.agent.id
        assert all("first_contact_owner_id" not in e.changes for e in events)


def test_rules_are_edited_by_admins_validated_and_audited(
    client: TestClient, factory: sessionmaker[Session], world: World
) -> None:
    with unit_of_work(factory) as session:
        build_desk(session, world)
    agent, admin = login(client, world.agent.username), login(client, world.admin.username)
    listed = client.get("/api/v1/dispatch/rules", headers=agent)
    assert listed.status_code == 200
    assert {"fault", "complaint", "complaint-gold", "default"} <= {r["code"] for r in listed.json()}
    rule = {
        "name": "广州宽带故障 → 广州远程坐席（轮询）",
        "match_type": "fault",
        "match_category": "network.broadband",
        "match_region": "440100",
        "required_skill": "fault",
        "target_unit_code": "GZ-RS",
        "strategy": "round_robin",
    }
    url = "/api/v1/dispatch/rules/gz-broadband"
    res = client.put(url, json=rule, headers=agent)
    assert res.status_code == 403 and res.json()["code"] == "permission_denied"
    for bad in (
        {"strategy": "random"},
        {"match_region": "44010"},
        {"target_unit_code": "NOPE"},
        {"match_category": "network.nothing"},
        {"target_kind": "moon_base"},
    ):
        res = client.put(url, json={**rule, **bad}, headers=admin)
        assert res.status_code == 422, (bad, res.text)
        assert {"code", "message_zh", "message_en"} <= set(res.json())
    assert (
        client.put("/api/v1/dispatch/rules/Bad Code", json=rule, headers=admin).status_code == 422
    )
    res = client.put(url, json=rule, headers=admin)
    assert res.status_code == 200, res.text
    out = res.json()
    assert out["code"] == "gz-broadband" and out["target_unit_code"] == "GZ-RS"
    assert out["target_unit_name"] == "广州远程坐席" and out["strategy"] == "round_robin"
    res = client.put(url, json={**rule, "active": False}, headers=admin)
    assert res.status_code == 200 and res.json()["active"] is False
    with unit_of_work(factory) as session:
        saved = audit.recent(session, action="dispatch_rule_saved")
        assert [a.object_id for a in saved] == ["gz-broadband", "gz-broadband"]
        assert saved[0].details["before"]["active"] is True
        assert saved[0].details["after"]["active"] is False
        assert saved[1].details["before"] is None and saved[0].actor_id == world.admin.id
    with unit_of_work(factory) as session:  # the seeding keeps edits and adds nothing twice
        assert service.seed_rules(session) == 0


def test_an_edited_rule_routes_the_next_dispatch(
    factory: sessionmaker[Session], world: World
) -> None:
    with unit_of_work(factory) as session:
        build_desk(session, world)
        service.save_rule(
            session,
            world.admin,
            "gz-broadband",
            RuleIn.model_validate(
                {
                    "name": "广州宽带故障 → 省投诉处理中心",
                    "match_type": "fault",
                    "match_category": "network.broadband",
                    "match_region": "440100",
                    "target_unit_code": "GD-CMP",
                }
            ),
        )
        number = reviewed(session, world)
    act(factory, world.supervisor, number, Action.DISPATCH)
    assert handler_of(factory, number) == "cmp1"  # no skill needed by this rule


def test_explain_shows_the_rule_and_why_within_the_callers_scope(
    client: TestClient, factory: sessionmaker[Session], world: World
) -> None:
    with unit_of_work(factory) as session:
        build_desk(session, world)
        number = reviewed(session, world)
    agent = login(client, world.agent.username)
    url = f"/api/v1/orders/{number}/dispatch/explain"
    res = client.get(url, headers=agent)
    assert res.status_code == 200, res.text
    out = res.json()
    assert out["rule"] == "fault" and out["unit"]["code"] == "GZ-RS"
    assert out["strategy"] == "least_load" and out["required_skill"] == "fault"
    assert out["would_choose"] == "gz.remote1" and out["problem"] is None
    assert out["dispatch_note"] is None  # not dispatched yet
    first = out["rules"][0]
    assert first["code"] == "fault" and first["matched"]
    assert {c["field"]: c["matched"] for c in first["checks"]}["type"]
    complaint = next(r for r in out["rules"] if r["code"] == "complaint")
    assert not complaint["matched"]
    assert next(c for c in complaint["checks"] if c["field"] == "type") == {
        "field": "type",
        "wanted": "complaint",
        "actual": "fault",
        "matched": False,
    }
    assert [c["username"] for c in out["candidates"]] == ["gz.remote1", "gz.remote2"]

    other = login(client, world.other_city_agent.username)  # Shenzhen: not their order
    res = client.get(url, headers=other)
    assert res.status_code == 404 and res.json()["code"] == "order_not_found"

    with unit_of_work(factory) as session:
        set_skills(session, world, "gz.remote1", [], available=True)
        set_skills(session, world, "gz.remote2", [], available=True)
    problem = client.get(url, headers=agent).json()["problem"]
    assert problem["code"] == "no_dispatch_candidate"


def test_console_rules_page_dispatch_note_and_explain_page(
    client: TestClient, factory: sessionmaker[Session], world: World
) -> None:
    with unit_of_work(factory) as session:
        build_desk(session, world)
        number = reviewed(session, world)

    console_login(client, world.agent.username)
    page = client.get("/console/admin/dispatch")
    assert page.status_code == 200 and 'data-code="fault"' in page.text
    assert "rule-form" not in page.text  # others read, admins edit
    res = client.post(
        "/console/admin/dispatch", data={"code": "x", "name": "x"}, follow_redirects=False
    )
    assert res.status_code == 403
    explain = client.get(f"/console/orders/{number}/dispatch")
    assert explain.status_code == 200 and 'id="preview-chosen"' in explain.text
    assert "gz.remote1" in explain.text

    console_login(client, world.other_city_agent.username)
    assert client.get(f"/console/orders/{number}/dispatch").status_code == 404

    console_login(client, world.admin.username)
    page = client.get("/console/admin/dispatch")
    assert "rule-form" in page.text
    form = {
        "code": "gz-all",
        "name": "广州一切 → 广州远程坐席",
        "precedence": "5",
        "match_region": "440100",
        "target_unit_code": "GZ-RS",
        "strategy": "round_robin",
        "active": "1",
    }
    bad = client.post("/console/admin/dispatch", data={**form, "match_region": "4401"})
    assert bad.status_code == 422 and 'role="alert"' in bad.text
    res = client.post("/console/admin/dispatch", data=form, follow_redirects=False)
    assert res.status_code == 303
    assert 'data-code="gz-all"' in client.get("/console/admin/dispatch").text

    console_login(client, world.supervisor.username)
    detail = client.get(f"/console/orders/{number}").text
    assert 'data-action="dispatch"' in detail
    dispatch_form = detail.split('data-action="dispatch"')[1].split("</form>")[0]
    assert 'name="handler"' not in dispatch_form  # the rules choose the handler
    res = client.post(
        f"/console/orders/{number}/act/dispatch", data={"version": "2"}, follow_redirects=False
    )
    assert res.status_code == 303, res.text
    detail = client.get(f"/console/orders/{number}").text
    assert 'id="dispatch-rule"' in detail and "gz-all" in detail
    assert 'id="handling-unit">广州远程坐席' in detail and 'data-chosen="1"' in detail
    chase_form = detail.split('data-action="chase"')[1].split("</form>")[0]
    assert 'name="reason"' in chase_form and 'name="handler"' not in chase_form
    res = client.post(
        f"/console/orders/{number}/act/chase",
        data={"version": "3", "reason": "请今天处理"},
        follow_redirects=False,
    )
    assert res.status_code == 303
    assert "请今天处理" in client.get(f"/console/orders/{number}").text


def test_seeded_rules_pass_their_own_validation(
    factory: sessionmaker[Session], world: World
) -> None:
    with unit_of_work(factory) as session:
        build_desk(session, world)
        units = service.units_by_id(session)
        seeded = service.list_rules(session)
        assert seeded[0].code == "fault" and seeded[-1].code == "default"  # by precedence
        hq = hq_admin(session)
        for rule in seeded:  # what the seed wrote is what an admin could have entered
            data = service.as_input(rule, units)
            assert service.save_rule(session, hq, rule.code, data) is rule


def test_worker_routes_reviewed_orders_nobody_assigned(
    factory: sessionmaker[Session], world: World, settings: Settings
) -> None:
    """New orders reach a handler by the rules even when no supervisor dispatches (CC-1); one
    the rules cannot place keeps the reason and waits for a person, tried once."""
    with unit_of_work(factory) as session:
        build_desk(session, world)
        for username in ("gz.remote1", "gz.remote2"):  # Guangzhou's remote seats are all away
            set_skills(session, world, username, ["fault"], available=False)
        routable = reviewed(session, world, vip=True)  # Shenzhen: sz.remote1 is in
        unroutable = reviewed(session, world)  # Guangzhou
    worker = Worker(factory, settings)
    assert worker.run_job("dispatch_reviewed") == 0  # reviewed just now: a person may still act
    later = clock.now() + timedelta(minutes=settings.auto_dispatch_after_minutes + 1)
    clock.set_clock(lambda: later)
    assert worker.run_job("dispatch_reviewed") == 2  # one to a person, one to a unit queue
    assert worker.run_job("dispatch_reviewed") == 0  # each order is tried once
    assert handler_of(factory, routable) == "sz.remote1"
    with unit_of_work(factory) as session:
        order = orders.get_order(session, routable, viewer=None)
        assert order.status == Status.ASSIGNED
        assert orders.history(session, order)[-1].actor_id == world.system.id
        waiting = orders.get_order(session, unroutable, viewer=None)
        assert waiting.status == Status.REVIEWED and waiting.handler_id is None
        assert waiting.dispatch_note is not None and waiting.dispatch_note["queued"] is True
        assert waiting.dispatch_note["problem"]["code"] == "no_dispatch_candidate"
        assert waiting.dispatch_note["notified"] == [world.supervisor.id]
        assert waiting.handling_unit_id == org.get_unit_by_code(session, "GZ-RS").id


def test_a_failed_automatic_dispatch_shows_on_the_order_page(
    client: TestClient, factory: sessionmaker[Session], world: World, settings: Settings
) -> None:
    with unit_of_work(factory) as session:
        build_desk(session, world, seed=False)  # no rules at all
        number = reviewed(session, world)
    later = clock.now() + timedelta(minutes=settings.auto_dispatch_after_minutes + 1)
    clock.set_clock(lambda: later)
    assert Worker(factory, settings).run_job("dispatch_reviewed") == 0
    console_login(client, world.agent.username)
    page = client.get(f"/console/orders/{number}")
    assert page.status_code == 200 and 'id="auto-dispatch-failed"' in page.text


def test_a_queued_order_shows_on_its_page_and_in_the_unit_queue(
    client: TestClient, factory: sessionmaker[Session], world: World
) -> None:
    with unit_of_work(factory) as session:
        build_desk(session, world)
        for username in ("gz.remote1", "gz.remote2"):
            set_skills(session, world, username, ["fault"], available=False)
        number = reviewed(session, world)
    act(factory, world.supervisor, number, Action.DISPATCH)
    console_login(client, world.supervisor.username)
    page = client.get(f"/console/orders/{number}").text
    assert 'id="dispatch-queued"' in page and "单位队列" in page
    client.post("/logout")
    console_login(client, "gz.remote1")
    queue = client.get("/console/my?tab=queue")
    assert queue.status_code == 200 and number in queue.text
    assert number not in client.get("/console/my?tab=handling").text
