"""Console pages for one's own account and for admins' integration tokens (CD-2): change the
password (forced once it has expired), create, list and revoke channel tokens."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from telcodesk.deps import SESSION_COOKIE, DbDep, SettingsDep, console_staff_or_none
from telcodesk.errors import DomainError, ValidationFailed
from telcodesk.org import service as org
from telcodesk.org import tokens
from telcodesk.org.models import Staff
from telcodesk.org.schemas import INTEGRATION_SCOPES, IntegrationTokenIn
from telcodesk.web.kernel import done
from telcodesk.web.views import ConsoleStaff, LoginRequired, error_text, lang_of, render

router = APIRouter(include_in_schema=False)


def signed_in_staff(staff: Annotated[Staff | None, Depends(console_staff_or_none)]) -> Staff:
    """Any live session, an expired password included: this is where it gets changed."""
    if staff is None:
        raise LoginRequired()
    return staff


SignedInStaff = Annotated[Staff, Depends(signed_in_staff)]


# --- password -----------------------------------------------------------------------------


@router.get("/console/account/password", response_class=HTMLResponse)
def password_form(request: Request, staff: SignedInStaff, settings: SettingsDep) -> HTMLResponse:
    return _password_page(request, staff, settings)


@router.post("/console/account/password", response_model=None)
async def change_password(
    request: Request, staff: SignedInStaff, db: DbDep, settings: SettingsDep
) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    current, new = form.get("current", "")[:200], form.get("new", "")[:200]
    if new != form.get("confirm", "")[:200]:
        mismatch = ValidationFailed("两次输入的新密码不一致", "The new passwords differ")
        return _password_page(request, staff, settings, mismatch)
    with db.uow() as session:
        outcome = org.change_password(
            session,
            staff,
            current,
            new,
            settings=settings,
            keep_token=request.cookies.get(SESSION_COOKIE),
        )
    if outcome.error is not None:  # answered after the commit: wrong tries count (CD-2)
        return _password_page(request, staff, settings, outcome.error)
    return done(request, "/console/orders", "密码已修改", "Password changed")


def _password_page(
    request: Request, staff: Staff, settings: SettingsDep, error: DomainError | None = None
) -> HTMLResponse:
    return render(
        request,
        "org/account_password.html",
        staff,
        status=error.status if error else 200,
        error=error_text(error, lang_of(request)) if error else None,
        expired=org.password_expired(staff, settings),
        settings=settings,
    )


# --- integration tokens -------------------------------------------------------------------


@router.get("/console/admin/tokens", response_class=HTMLResponse)
def token_list(request: Request, staff: ConsoleStaff, db: DbDep) -> HTMLResponse:
    return _tokens_page(request, staff, db)


@router.post("/console/admin/tokens", response_class=HTMLResponse)
async def create_token(request: Request, staff: ConsoleStaff, db: DbDep) -> HTMLResponse:
    form = await request.form()
    raw = {k: str(form.get(k, "")).strip() for k in ("label", "username", "expires_in_days")}
    try:
        data = IntegrationTokenIn.model_validate(
            {**raw, "scopes": [str(s) for s in form.getlist("scopes")]}
        )
        with db.uow() as session:
            out, secret = tokens.create(session, staff, data)
    except (ValidationError, DomainError) as exc:
        status = exc.status if isinstance(exc, DomainError) else 422
        error = error_text(exc, lang_of(request))
        return _tokens_page(request, staff, db, error=error, status=status)
    return _tokens_page(request, staff, db, created=out, secret=secret)


@router.post("/console/admin/tokens/{token_id}/revoke", response_model=None)
def revoke_token(token_id: int, request: Request, staff: ConsoleStaff, db: DbDep) -> Response:
    try:
        with db.uow() as session:
            tokens.revoke(session, staff, token_id)
    except DomainError as exc:
        return _tokens_page(
            request, staff, db, error=error_text(exc, lang_of(request)), status=exc.status
        )
    return done(request, "/console/admin/tokens", "令牌已吊销", "Token revoked")


def _tokens_page(
    request: Request, staff: Staff, db: DbDep, *, status: int = 200, **ctx: Any
) -> HTMLResponse:
    try:
        with db.uow() as session:
            items = tokens.list_tokens(session, staff)
    except DomainError as exc:  # not an admin
        heading = error_text(exc, lang_of(request))
        return render(request, "error.html", staff, status=exc.status, heading=heading)
    return render(
        request,
        "org/tokens.html",
        staff,
        status=status,
        items=items,
        scopes=INTEGRATION_SCOPES,
        **ctx,
    )
