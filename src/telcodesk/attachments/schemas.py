"""Shapes of the attachment API (issue 9 item 7, issue 12 item 1)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class AttachmentOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    uploaded_by: str | None = None
    kind: str | None = None  # an order's: screenshot | recording | id_copy | other
    url: str  # the download (API)
