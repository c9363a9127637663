"""Work-queue shapes (issue 9 items 1, 2): what a list shows (a view's spec), saved views, the
bulk actions and their summary."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from telcodesk.inputs import Line, Text
from telcodesk.workorders.schemas import CODE_PATTERN, OrderFilter, OrderOut, Strict

Sort = Literal["time_left", "newest", "oldest", "priority", "updated"]
Queue = Literal["all", "mine", "at_risk", "paused", "escalated"]
Group = Literal["none", "unit", "handler"]
Column = Literal[
    "number",
    "type",
    "subject",
    "customer",
    "tier",
    "channel",
    "priority",
    "status",
    "time_left",
    "city",
    "owner",
    "handler",
    "created",
    "updated",
]
COLUMNS: tuple[Column, ...] = (
    "number",
    "type",
    "subject",
    "customer",
    "tier",
    "channel",
    "priority",
    "status",
    "time_left",
    "city",
    "owner",
    "handler",
    "created",
    "updated",
)
DEFAULT_COLUMNS: list[Column] = [
    "number",
    "type",
    "subject",
    "customer",
    "priority",
    "status",
    "time_left",
    "owner",
    "handler",
    "created",
]


class ListSpec(BaseModel):
    """What a work list shows: filters, which queue, sort, columns, page size, grouping.
    Work queues sort by time left (the clock nearest its deadline first) unless told."""

    model_config = ConfigDict(extra="forbid")
    filters: OrderFilter = OrderFilter()
    queue: Queue = Field(
        default="all",
        description="mine: I own or handle it; at_risk: a running clock past a warning or "
        "due; paused: waiting for the customer (clocks paused, kept apart); escalated: raised "
        "at least one level",
    )
    sort: Sort = "time_left"
    columns: list[Column] = Field(default=DEFAULT_COLUMNS, min_length=1, max_length=14)
    page_size: int = Field(default=50, ge=10, le=200)
    group: Group = Field(default="none", description="Counts by handling unit or by handler")


class SavedViewIn(Strict):
    name: Line = Field(min_length=1, max_length=60)
    spec: ListSpec
    shared: bool = Field(default=False, description="Share with the members of my unit")


class SavedViewOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    owner: str = Field(description="The owner's name")
    mine: bool
    shared: bool
    spec: ListSpec
    count: int | None = Field(default=None, description="Orders the view holds for the caller")
    updated_at: datetime


class GroupCount(BaseModel):
    key: str = Field(description="Unit code or handler username; empty: none")
    name: str
    count: int


class WorkPage(BaseModel):
    items: list[OrderOut]
    total: int
    page: int
    pages: int
    page_size: int
    groups: list[GroupCount] = []


BulkVerb = Literal["assign", "transfer", "chase", "archive", "note"]


class BulkIn(Strict):
    """One action on many orders (issue 9 item 2): each order in its own transaction, so a
    refusal of one leaves the others done."""

    numbers: list[Line] = Field(min_length=1, max_length=200)
    action: BulkVerb
    handler: Line | None = Field(default=None, max_length=50, description="assign, transfer")
    reason: Text | None = Field(default=None, max_length=2000)
    body: Text | None = Field(default=None, max_length=4000, description="note: its text")
    root_cause: str | None = Field(default=None, max_length=40, pattern=CODE_PATTERN)
    responsibility: str | None = Field(default=None, max_length=40, pattern=CODE_PATTERN)
    justified: bool | None = None


class BulkRefusal(BaseModel):
    number: str
    code: str
    message_zh: str
    message_en: str


class BulkOut(BaseModel):
    action: BulkVerb
    done: list[str]
    refused: list[BulkRefusal]
