"""Knowledge API shapes (KB-1, KB-2): bounded input, as every schema (telcodesk.inputs)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from telcodesk.inputs import LINE_PATTERN, MOMENT_PATTERN, TEXT_PATTERN
from telcodesk.knowledge.rules import Action, ReplyState, State

REGION_PATTERN = r"^[0-9]{6}$"
CATEGORY_PATTERN = r"^[a-z][a-z0-9_.]{0,39}$"
NUMBER_PATTERN = r"^KB[0-9]{6,10}$"

Title = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=LINE_PATTERN)]
Answer = Annotated[str, StringConstraints(min_length=1, max_length=4000, pattern=TEXT_PATTERN)]
Body = Annotated[str, StringConstraints(max_length=20000, pattern=TEXT_PATTERN)]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=30, pattern=LINE_PATTERN)]
DocNumber = Annotated[str, StringConstraints(max_length=60, pattern=LINE_PATTERN)]
Region = Annotated[str, StringConstraints(pattern=REGION_PATTERN)]
CategoryCode = Annotated[str, StringConstraints(pattern=CATEGORY_PATTERN)]
ArticleNumber = Annotated[str, StringConstraints(pattern=NUMBER_PATTERN)]
# ISO 8601 text (years 1900-2200), read by service.moment; without an offset: Beijing time.
When = Annotated[str, StringConstraints(max_length=40, pattern=MOMENT_PATTERN)]
Comment = Annotated[str, StringConstraints(max_length=2000, pattern=TEXT_PATTERN)]


class ArticleIn(BaseModel):
    """A new article or a draft's new content. ``region_code``: None nationwide, a province
    (440000) or a city (440100); ``overrides``: the province article this city one replaces
    for the city. Times without an offset are Beijing time."""

    model_config = ConfigDict(extra="forbid")

    title: Title
    answer: Answer
    body: Body = ""
    category: CategoryCode
    region_code: Region | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    doc_number: DocNumber = ""
    effective_from: When | None = None
    effective_to: When | None = None
    overrides: ArticleNumber | None = None


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Action
    comment: Comment = ""
    publish_at: When | None = None  # schedule
    # schedule: a day off (PRC calendar) moves to the next working day, same time of day.
    working_day: bool = True


class VersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version_no: int
    state: State
    title: str
    answer: str
    body: str
    tags: list[str]
    doc_number: str
    effective_from: datetime
    effective_to: datetime | None
    publish_at: datetime | None
    author: str
    reviewer: str | None
    review_comment: str
    published_at: datetime | None
    retired_at: datetime | None


class ArticleOut(BaseModel):
    number: str
    category: str
    province_code: str | None
    city_code: str | None
    level: Literal["nationwide", "province", "city"]
    overrides: str | None
    live: VersionOut | None
    latest: VersionOut
    actions: list[Action]


class DiffOut(BaseModel):
    number: str
    old_version: int
    new_version: int
    diff: str  # unified diff of title, answer, body, tags, dates


class HitOut(BaseModel):
    number: str
    title: str
    answer: str
    category: str
    level: str
    city_code: str | None
    province_code: str | None
    score: float
    snippet_html: str  # escaped text, matches in <mark>
    published_at: datetime | None


class SearchOut(BaseModel):
    query: str
    terms: list[str]
    hits: list[HitOut]


class UsageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["inserted", "helpful", "not_helpful"]
    order_number: Annotated[str, StringConstraints(max_length=30, pattern=LINE_PATTERN)] | None = (
        None
    )


class UsageRowOut(BaseModel):
    number: str
    title: str
    inserted: int
    helpful: int
    not_helpful: int
    returned: int


class UsageOut(BaseModel):
    most_used: list[UsageRowOut]
    never_used: list[UsageRowOut]
    most_returned: list[UsageRowOut]
    least_helpful: list[UsageRowOut]


class ImportRowError(BaseModel):
    row: int
    errors: list[str]


class ImportOut(BaseModel):
    created: int
    published: int
    errors: list[ImportRowError]


class BulletinIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    body: Answer
    doc_number: DocNumber = ""
    region_code: Region | None = None


class BulletinOut(BaseModel):
    id: int
    title: str
    body: str
    doc_number: str
    province_code: str | None
    city_code: str | None
    published_at: datetime
    recipients: int
    read: int
    read_at: datetime | None = None  # the caller's own confirmation


class UnreadOut(BaseModel):
    username: str
    display_name: str
    unit: str
    reminders: int = 0  # reminders sent while unread (KB-2)
    reminded_at: datetime | None = None


# --- reply templates 话术 (issue 9 item 7) ------------------------------------------------

OrderCategory = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9_.]{0,79}$", max_length=80, strip_whitespace=True),
]
ReplyBody = Annotated[
    str,
    StringConstraints(pattern=TEXT_PATTERN, min_length=1, max_length=2000, strip_whitespace=True),
]
ReplyTitle = Annotated[
    str,
    StringConstraints(pattern=LINE_PATTERN, min_length=1, max_length=100, strip_whitespace=True),
]


class ReplyTemplateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: ReplyTitle
    body: ReplyBody = Field(description="Text with variables such as {customer_name}")
    category_code: OrderCategory | None = Field(
        default=None, description="An order category (and its children); none: every order"
    )
    region_code: Region | None = None


class ReplyStateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: ReplyState


class ReplyTemplateOut(BaseModel):
    id: int
    title: str
    body: str
    category_code: str | None
    province_code: str | None
    city_code: str | None
    state: ReplyState
    variables: list[str]
    updated_at: datetime


class FilledReplyOut(BaseModel):
    template_id: int
    order_number: str
    text: str
