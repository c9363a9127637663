"""The attachment store (CD-1, WO-2, KB-1): check a file, keep it, hand it back, purge it.

The store knows nothing of orders or articles and checks no scope: its owners do. An order's
attachments are linked, read and removed through ``workorders.attachments`` (under the
order's scope, in its history, ID copies audited), an article's through
``knowledge.attachments``. Services flush, never commit: the file, its facts and the owner's
link are one transaction.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from telcodesk import clock
from telcodesk.attachments import rules
from telcodesk.attachments.models import Attachment, AttachmentBlob
from telcodesk.config import get_settings
from telcodesk.errors import Conflict, DomainError
from telcodesk.org.models import Staff


class AttachmentCorrupt(DomainError):
    status = 409  # the bytes no longer match their digest: nothing is served
    code = "attachment_corrupt"
    message_zh = "附件内容已损坏"
    message_en = "The attachment's content is damaged"


def put(session: Session, actor: Staff, filename: str, declared: str, data: bytes) -> Attachment:
    """Check the file (size, allow-list, the bytes against the declared type and extension)
    and store it; refuses with a 4xx and nothing written otherwise."""
    settings = get_settings()
    name = rules.clean_filename(filename)
    kind = rules.check(
        name,
        declared,
        data,
        max_bytes=settings.attachment_max_bytes,
        allowed=settings.attachment_types,
    )
    row = Attachment(
        filename=name,
        content_type=kind.content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by_id=actor.id,
        uploaded_at=clock.now(),
    )
    session.add(row)
    session.flush()
    session.add(AttachmentBlob(attachment_id=row.id, content=data))
    session.flush()
    return row


def get(session: Session, attachment_id: int) -> Attachment | None:
    return session.get(Attachment, attachment_id)


def content(session: Session, attachment: Attachment) -> bytes:
    """The stored bytes, checked against the digest taken at upload."""
    if attachment.purged_at is not None:
        raise Conflict(
            "附件内容已删除", "The attachment's content was deleted", code="attachment_purged"
        )
    data = session.scalar(
        select(AttachmentBlob.content).where(AttachmentBlob.attachment_id == attachment.id)
    )
    if data is None or hashlib.sha256(data).hexdigest() != attachment.sha256:
        raise AttachmentCorrupt(details={"attachment_id": attachment.id})
    return bytes(data)


def purge(session: Session, attachment: Attachment) -> None:
    """Delete the bytes for good (a removed ID copy is not kept, CD-1); the facts stay."""
    session.execute(delete(AttachmentBlob).where(AttachmentBlob.attachment_id == attachment.id))
    attachment.purged_at = clock.now()
    session.flush()
