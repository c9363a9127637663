"""Setting a hall up: its config, the service types and work profiles seeded from the norms
(T-3: wait ≤ 30 min, VIP ≤ 5 min, a transaction ≤ 10 min; BH-2: VIP and 爱心通道), counters.

Also the one place that finds a hall for an actor: halls of the actor's region only (CD-2),
another region's hall answers 404 like one that does not exist.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from telcodesk.errors import NotFound
from telcodesk.halls import rules
from telcodesk.halls.models import HallConfig, HallCounter, ServiceType, WorkProfile
from telcodesk.org.models import OrgUnit, Staff
from telcodesk.org.permissions import Permission, require
from telcodesk.org.roles import UnitKind
from telcodesk.org.scope import covers_region, scope_of


@dataclass(frozen=True)
class TypeSeed:
    code: str
    name_zh: str
    name_en: str
    kind: str
    target: int  # minutes (T-3)
    handle: int  # minutes


DEFAULT_TYPES = (
    TypeSeed("A", "业务办理", "Transactions", "standard", 30, 8),
    TypeSeed("B", "缴费充值", "Payments", "standard", 30, 3),
    TypeSeed("C", "业务咨询", "Consultation", "standard", 30, 5),
    TypeSeed("D", "投诉受理", "Complaint desk", "standard", 30, 12),
    TypeSeed("V", "VIP 专席", "VIP", "vip", 5, 8),
    TypeSeed("L", "爱心通道", "Care lane", "care", 10, 10),
    TypeSeed("Y", "预约办理", "Appointments", "appointment", 5, 8),
)
# Work profiles (rules.Policy as data): the general counter interleaves transactions and
# payments, takes the care lane at once and a VIP past 3 minutes (BH-2); the VIP counter
# serves VIP and appointments first; nobody waits past 45 minutes anywhere.
DEFAULT_PROFILES: dict[str, tuple[str, dict[str, object]]] = {
    "general": (
        "综合窗口",
        {
            "queues": ["L", "V", "A", "B", "C", "D"],
            "recipe": ["A", "A", "B", "C", "A", "A", "B", "D"],
            "conditions": [
                {"queues": ["L"], "waited_over": 0},
                {"queues": ["V"], "waited_over": 3},
            ],
            "protect": ["V", "L"],
            "max_wait": 45,
        },
    ),
    "vip": (
        "VIP 窗口",
        {
            "queues": ["Y", "V", "L", "A"],
            "recipe": ["Y", "V", "V", "L", "A"],
            "conditions": [{"queues": ["Y"], "waited_over": 0}],
            "protect": ["Y", "V", "L"],
            "max_wait": 45,
        },
    ),
    "express": (
        "缴费咨询窗口",
        {"queues": ["B", "C", "A"], "recipe": ["B", "B", "C"], "max_wait": 45},
    ),
}
# Counters of a new hall: number -> profile.
DEFAULT_COUNTERS = {1: "vip", 2: "general", 3: "general", 4: "general", 5: "express"}
# Customer tiers with the VIP lane (BH-2, BH-4: diamond and gold club members).
VIP_TIERS = frozenset({"gold", "diamond"})


class HallNotFound(NotFound):
    code = "hall_not_found"
    message_zh = "营业厅不存在"
    message_en = "Unknown hall"


def set_up_hall(
    session: Session, unit: OrgUnit, *, counters: dict[int, str] | None = None
) -> HallConfig:
    """Config, types, profiles and counters of a hall unit (idempotent: adds what is missing)."""
    if unit.kind != UnitKind.HALL:
        raise HallNotFound("该组织单元不是营业厅", f"{unit.code} is not a hall")
    config = session.get(HallConfig, unit.id)
    if config is None:
        config = HallConfig(unit_id=unit.id, screen_token=secrets.token_urlsafe(18))
        session.add(config)
    have = set(session.scalars(select(ServiceType.code).where(ServiceType.hall_id == unit.id)))
    for t in DEFAULT_TYPES:
        if t.code not in have:
            session.add(
                ServiceType(
                    hall_id=unit.id,
                    code=t.code,
                    name_zh=t.name_zh,
                    name_en=t.name_en,
                    kind=t.kind,
                    target_wait_minutes=t.target,
                    nominal_handle_minutes=t.handle,
                )
            )
    profiles = {
        p.code: p
        for p in session.scalars(select(WorkProfile).where(WorkProfile.hall_id == unit.id))
    }
    for code, (name, data) in DEFAULT_PROFILES.items():
        if code not in profiles:
            rules.policy_from_data(data)  # the seeds are valid policies
            profiles[code] = WorkProfile(hall_id=unit.id, code=code, name=name, policy=dict(data))
            session.add(profiles[code])
    session.flush()
    numbers = set(session.scalars(select(HallCounter.number).where(HallCounter.hall_id == unit.id)))
    for number, profile in (counters or DEFAULT_COUNTERS).items():
        if number not in numbers:
            session.add(
                HallCounter(hall_id=unit.id, number=number, profile_id=profiles[profile].id)
            )
    session.flush()
    return config


def hall_for(
    session: Session, actor: Staff, code: str, permission: Permission = Permission.HALL_SERVE
) -> OrgUnit:
    """The hall ``code`` if the actor may work in it: their permission, and the hall in their
    region (CD-2); out of region answers 404 as an unknown hall does."""
    require(actor, permission)
    # One statement: the unit and that it is set up as a hall (call next pays for it).
    unit = session.scalar(
        select(OrgUnit)
        .join(HallConfig, HallConfig.unit_id == OrgUnit.id)
        .where(OrgUnit.code == code, OrgUnit.kind == UnitKind.HALL)
    )
    if unit is None:
        raise HallNotFound()
    if not covers_region(scope_of(actor), unit.region_code):
        raise HallNotFound()
    return unit


def hall_by_token(session: Session, token: str) -> tuple[OrgUnit, HallConfig]:
    """The hall a kiosk, display or phone page belongs to (its screen token), or 404."""
    config = session.scalar(select(HallConfig).where(HallConfig.screen_token == token))
    if config is None:
        raise HallNotFound()
    unit = session.get(OrgUnit, config.unit_id)
    assert unit is not None
    return unit, config


def halls_in_scope(session: Session, actor: Staff) -> list[OrgUnit]:
    scope = scope_of(actor)
    units = session.scalars(
        select(OrgUnit).join(HallConfig, HallConfig.unit_id == OrgUnit.id).order_by(OrgUnit.code)
    )
    return [u for u in units if covers_region(scope, u.region_code)]


def types_of(session: Session, hall_id: int) -> dict[str, ServiceType]:
    rows = session.scalars(
        select(ServiceType)
        .where(ServiceType.hall_id == hall_id, ServiceType.active)
        .order_by(ServiceType.code)
    )
    return {t.code: t for t in rows}


def counters_of(session: Session, hall_id: int) -> list[HallCounter]:
    return list(
        session.scalars(
            select(HallCounter).where(HallCounter.hall_id == hall_id).order_by(HallCounter.number)
        )
    )


def policies_of(session: Session, hall_id: int) -> dict[int, rules.Policy]:
    """Profile id -> policy."""
    rows = session.scalars(select(WorkProfile).where(WorkProfile.hall_id == hall_id))
    return {p.id: rules.policy_from_data(p.policy) for p in rows}
