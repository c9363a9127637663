"""Audit log shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from telcodesk.inputs import Line, Moment


class AuditFilter(BaseModel):
    action: Line | None = Field(default=None, max_length=40)
    actor: Line | None = Field(default=None, max_length=50, description="Username")
    object_type: Line | None = Field(default=None, max_length=40)
    object_id: Line | None = Field(default=None, max_length=60)
    at_from: Moment | None = None
    at_to: Moment | None = None


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    at: datetime
    actor_username: str | None
    action: str
    object_type: str
    object_id: str | None
    details: dict[str, Any]


class AuditPage(BaseModel):
    items: list[AuditOut]
    next_cursor: int | None
