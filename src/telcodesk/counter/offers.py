"""Marketing SMS 营销短信 (CD-3): an agent sends a customer one of the catalogue's offers by
SMS — only with the customer's valid marketing consent in the ledger (403
``consent_required`` otherwise, nothing sent). The SMS goes through the outbox (``hooks``,
notify's, which also respects an SMS opt-out) and names how to stop them; every one sent is
audited with the offer.

Who: staff who register orders (ORDER_CREATE: agents of halls and hotlines, account managers),
for customers of their region (404 otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from telcodesk.audit import service as audit
from telcodesk.counter import hooks, rules
from telcodesk.customers import consents
from telcodesk.customers import service as customers
from telcodesk.customers.rules import Purpose
from telcodesk.errors import ValidationFailed
from telcodesk.org import permissions
from telcodesk.org.models import Staff
from telcodesk.org.permissions import Permission

MARKETING_SMS = "marketing_sms"


@dataclass(frozen=True)
class OfferSent:
    customer_id: int
    offer: str
    text: str


def send_offer(session: Session, actor: Staff, customer_id: int, offer: str) -> OfferSent:
    customer = customers.get_customer(session, customer_id, viewer=actor)
    permissions.require(actor, Permission.ORDER_CREATE)
    if offer not in rules.MARKETING_OFFERS:
        raise ValidationFailed(
            "没有这项营销活动", "No such offer", code="offer_unknown", details={"field": "offer"}
        )
    consents.require(session, customer, Purpose.MARKETING)  # CD-3: no consent, no marketing
    text = f"{rules.MARKETING_OFFERS[offer]}。回复 TD 退订营销短信"
    hooks.customer_sms(
        session, customer.id, customer.phone, MARKETING_SMS, text, customer.province_code
    )
    audit.record(session, actor, MARKETING_SMS, "customer", customer.id, offer=offer)
    session.flush()
    return OfferSent(customer.id, offer, text)
