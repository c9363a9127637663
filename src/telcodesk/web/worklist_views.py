"""Console work queues (issue 9 items 1, 2): the order list with queues, multi-value filters,
sort, columns, page size and pages; saved views (own and the unit's) with counts; 我的工单
with what I closed today; bulk actions with a summary of what was done and why not."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import ImmutableMultiDict, QueryParams

from telcodesk.customers import service as customers
from telcodesk.deps import DbDep
from telcodesk.errors import DomainError, ValidationFailed
from telcodesk.org.models import Staff
from telcodesk.sla import service as sla
from telcodesk.web.i18n import text
from telcodesk.web.kernel import ConsoleStaff, done, error_text, failure, lang_of, render
from telcodesk.worklists import queries
from telcodesk.worklists import service as worklists
from telcodesk.worklists.schemas import COLUMNS, DEFAULT_COLUMNS, BulkIn, ListSpec, SavedViewIn
from telcodesk.workorders import candidates
from telcodesk.workorders import service as orders
from telcodesk.workorders.schemas import OrderFilter

router = APIRouter(include_in_schema=False)


def bulk_form(session: Session, staff: Staff) -> dict[str, Any]:
    """What the bulk form (workorders/_bulk_form.html) needs: the archive's code lists and
    the people of the actor's region to pick a handler from."""
    return {
        "closure_codes": orders.closure_codes(session),
        "bulk_people": candidates.in_region(session, staff),
    }


LIST_FILTERS = ("status", "type", "channel", "tier", "cities")
ONE_FILTERS = (
    "city_code",
    "handler",
    "owner",
    "customer_phone",
    "q",
    "created_from",
    "created_to",
    "unit",
)
SPEC_FIELDS = ("queue", "sort", "group", "page_size")


def spec_from(params: QueryParams | ImmutableMultiDict[str, Any]) -> ListSpec:
    """A list's spec from the page's query (or a saved view's form): empty values are no
    filter ("any" in a select sends one)."""
    raw: dict[str, Any] = {k: [v for v in params.getlist(k) if v] for k in LIST_FILTERS}
    for key in ONE_FILTERS:
        value = str(params.get(key) or "").strip()
        if value:
            raw[key] = value
    raw["open_only"] = params.get("open_only") == "1"
    raw["escalated"] = params.get("escalated") == "1"
    spec: dict[str, Any] = {"filters": raw}
    for key in SPEC_FIELDS:
        if params.get(key):
            spec[key] = params.get(key)
    columns = [c for c in params.getlist("columns") if c]
    if columns:
        spec["columns"] = columns
    return ListSpec.model_validate(spec)


def query_of(spec: ListSpec) -> list[tuple[str, str]]:
    """The page query that shows ``spec`` (links: pages, views, export)."""
    pairs: list[tuple[str, str]] = []
    for key, value in spec.filters.model_dump(mode="json", exclude_defaults=True).items():
        if isinstance(value, bool):
            pairs.append((key, "1"))
        elif isinstance(value, list):
            pairs.extend((key, str(v)) for v in value)
        else:
            pairs.append((key, str(value)))
    defaults = ListSpec()
    for key in SPEC_FIELDS:
        if getattr(spec, key) != getattr(defaults, key):
            pairs.append((key, str(getattr(spec, key))))
    if spec.columns != defaults.columns:
        pairs.extend(("columns", c) for c in spec.columns)
    return pairs


def _page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < len(raw) < 7 else 1


@router.get("/console/orders", response_class=HTMLResponse)
def order_list(request: Request, staff: ConsoleStaff, db: DbDep) -> HTMLResponse:
    error, active = None, None
    lang = lang_of(request)
    with db.uow() as session:
        try:
            view_id = request.query_params.get("view", "")
            if view_id.isdigit() and len(view_id) < 10:
                view = worklists.get_view(session, staff, int(view_id))
                spec, active = worklists.spec_of(view), view.id
            else:
                spec = spec_from(request.query_params)
            result = queries.page(session, staff, spec, _page_number(request))
        except (ValidationError, DomainError) as exc:
            if isinstance(exc, DomainError) and exc.status == 403:
                raise  # no right to this queue: the kernel's error page (403)
            error = error_text(exc, lang)
            spec = ListSpec()
            result = queries.page(session, staff, spec)
        views = worklists.visible_views(session, staff)
        counts = worklists.counts(session, staff, views)
        deadlines = {o.id: sla.view(session, o.clocks) for o in result.rows}
        bulk = bulk_form(session, staff)
        query = query_of(spec)

    def link(page: int) -> str:
        return "?" + urlencode([*query, ("page", str(page))])

    return render(
        request,
        "workorders/orders.html",
        staff,
        status=422 if error else 200,
        spec=spec,
        filters=spec.filters,
        orders=result.rows,
        result=result,
        deadlines=deadlines,
        views=views,
        counts=counts,
        active_view=active,
        spec_query=urlencode(query),
        prev_url=link(result.page - 1) if result.page > 1 else None,
        next_url=link(result.page + 1) if result.page < result.pages else None,
        all_columns=COLUMNS,
        columns=spec.columns,
        selectable=True,
        cities=customers.cities_in_reach(staff),
        **bulk,
        error=error,
        title=text("orders", lang),
    )


@router.post("/console/views", response_model=None)
async def save_view(request: Request, staff: ConsoleStaff, db: DbDep) -> Response:
    """Save the list as it is shown (its query) under a name; shared with my unit if asked."""
    form = await request.form()
    try:
        spec = spec_from(QueryParams(str(form.get("spec_query", ""))[:4000]))
        data = SavedViewIn(
            name=str(form.get("name", "")), spec=spec, shared=form.get("shared") == "1"
        )
        with db.uow() as session:
            view_id = worklists.save_view(session, staff, data).id
    except (ValidationError, DomainError) as exc:
        error, code = failure(request, exc)
        return _back(request, staff, db, error, code)
    return done(
        request,
        f"/console/orders?view={view_id}",
        f"视图已保存：{data.name}",
        f"View saved: {data.name}",
    )


@router.post("/console/views/{view_id}/delete", response_model=None)
def delete_view(view_id: int, request: Request, staff: ConsoleStaff, db: DbDep) -> Response:
    with db.uow() as session:
        worklists.delete_view(session, staff, view_id)  # not mine: the kernel's 404 page
    return done(request, "/console/orders", "视图已删除", "View deleted")


def _back(request: Request, staff: Staff, db: DbDep, error: str, code: int) -> HTMLResponse:
    with db.uow() as session:
        result = queries.page(session, staff, ListSpec())
        views = worklists.visible_views(session, staff)
        return render(
            request,
            "workorders/orders.html",
            staff,
            status=code,
            spec=ListSpec(),
            filters=OrderFilter(),
            orders=result.rows,
            result=result,
            deadlines={o.id: sla.view(session, o.clocks) for o in result.rows},
            views=views,
            counts=worklists.counts(session, staff, views),
            active_view=None,
            spec_query="",
            prev_url=None,
            next_url=None,
            all_columns=COLUMNS,
            columns=DEFAULT_COLUMNS,
            selectable=True,
            cities=customers.cities_in_reach(staff),
            **bulk_form(session, staff),
            error=error,
        )


BULK_FIELDS = ("action", "handler", "reason", "body", "root_cause", "responsibility", "justified")


@router.post("/console/orders/bulk", response_model=None)
async def bulk(request: Request, staff: ConsoleStaff, db: DbDep) -> Response:
    """The bulk form's answer: a summary page, per order done or refused with the reason."""
    form = await request.form()
    raw: dict[str, Any] = {
        k: str(form[k]).strip() for k in BULK_FIELDS if str(form.get(k, "")).strip()
    }
    raw["numbers"] = [str(n) for n in form.getlist("numbers") if str(n).strip()]
    back = str(form.get("back", ""))[:2000]
    back = back if back.startswith("/console/") else "/console/orders"
    try:
        if not raw["numbers"]:
            raise ValidationFailed(
                "请先勾选工单", "Select some orders first", code="nothing_selected"
            )
        summary = worklists.bulk(db.uow, staff, BulkIn.model_validate(raw))
    except (ValidationError, DomainError) as exc:
        error, code = failure(request, exc)
        return _back(request, staff, db, error, code)
    return render(request, "workorders/bulk_result.html", staff, summary=summary, back=back)


@router.get("/console/my", response_class=HTMLResponse)
def my_orders(request: Request, staff: ConsoleStaff, db: DbDep) -> HTMLResponse:
    """我的工单: open orders I own or handle, most urgent first, and what I closed today; the
    tabs narrow to those I own, I handle, or my unit's queue waiting to be taken (CC-1)."""
    tab = request.query_params.get("tab", "open")
    tab = tab if tab in ("open", "owned", "handling", "queue") else "open"
    closed = []
    with db.uow() as session:
        if tab == "queue":  # waiting in my unit for someone to take them (CC-1)
            rows = orders.unit_queue(session, staff)
        elif tab == "open":
            rows = worklists.my_open(session, staff)
            closed = queries.closed_by_me_today(session, staff)
        else:
            who = {"handler" if tab == "handling" else "owner": staff.username}
            spec = ListSpec(filters=OrderFilter(open_only=True, **who), page_size=200)
            rows = queries.page(session, staff, spec).rows
        deadlines = {o.id: sla.view(session, o.clocks) for o in [*rows, *closed]}
        bulk = bulk_form(session, staff)
    return render(
        request,
        "workorders/my_orders.html",
        staff,
        orders=rows,
        closed=closed,
        deadlines=deadlines,
        tab=tab,
        **bulk,
    )
