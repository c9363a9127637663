"""Handing a customer's data to a named third party 向第三方提供 (CD-3): a partner (a bank for
an instalment phone, an insurer for a screen-cover policy) receives the name, number and
document it needs — only while the customer's ledger holds a valid sharing consent for that
very partner (403 ``consent_required`` otherwise, nothing leaves). The full data leaves, so
it takes the reveal permission and a reason, and is audited with the partner and the fields.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from telcodesk.audit import service as audit
from telcodesk.customers import consents
from telcodesk.customers.rules import Purpose
from telcodesk.customers.service import get_customer
from telcodesk.org import permissions
from telcodesk.org.models import Staff
from telcodesk.org.permissions import Permission

SHARED = "customer_shared"
FIELDS = ("name", "phone", "id_type", "id_number")


@dataclass(frozen=True)
class SharedRecord:
    customer_id: int
    third_party: str
    name: str
    phone: str
    id_type: str | None
    id_number: str | None


def share_with(
    session: Session, actor: Staff, customer_id: int, *, third_party: str, reason: str
) -> SharedRecord:
    customer = get_customer(session, customer_id, viewer=actor)
    permissions.require(actor, Permission.CUSTOMER_REVEAL)
    consents.require(session, customer, Purpose.SHARING, third_party)
    audit.record(
        session,
        actor,
        SHARED,
        "customer",
        customer.id,
        third_party=third_party,
        fields=list(FIELDS),
        reason=reason,
    )
    session.flush()
    return SharedRecord(
        customer.id,
        third_party,
        customer.name,
        customer.phone,
        customer.id_type,
        customer.id_number,
    )
