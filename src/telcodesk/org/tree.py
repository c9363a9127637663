"""A well-formed unit tree (CC-1): pure rules, no database.

HQ 总部 → province 省 → city 地市 → hall 营业厅 / centre / department / account team; a
province also holds its own centres, departments and account teams. A unit's region code is
a current GB/T 2260 code inside its parent's: a province names a province code, a city a
city code of that province, a city's hall a city or county code of that city, a province's
own centre the province code itself (its staff then have the province's scope, CD-2).

Every walk up the tree stops after ``MAX_DEPTH`` steps or at a unit seen before, so no
data — a cycle written straight into the database included — can hang a request or the
worker. A change that would make a cycle is refused before it is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from telcodesk import regions
from telcodesk.org.roles import UnitKind

K = UnitKind
# The tree has four levels; twice that leaves room and still ends quickly (as in
# org/supervision.py, which walks loaded units the same way).
MAX_DEPTH = 8

_UNDER_CITY_OR_PROVINCE = frozenset({K.PROVINCE, K.CITY})
ALLOWED_PARENTS: dict[UnitKind, frozenset[UnitKind]] = {
    K.HQ: frozenset(),  # the root
    K.PROVINCE: frozenset({K.HQ}),
    K.CITY: frozenset({K.PROVINCE}),
    K.HALL: frozenset({K.CITY}),
    K.CALL_CENTRE: _UNDER_CITY_OR_PROVINCE,
    K.COMPLAINT_CENTRE: _UNDER_CITY_OR_PROVINCE,
    K.DEPARTMENT: _UNDER_CITY_OR_PROVINCE,
    K.ACCOUNT_TEAM: _UNDER_CITY_OR_PROVINCE,
}


def walk_up(start: int | None, parent_of: Callable[[int], int | None]) -> Iterator[int]:
    """``start`` and its ancestors, nearest first; ends at the root, at a unit already seen
    (a cycle in stored data) or after MAX_DEPTH units, whichever comes first."""
    seen: set[int] = set()
    current = start
    while current is not None and current not in seen and len(seen) < MAX_DEPTH:
        seen.add(current)
        yield current
        current = parent_of(current)


def would_cycle(unit_id: int, new_parent_id: int, parent_of: Callable[[int], int | None]) -> bool:
    """Whether giving ``unit_id`` the parent ``new_parent_id`` closes a loop (or the walk up
    from the new parent is already broken: too deep or cyclic)."""
    chain = list(walk_up(new_parent_id, parent_of))
    if unit_id in chain:
        return True
    last = chain[-1] if chain else None
    return last is not None and parent_of(last) is not None  # the walk was cut short


def problem(
    kind: UnitKind, region_code: str, parent: tuple[UnitKind, str] | None
) -> tuple[str, str, str] | None:
    """Why a unit of ``kind`` in ``region_code`` cannot sit under ``parent`` (its kind and
    region code), as (code, Chinese, English) — or None when it fits."""
    allowed = ALLOWED_PARENTS[kind]
    if parent is None:
        if kind != K.HQ:
            return (
                "unit_parent_required",
                "除总部外，每个单元都须有上级单元",
                "Every unit but HQ needs a parent unit",
            )
        if region_code != regions.HQ:
            return (
                "unit_region_invalid",
                f"总部的行政区划代码应为 {regions.HQ}",
                f"HQ's region code is {regions.HQ}",
            )
        return None
    parent_kind, parent_region = parent
    if parent_kind not in allowed:
        names = "、".join(sorted(allowed)) or "—"
        zh = f"「{kind}」类单元不能设在「{parent_kind}」之下（可选上级：{names}）"
        en = f"A {kind} unit cannot sit under a {parent_kind} (allowed parents: {names})"
        return ("unit_kind_parent", zh, en)
    if not regions.is_known(region_code):  # retired codes are not for new units
        return (
            "unit_region_unknown",
            f"{region_code} 不是现行的 GB/T 2260 行政区划代码",
            f"{region_code} is not a current GB/T 2260 region code",
        )
    level = regions.level(region_code)
    if kind == K.PROVINCE:
        fits = level == "province"
    elif kind == K.CITY:
        fits = level == "city" and regions.contains(parent_region, region_code)
    elif parent_kind == K.PROVINCE:  # a province's own centre, department or account team
        fits = region_code == parent_region
    else:  # under a city: the city itself or one of its counties or districts
        fits = level != "province" and regions.contains(parent_region, region_code)
    if not fits:
        zh = f"行政区划代码 {region_code} 与上级单元（{parent_region}）不符：{kind} 须在其范围内"
        en = f"Region {region_code} does not fit under the parent's {parent_region} ({kind})"
        return ("unit_region_outside_parent", zh, en)
    return None
