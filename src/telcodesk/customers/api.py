"""Customer API: lookup by phone, registration, and the audited reveal (CD-2). Every customer in
an answer is masked; only the reveal endpoints answer full values."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from telcodesk.counter import profile
from telcodesk.counter import rules as counter_rules
from telcodesk.counter.schemas import (
    ConsentEntryOut,
    ConsentStateOut,
    Customer360Out,
    ProductOut,
    ProfileOrderOut,
    ProfileVisitOut,
)
from telcodesk.customers import consents, import_jobs, service, sharing
from telcodesk.customers.models import Customer
from telcodesk.customers.rules import CARE_LABELS, KIND_LABELS, PURPOSE_LABELS, TIER_LABELS
from telcodesk.customers.schemas import (
    MAX_ID,
    ConsentIn,
    CustomerEdit,
    CustomerIn,
    CustomerOut,
    ImportJobOut,
    JudicialRevealIn,
    MergeIn,
    MergeOut,
    RevealField,
    RevealIn,
    RevealOut,
    SharedOut,
    ShareIn,
)
from telcodesk.deps import ApiStaff, DbDep, SettingsDep
from telcodesk.errors import ValidationFailed
from telcodesk.inputs import Line
from telcodesk.workorders import merge, reveal

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])

CustomerId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("", response_model=list[CustomerOut], operation_id="customers_find")
def find(
    staff: ApiStaff, db: DbDep, phone: Annotated[Line, Query(min_length=3, max_length=30)]
) -> list[CustomerOut]:
    """The customer holding a number, in any spelling (+86 138-0013-8000 finds 13800138000);
    an incomplete number finds nobody."""
    with db.uow() as session:
        return [
            CustomerOut.model_validate(c)
            for c in service.find_by_phone(session, phone, viewer=staff)
        ]


@router.post("", response_model=CustomerOut, status_code=201, operation_id="customers_create")
def create(body: CustomerIn, staff: ApiStaff, db: DbDep) -> CustomerOut:
    """One customer per number: 409 ``customer_exists`` (with its id) when the number has one.
    The city must lie in the agent's region (403 ``city_out_of_reach``, 422 ``region_unknown``);
    a province or HQ agent chooses it when the number names none of theirs (422
    ``city_required``)."""
    with db.uow() as session:
        return CustomerOut.model_validate(service.register_customer(session, staff, body))


@router.get("/{customer_id}", response_model=CustomerOut, operation_id="customers_get")
def get(customer_id: CustomerId, staff: ApiStaff, db: DbDep) -> CustomerOut:
    """One customer (360 view), masked per the caller's rights."""
    with db.uow() as session:
        return CustomerOut.model_validate(service.view_customer(session, customer_id, viewer=staff))


RATE_LIMITED: dict[int | str, dict[str, Any]] = {
    429: {"description": "reveal_rate_limited: too many reveals this hour"}
}


@router.post(
    "/{customer_id}/reveal",
    response_model=RevealOut,
    operation_id="customers_reveal",
    responses=RATE_LIMITED,
)
def reveal_field(
    customer_id: CustomerId, body: RevealIn, staff: ApiStaff, db: DbDep, settings: SettingsDep
) -> RevealOut:
    """The full value of one field, with a reason (CUSTOMER_REVEAL, customers of one's region),
    from an order of this customer's when ``order_number`` is given. At most
    ``reveals_per_hour`` per staff member (429 ``reveal_rate_limited``); each one is audited
    with the field, the customer and the order."""
    with db.uow() as session:
        customer, value = reveal.reveal(
            session,
            staff,
            customer_id,
            field=body.field,
            reason=body.reason,
            limit=settings.reveals_per_hour,
            order_number=body.order_number,
        )
        return _revealed(customer, body.field, value)


@router.post(
    "/{customer_id}/judicial-reveal",
    response_model=RevealOut,
    operation_id="customers_judicial_reveal",
    responses=RATE_LIMITED,
)
def judicial_reveal(
    customer_id: CustomerId,
    body: JudicialRevealIn,
    staff: ApiStaff,
    db: DbDep,
    settings: SettingsDep,
) -> RevealOut:
    """Judicial request 司法协查 (CD-2): JUDICIAL_REVEAL only (the designated department), with
    the judicial document's number; same region, limit and audit as a reveal."""
    with db.uow() as session:
        customer, value = reveal.reveal(
            session,
            staff,
            customer_id,
            field=body.field,
            reason=body.reason,
            limit=settings.reveals_per_hour,
            order_number=body.order_number,
            case_reference=body.case_reference,
        )
        return _revealed(customer, body.field, value)


def _revealed(customer: Customer, field: RevealField, value: str | None) -> RevealOut:
    id_type = customer.id_type if field == RevealField.ID_NUMBER else None
    return RevealOut(customer_id=customer.id, field=field, value=value, id_type=id_type)


@router.post("/{customer_id}/merge", response_model=MergeOut, operation_id="customers_merge")
def merge_duplicate(customer_id: CustomerId, body: MergeIn, staff: ApiStaff, db: DbDep) -> MergeOut:
    """Fold a duplicate into this customer (CUSTOMER_MERGE, admins; both in one's region): the
    duplicate's orders move here with a history row each, the duplicate points here, and one
    audit record names both (BH-5, CD-2)."""
    with db.uow() as session:
        result = merge.merge_customers(
            session, staff, keep_id=customer_id, duplicate_id=body.duplicate_id, reason=body.reason
        )
        return MergeOut(
            customer=CustomerOut.model_validate(result.kept),
            merged_ids=result.merged_ids,
            orders_moved=result.order_numbers,
        )


# --- customer 360, master data, consents (CD-1, CD-3) --------------------------------------


@router.get("/{customer_id}/profile", response_model=Customer360Out, operation_id="customers_360")
def customer_360(customer_id: CustomerId, staff: ApiStaff, db: DbDep) -> Customer360Out:
    """Customer 360 客户全景 in one call, masked (CD-2): kind, tier and special care by name,
    products with contract end and arrears, consents, the orders the agent may see from
    every channel, counter visits, repeat-complaint and appeal flags."""
    with db.uow() as session:
        return profile_out(profile.profile(session, customer_id, viewer=staff))


@router.patch("/{customer_id}", response_model=CustomerOut, operation_id="customers_edit")
def edit(customer_id: CustomerId, body: CustomerEdit, staff: ApiStaff, db: DbDep) -> CustomerOut:
    """Change master data (CUSTOMER_EDIT): audited ``customer_edited`` with the fields changed
    and the reason; a new document is checked by its rules (BH-7)."""
    with db.uow() as session:
        return CustomerOut.model_validate(
            service.update_customer(session, staff, customer_id, body)
        )


@router.post(
    "/{customer_id}/consents",
    response_model=ConsentEntryOut,
    status_code=201,
    operation_id="customers_consent",
)
def consent(
    customer_id: CustomerId, body: ConsentIn, staff: ApiStaff, db: DbDep
) -> ConsentEntryOut:
    """Append a grant or a withdrawal to the consent ledger (CD-3); audited."""
    with db.uow() as session:
        entry = consents.record(
            session,
            staff,
            customer_id,
            purpose=body.purpose,
            granted=body.granted,
            channel=body.channel.value,
            evidence=body.evidence,
            third_party=body.third_party,
            valid_until=body.until,
        )
        return ConsentEntryOut.model_validate(entry)


def profile_out(p: profile.Profile) -> Customer360Out:
    c, today = p.customer, service.today()
    return Customer360Out(
        customer=CustomerOut.model_validate(c),
        kind_zh=KIND_LABELS[c.type].zh,
        tier_zh=TIER_LABELS[c.tier].zh,
        special_care=p.care.value if p.care else None,
        special_care_zh=CARE_LABELS[p.care].zh if p.care else None,
        birth_date_year=c.birth_date.year if c.birth_date else None,
        id_copy_kept=c.id_copy_kept,
        account_manager=p.account_manager.display_name if p.account_manager else None,
        products=[
            ProductOut(
                number=x.number,
                plan=x.plan,
                status=x.status,
                contract_end=x.contract_end,
                under_contract=counter_rules.under_contract(x.contract_end, today),
                arrears_fen=x.arrears_fen,
                services=[s for s in x.services.split(",") if s],
            )
            for x in p.products
        ],
        consents=[
            ConsentStateOut(
                purpose=s.purpose.value,
                purpose_zh=PURPOSE_LABELS[s.purpose].zh,
                third_party=s.third_party,
                valid=s.valid,
                granted=s.entry.granted if s.entry else None,
                valid_until=s.entry.valid_until if s.entry else None,
                channel=s.entry.channel if s.entry else None,
                evidence=s.entry.evidence if s.entry else None,
                at=s.entry.at if s.entry else None,
            )
            for s in p.consents
        ],
        consent_ledger=[ConsentEntryOut.model_validate(e) for e in p.ledger],
        orders=[
            ProfileOrderOut(
                number=o.number,
                type=o.type,
                channel=o.channel,
                status=o.status,
                subject=o.subject,
                created_at=o.created_at,
            )
            for o in p.orders
        ],
        order_count=p.order_count,
        visits=[
            ProfileVisitOut(
                number=v.number,
                started_at=v.started_at,
                signed_at=v.signed_at,
                transactions=[
                    counter_rules.CATALOGUE[counter_rules.Kind(t.kind)].label.zh
                    for t in v.transactions
                ],
            )
            for v in p.visits
        ],
        repeat_complaints=p.repeat_complaints,
        repeat_complainant=p.repeat_complaints >= profile.REPEAT_COMPLAINTS,
        appeals=p.appeals,
    )


@router.post("/{customer_id}/share", response_model=SharedOut, operation_id="customers_share")
def share(customer_id: CustomerId, body: ShareIn, staff: ApiStaff, db: DbDep) -> SharedOut:
    """The customer's name, number and document for a named third party 向第三方提供 (CD-3):
    403 ``consent_required`` without a valid sharing consent for that party; CUSTOMER_REVEAL;
    audited ``customer_shared`` with the party, the fields and the reason."""
    with db.uow() as session:
        shared = sharing.share_with(
            session, staff, customer_id, third_party=body.third_party, reason=body.reason
        )
        return SharedOut(**shared.__dict__)


IMPORT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


def import_job_out(job: import_jobs.JobView) -> ImportJobOut:
    return ImportJobOut(
        id=job.id,
        filename=job.filename,
        format=job.format,
        status=job.status,
        total=job.total,
        checked=job.checked,
        written=job.written,
        percent=job.percent,
        imported=job.imported,
        products=job.products,
        rejected=job.rejected,
        message=job.message,
        created_at=job.created_at,
        finished_at=job.finished_at,
        errors_url=f"/api/v1/customers/imports/{job.id}/errors.csv",
    )


async def read_import_upload(request: Request) -> tuple[str, bytes]:
    """(file name, bytes) of the multipart field ``file``; empty when absent (422 after)."""
    limit = request.app.state.settings.attachment_max_bytes
    try:
        form = await request.form(max_files=1, max_fields=5)
    except Exception as exc:  # a body that is not multipart at all
        raise ValidationFailed(
            "请以 multipart/form-data 上传文件（字段 file）",
            "Upload the file as multipart/form-data (field file)",
            code="import_form",
        ) from exc
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        return "", b""
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationFailed(
            f"文件超过 {limit // 1_048_576} MB，请分批或用命令行 telcodesk customers import",
            f"The file exceeds {limit // 1_048_576} MB: split it or use the CLI",
            code="import_too_large",
        )
    return upload.filename or "", data


@router.post(
    "/imports",
    response_model=ImportJobOut,
    status_code=202,
    operation_id="customers_import_upload",
    openapi_extra=IMPORT_BODY,
)
async def import_upload(request: Request, staff: ApiStaff, db: DbDep) -> ImportJobOut:
    """Upload customers (and their products) to import, CSV or Excel .xlsx (CD-1): the header
    is checked at once (422 ``csv_columns``), then the job runs in the background — poll
    ``GET /api/v1/customers/imports/{id}`` for its progress; bad rows are reported
    (``errors.csv``), good rows land, nothing half-written. CUSTOMER_EDIT; rows outside the
    caller's region are refused row by row."""
    filename, data = await read_import_upload(request)
    job = await run_in_threadpool(import_jobs.start, db.factory, staff, filename, data)
    with db.uow() as session:
        return import_job_out(import_jobs.view(session, staff, job.id))


@router.get("/imports/{job_id}", response_model=ImportJobOut, operation_id="customers_import_get")
def import_get(
    job_id: Annotated[int, Path(ge=1, le=MAX_ID)], staff: ApiStaff, db: DbDep
) -> ImportJobOut:
    """An import's progress, then its counts (the staff member's own imports; 404 else)."""
    with db.uow() as session:
        return import_job_out(import_jobs.view(session, staff, job_id))


@router.get(
    "/imports/{job_id}/errors.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
    operation_id="customers_import_errors",
)
def import_errors(
    job_id: Annotated[int, Path(ge=1, le=MAX_ID)], staff: ApiStaff, db: DbDep
) -> Response:
    """The rejected rows with their line and every error, as CSV."""
    with db.uow() as session:
        body = import_jobs.error_report(session, staff, job_id)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="import-{job_id}-errors.csv"'},
    )
