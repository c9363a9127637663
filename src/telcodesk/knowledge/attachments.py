"""An article's attachments (issue 12 item 1; KB-1, KB-2): files of the attachment store in a
version of the article.

Scoped like the article (``service.get_article``: 404 out of scope). Editors of the
article's region add and remove files on the editable version (draft or returned) only; a
revision carries the files over, so what a published version shows never changes (KB-2).
Agents list and download the live version's files; editors and reviewers of the region any
version's.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from telcodesk import clock
from telcodesk.attachments import service as store
from telcodesk.attachments.models import Attachment
from telcodesk.attachments.rules import parse_id
from telcodesk.errors import NotFound
from telcodesk.knowledge import rules, service
from telcodesk.knowledge.models import KbArticle, KbAttachment, KbVersion
from telcodesk.knowledge.rules import State
from telcodesk.org.models import Staff
from telcodesk.org.permissions import Permission, can


class AttachmentNotFound(NotFound):
    code = "attachment_not_found"
    message_zh = "附件不存在"
    message_en = "Attachment not found"


def attach(
    session: Session, actor: Staff, number: str, *, filename: str, declared: str, data: bytes
) -> tuple[KbVersion, Attachment]:
    _, version = service.editable(session, actor, number)  # 404 / 403 / 409 as for the text
    stored = store.put(session, actor, filename, declared, data)
    session.add(
        KbAttachment(
            version_id=version.id,
            attachment_id=stored.id,
            added_by_id=actor.id,
            added_at=clock.now(),
        )
    )
    session.flush()
    return version, stored


def _readable_versions(session: Session, viewer: Staff, number: str) -> list[int]:
    article = service.get_article(session, number, viewer)
    if service.editorial_view(viewer, article):
        return [v.id for v in service.versions(session, article)]
    return [article.live_version_id] if article.live_version_id else []


def listed(
    session: Session, viewer: Staff, number: str, *, version_id: int | None = None
) -> list[Attachment]:
    """The files of the version the viewer reads: the live one for agents, the latest one
    (or ``version_id``) for the editors of the region."""
    article = service.get_article(session, number, viewer)
    if version_id is None:
        version_id = (
            service.latest(session, article).id
            if service.editorial_view(viewer, article)
            else article.live_version_id
        )
    if version_id is None or version_id not in _readable_versions(session, viewer, number):
        return []
    stmt = (
        select(Attachment)
        .join(KbAttachment, KbAttachment.attachment_id == Attachment.id)
        .where(KbAttachment.version_id == version_id)
        .order_by(KbAttachment.id)
    )
    return list(session.scalars(stmt))


def download(
    session: Session, viewer: Staff, number: str, attachment_id: str | int
) -> tuple[Attachment, bytes]:
    versions = _readable_versions(session, viewer, number)
    attachment_id = parse_id(attachment_id)
    linked = session.scalar(
        select(func.count(KbAttachment.id)).where(
            KbAttachment.attachment_id == attachment_id, KbAttachment.version_id.in_(versions)
        )
    )
    stored = store.get(session, attachment_id) if linked else None
    if stored is None:
        raise AttachmentNotFound()
    return stored, store.content(session, stored)


def remove(session: Session, actor: Staff, number: str, attachment_id: str | int) -> None:
    """Off the editable version; the bytes go once no version of any article holds them."""
    _, version = service.editable(session, actor, number)
    attachment_id = parse_id(attachment_id)
    gone = session.execute(
        delete(KbAttachment).where(
            KbAttachment.version_id == version.id, KbAttachment.attachment_id == attachment_id
        )
    )
    if not gone.rowcount:  # type: ignore[attr-defined]
        raise AttachmentNotFound()
    still = session.scalar(
        select(func.count(KbAttachment.id)).where(KbAttachment.attachment_id == attachment_id)
    )
    stored = store.get(session, attachment_id)
    if not still and stored is not None:
        store.purge(session, stored)
    session.flush()


def may_edit(session: Session, actor: Staff, article: KbArticle) -> bool:
    """Whether ``actor`` may add or remove files now (the console offers the form only then)."""
    return (
        can(actor, Permission.KB_EDIT)
        and service.writes_here(actor, article)
        and State(service.latest(session, article).state) in rules.EDITABLE
    )
