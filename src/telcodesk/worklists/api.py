"""Work-queue API (issue 9 items 1, 2): lists by spec, saved views with counts, 我的工单, bulk
actions. Handlers are thin: parse, call the service, shape the answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from telcodesk.deps import ApiStaff, DbDep
from telcodesk.org.models import Staff
from telcodesk.worklists import queries, service
from telcodesk.worklists.models import SavedView
from telcodesk.worklists.schemas import (
    BulkIn,
    BulkOut,
    GroupCount,
    ListSpec,
    SavedViewIn,
    SavedViewOut,
    WorkPage,
)
from telcodesk.workorders.api import order_out
from telcodesk.workorders.schemas import MAX_ID, OrderOut

router = APIRouter(prefix="/api/v1", tags=["work queues"])
ViewId = Annotated[int, Path(ge=1, le=MAX_ID)]
PageNumber = Annotated[int, Query(ge=1, le=100_000)]


class WorklistIn(BaseModel):
    spec: ListSpec = ListSpec()
    page: int = Field(default=1, ge=1, le=100_000)


class MyOrdersOut(BaseModel):
    open: list[OrderOut] = Field(description="Open orders I own or handle, by time left")
    closed_today: list[OrderOut] = Field(description="Orders I closed since Beijing midnight")


def view_out(view: SavedView, viewer: Staff, count: int | None = None) -> SavedViewOut:
    return SavedViewOut(
        id=view.id,
        name=view.name,
        owner=view.owner.display_name,
        mine=view.owner_id == viewer.id,
        shared=view.unit_id is not None,
        spec=service.spec_of(view),
        count=count,
        updated_at=view.updated_at,
    )


def page_out(session: Session, page: queries.Page, viewer: Staff) -> WorkPage:
    return WorkPage(
        items=[order_out(session, o, viewer) for o in page.rows],
        total=page.total,
        page=page.page,
        pages=page.pages,
        page_size=page.page_size,
        groups=[GroupCount(key=k, name=n, count=c) for k, n, c in page.groups],
    )


@router.post("/worklist", response_model=WorkPage, operation_id="worklist_page")
def worklist(body: WorklistIn, staff: ApiStaff, db: DbDep) -> WorkPage:
    """A page of a work list: filters, queue, sort (time left by default), page size, counts
    by unit or handler; always within the caller's scope (a read, sent as a body)."""
    with db.uow() as session:
        return page_out(session, queries.page(session, staff, body.spec, body.page), staff)


@router.get("/my-orders", response_model=MyOrdersOut, operation_id="my_orders")
def my_orders(staff: ApiStaff, db: DbDep) -> MyOrdersOut:
    """我的工单: open orders I own or handle, most urgent first, and those I closed today."""
    with db.uow() as session:
        rows = service.my_open(session, staff)
        closed = queries.closed_by_me_today(session, staff)
        return MyOrdersOut(
            open=[order_out(session, o, staff) for o in rows],
            closed_today=[order_out(session, o, staff) for o in closed],
        )


@router.get("/views", response_model=list[SavedViewOut], operation_id="views_list")
def list_views(staff: ApiStaff, db: DbDep) -> list[SavedViewOut]:
    """My saved views and my unit's shared ones, each with how many orders it holds for me."""
    with db.uow() as session:
        views = service.visible_views(session, staff)
        counts = service.counts(session, staff, views)
        return [view_out(v, staff, counts[v.id]) for v in views]


@router.post("/views", response_model=SavedViewOut, status_code=201, operation_id="views_create")
def create_view(body: SavedViewIn, staff: ApiStaff, db: DbDep) -> SavedViewOut:
    """Save a view of the order list, own or shared with the caller's unit."""
    with db.uow() as session:
        return view_out(service.save_view(session, staff, body), staff)


@router.put("/views/{view_id}", response_model=SavedViewOut, operation_id="views_replace")
def replace_view(view_id: ViewId, body: SavedViewIn, staff: ApiStaff, db: DbDep) -> SavedViewOut:
    """Only the owner changes a view; anyone else's answers 404."""
    with db.uow() as session:
        return view_out(service.save_view(session, staff, body, view_id), staff)


@router.delete("/views/{view_id}", status_code=204, operation_id="views_delete")
def delete_view(view_id: ViewId, staff: ApiStaff, db: DbDep) -> Response:
    """Delete one of the caller's own saved views."""
    with db.uow() as session:
        service.delete_view(session, staff, view_id)
    return Response(status_code=204)


@router.get("/views/{view_id}/orders", response_model=WorkPage, operation_id="views_orders")
def view_orders(view_id: ViewId, staff: ApiStaff, db: DbDep, page: PageNumber = 1) -> WorkPage:
    """The view applied for the caller: its filters cut to the caller's own scope."""
    with db.uow() as session:
        spec = service.spec_of(service.get_view(session, staff, view_id))
        return page_out(session, queries.page(session, staff, spec, page), staff)


@router.post("/orders/bulk-actions", response_model=BulkOut, operation_id="orders_bulk")
def bulk(body: BulkIn, staff: ApiStaff, db: DbDep) -> BulkOut:
    """assign, transfer, chase, archive or note many orders: each in its own transaction; the
    answer lists what was done and, per order, the refusal the single action would give."""
    return service.bulk(db.uow, staff, body)
