"""Imports every domain's tables so that ``Base.metadata`` is complete (Alembic, tests)."""

from telcodesk.attachments.models import Attachment, AttachmentBlob
from telcodesk.audit.models import AuditRecord
from telcodesk.calendar.models import CalendarOverride
from telcodesk.counter.models import CounterTransaction, CounterVisit
from telcodesk.customers.models import Consent, Customer, CustomerImportJob, CustomerProduct
from telcodesk.db import Base
from telcodesk.halls.models import (
    HallAlert,
    HallConfig,
    HallCounter,
    ServiceType,
    Ticket,
    TicketEvent,
    WorkProfile,
)
from telcodesk.halls.usage import CounterPeriod
from telcodesk.knowledge.models import (
    KbApprover,
    KbArticle,
    KbAttachment,
    KbBulletin,
    KbBulletinReceipt,
    KbCategory,
    KbReplyTemplate,
    KbSearchDoc,
    KbUsage,
    KbVersion,
)
from telcodesk.notify.models import (
    CustomerOptOut,
    MessageTemplate,
    Notification,
    NotifyProfile,
    OutboxMessage,
    QuietHours,
)
from telcodesk.org.models import AuthSession, OrgUnit, PasswordHistory, Staff
from telcodesk.rostering.models import Roster, RosterShift, StaffingPlan
from telcodesk.routing.models import DispatchRule
from telcodesk.sla.models import OrderClock, SlaEvent, SlaPolicy
from telcodesk.worklists.models import SavedView
from telcodesk.workorders.models import (
    Category,
    ClosureCode,
    IdempotencyRecord,
    OrderAttachment,
    OrderEvent,
    OrderNote,
    WorkOrder,
)

__all__ = [
    "Attachment",
    "AttachmentBlob",
    "AuditRecord",
    "AuthSession",
    "Base",
    "CalendarOverride",
    "Category",
    "ClosureCode",
    "Consent",
    "CounterPeriod",
    "CounterTransaction",
    "CounterVisit",
    "Customer",
    "CustomerImportJob",
    "CustomerOptOut",
    "CustomerProduct",
    "DispatchRule",
    "HallAlert",
    "HallConfig",
    "HallCounter",
    "IdempotencyRecord",
    "KbApprover",
    "KbArticle",
    "KbAttachment",
    "KbBulletin",
    "KbBulletinReceipt",
    "KbCategory",
    "KbReplyTemplate",
    "KbSearchDoc",
    "KbUsage",
    "KbVersion",
    "MessageTemplate",
    "Notification",
    "NotifyProfile",
    "OrderAttachment",
    "OrderClock",
    "OrderEvent",
    "OrderNote",
    "OrgUnit",
    "OutboxMessage",
    "PasswordHistory",
    "QuietHours",
    "Roster",
    "RosterShift",
    "SavedView",
    "ServiceType",
    "SlaEvent",
    "SlaPolicy",
    "Staff",
    "StaffingPlan",
    "Ticket",
    "TicketEvent",
    "WorkOrder",
    "WorkProfile",
]
