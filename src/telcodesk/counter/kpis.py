"""Customer-data quality KPIs (CD-4), per city and period, with their formulas in code.

For the customers **entered** in the period (``customer.created_at`` in [start, end)) in a
city:

- **completeness and timeliness 客户资料完整及时率** (target 100 %)
  = records complete within ``TIMELY`` of being entered ÷ records entered.
  Complete: name, phone, a document of the norm, an address; an enterprise also its account
  manager. Timely: complete when entered, or completed (``updated_at``) within 24 hours.
- **error rate 客户资料差错率** (target < 1 %)
  = records entered in the period and later corrected ÷ records entered. A correction is an
  edit audited ``customer_edited`` with ``correction`` true (the record was wrong).
- **agents' data-return timeliness 代理商资料回传及时率** (target 100 %)
  = new subscriptions (counter ``open_account`` transactions completed in the period) whose
  customer's document copy is kept 证件留存 and record complete within 24 hours ÷ those new
  subscriptions.

A ratio with nothing to count is shown as "—" (None), not as 0 % or 100 %.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from telcodesk import regions
from telcodesk.audit.models import AuditRecord
from telcodesk.counter.models import CounterTransaction, CounterVisit
from telcodesk.customers.models import Customer
from telcodesk.org.models import Staff
from telcodesk.org.scope import region_filter, scope_of

TIMELY = timedelta(hours=24)
TARGETS = {"completeness": 1.0, "error_rate": 0.01, "return_timeliness": 1.0}


@dataclass(frozen=True)
class Ratio:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    def percent(self) -> str:
        return "—" if self.value is None else f"{self.value * 100:.1f}%"


@dataclass(frozen=True)
class UnitKpis:
    city_code: str
    city_name: str
    completeness: Ratio
    error_rate: Ratio
    return_timeliness: Ratio

    def met(self, name: str) -> bool | None:
        ratio: Ratio = getattr(self, name)
        if ratio.value is None:
            return None
        target = TARGETS[name]
        return ratio.value < target if name == "error_rate" else ratio.value >= target


def complete(c: Customer) -> bool:
    basic = bool(c.name and c.phone and c.id_type and c.id_number and c.address)
    return basic and (c.type != "enterprise" or c.account_manager_id is not None)


def timely(c: Customer) -> bool:
    """Complete, and so within 24 hours of being entered (the last change counts)."""
    last = c.updated_at or c.created_at
    return complete(c) and last - c.created_at <= TIMELY


def data_quality(session: Session, viewer: Staff, start: datetime, end: datetime) -> list[UnitKpis]:
    """The three KPIs per city of the viewer's region for [start, end)."""
    scope = scope_of(viewer)
    entered = list(
        session.scalars(
            select(Customer).where(
                Customer.created_at >= start,
                Customer.created_at < end,
                Customer.merged_into_id.is_(None),
                region_filter(scope, Customer.province_code, Customer.city_code),
            )
        )
    )
    ids = {c.id for c in entered}
    corrected: set[int] = set()
    if ids:
        for record in session.scalars(
            select(AuditRecord).where(
                AuditRecord.action == "customer_edited", AuditRecord.at >= start
            )
        ):
            if (record.details or {}).get("correction") and record.object_id:
                corrected.add(int(record.object_id))
    opened = session.execute(
        select(CounterVisit.city_code, Customer)
        .join(CounterTransaction, CounterTransaction.visit_id == CounterVisit.id)
        .join(Customer, Customer.id == CounterVisit.customer_id)
        .where(
            CounterTransaction.kind == "open_account",
            CounterTransaction.state == "completed",
            CounterTransaction.completed_at >= start,
            CounterTransaction.completed_at < end,
            region_filter(scope, CounterVisit.province_code, CounterVisit.city_code),
        )
    ).all()
    cities = sorted({c.city_code for c in entered} | {city for city, _ in opened})
    result = []
    for city in cities:
        mine = [c for c in entered if c.city_code == city]
        new = [c for code, c in opened if code == city]
        result.append(
            UnitKpis(
                city_code=city,
                city_name=regions.full_name(city) or city,
                completeness=Ratio(sum(timely(c) for c in mine), len(mine)),
                error_rate=Ratio(sum(c.id in corrected for c in mine), len(mine)),
                return_timeliness=Ratio(sum(timely(c) and c.id_copy_kept for c in new), len(new)),
            )
        )
    return result
