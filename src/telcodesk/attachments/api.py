"""Attachment API (issue 9 item 7, issue 12 item 1; CD-1, CD-2, WO-2): upload (multipart),
list, download and delete an order's or an article's files. Handlers are thin: the owning
domain checks scope and rights (``workorders.attachments``, ``knowledge.attachments``), the
store checks the file. A download never runs in the page: ``Content-Disposition:
attachment`` unless an image or a PDF, ``nosniff`` and a sandboxing CSP (``rules.SAFE_HEADERS``).

The upload is read by the handler, not declared as a FastAPI body: the order's scope is
checked before anything about the file, so another city's order answers 404 whatever was
sent (tests/test_scope_routes.py).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from telcodesk.attachments import rules
from telcodesk.attachments.models import Attachment
from telcodesk.attachments.schemas import AttachmentOut
from telcodesk.config import get_settings
from telcodesk.deps import ApiStaff, DbDep
from telcodesk.errors import ValidationFailed
from telcodesk.inputs import Line
from telcodesk.knowledge import attachments as kb_files
from telcodesk.knowledge.schemas import NUMBER_PATTERN
from telcodesk.org.models import Staff
from telcodesk.workorders import attachments as order_files

router = APIRouter(prefix="/api/v1", tags=["attachments"])
OrderNumber = Annotated[Line, Path(max_length=40)]
ArticleNo = Annotated[str, Path(pattern=NUMBER_PATTERN, max_length=12)]
# Text, parsed after the order's scope check (order_files.parse_id): see the module's note.
AttachmentId = Annotated[Line, Path(max_length=20)]

UPLOAD_DOC: dict[int | str, dict[str, Any]] = {
    201: {"description": "Stored"},
    413: {"description": "attachment_too_large"},
}
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "kind": {
                            "type": "string",
                            "enum": list(order_files.KIND_LABELS),
                            "description": "orders only; default other",
                        },
                    },
                }
            }
        },
    }
}


async def read_upload(request: Request) -> tuple[str, str, bytes, str]:
    """(file name, declared type, bytes, kind) of a multipart upload; empty when absent, so
    the service answers (after its scope check) with a clear 422."""
    limit = get_settings().attachment_max_bytes
    try:
        form = await request.form(max_files=1, max_fields=5)
    except Exception as exc:  # a body that is not multipart at all
        raise ValidationFailed(
            "请以 multipart/form-data 上传文件（字段 file）",
            "Upload the file as multipart/form-data (field file)",
            code="attachment_form",
        ) from exc
    upload, kind = form.get("file"), form.get("kind")
    if not isinstance(upload, UploadFile):
        return "", "", b"", str(kind or "other")
    data = await upload.read(limit + 1)  # one byte past the limit is enough to refuse
    declared = upload.content_type or ""
    return upload.filename or "", declared, data, str(kind or "other")


def file_response(stored: Attachment, data: bytes) -> Response:
    return Response(
        content=data,
        media_type=stored.content_type,
        headers={
            "Content-Disposition": rules.disposition(stored.content_type, stored.filename),
            "ETag": f'"{stored.sha256}"',
            **rules.SAFE_HEADERS,
        },
    )


def _out(stored: Attachment, url: str, kind: str | None, by: Staff | None) -> AttachmentOut:
    return AttachmentOut(
        id=stored.id,
        filename=stored.filename,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        uploaded_at=stored.uploaded_at,
        uploaded_by=by.username if by else None,
        kind=kind,
        url=url,
    )


def _staff(session: Session, staff_id: int) -> Staff | None:
    return session.get(Staff, staff_id)


# --- orders -----------------------------------------------------------------------------


@router.post(
    "/orders/{number}/attachments",
    response_model=AttachmentOut,
    status_code=201,
    operation_id="orders_attachments_upload",
    summary="Attach a file to an order (screenshot, call recording, ID copy)",
    responses=UPLOAD_DOC,
    openapi_extra=UPLOAD_BODY,
)
async def upload_to_order(
    number: OrderNumber, request: Request, staff: ApiStaff, db: DbDep
) -> AttachmentOut:
    filename, declared, data, kind = await read_upload(request)
    with db.uow() as session:
        link, stored = order_files.attach(
            session, staff, number, kind=kind, filename=filename, declared=declared, data=data
        )
        url = f"/api/v1/orders/{number}/attachments/{stored.id}"
        return _out(stored, url, link.kind, staff)


@router.get(
    "/orders/{number}/attachments",
    response_model=list[AttachmentOut],
    operation_id="orders_attachments_list",
    summary="An order's attachments",
)
def list_of_order(number: OrderNumber, staff: ApiStaff, db: DbDep) -> list[AttachmentOut]:
    with db.uow() as session:
        order, rows = order_files.listed(session, staff, number)
        return [
            _out(a, f"/api/v1/orders/{order.number}/attachments/{a.id}", link.kind, link.added_by)
            for link, a in rows
        ]


@router.get(
    "/orders/{number}/attachments/{attachment_id}",
    operation_id="orders_attachments_download",
    summary="Download an order's attachment (an ID copy is audited)",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def download_of_order(
    number: OrderNumber, attachment_id: AttachmentId, staff: ApiStaff, db: DbDep
) -> Response:
    with db.uow() as session:
        stored, data = order_files.download(session, staff, number, attachment_id)
        return file_response(stored, data)


@router.delete(
    "/orders/{number}/attachments/{attachment_id}",
    status_code=204,
    operation_id="orders_attachments_delete",
    summary="Remove an order's attachment (its uploader or a supervisor, while open)",
)
def delete_of_order(
    number: OrderNumber, attachment_id: AttachmentId, staff: ApiStaff, db: DbDep
) -> Response:
    with db.uow() as session:
        order_files.remove(session, staff, number, attachment_id)
    return Response(status_code=204)


# --- knowledge articles -----------------------------------------------------------------


@router.post(
    "/kb/articles/{article}/attachments",
    response_model=AttachmentOut,
    status_code=201,
    operation_id="kb_attachments_upload",
    summary="Attach a file to an article's draft",
    responses=UPLOAD_DOC,
    openapi_extra=UPLOAD_BODY,
)
async def upload_to_article(
    article: ArticleNo, request: Request, staff: ApiStaff, db: DbDep
) -> AttachmentOut:
    filename, declared, data, _ = await read_upload(request)
    with db.uow() as session:
        _, stored = kb_files.attach(
            session, staff, article, filename=filename, declared=declared, data=data
        )
        return _out(stored, f"/api/v1/kb/articles/{article}/attachments/{stored.id}", None, staff)


@router.get(
    "/kb/articles/{article}/attachments",
    response_model=list[AttachmentOut],
    operation_id="kb_attachments_list",
    summary="The files of the article's version the caller reads",
)
def list_of_article(article: ArticleNo, staff: ApiStaff, db: DbDep) -> list[AttachmentOut]:
    with db.uow() as session:
        return [
            _out(
                a,
                f"/api/v1/kb/articles/{article}/attachments/{a.id}",
                None,
                _staff(session, a.uploaded_by_id),
            )
            for a in kb_files.listed(session, staff, article)
        ]


@router.get(
    "/kb/articles/{article}/attachments/{attachment_id}",
    operation_id="kb_attachments_download",
    summary="Download an article's file",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def download_of_article(
    article: ArticleNo, attachment_id: AttachmentId, staff: ApiStaff, db: DbDep
) -> Response:
    with db.uow() as session:
        stored, data = kb_files.download(session, staff, article, attachment_id)
        return file_response(stored, data)


@router.delete(
    "/kb/articles/{article}/attachments/{attachment_id}",
    status_code=204,
    operation_id="kb_attachments_delete",
    summary="Remove a file from an article's draft",
)
def delete_of_article(
    article: ArticleNo, attachment_id: AttachmentId, staff: ApiStaff, db: DbDep
) -> Response:
    with db.uow() as session:
        kb_files.remove(session, staff, article, attachment_id)
    return Response(status_code=204)
