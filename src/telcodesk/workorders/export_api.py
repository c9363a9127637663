"""Work-order export as CSV (CD-2, CD-3): ``GET /api/v1/exports/orders.csv``.

The order list's filters and the viewer's scope, the newest ``MAX_ROWS`` orders at most, streamed
page by page. Customer name and phone are masked unless the export is revealed: ``reveal=true``
with a ``reason``, by staff who may reveal, counted as one reveal against the hourly limit; even
then only customers of the staff member's region are shown in full. Every export is audited, with
its filters, row count and whether it was revealed, before the first row leaves. UTF-8 with a
BOM, so that Excel opens the Chinese text correctly. The description (free text that may hold
personal data) is left out: an export carries what its purpose needs (CD-3).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from sqlalchemy import func
from sqlalchemy.orm import Session

from telcodesk import clock
from telcodesk.audit import service as audit
from telcodesk.customers import reveal as reveals
from telcodesk.customers import service as customers
from telcodesk.customers.masking import mask_name, mask_phone
from telcodesk.deps import ApiStaff, Database, DbDep, SettingsDep
from telcodesk.inputs import Line
from telcodesk.org import permissions
from telcodesk.org.models import Staff
from telcodesk.org.permissions import Permission
from telcodesk.org.scope import order_filter, scope_of
from telcodesk.workorders import rules
from telcodesk.workorders import service as orders
from telcodesk.workorders.models import WorkOrder
from telcodesk.workorders.schemas import OrderFilter

router = APIRouter(prefix="/api/v1/exports", tags=["exports"])

MAX_ROWS = 50_000
PAGE = 500
BOM = "\ufeff"
EXPORT = "export"
HEADER = [
    "工单号 number",
    "类型 type",
    "渠道 channel",
    "状态 status",
    "优先级 priority",
    "分类 category",
    "标题 subject",
    "客户 customer",
    "电话 phone",
    "客户等级 tier",
    "地市 city",
    "首问责任人 owner",
    "处理人 handler",
    "受理时间 registered",
    "答复时间 replied",
    "结案时间 closed",
    "办结时限 resolution due",
]


@dataclass(frozen=True)
class ExportPlan:
    row_count: int
    first_cursor: str | None  # keyset cursor just above the newest matching order
    revealed: bool


def start_export(
    session: Session,
    staff: Staff,
    f: OrderFilter,
    *,
    reveal: bool,
    reason: str | None,
    reveal_limit: int,
) -> ExportPlan:
    """Check, count and audit an export before any row leaves (CD-2)."""
    permissions.require(staff, Permission.ORDER_EXPORT)
    permissions.require(staff, Permission.ORDER_VIEW)
    filters = f.model_dump(mode="json", exclude_defaults=True)
    if reveal:
        reason = reveals.authorize_bulk_reveal(
            session,
            staff,
            reason=reason,
            limit=reveal_limit,
            fields=["name", "phone"],
            filters=filters,
        )
    # The same rows as the order list: its filters within the viewer's scope.
    matching = orders.filter_orders(session, f).where(order_filter(scope_of(staff), WorkOrder))
    matched, newest = session.execute(
        matching.with_only_columns(func.count(), func.max(WorkOrder.id))
    ).one()
    row_count = min(matched, MAX_ROWS)
    audit.record(
        session,
        staff,
        EXPORT,
        "work_order",
        "orders.csv",
        filters=filters,
        row_count=row_count,
        matched=matched,
        revealed=reveal,
        reason=reason if reveal else None,
    )
    # Rows registered after this point are not exported: the audited count stays true.
    first_cursor = orders.encode_cursor(newest + 1) if newest else None
    return ExportPlan(row_count, first_cursor, reveal)


def csv_chunks(db: Database, staff: Staff, f: OrderFilter, plan: ExportPlan) -> Iterator[bytes]:
    """The header, then one chunk per page, each read in its own short unit of work."""
    yield (BOM + _csv([HEADER])).encode()
    cursor, left = plan.first_cursor, plan.row_count
    while cursor and left > 0:
        with db.uow() as session:
            rows, _ = orders.list_orders(
                session, f, viewer=staff, cursor=cursor, limit=min(PAGE, left)
            )
            text = _csv(
                _row(o, plan.revealed and customers.in_scope(staff, o.customer)) for o in rows
            )
        if not rows:
            break
        left -= len(rows)
        cursor = orders.encode_cursor(rows[-1].id)
        yield text.encode()


def _row(o: WorkOrder, full: bool) -> list[str]:
    c = o.customer
    name, phone = (c.name, c.phone) if full else (mask_name(c.name), mask_phone(c.phone))
    return [
        o.number,
        rules.TYPE_LABELS[rules.OrderType(o.type)].zh,
        rules.CHANNEL_LABELS[rules.Channel(o.channel)].zh,
        rules.STATUS_LABELS[rules.Status(o.status)].zh,
        rules.PRIORITY_LABELS[rules.Priority(o.priority)].zh,
        o.category.name_zh if o.category else "",
        o.subject,
        name or "",
        phone or "",
        c.tier,
        o.city_code,
        o.first_contact_owner.display_name,
        o.handler.display_name if o.handler else "",
        _time(o.created_at),
        _time(o.replied_at),
        _time(o.closed_at),
        _due(o),
    ]


def _due(o: WorkOrder) -> str:
    # The resolution deadline as the console shows it: the end of a day reads 24:00 of it.
    due = next((c.due_at for c in o.clocks if c.kind == "resolution"), None)
    return clock.deadline_text(due) if due else ""


def _time(dt: datetime | None) -> str:
    return clock.local(dt).strftime("%Y-%m-%d %H:%M:%S") if dt else ""


def _csv(rows: Iterable[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerows([_cell(v) for v in row] for row in rows)
    return buf.getvalue()


def _cell(value: str) -> str:
    # A cell starting like a formula is kept as text in Excel (CSV injection).
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@router.get(
    "/orders.csv",
    operation_id="exports_orders_csv",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with a BOM"},
        429: {"description": "reveal_rate_limited: a revealing export counts as a reveal"},
    },
)
def export_orders(
    staff: ApiStaff,
    db: DbDep,
    settings: SettingsDep,
    filters: Annotated[OrderFilter, Query()],
    reveal: Annotated[bool, Query(description="Full customer data (needs a reason)")] = False,
    reason: Annotated[Line | None, Query(max_length=200)] = None,
) -> StreamingResponse:
    """Orders as CSV (ORDER_EXPORT), masked unless revealed (CUSTOMER_REVEAL + reason; one
    reveal against the hourly limit, 429 ``reveal_rate_limited``). Audited."""
    with db.uow() as session:
        plan = start_export(
            session,
            staff,
            filters,
            reveal=reveal,
            reason=reason,
            reveal_limit=settings.reveals_per_hour,
        )
    stamp = clock.local(clock.now()).strftime("%Y%m%d-%H%M")
    return StreamingResponse(
        csv_chunks(db, staff, filters, plan),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="orders-{stamp}.csv"',
            "X-Export-Rows": str(plan.row_count),
        },
    )
