"""Regional data scope (CD-2, CC-1): city staff see their city, province staff the province,
HQ everything — plus the orders they own as first contact or handle from elsewhere (CH-3)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, or_, true
from sqlalchemy.orm import InstrumentedAttribute

from telcodesk.org.models import Staff
from telcodesk.org.roles import UnitKind

HQ_REGION = "100000"


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
