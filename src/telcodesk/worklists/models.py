"""Saved views 视图 of the work queues (issue 9 item 1): one's own, or shared with one's unit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from telcodesk.db import Base, UTCDateTime
from telcodesk.org.models import Staff


class SavedView(Base):
    """Filters, sort, columns and page size of a list, under a name. ``unit_id`` set: shared
    with the members of that unit (the owner's own unit only)."""

    __tablename__ = "saved_view"
    __table_args__ = (UniqueConstraint("owner_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    owner: Mapped[Staff] = relationship(lazy="joined")
