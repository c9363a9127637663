"""Pure work-order rules: kinds, the lifecycle state machine (norm WO-1), who may act on an
order (CH-3, CH-4, WO-1, SQ-1), which roles handle which types, public numbers.

No I/O here: the service layer loads and saves, these functions decide.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from telcodesk.clock import local
from telcodesk.labels import Label
from telcodesk.org.roles import Role


class OrderType(StrEnum):
    """Request types, norm CH-2."""

    CONSULTATION = "consultation"  # 咨询
    QUERY = "query"  # 查询
    TRANSACTION = "transaction"  # 业务办理
    FAULT = "fault"  # 故障申告
    COMPLAINT = "complaint"  # 投诉
    SUGGESTION = "suggestion"  # 建议
    APPEAL = "appeal"  # 申诉
    RETENTION = "retention"  # 离网挽留


class Channel(StrEnum):
    """Channels, norm CH-1: every one creates the same work order."""

    HALL = "hall"  # 营业厅
    HOTLINE = "hotline"  # 客服热线
    WEB = "web"  # 网上营业厅
    APP = "app"  # 手机营业厅
    SMS = "sms"  # 短信
    WECHAT = "wechat"  # 微信/社交
    EMAIL = "email"  # 电子邮件
    LETTER = "letter"  # 信函
    ACCOUNT_MANAGER = "account_manager"  # 客户经理
    CLUB = "club"  # 客户俱乐部


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Status(StrEnum):
    """Lifecycle stages, norm WO-1 (000 ch.2 §2.1–2.5, 003 §4.2)."""

    REGISTERED = "registered"  # 受理登记
    REVIEWED = "reviewed"  # 审核通过
    INVALID = "invalid"  # 无效 (closed, explained to the customer)
    ASSIGNED = "assigned"  # 已分派
    IN_PROGRESS = "in_progress"  # 处理中
    WAITING_CUSTOMER = "waiting_customer"  # 待客户补充 (suspended)
    REPLIED = "replied"  # 已答复
    CALLBACK = "callback"  # 回访中
    ARCHIVED = "archived"  # 已归档


class Action(StrEnum):
    REGISTER = "register"
    RESOLVE_AT_ONCE = "resolve_at_once"  # one-touch resolution of a consultation or query
    REVIEW_VALID = "review_valid"
    REVIEW_INVALID = "review_invalid"
    ASSIGN = "assign"
    START = "start"
    SUSPEND = "suspend"
    RESUME = "resume"
    TRANSFER = "transfer"
    ESCALATE = "escalate"
    REPLY = "reply"
    START_CALLBACK = "start_callback"
    CALLBACK_SATISFIED = "callback_satisfied"
    CALLBACK_UNSATISFIED = "callback_unsatisfied"
    ARCHIVE = "archive"
    EXTEND = "extend"  # more time to resolve, told to the customer (T-2)
    DISPATCH = "dispatch"  # 派单: the dispatch rules choose the unit and the handler (CC-1, CH-4)
    CHASE = "chase"  # 催办: remind the handler, state unchanged (CH-4, WO-4)


S, A = Status, Action
_ACTIVE = (S.REVIEWED, S.ASSIGNED, S.IN_PROGRESS, S.WAITING_CUSTOMER)

# The lifecycle as an explicit table: (from, action) -> to. Anything absent is illegal.
TRANSITIONS: dict[tuple[Status, Action], Status] = {
    # One-touch resolution: a consultation or query answered at once (service checks the type).
    (S.REGISTERED, A.RESOLVE_AT_ONCE): S.ARCHIVED,
    (S.REGISTERED, A.REVIEW_VALID): S.REVIEWED,
    (S.REGISTERED, A.REVIEW_INVALID): S.INVALID,
    (S.REVIEWED, A.ASSIGN): S.ASSIGNED,
    (S.REVIEWED, A.DISPATCH): S.ASSIGNED,
    (S.ASSIGNED, A.START): S.IN_PROGRESS,
    (S.IN_PROGRESS, A.SUSPEND): S.WAITING_CUSTOMER,
    (S.WAITING_CUSTOMER, A.RESUME): S.IN_PROGRESS,
    # Transfer hands the order to another handler or unit; it must be accepted (started) again.
    (S.ASSIGNED, A.TRANSFER): S.ASSIGNED,
    (S.IN_PROGRESS, A.TRANSFER): S.ASSIGNED,
    # Escalation (WO-3) raises the level and sends the order to the upper handler.
    **{(s, A.ESCALATE): S.ASSIGNED for s in _ACTIVE},
    (S.IN_PROGRESS, A.REPLY): S.REPLIED,
    (S.REPLIED, A.START_CALLBACK): S.CALLBACK,
    (S.CALLBACK, A.CALLBACK_SATISFIED): S.ARCHIVED,
    # An unsatisfied call-back reopens the order with its handler (WO-1).
    (S.CALLBACK, A.CALLBACK_UNSATISFIED): S.IN_PROGRESS,
    # An extension keeps the state; it moves the resolution deadline (T-2).
    **{(s, A.EXTEND): s for s in _ACTIVE},
    # Chasing the handler keeps the state; it notifies them (CH-4, WO-4).
    **{(s, A.CHASE): s for s in (S.ASSIGNED, S.IN_PROGRESS, S.WAITING_CUSTOMER)},
    # Archive without a call-back answer (customer unreachable, or no call-back needed).
    (S.REPLIED, A.ARCHIVE): S.ARCHIVED,
    (S.CALLBACK, A.ARCHIVE): S.ARCHIVED,
}

CLOSED = frozenset({S.INVALID, S.ARCHIVED})
# A counter transaction 业务办理 is done (or refused) at the first contact too (BH-1, counter/).
ONE_TOUCH_TYPES = frozenset({OrderType.CONSULTATION, OrderType.QUERY, OrderType.TRANSACTION})

# --- closure data: the call-back's answer and the complaint's classification (SQ-1, SQ-2) ---


class CallbackOutcome(StrEnum):
    """The customer's answer at the satisfaction call-back, on the carriers' four-step scale."""

    SATISFIED = "satisfied"  # 满意
    BASICALLY_SATISFIED = "basically_satisfied"  # 基本满意
    DISSATISFIED = "dissatisfied"  # 不满意 (reopens the order, WO-1)
    UNREACHABLE = "unreachable"  # 无法联系 (archived without an answer)


CALLBACK_OUTCOME_LABELS: dict[CallbackOutcome, Label] = {
    CallbackOutcome.SATISFIED: Label("满意", "Satisfied"),
    CallbackOutcome.BASICALLY_SATISFIED: Label("基本满意", "Basically satisfied"),
    CallbackOutcome.DISSATISFIED: Label("不满意", "Dissatisfied"),
    CallbackOutcome.UNREACHABLE: Label("无法联系", "Unreachable"),
}
# The outcomes each call-back action may record; the first is the default. An archive of an
# order in call-back means nobody answered.
CALLBACK_OUTCOMES: dict[Action, tuple[CallbackOutcome, ...]] = {
    A.CALLBACK_SATISFIED: (CallbackOutcome.SATISFIED, CallbackOutcome.BASICALLY_SATISFIED),
    A.CALLBACK_UNSATISFIED: (CallbackOutcome.DISSATISFIED,),
    A.ARCHIVE: (CallbackOutcome.UNREACHABLE,),
}
# Types whose archive records a root cause, a responsibility 责任定性 and whether the complaint
# was justified, so complaints can be analysed (SQ-2); for the others they are optional.
CLASSIFIED_TYPES = frozenset({OrderType.COMPLAINT, OrderType.APPEAL})
CLOSURE_KINDS = ("root_cause", "responsibility")
CLOSURE_KIND_LABELS = {
    "root_cause": Label("问题根因", "Root cause"),
    "responsibility": Label("责任定性", "Responsibility"),
}
# The starting code lists (editable: `telcodesk closure-codes`); code, Chinese, English.
CLOSURE_CODES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "root_cause": (
        ("network", "网络质量", "Network quality"),
        ("billing", "计费差错", "Billing error"),
        ("marketing", "营销宣传不实", "Misleading marketing"),
        ("vas", "增值业务未经确认", "Value-added service not confirmed"),
        ("service", "服务态度与规范", "Staff conduct"),
        ("process", "业务流程", "Business process"),
        ("system", "系统故障", "System fault"),
        ("partner", "合作方/代理商", "Partner or agent"),
        ("customer", "客户误解或自身原因", "Customer misunderstanding"),
        ("other", "其他", "Other"),
    ),
    "responsibility": (
        ("carrier", "企业责任", "Carrier at fault"),
        ("partner", "合作方责任", "Partner at fault"),
        ("customer", "客户责任", "Customer's own"),
        ("shared", "双方责任", "Shared"),
        ("force_majeure", "不可抗力", "Force majeure"),
        ("none", "无责", "No fault"),
    ),
}


# The actions that end in the archive: where a complaint's classification is recorded.
ARCHIVING = frozenset(a for (_, a), to in TRANSITIONS.items() if to == S.ARCHIVED)


def needs_classification(order_type: OrderType, target: Status, by_system: bool) -> bool:
    """A person archiving a complaint or an appeal must classify it; the worker archiving an
    unanswered call-back cannot (it is counted as unclassified)."""
    return target == Status.ARCHIVED and order_type in CLASSIFIED_TYPES and not by_system


# The channel a registration starts from, by the kind of the agent's unit (CH-1): a hall agent
# registers at the counter, an account manager for their client; everyone else on the hotline.
UNIT_CHANNELS = {"hall": Channel.HALL, "account_team": Channel.ACCOUNT_MANAGER}


def default_channel(unit_kind: str) -> Channel:
    return UNIT_CHANNELS.get(unit_kind, Channel.HOTLINE)


# Actions that must say why (kept in the history, WO-2).
REASON_REQUIRED = frozenset(
    {
        A.REVIEW_INVALID,
        A.SUSPEND,
        A.TRANSFER,
        A.ESCALATE,
        A.CALLBACK_UNSATISFIED,
        A.ARCHIVE,
        A.EXTEND,
        A.CHASE,
    }
)
# Actions that need a target handler.
HANDLER_REQUIRED = frozenset({A.ASSIGN, A.TRANSFER})
# Actions whose text goes to the customer (the reply or the explanation of invalidity).
CUSTOMER_TEXT_REQUIRED = frozenset({A.REPLY, A.REVIEW_INVALID, A.RESOLVE_AT_ONCE, A.EXTEND})

# Which SLA clocks an action stops (T-2): the first response, and the result given.
STOPS_RESPONSE = frozenset({A.START, A.REPLY, A.REVIEW_INVALID, A.RESOLVE_AT_ONCE, A.ARCHIVE})
STOPS_RESOLUTION = frozenset({A.REPLY, A.REVIEW_INVALID, A.RESOLVE_AT_ONCE, A.ARCHIVE})


class Deed(StrEnum):
    """Things done on an order that are not lifecycle actions (no state change)."""

    NOTE = "note"  # an internal note or a progress message to the customer (WO-2)
    EDIT = "edit"  # correct what was registered: type, category, subject… (WO-2: kept as history)


Act = Action | Deed


class Relation(StrEnum):
    """How a staff member stands to an order. The service works these out (it reads the unit
    tree and the permissions); the table below decides with them alone."""

    OWNER = "owner"  # 首问责任人: registered it and owns it until closed (CH-3)
    HANDLER = "handler"  # 当前处理人
    UNIT_MEMBER = "unit_member"  # a colleague in the order's unit whose role handles its type
    SUPERVISOR = "supervisor"  # a supervisor or duty manager of that unit or one above it
    DISPATCHER = "dispatcher"  # holds the dispatch permission and the order is in their region
    INSPECTOR = "inspector"  # holds the call-back permission and the order is in their region
    SYSTEM = "system"  # the worker's own account: only the rights given to it here


R = Relation
_LEADS = frozenset({R.SUPERVISOR})
_WORK = frozenset({R.HANDLER, R.SUPERVISOR})

# Who may act on an order: for each action, the relations any one of which allows it. The
# order's unit is its handling unit, or its owner's unit while nobody has taken it.
ORDER_ACTORS: dict[Act, frozenset[Relation]] = {
    # One-touch resolution happens at the first contact, by the person on the line (CH-3);
    # the worker closes a counter transaction the customer answered by SMS or let expire
    # (VA-1: counter/service.py).
    A.RESOLVE_AT_ONCE: frozenset({R.OWNER, R.SYSTEM}),
    # The first contact checks validity; a colleague of the unit or a supervisor may too, so
    # an order does not wait for one person's shift, and the dispatch desk reviews what it is
    # about to route (审核派单, WO-1, CC-1).
    A.REVIEW_VALID: frozenset({R.OWNER, R.UNIT_MEMBER, R.SUPERVISOR, R.DISPATCHER}),
    A.REVIEW_INVALID: frozenset({R.OWNER, R.UNIT_MEMBER, R.SUPERVISOR, R.DISPATCHER}),
    # Assigning: the owner passes it on (a hall to the complaint centre, CH-4), a unit member
    # takes it from the unit's queue, a supervisor or a dispatcher hands it out.
    A.ASSIGN: frozenset({R.OWNER, R.UNIT_MEMBER, R.SUPERVISOR, R.DISPATCHER}),
    # Dispatch by rules: dispatchers, and the worker for orders nobody assigned (CC-1).
    A.DISPATCH: frozenset({R.DISPATCHER, R.SYSTEM}),
    # The work itself is the handler's; a supervisor over them may step in (WO-1).
    A.START: _WORK,
    A.SUSPEND: _WORK,
    A.RESUME: _WORK,
    A.REPLY: _WORK,
    # Handing on: the handler (upward, CH-4), a supervisor, a dispatcher across regions (WO-4).
    A.TRANSFER: frozenset({R.HANDLER, R.SUPERVISOR, R.DISPATCHER}),
    # Escalation (WO-3): the handler who cannot solve it, the owner who answers for it (CH-3),
    # a supervisor, and the SLA worker at a breach (T-2).
    A.ESCALATE: frozenset({R.OWNER, R.HANDLER, R.SUPERVISOR, R.SYSTEM}),
    # More time is granted, not taken: a supervisor extends, never the handler alone (T-2).
    A.EXTEND: _LEADS,
    # Chasing the handler: the owner (CH-3), the supervisor, the coordinating centre (CH-4,
    # WO-4) and the SLA worker; chasing oneself means nothing, so not the handler.
    A.CHASE: frozenset({R.OWNER, R.SUPERVISOR, R.DISPATCHER, R.SYSTEM}),
    # The satisfaction call-back is independent of the work (SQ-1): quality inspectors, the
    # owner who stays responsible until closure (CH-3), or a supervisor.
    A.START_CALLBACK: frozenset({R.INSPECTOR, R.OWNER, R.SUPERVISOR}),
    A.CALLBACK_SATISFIED: frozenset({R.INSPECTOR, R.OWNER, R.SUPERVISOR}),
    A.CALLBACK_UNSATISFIED: frozenset({R.INSPECTOR, R.OWNER, R.SUPERVISOR}),
    # Archiving closes the owner's responsibility (CH-3): the owner or a supervisor, an
    # inspector ending an unanswered call-back, the worker when the call-back timed out.
    A.ARCHIVE: frozenset({R.OWNER, R.SUPERVISOR, R.INSPECTOR, R.SYSTEM}),
    # Notes and progress messages: whoever answers for the order (WO-2).
    Deed.NOTE: frozenset({R.OWNER, R.HANDLER, R.SUPERVISOR}),
    # Correcting the registration: the owner who registered it (CH-3), the handler who finds
    # it misfiled, a supervisor over them; each change is history with old and new (WO-2).
    Deed.EDIT: frozenset({R.OWNER, R.HANDLER, R.SUPERVISOR}),
}
# Relations that forbid an action whatever else holds: whoever did the work neither surveys
# the customer's satisfaction nor closes the order without that survey (SQ-1), even when
# they are also its owner or a supervisor.
ORDER_BARRED: dict[Act, frozenset[Relation]] = {
    A.START_CALLBACK: frozenset({R.HANDLER}),
    A.CALLBACK_SATISFIED: frozenset({R.HANDLER}),
    A.CALLBACK_UNSATISFIED: frozenset({R.HANDLER}),
    A.ARCHIVE: frozenset({R.HANDLER}),
}


def may_act(relations: frozenset[Relation], act: Act) -> bool:
    """Whether someone standing to an order in these relations may do ``act`` on it."""
    allowed = ORDER_ACTORS.get(act, frozenset())
    return bool(relations & allowed) and not relations & ORDER_BARRED.get(act, frozenset())


RELATION_LABELS: dict[Relation, Label] = {
    R.OWNER: Label("首问责任人", "First-contact owner"),
    R.HANDLER: Label("当前处理人", "Current handler"),
    R.UNIT_MEMBER: Label("处理单位成员", "Member of the handling unit"),
    R.SUPERVISOR: Label("上级主管", "Supervisor over the unit"),
    R.DISPATCHER: Label("派单员(辖区内)", "Dispatcher (in region)"),
    R.INSPECTOR: Label("质检/回访(辖区内)", "Quality inspector (in region)"),
    R.SYSTEM: Label("系统作业", "System worker"),
}

# Which roles handle which order types: only these are offered to take an order, by hand or
# by the dispatch rules. Inspectors, auditors, admins and the system account handle none;
# judicial requests go through the judicial reveal (CD-2), not a work order, so the judicial
# liaison handles no order type either. Appeals come from the regulator (T-6) and go to
# complaint handlers and supervisors only; editors take suggestions for the knowledge base
# (KB-1).
_ALL_TYPES = frozenset(OrderType)
_FRONT_TYPES = _ALL_TYPES - {OrderType.APPEAL}
HANDLED_TYPES: dict[Role, frozenset[OrderType]] = {
    Role.HOTLINE_AGENT: _FRONT_TYPES,
    Role.HALL_AGENT: _FRONT_TYPES,
    Role.HALL_MANAGER: _FRONT_TYPES,
    Role.ACCOUNT_MANAGER: _FRONT_TYPES,
    Role.COMPLAINT_HANDLER: _ALL_TYPES,
    Role.SUPERVISOR: _ALL_TYPES,
    Role.KNOWLEDGE_EDITOR: frozenset({OrderType.SUGGESTION}),
    Role.KNOWLEDGE_REVIEWER: frozenset(),  # reviews articles, takes no order
    Role.QUALITY_INSPECTOR: frozenset(),
    Role.AUDITOR: frozenset(),
    Role.PROVINCE_ADMIN: frozenset(),
    Role.HQ_ADMIN: frozenset(),
    Role.JUDICIAL_OFFICER: frozenset(),
    Role.SYSTEM: frozenset(),  # the scheduled jobs take no order: never a candidate (CC-1)
}


def handles(role: str, order_type: str) -> bool:
    """Whether staff of this role may take an order of this type."""
    return OrderType(order_type) in HANDLED_TYPES.get(Role(role), frozenset())


def next_status(current: Status, action: Action) -> Status | None:
    """The state an action leads to, or None if the action is illegal here."""
    return TRANSITIONS.get((current, action))


def allowed_actions(current: Status) -> list[Action]:
    return [a for (s, a) in TRANSITIONS if s == current]


def is_closed(status: Status) -> bool:
    return status in CLOSED


STATUS_LABELS: dict[Status, Label] = {
    S.REGISTERED: Label("已受理", "Registered"),
    S.REVIEWED: Label("已审核", "Reviewed"),
    S.INVALID: Label("无效", "Invalid"),
    S.ASSIGNED: Label("已分派", "Assigned"),
    S.IN_PROGRESS: Label("处理中", "In progress"),
    S.WAITING_CUSTOMER: Label("待客户", "Waiting for customer"),
    S.REPLIED: Label("已答复", "Replied"),
    S.CALLBACK: Label("回访中", "Call-back"),
    S.ARCHIVED: Label("已归档", "Archived"),
}

ACTION_LABELS: dict[Action, Label] = {
    A.REGISTER: Label("受理登记", "Register"),
    A.RESOLVE_AT_ONCE: Label("当场解决", "Resolve at once"),
    A.REVIEW_VALID: Label("审核有效", "Review: valid"),
    A.REVIEW_INVALID: Label("审核无效", "Review: invalid"),
    A.ASSIGN: Label("分派", "Assign"),
    A.START: Label("开始处理", "Start"),
    A.SUSPEND: Label("挂起待客户", "Wait for customer"),
    A.RESUME: Label("恢复处理", "Resume"),
    A.TRANSFER: Label("转派", "Transfer"),
    A.ESCALATE: Label("升级", "Escalate"),
    A.REPLY: Label("答复客户", "Reply"),
    A.START_CALLBACK: Label("开始回访", "Start call-back"),
    A.CALLBACK_SATISFIED: Label("回访满意", "Call-back: satisfied"),
    A.CALLBACK_UNSATISFIED: Label("回访不满意(重开)", "Call-back: unsatisfied (reopen)"),
    A.ARCHIVE: Label("归档", "Archive"),
    A.EXTEND: Label("延期(已告知客户)", "Extend (customer told)"),
    A.DISPATCH: Label("按规则派单", "Dispatch by rules"),
    A.CHASE: Label("催办", "Chase"),
}

# History rows written by the SLA worker and calendar changes (not lifecycle actions).
EVENT_LABELS: dict[str, Label] = {
    **{a.value: label for a, label in ACTION_LABELS.items()},
    "sla_warning": Label("时限预警", "SLA warning"),
    "sla_breach": Label("超时告警", "SLA breach"),
    "sla_recomputed": Label("时限重算", "Deadline recomputed"),
    "customer_merged": Label("客户合并", "Customer merged"),  # BH-5, workorders.merge
    "note": Label("添加备注", "Note added"),
    "attachment": Label("附件", "Attachment added"),  # workorders.attachments
    "attachment_removed": Label("删除附件", "Attachment removed"),
    "edit": Label("修改工单", "Order edited"),  # workorders.edits (WO-2)
}

TYPE_LABELS: dict[OrderType, Label] = {
    OrderType.CONSULTATION: Label("咨询", "Consultation"),
    OrderType.QUERY: Label("查询", "Query"),
    OrderType.TRANSACTION: Label("业务办理", "Transaction"),
    OrderType.FAULT: Label("故障申告", "Fault report"),
    OrderType.COMPLAINT: Label("投诉", "Complaint"),
    OrderType.SUGGESTION: Label("建议", "Suggestion"),
    OrderType.APPEAL: Label("申诉", "Appeal"),
    OrderType.RETENTION: Label("离网挽留", "Retention"),
}

CHANNEL_LABELS: dict[Channel, Label] = {
    Channel.HALL: Label("营业厅", "Business hall"),
    Channel.HOTLINE: Label("客服热线", "Hotline"),
    Channel.WEB: Label("网上营业厅", "Web hall"),
    Channel.APP: Label("手机APP", "Mobile app"),
    Channel.SMS: Label("短信", "SMS"),
    Channel.WECHAT: Label("微信", "WeChat"),
    Channel.EMAIL: Label("电子邮件", "Email"),
    Channel.LETTER: Label("信函", "Letter"),
    Channel.ACCOUNT_MANAGER: Label("客户经理", "Account manager"),
    Channel.CLUB: Label("客户俱乐部", "Customer club"),
}

PRIORITY_LABELS: dict[Priority, Label] = {
    Priority.LOW: Label("低", "Low"),
    Priority.NORMAL: Label("普通", "Normal"),
    Priority.HIGH: Label("高", "High"),
    Priority.URGENT: Label("紧急", "Urgent"),
}

_NUMBER = re.compile(r"^WO(\d{8})-(\d{6,10})$")
MAX_KEY = 2**31 - 1  # the key part is a 32-bit INTEGER on both engines


def public_number(order_id: int, created_at: datetime) -> str:
    """Public order number, e.g. ``WO20261124-000123``: the local registration date and the key."""
    return f"WO{local(created_at):%Y%m%d}-{order_id:06d}"


def parse_public_number(number: str) -> int | None:
    """The key inside a public number, or None if it is not one."""
    m = _NUMBER.match(number.strip().upper())
    key = int(m.group(2)) if m else None
    return key if key is not None and 0 < key <= MAX_KEY else None
