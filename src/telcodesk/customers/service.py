"""Customer use cases: find in reach, register in the right city, one customer per number
(CC-1, CD-2, BH-5). Outputs mask personal data by default (``schemas.Masked*``); revealing a
field is ``customers.reveal``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from telcodesk import clock, regions
from telcodesk.audit import service as audit
from telcodesk.customers import identity, phones, rules
from telcodesk.customers.models import Customer, CustomerProduct
from telcodesk.customers.rules import SpecialCare
from telcodesk.customers.schemas import CustomerEdit, CustomerIn
from telcodesk.errors import Conflict, Forbidden, NotFound, ValidationFailed
from telcodesk.org import permissions
from telcodesk.org.models import Staff
from telcodesk.org.permissions import Permission
from telcodesk.org.scope import scope_of

MAX_MATCHES = 20


def get_customer(session: Session, customer_id: int, *, viewer: Staff | None) -> Customer:
    """The customer, if ``viewer`` may see them (``None``: the system); otherwise 404 (CD-2).
    A merged duplicate leads to the record that absorbed it (BH-5)."""
    customer = session.get(Customer, customer_id)
    if customer is not None and customer.merged_into_id is not None:
        customer = session.get(Customer, customer.merged_into_id)
    if customer is None or (viewer is not None and not in_scope(viewer, customer)):
        raise NotFound("客户不存在", "Customer not found", code="customer_not_found")
    return customer


def in_scope(staff: Staff, customer: Customer) -> bool:
    """A customer of the staff member's region (CD-2, CC-1)."""
    return scope_of(staff).covers(customer.province_code, customer.city_code)


def view_customer(session: Session, customer_id: int, *, viewer: Staff) -> Customer:
    """A customer record for the customer page or API (shown masked). Out of scope is 404
    before anything else, as for a missing record; then the permission (403)."""
    customer = get_customer(session, customer_id, viewer=viewer)
    permissions.require(viewer, Permission.CUSTOMER_VIEW)
    return customer


def find_by_phone(session: Session, phone: str, *, viewer: Staff | None) -> list[Customer]:
    """Lookup by the full number the caller gives, in any spelling (+86 138-0013-8000 finds
    13800138000); merged duplicates answer with the record that absorbed them. An incomplete
    number finds nobody. The answer is shown masked."""
    if viewer is not None:
        permissions.require(viewer, Permission.CUSTOMER_VIEW)
    found: dict[int, Customer] = {}
    for match in _holding(session, phone):
        live = get_customer(session, match.id, viewer=None)
        if viewer is None or in_scope(viewer, live):
            found.setdefault(live.id, live)
    return sorted(found.values(), key=lambda c: c.id)[:MAX_MATCHES]


def _holding(session: Session, phone: str) -> list[Customer]:
    """Records holding this number as main or other phone (normal form; a number that does
    not parse is looked up as typed, for records older than the normal form)."""
    number = phones.try_normalise(phone) or phone.strip()
    stmt = (
        select(Customer)
        .where(or_(Customer.phone == number, Customer.alt_phone == number))
        .order_by(Customer.merged_into_id.is_not(None), Customer.id)
        .limit(MAX_MATCHES * 2)
    )
    return list(session.scalars(stmt))


def owner_of(session: Session, phone: str) -> Customer | None:
    """The live customer whose main number this is, in any region (one per number)."""
    return session.scalar(
        select(Customer).where(Customer.phone == phone, Customer.merged_into_id.is_(None))
    )


class CustomerExists(Conflict):
    code = "customer_exists"
    message_zh = "该号码已有客户资料"
    message_en = "A customer with this number exists"


class CityOutOfReach(Forbidden):
    code = "city_out_of_reach"
    message_zh = "不能为本辖区以外的地市登记"
    message_en = "You cannot register for a city outside your region"


def choose_city(actor: Staff, chosen: str | None, *, phone: str | None = None) -> str:
    """The city a registration lands in (CC-1, CD-2): the one the agent chose, else the
    number's attribution 号码归属地 when it lies in the agent's region, else a city agent's
    own city. A province or HQ agent must choose when the number names no city of theirs,
    so no order is left with a province code that no city sees. The city must be a real
    GB/T 2260 code within the agent's region: a city agent registers for their city only."""
    scope = scope_of(actor)
    if chosen:
        if not regions.is_known(chosen):
            raise ValidationFailed(
                f"地区代码 {chosen} 不存在（GB/T 2260）",
                f"Region code {chosen} does not exist (GB/T 2260)",
                code="region_unknown",
                details={"field": "city_code"},
            )
        city = regions.city_of(chosen)
        if city is None:
            raise _city_required(scope.province or chosen)
        if not scope.covers(city[:2] + "0000", city):
            raise CityOutOfReach(
                f"不能为{regions.full_name(city)}登记：不在您的辖区内",
                f"{city} lies outside your region",
                details={"city_code": city},
            )
        return city
    attributed = phones.attribution(phone) if phone else None
    if attributed and scope.covers(attributed[:2] + "0000", attributed):
        return attributed
    if scope.city is not None:
        return scope.city
    raise _city_required(scope.province)


def _city_required(province: str | None) -> ValidationFailed:
    return ValidationFailed(
        "请选择客户所在地市（号码归属地不在本辖区或无法识别）",
        "Choose the customer's city (the number names no city of your region)",
        code="city_required",
        details={"field": "city_code", "province_code": province},
    )


def register_customer(session: Session, actor: Staff, data: CustomerIn) -> Customer:
    """A new customer, registered by staff (CUSTOMER_EDIT): one per number, in a city of the
    actor's region. A number that already has a customer answers 409 with that customer's
    id when the actor may see them (register the order for them instead)."""
    permissions.require(actor, Permission.CUSTOMER_EDIT)
    phone = phones.normalise(data.phone)
    existing = owner_of(session, phone)
    if existing is not None:
        raise _exists(actor, existing)
    city = choose_city(actor, data.city_code, phone=phone)
    customer, created = _create(session, data, phone=phone, city=city)
    if not created:
        raise _exists(actor, customer)
    return customer


def _exists(actor: Staff, existing: Customer) -> CustomerExists:
    if in_scope(actor, existing):
        return CustomerExists(
            "该号码已有客户资料，请直接为其受理",
            "This number already has a customer; register for them",
            details={"customer_id": existing.id},
        )
    # Which region is not said: the record is out of the actor's reach (CD-2).
    return CustomerExists(
        "该号码的客户属于其他地区，不在您的辖区内，请转归属地受理",
        "This number's customer belongs to another region; hand the caller over to it",
        code="customer_elsewhere",
    )


def create_customer(session: Session, data: CustomerIn, *, default_city: str) -> Customer:
    """A new customer created by the system (demo data, imports, tests): the number in its
    normal form, the given city (``data.city_code`` first). One per number: 409 if taken."""
    phone = phones.normalise(data.phone)
    existing = owner_of(session, phone)
    if existing is not None:
        raise CustomerExists(details={"customer_id": existing.id})
    customer, created = _create(session, data, phone=phone, city=data.city_code or default_city)
    if not created:
        raise CustomerExists(details={"customer_id": customer.id})
    return customer


def today() -> date:
    """The day in Beijing time (ages and expiry of documents are counted in local days)."""
    return clock.local(clock.now()).date()


def special_care_of(customer: Customer, on: date | None = None) -> SpecialCare | None:
    """The customer's special care need today (BH-2): the recorded one (disabled, other),
    else elderly when 65 or older by the birth date on their document; None otherwise. The
    hall's queue gives priority by it."""
    return rules.special_care(customer.birth_date, customer.special_care, on or today())


def checked_document(
    kind: str | None, number: str | None, *, customer_type: str
) -> identity.Document | None:
    """The identity document checked by its own rules (BH-7): 422 with the failure's code
    otherwise. An enterprise holds a unified social credit code; a person does not."""
    if kind is None or number is None:
        return None
    document = identity.validate(kind, number, today=today())
    enterprise = customer_type == "enterprise"
    if enterprise != (document.kind in identity.ENTERPRISE_DOCUMENTS):
        raise identity.DocumentInvalid(
            "政企客户使用统一社会信用代码，个人与家庭客户使用个人证件",
            "An enterprise gives its unified social credit code; a person a personal document",
            code="id_type_mismatch",
            details={"field": "id_type", "id_type": kind},
        )
    return document


def _account_manager(session: Session, staff_id: int | None) -> int | None:
    if staff_id is None:
        return None
    manager = session.get(Staff, staff_id)
    if manager is None or not manager.active:
        raise ValidationFailed(
            "客户经理不存在或已停用",
            "No such active account manager",
            code="account_manager_unknown",
            details={"field": "account_manager_id"},
        )
    return manager.id


def _create(session: Session, data: CustomerIn, *, phone: str, city: str) -> tuple[Customer, bool]:
    alt = phones.normalise(data.alt_phone, field="alt_phone") if data.alt_phone else None
    document = checked_document(data.id_type, data.id_number, customer_type=data.type)
    customer = Customer(
        name=data.name,
        phone=phone,
        alt_phone=alt if alt != phone else None,
        type=data.type,
        tier=data.tier,
        province_code=city[:2] + "0000",
        city_code=city,
        id_type=document.kind.value if document else None,
        id_number=document.number if document else None,
        birth_date=document.birth_date if document else None,
        special_care=data.special_care,
        id_copy_kept=data.id_copy_kept,
        account_manager_id=_account_manager(session, data.account_manager_id),
        address=data.address,
        created_at=clock.now(),
    )
    # Two registrations of one new number at once: the unique key lets one insert win; the
    # other steps back to its savepoint and takes the winner's record (BH-5).
    try:
        with session.begin_nested():
            session.add(customer)
            session.flush()
    except IntegrityError:
        winner = owner_of(session, phone)
        if winner is None:
            raise
        return winner, False
    return customer, True


def find_or_create(session: Session, data: CustomerIn, *, actor: Staff) -> Customer:
    """The customer holding this number, or a new record (registration by phone, BH-5): the
    number, not the name as typed, says who the customer is. A number whose customer lies
    outside the actor's region cannot be registered here (409 customer_elsewhere)."""
    phone = phones.normalise(data.phone)
    existing = owner_of(session, phone)
    if existing is not None:
        live = get_customer(session, existing.id, viewer=None)
        if not in_scope(actor, live):
            raise _exists(actor, live)
        return live
    city = choose_city(actor, data.city_code, phone=phone)
    customer, _ = _create(session, data, phone=phone, city=city)
    if not in_scope(actor, customer):  # registered elsewhere a moment ago
        raise _exists(actor, customer)
    return customer


def order_city(actor: Staff, chosen: str | None, customer: Customer) -> str:
    """The city an order lands in: the one chosen (a real city in the actor's region), else
    the customer's (CC-1)."""
    if chosen:
        return choose_city(actor, chosen)
    return customer.city_code


def absorb(session: Session, keep: Customer, duplicate: Customer) -> list[int]:
    """Merge ``duplicate`` into ``keep`` (the customers' side of a merge, BH-5): the duplicate
    stays as a record pointing to ``keep``, as do the records merged into it before (one hop
    always leads to a live customer). ``keep`` takes the duplicate's number as its other
    phone when it has none. Returns the ids now pointing to ``keep``."""
    now = clock.now()
    earlier = list(session.scalars(select(Customer).where(Customer.merged_into_id == duplicate.id)))
    for record in [*earlier, duplicate]:
        record.merged_into_id = keep.id
        record.merged_at = record.merged_at or now
    if keep.alt_phone is None and duplicate.phone != keep.phone:
        keep.alt_phone = duplicate.phone
    session.flush()
    return [r.id for r in [*earlier, duplicate]]


# --- lookup while registering (BH-5) -------------------------------------------------------


@dataclass(frozen=True)
class NumberLookup:
    """What registration knows about a number as typed: nothing while it is incomplete; else
    its normal form, the customers holding it in the viewer's reach, the city it belongs to
    (号码归属地, when in reach), and whether its customer lies outside the viewer's reach."""

    complete: bool
    normal: str | None = None
    matches: tuple[Customer, ...] = ()
    attribution: str | None = None
    elsewhere: bool = False


def lookup_number(session: Session, phone: str, *, viewer: Staff) -> NumberLookup:
    normal = phones.try_normalise(phone)
    if normal is None:
        permissions.require(viewer, Permission.CUSTOMER_VIEW)
        return NumberLookup(complete=False)
    matches = find_by_phone(session, normal, viewer=viewer)
    owner = owner_of(session, normal)
    elsewhere = owner is not None and not in_scope(viewer, owner)
    attributed = phones.attribution(normal)
    if attributed and not scope_of(viewer).covers(attributed[:2] + "0000", attributed):
        attributed = None
    return NumberLookup(True, normal, tuple(matches), attributed, elsewhere)


def cities_in_reach(actor: Staff) -> list[tuple[str, str]]:
    """The cities an agent may register for (the registration's city picker): their own
    city, their province's cities, or every city for HQ."""
    scope = scope_of(actor)
    if scope.city is not None:
        return [(scope.city, regions.full_name(scope.city) or scope.city)]
    provinces = [scope.province] if scope.province else [c for c, _ in regions.provinces()]
    return [
        (code, regions.full_name(code) or name)
        for province in provinces
        for code, name in regions.cities(province)
    ]


def possible_duplicates(session: Session, viewer: Staff, customer: Customer) -> list[Customer]:
    """Other live customers in the viewer's reach who look like the same person: the same
    identity document, or the same name and address (what an admin checks before a merge)."""
    same = [Customer.id_number == customer.id_number] if customer.id_number else []
    if customer.address:
        same.append((Customer.name == customer.name) & (Customer.address == customer.address))
    if not same:
        return []
    stmt = (
        select(Customer)
        .where(or_(*same), Customer.id != customer.id, Customer.merged_into_id.is_(None))
        .order_by(Customer.id)
        .limit(MAX_MATCHES)
    )
    return [c for c in session.scalars(stmt) if in_scope(viewer, c)]


# --- editing master data (CD-1) ----------------------------------------------------------


def update_customer(
    session: Session, actor: Staff, customer_id: int, data: CustomerEdit
) -> Customer:
    """Change a customer's master data (CUSTOMER_EDIT, the customer in the actor's region:
    404 otherwise). A new document is checked by its rules (BH-7) and gives the birth date.
    Audited ``customer_edited`` with the names of the fields changed — not their values,
    which are personal data — the reason, and whether it corrects a wrong record (CD-4)."""
    customer = get_customer(session, customer_id, viewer=actor)
    permissions.require(actor, Permission.CUSTOMER_EDIT)
    changes: dict[str, object] = {}
    if data.name is not None:
        changes["name"] = data.name
    if data.alt_phone is not None:
        changes["alt_phone"] = phones.normalise(data.alt_phone, field="alt_phone")
    if data.address is not None:
        changes["address"] = data.address
    if data.tier is not None:
        changes["tier"] = data.tier.value
    if data.id_type is not None:
        document = checked_document(data.id_type, data.id_number, customer_type=customer.type)
        assert document is not None
        changes |= {
            "id_type": document.kind.value,
            "id_number": document.number,
            "birth_date": document.birth_date,
        }
    if data.special_care is not None or data.clear_special_care:
        changes["special_care"] = None if data.clear_special_care else data.special_care
    if data.id_copy_kept is not None:
        changes["id_copy_kept"] = data.id_copy_kept
    if data.account_manager_id is not None:
        changes["account_manager_id"] = _account_manager(session, data.account_manager_id)
    changed = sorted(k for k, v in changes.items() if getattr(customer, k) != v)
    for field in changed:
        setattr(customer, field, changes[field])
    if changed:
        customer.updated_at = clock.now()
        audit.record(
            session,
            actor,
            "customer_edited",
            "customer",
            customer.id,
            fields=changed,
            reason=data.reason,
            correction=data.correction,
        )
        session.flush()
    return customer


def add_product(
    session: Session,
    customer: Customer,
    *,
    number: str,
    plan: str,
    contract_end: date | None = None,
    arrears_fen: int = 0,
    services: str = "",
    status: str = "active",
) -> CustomerProduct:
    """A product the customer holds (from the BSS: demo data, imports)."""
    product = CustomerProduct(
        customer_id=customer.id,
        number=phones.normalise(number),
        plan=plan,
        status=status,
        contract_end=contract_end,
        arrears_fen=arrears_fen,
        services=services,
        created_at=clock.now(),
    )
    session.add(product)
    session.flush()
    return product


def find_by_document(session: Session, kind: str, number: str, *, viewer: Staff) -> list[Customer]:
    """Lookup by the identity document the customer shows at the counter (BH-7): checked by
    its rules first (422 with the failure's code), a legacy 15-digit ID found by its 18-digit
    form; only customers in the viewer's region."""
    permissions.require(viewer, Permission.CUSTOMER_VIEW)
    document = identity.validate(kind, number, today=today())
    stmt = (
        select(Customer)
        .where(
            Customer.id_type == document.kind.value,
            Customer.id_number == document.number,
            Customer.merged_into_id.is_(None),
        )
        .order_by(Customer.id)
        .limit(MAX_MATCHES)
    )
    return [c for c in session.scalars(stmt) if in_scope(viewer, c)]


def products_of(session: Session, customer_id: int) -> list[CustomerProduct]:
    stmt = (
        select(CustomerProduct)
        .where(CustomerProduct.customer_id == customer_id)
        .order_by(CustomerProduct.id)
    )
    return list(session.scalars(stmt))


def mark_copy_kept(customer: Customer) -> None:
    """A copy of the customer's document is kept now (a new subscriber, BH-7)."""
    customer.id_copy_kept = True
    customer.updated_at = clock.now()
