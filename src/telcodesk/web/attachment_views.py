"""Console: attachments on the order page and in the article editor (issue 9 item 7, issue 12
item 1). The cards are htmx partials: an upload swaps the card and leaves the rest of the
page — a reply being written — as it is. Scope, rights and the file's checks are the
services' (``workorders.attachments``, ``knowledge.attachments``, the store); downloads carry
the store's safe headers, as on the API."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from telcodesk.attachments import rules
from telcodesk.attachments.api import file_response, read_upload
from telcodesk.config import get_settings
from telcodesk.deps import DbDep
from telcodesk.errors import DomainError
from telcodesk.knowledge import attachments as kb_files
from telcodesk.knowledge import service as kb
from telcodesk.org.models import Staff
from telcodesk.web.kernel import ConsoleStaff, failure, render
from telcodesk.workorders import attachments as order_files

router = APIRouter(include_in_schema=False)


def _accept() -> str:
    """The file picker's filter: the allowed types' extensions."""
    allowed = get_settings().attachment_types
    return ",".join(e for t in rules.TYPES if t.content_type in allowed for e in t.extensions)


Card = Callable[..., HTMLResponse]  # _order_card or _article_card


def _refused(
    request: Request, staff: Staff, db: DbDep, key: str, card: Card, exc: DomainError
) -> HTMLResponse:
    """The card again with the refusal on it; a record the actor may not see is the kernel's
    404 page, as anywhere else."""
    error, code = failure(request, exc)
    if code == 404:
        raise exc
    return card(request, staff, db, key, error=error, status=code)


def _changed(
    request: Request,
    staff: Staff,
    db: DbDep,
    key: str,
    card: Card,
    change: Callable[[Session], object],
) -> HTMLResponse:
    """One change of a card's files in its own transaction, then the card as it now is."""
    try:
        with db.uow() as session:
            change(session)
    except DomainError as exc:
        return _refused(request, staff, db, key, card, exc)
    return card(request, staff, db, key)


def _order_card(
    request: Request,
    staff: Staff,
    db: DbDep,
    number: str,
    *,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    with db.uow() as session:
        order, rows = order_files.listed(session, staff, number)
        return render(
            request,
            "attachments/_order_card.html",
            staff,
            status=status,
            order=order,
            rows=[
                (
                    link,
                    a,
                    order_files.may_open(staff, link.kind),
                    order_files.may_remove(order, link, staff),
                )
                for link, a in rows
            ],
            may_attach=order_files.may_attach(order, staff),
            kinds=order_files.KIND_LABELS,
            accept=_accept(),
            max_mb=get_settings().attachment_max_bytes / 1_048_576,
            card_error=error,
        )


@router.get("/console/orders/{number}/attachments", response_class=HTMLResponse)
def order_card(number: str, request: Request, staff: ConsoleStaff, db: DbDep) -> HTMLResponse:
    return _order_card(request, staff, db, number)


@router.post("/console/orders/{number}/attachments", response_class=HTMLResponse)
async def order_upload(
    number: str, request: Request, staff: ConsoleStaff, db: DbDep
) -> HTMLResponse:
    try:
        filename, declared, data, kind = await read_upload(request)
    except DomainError as exc:
        return _refused(request, staff, db, number, _order_card, exc)
    return _changed(
        request, staff, db, number, _order_card,
        lambda session: order_files.attach(
            session, staff, number, kind=kind, filename=filename, declared=declared, data=data
        ),
    )  # fmt: skip


@router.get("/console/orders/{number}/attachments/{attachment_id}", response_model=None)
def order_download(number: str, attachment_id: str, staff: ConsoleStaff, db: DbDep) -> Response:
    with db.uow() as session:
        stored, data = order_files.download(session, staff, number, attachment_id[:20])
        return file_response(stored, data)


@router.post("/console/orders/{number}/attachments/{attachment_id}/delete", response_model=None)
def order_remove(
    number: str, attachment_id: str, request: Request, staff: ConsoleStaff, db: DbDep
) -> HTMLResponse:
    return _changed(
        request, staff, db, number, _order_card,
        lambda session: order_files.remove(session, staff, number, attachment_id[:20]),
    )  # fmt: skip


# --- articles ---------------------------------------------------------------------------


def _article_card(
    request: Request,
    staff: Staff,
    db: DbDep,
    number: str,
    *,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    with db.uow() as session:
        article = kb.get_article(session, number, staff)
        files = kb_files.listed(session, staff, number)
        editing = kb_files.may_edit(session, staff, article)
        return render(
            request,
            "attachments/_article_card.html",
            staff,
            status=status,
            article=article,
            files=files,
            editing=editing,
            accept=_accept(),
            max_mb=get_settings().attachment_max_bytes / 1_048_576,
            card_error=error,
        )


@router.get("/console/kb/{article}/attachments", response_class=HTMLResponse)
def article_card(article: str, request: Request, staff: ConsoleStaff, db: DbDep) -> HTMLResponse:
    return _article_card(request, staff, db, article)


@router.post("/console/kb/{article}/attachments", response_class=HTMLResponse)
async def article_upload(
    article: str, request: Request, staff: ConsoleStaff, db: DbDep
) -> HTMLResponse:
    try:
        filename, declared, data, _ = await read_upload(request)
    except DomainError as exc:
        return _refused(request, staff, db, article, _article_card, exc)
    return _changed(
        request, staff, db, article, _article_card,
        lambda session: kb_files.attach(
            session, staff, article, filename=filename, declared=declared, data=data
        ),
    )  # fmt: skip


@router.get("/console/kb/{article}/attachments/{attachment_id}", response_model=None)
def article_download(article: str, attachment_id: str, staff: ConsoleStaff, db: DbDep) -> Response:
    with db.uow() as session:
        stored, data = kb_files.download(session, staff, article, attachment_id[:20])
        return file_response(stored, data)


@router.post("/console/kb/{article}/attachments/{attachment_id}/delete", response_model=None)
def article_remove(
    article: str, attachment_id: str, request: Request, staff: ConsoleStaff, db: DbDep
) -> HTMLResponse:
    return _changed(
        request, staff, db, article, _article_card,
        lambda session: kb_files.remove(session, staff, article, attachment_id[:20]),
    )  # fmt: skip
