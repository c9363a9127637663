"""The consent ledger 授权记录 (CD-1, CD-3): what the customer agreed their data may be used for.

Append-only: a grant or a withdrawal is a new entry (the database refuses an UPDATE). The
entry in force for a purpose — service, marketing, or sharing with one named third party — is
the latest one; a consent is valid while that entry is a grant whose ``valid_until`` has not
passed. Marketing and sharing are refused without a valid consent (``require``): whoever
sends marketing or hands data to a partner asks here first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from telcodesk import clock
from telcodesk.audit import service as audit
from telcodesk.customers.models import Consent, Customer
from telcodesk.customers.rules import Purpose
from telcodesk.customers.service import get_customer, today
from telcodesk.errors import Forbidden, ValidationFailed
from telcodesk.org import permissions
from telcodesk.org.models import Staff
from telcodesk.org.permissions import Permission


class ConsentRequired(Forbidden):
    code = "consent_required"
    message_zh = "客户未授权或授权已失效，不得用于此目的"
    message_en = "The customer has not given a valid consent for this purpose"


@dataclass(frozen=True)
class ConsentState:
    """A purpose's standing today: the entry in force (None: never asked) and whether valid."""

    purpose: Purpose
    third_party: str
    entry: Consent | None
    valid: bool


def _valid(entry: Consent | None, on: date) -> bool:
    return bool(entry and entry.granted and (entry.valid_until is None or entry.valid_until >= on))


def ledger(session: Session, customer_id: int) -> list[Consent]:
    """Every entry of the customer's ledger, newest first."""
    stmt = select(Consent).where(Consent.customer_id == customer_id).order_by(Consent.id.desc())
    return list(session.scalars(stmt))


def states(session: Session, customer_id: int) -> list[ConsentState]:
    """The standing of each purpose (and each third party named for sharing) today."""
    latest: dict[tuple[str, str], Consent] = {}
    for entry in ledger(session, customer_id):
        latest.setdefault((entry.purpose, entry.third_party), entry)
    on = today()
    found = [
        ConsentState(Purpose(p), party, entry, _valid(entry, on))
        for (p, party), entry in sorted(latest.items())
    ]
    for purpose in (Purpose.SERVICE, Purpose.MARKETING):
        if (purpose.value, "") not in latest:
            found.append(ConsentState(purpose, "", None, False))
    return sorted(found, key=lambda s: (list(Purpose).index(s.purpose), s.third_party))


def is_valid(session: Session, customer_id: int, purpose: Purpose, third_party: str = "") -> bool:
    stmt = (
        select(Consent)
        .where(
            Consent.customer_id == customer_id,
            Consent.purpose == purpose.value,
            Consent.third_party == third_party,
        )
        .order_by(Consent.id.desc())
        .limit(1)
    )
    return _valid(session.scalar(stmt), today())


def require(session: Session, customer: Customer, purpose: Purpose, third_party: str = "") -> None:
    """Refuse (403 ``consent_required``) a use of the customer's data the ledger does not
    allow today: marketing, or sharing with this third party (CD-3)."""
    if not is_valid(session, customer.id, purpose, third_party):
        raise ConsentRequired(details={"purpose": purpose.value, "third_party": third_party})


def record(
    session: Session,
    actor: Staff,
    customer_id: int,
    *,
    purpose: Purpose,
    granted: bool,
    channel: str,
    evidence: str,
    third_party: str = "",
    valid_until: date | None = None,
) -> Consent:
    """A grant or a withdrawal, appended to the ledger and audited (CUSTOMER_EDIT, the
    customer in the actor's region: 404 otherwise). Sharing names its third party."""
    customer = get_customer(session, customer_id, viewer=actor)
    permissions.require(actor, Permission.CUSTOMER_EDIT)
    if (purpose == Purpose.SHARING) != bool(third_party):
        raise ValidationFailed(
            "向第三方提供须写明第三方名称，其他目的不写",
            "Sharing names its third party; other purposes name none",
            code="consent_third_party",
            details={"field": "third_party"},
        )
    if granted and valid_until is not None and valid_until < today():
        raise ValidationFailed(
            "授权有效期不能早于今天",
            "A consent cannot end before today",
            code="consent_expired",
            details={"field": "valid_until"},
        )
    entry = Consent(
        customer_id=customer.id,
        purpose=purpose.value,
        third_party=third_party,
        granted=granted,
        valid_until=valid_until if granted else None,
        channel=channel,
        evidence=evidence,
        at=clock.now(),
        staff_id=actor.id,
    )
    session.add(entry)
    audit.record(
        session,
        actor,
        "consent_granted" if granted else "consent_withdrawn",
        "customer",
        customer.id,
        purpose=purpose.value,
        third_party=third_party,
        channel=channel,
    )
    session.flush()
    return entry
