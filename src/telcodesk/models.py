"""Imports every domain's tables so that ``Base.metadata`` is complete (Alembic, tests)."""

from telcodesk.customers.models import Customer
from telcodesk.db import Base
from telcodesk.org.models import AuthSession, OrgUnit, Staff
from telcodesk.workorders.models import (
    Category,
    IdempotencyRecord,
    OrderEvent,
    OrderNote,
    WorkOrder,
)

__all__ = [
    "AuthSession",
    "Base",
    "Category",
    "Customer",
    "IdempotencyRecord",
    "OrderEvent",
    "OrderNote",
    "OrgUnit",
    "Staff",
    "WorkOrder",
]
