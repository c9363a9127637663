"""The attachment store's tables (CD-1, WO-2, KB-1): one row of facts per stored file and its
bytes in a table of their own, so listing attachments never reads a blob.

The bytes live in the database, not on disk: a file, its facts and the link that gives it to
an order or an article are written in the one transaction of the upload (a crash leaves no
orphan file and no row without its bytes), they are backed up with the rest of the data
(CD-1), and the same code runs on SQLite and PostgreSQL. The size limit (config
``attachment_max_bytes``, 20 MB) keeps that cheap; docs/attachments.md has the reasoning.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from telcodesk.db import Base, UTCDateTime


class Attachment(Base):
    """What was stored: the sniffed type, the cleaned name, the size and digest, who and when.
    ``purged_at`` is set when the bytes were deleted (an ID copy removed, CD-1): the facts stay
    for the history, the content is gone."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AttachmentBlob(Base):
    __tablename__ = "attachment_blob"

    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachment.id"), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
