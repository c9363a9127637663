"""Regional data scope (CD-2, CC-1): city staff see their city, province staff the province,
HQ everything — plus the orders they own as first contact or handle from elsewhere (CH-3)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, or_, true
from sqlalchemy.orm import InstrumentedAttribute

from telcodesk import regions
from telcodesk.errors import Forbidden
from telcodesk.org.models import Staff
from telcodesk.org.roles import UnitKind

HQ_REGION = regions.HQ
NATIONWIDE = "000000"  # calendar days that hold everywhere (calendar.models)


@dataclass(frozen=True)
class Scope:
    staff_id: int
    province: str | None  # None with city None: the whole country
    city: str | None

    @property
    def everything(self) -> bool:
        return self.province is None and self.city is None

    def covers(self, province_code: str, city_code: str) -> bool:
        if self.everything:
            return True
        if self.city is not None:
            return city_code == self.city
        return province_code == self.province


def covers_region(scope: Scope, region_code: str | None) -> bool:
    """Whether a record of ``region_code`` (a province, city or county code) lies in the
    scope. HQ's code, nationwide records (None or 000000) and codes of other regions lie
    outside every scope but the whole country's: they belong to HQ (CD-2)."""
    if scope.everything:
        return True
    if not region_code or region_code in (HQ_REGION, NATIONWIDE):
        return False
    # By the code's digits, known or not: whether the code is a real place is the tree's
    # question (422), whether it is the admin's is this one (403).
    if scope.city is not None:
        return region_code[:4] == scope.city[:4]
    return scope.province is not None and region_code[:2] == scope.province[:2]


class OutOfScope(Forbidden):
    """A write whose result would lie outside the actor's region (403). A record the actor
    cannot see at all answers 404 instead, as for reads (docs/roles.md, "Writes")."""

    code = "write_out_of_scope"
    message_zh = "超出您的管理范围"
    message_en = "Outside your region"


def out_of_scope(what_zh: str, what_en: str) -> OutOfScope:
    return OutOfScope(f"{what_zh}超出您的管理范围", f"{what_en} is outside your region")


def scope_of(staff: Staff) -> Scope:
    """A unit's region code (GB/T 2260) says its level: 100000 HQ, xx0000 a province, else a city
    (a district code such as 440106 belongs to its city 440100)."""
    region = staff.unit.region_code
    if staff.unit.kind == UnitKind.HQ or region == HQ_REGION:
        return Scope(staff.id, None, None)
    if region.endswith("0000"):
        return Scope(staff.id, region, None)
    return Scope(staff.id, region[:2] + "0000", region[:4] + "00")


def region_filter(
    scope: Scope, province_col: InstrumentedAttribute[str], city_col: InstrumentedAttribute[str]
) -> ColumnElement[bool]:
    if scope.everything:
        return true()
    if scope.city is not None:
        return city_col == scope.city
    return province_col == scope.province if scope.province else false()


def order_filter(scope: Scope, model: type) -> ColumnElement[bool]:
    """Orders in the region, or owned (first contact) or handled by the staff member."""
    if scope.everything:
        return true()
    return or_(
        region_filter(scope, model.province_code, model.city_code),  # type: ignore[attr-defined]
        model.handler_id == scope.staff_id,  # type: ignore[attr-defined]
        model.first_contact_owner_id == scope.staff_id,  # type: ignore[attr-defined]
    )
