"""Console page of the closure code lists (SQ-2; issue 9 item 6): root causes and
responsibilities recorded at archive. Everyone who archives reads them; HQ admins add, rename
and retire entries (the lists are nationwide; `workorders.service.set_closure_code`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from telcodesk.deps import DbDep
from telcodesk.errors import DomainError
from telcodesk.org import permissions
from telcodesk.org.permissions import Permission
from telcodesk.org.scope import scope_of
from telcodesk.web.kernel import ConsoleStaff, done, failure, form_fields, render
from telcodesk.workorders import service as orders
from telcodesk.workorders.schemas import ClosureCodeIn

router = APIRouter(include_in_schema=False)


def _page(request: Request, staff: ConsoleStaff, db: DbDep, error: str | None = None,
          status: int = 200) -> HTMLResponse:  # fmt: skip
    with db.uow() as session:
        return render(
            request,
            "workorders/closure_codes.html",
            staff,
            status=status,
            codes=orders.closure_codes(session, active_only=False),
            editable=permissions.can(staff, Permission.ORG_MANAGE) and scope_of(staff).everything,
            error=error,
        )


@router.get("/console/admin/closure-codes", response_class=HTMLResponse)
def closure_codes(request: Request, staff: ConsoleStaff, db: DbDep) -> HTMLResponse:
    return _page(request, staff, db)


@router.post("/console/admin/closure-codes", response_model=None)
async def save_closure_code(request: Request, staff: ConsoleStaff, db: DbDep) -> Response:
    form = await form_fields(request)
    try:
        data = ClosureCodeIn.model_validate(
            {k: form.get(k) for k in ("kind", "code", "name_zh", "name_en")}
        )
        with db.uow() as session:
            orders.set_closure_code(
                session, staff, data.kind, data.code, data.name_zh, data.name_en,
                active=form.get("active", "1") == "1",
            )  # fmt: skip
    except (ValidationError, DomainError) as exc:
        error, code = failure(request, exc)
        return _page(request, staff, db, error, code)
    return done(
        request, "/console/admin/closure-codes", f"已保存：{data.code}", f"Saved: {data.code}"
    )
