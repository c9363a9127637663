"""The editorial workflow as a table (KB-2), and where an article applies. Pure: no I/O.

    draft ──submit──> in_review ──approve──> approved ──schedule──> scheduled ──publish──> published
      ^                  │                      │                                            │
      └──submit── returned <──return───┘        └───────────────publish──────────────────────┤
                                                                        retire / supersede
Who may act is a relation of the actor to the version: its ``author``, an ``editor`` of the
region, a ``reviewer`` of the region who is not the author (and in the category's approver
group when it has one), or the ``worker`` (scheduled publication and expiry on time).
Published, retired and superseded versions never change their content.
"""

from __future__ import annotations

import re
from enum import StrEnum

from telcodesk.labels import Label


class State(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    RETURNED = "returned"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    RETIRED = "retired"
    SUPERSEDED = "superseded"


class Action(StrEnum):
    SUBMIT = "submit"
    RETURN = "return"
    APPROVE = "approve"
    SCHEDULE = "schedule"
    PUBLISH = "publish"
    RETIRE = "retire"
    SUPERSEDE = "supersede"


STATE_LABELS = {
    State.DRAFT: Label("草稿", "Draft"),
    State.IN_REVIEW: Label("待审核", "In review"),
    State.RETURNED: Label("已退回", "Returned"),
    State.APPROVED: Label("已审核", "Approved"),
    State.SCHEDULED: Label("待发布", "Scheduled"),
    State.PUBLISHED: Label("已发布", "Published"),
    State.RETIRED: Label("已下线", "Retired"),
    State.SUPERSEDED: Label("已被替代", "Superseded"),
}
ACTION_LABELS = {
    Action.SUBMIT: Label("提交审核", "Submit for review"),
    Action.RETURN: Label("退回修改", "Return"),
    Action.APPROVE: Label("审核通过", "Approve"),
    Action.SCHEDULE: Label("定时发布", "Schedule"),
    Action.PUBLISH: Label("立即发布", "Publish"),
    Action.RETIRE: Label("下线", "Retire"),
    Action.SUPERSEDE: Label("替代", "Supersede"),
}

S, A = State, Action
TRANSITIONS: dict[tuple[State, Action], State] = {
    (S.DRAFT, A.SUBMIT): S.IN_REVIEW,
    (S.RETURNED, A.SUBMIT): S.IN_REVIEW,
    (S.IN_REVIEW, A.RETURN): S.RETURNED,
    (S.IN_REVIEW, A.APPROVE): S.APPROVED,
    (S.APPROVED, A.SCHEDULE): S.SCHEDULED,
    (S.APPROVED, A.PUBLISH): S.PUBLISHED,
    (S.SCHEDULED, A.PUBLISH): S.PUBLISHED,
    (S.PUBLISHED, A.RETIRE): S.RETIRED,
    (S.SCHEDULED, A.RETIRE): S.RETIRED,  # withdrawn before it went out
    (S.PUBLISHED, A.SUPERSEDE): S.SUPERSEDED,
}


class Relation(StrEnum):
    AUTHOR = "author"
    EDITOR = "editor"  # holds kb_edit in the article's region
    REVIEWER = "reviewer"  # holds kb_review in the region, in the approver group, not the author
    WORKER = "worker"  # the scheduled job


R = Relation
WHO: dict[Action, frozenset[Relation]] = {
    A.SUBMIT: frozenset({R.AUTHOR, R.EDITOR}),
    A.RETURN: frozenset({R.REVIEWER}),
    A.APPROVE: frozenset({R.REVIEWER}),
    A.SCHEDULE: frozenset({R.EDITOR}),
    A.PUBLISH: frozenset({R.EDITOR, R.WORKER}),
    A.RETIRE: frozenset({R.EDITOR, R.WORKER}),
    # Only as the consequence of publishing a newer version of the same article.
    A.SUPERSEDE: frozenset({R.WORKER, R.EDITOR}),
}
EDITABLE = frozenset({S.DRAFT, S.RETURNED})
# Versions whose content is frozen forever (KB-2: published versions never change).
FROZEN = frozenset({S.PUBLISHED, S.RETIRED, S.SUPERSEDED})
# Versions that block a second open draft of the same article.
OPEN = frozenset({S.DRAFT, S.RETURNED, S.IN_REVIEW, S.APPROVED, S.SCHEDULED})


def next_state(state: State, action: Action) -> State | None:
    """The state after ``action``, or None when the table does not allow it."""
    return TRANSITIONS.get((state, action))


def allowed(state: State, action: Action, relations: frozenset[Relation]) -> bool:
    return next_state(state, action) is not None and bool(WHO[action] & relations)


def actions_for(state: State, relations: frozenset[Relation]) -> list[Action]:
    """What the console offers: the actions the table allows this actor now."""
    return [a for a in Action if a != A.SUPERSEDE and allowed(state, a, relations)]


# --- where an article applies ------------------------------------------------------------


def level(province_code: str | None, city_code: str | None) -> str:
    if city_code:
        return "city"
    return "province" if province_code else "nationwide"


def region_of(code: str | None) -> tuple[str | None, str | None]:
    """(province, city) of a GB/T 2260 code: None or 000000/100000 nationwide, xx0000 a
    province, anything else its city (a district 440106 belongs to 440100)."""
    if not code or code in ("000000", "100000"):
        return None, None
    if code.endswith("0000"):
        return code, None
    return code[:2] + "0000", code[:4] + "00"


def scope_terms(province_code: str | None, city_code: str | None) -> str:
    """The index tokens that say where an article applies; a viewer's scope is a query over
    them (``viewer_terms``), so region filtering happens inside the full-text index."""
    if province_code is None:
        return "nall"
    if city_code is None:
        return f"p{province_code} cp{province_code}"
    return f"p{province_code} c{city_code}"


def viewer_terms(province: str | None, city: str | None) -> list[str] | None:
    """What a viewer of this scope may read (None: everything, HQ). City staff: nationwide,
    their province's province-wide articles and their city's; province staff: everything in
    the province."""
    if province is None and city is None:
        return None
    if city is not None:
        return ["nall", f"cp{city[:2]}0000", f"c{city}"]
    return ["nall", f"p{province}"]


def visible(
    viewer_province: str | None,
    viewer_city: str | None,
    province_code: str | None,
    city_code: str | None,
) -> bool:
    """The same rule as ``viewer_terms``, for one article (reads by number)."""
    terms = viewer_terms(viewer_province, viewer_city)
    return terms is None or bool(set(terms) & set(scope_terms(province_code, city_code).split()))


# --- reply templates 话术 (issue 9 item 7) ------------------------------------------------


class ReplyState(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    RETIRED = "retired"


REPLY_STATE_LABELS: dict[ReplyState, Label] = {
    ReplyState.DRAFT: Label("草稿", "Draft"),
    ReplyState.ACTIVE: Label("启用", "Active"),
    ReplyState.RETIRED: Label("停用", "Retired"),
}
# From each state, the states an editor may move a template to.
REPLY_MOVES: dict[ReplyState, frozenset[ReplyState]] = {
    ReplyState.DRAFT: frozenset({ReplyState.ACTIVE, ReplyState.RETIRED}),
    ReplyState.ACTIVE: frozenset({ReplyState.RETIRED, ReplyState.DRAFT}),
    ReplyState.RETIRED: frozenset({ReplyState.ACTIVE, ReplyState.DRAFT}),
}
# The variables a template may use, filled on the server from the order and the agent.
REPLY_VARIABLES: dict[str, Label] = {
    "customer_name": Label("客户姓名（脱敏）", "Customer's name (masked)"),
    "order_number": Label("工单号", "Order number"),
    "subject": Label("工单主题", "Order subject"),
    "category": Label("工单分类", "Order category"),
    "due_date": Label("处理时限", "Resolution due"),
    "agent_name": Label("坐席姓名", "Agent's name"),
    "agent_unit": Label("坐席所在单位", "Agent's unit"),
    "today": Label("今天日期", "Today's date"),
}
_VARIABLE = re.compile(r"\{([a-z_]{1,30})\}")


def variables_in(body: str) -> list[str]:
    return list(dict.fromkeys(_VARIABLE.findall(body)))


def unknown_variables(body: str) -> list[str]:
    return [v for v in variables_in(body) if v not in REPLY_VARIABLES]


def fill(body: str, values: dict[str, str]) -> str:
    """The template with each known variable replaced; a value missing (an order without a
    deadline) becomes an empty string, never the placeholder read to a customer."""
    return _VARIABLE.sub(
        lambda m: values.get(m.group(1), "") if m.group(1) in REPLY_VARIABLES else m.group(0),
        body,
    )


def category_covers(template_code: str | None, order_code: str | None) -> bool:
    """A template for ``network.broadband`` serves ``network.broadband.drops`` too; one
    without a category serves every order."""
    if template_code is None:
        return True
    return order_code is not None and (
        order_code == template_code or order_code.startswith(template_code + ".")
    )


# --- bulletin reminders (KB-2) ------------------------------------------------------------


def reminder_stage_due(elapsed_hours: float, stages: list[float], sent: int) -> int | None:
    """The latest reminder stage due after ``elapsed_hours`` working hours unread, if one
    is due that was not sent yet (0-based); earlier missed stages are skipped, not sent late
    in a burst (as the SLA sweep does)."""
    due = [i for i, h in enumerate(stages) if elapsed_hours >= h]
    if not due or due[-1] < sent:
        return None
    return due[-1]
