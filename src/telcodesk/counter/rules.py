"""Counter transactions as data (BH-7, VA-1, VA-2, VA-3): the catalogue of kinds, the checks
each declares, and the lifecycle of a transaction as a table. Pure: no I/O.

**Checks** (enforced by ``counter.service`` before anything is written):
- ``identity`` — the customer's document is shown and matches the record (BH-7);
- ``product`` — the transaction names one of the customer's numbers;
- ``contract`` — under contract 协议期 (contract end today or later) the customer
  acknowledges the early-termination penalty (BH-7's strict review);
- ``arrears`` — nothing owed on the number;
- ``second_confirmation`` — a value-added service is activated only after the customer
  confirms by SMS (VA-1);
- ``advance_notice`` — the customer was told the change and its date and agreed (VA-2);
- ``retention`` — a cancellation records one retention offer and its answer (VA-3);
- ``both_parties`` — an ownership transfer checks the new holder's document too;
- ``new_document`` — opening an account: a valid document and its copy kept (BH-7).
A transaction made by a proxy 代办 needs both the customer's and the proxy's documents,
whatever its kind.

**Lifecycle** (``TRANSITIONS``): requested → completed for kinds without second
confirmation; requested → confirmation_sent → confirmed → completed, or → declined, or →
expired (the worker, after ``CONFIRMATION_MINUTES``). Only ``complete`` activates anything at
the BSS, and it is legal from ``confirmed`` only for a kind that needs confirmation: an
expired or declined request activates nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from telcodesk.labels import Label


class Check(StrEnum):
    IDENTITY = "identity"
    PRODUCT = "product"
    CONTRACT = "contract"
    ARREARS = "arrears"
    SECOND_CONFIRMATION = "second_confirmation"
    ADVANCE_NOTICE = "advance_notice"
    RETENTION = "retention"
    BOTH_PARTIES = "both_parties"
    NEW_DOCUMENT = "new_document"


class Kind(StrEnum):
    OPEN_ACCOUNT = "open_account"  # 开户入网
    TRANSFER = "transfer"  # 过户
    SIM_REPLACE = "sim_replace"  # 补换卡
    PLAN_CHANGE = "plan_change"  # 套餐变更
    VAS_SUBSCRIBE = "vas_subscribe"  # 增值业务订购
    VAS_UNSUBSCRIBE = "vas_unsubscribe"  # 增值业务退订
    SUSPEND = "suspend"  # 停机保号
    RESUME = "resume"  # 复机
    REPORT_LOSS = "report_loss"  # 挂失
    CANCEL = "cancel"  # 销户
    PORTABILITY_CHECK = "portability_check"  # 携号转网资格查询
    BILL_PRINT = "bill_print"  # 账单打印
    PAYMENT = "payment"  # 缴费


@dataclass(frozen=True)
class KindSpec:
    label: Label
    checks: frozenset[Check]
    fee_fen: int = 0  # the counter fee; a payment's amount and a VAS price come with it
    terms: str = ""  # the agreed terms printed on the slip (BH-5)


C = Check
_STRICT = frozenset({C.IDENTITY, C.PRODUCT, C.CONTRACT, C.ARREARS})

CATALOGUE: dict[Kind, KindSpec] = {
    Kind.OPEN_ACCOUNT: KindSpec(
        Label("开户入网", "Open an account"),
        frozenset({C.NEW_DOCUMENT}),
        terms="实名登记，证件复印件留存；入网协议已阅读并同意。",
    ),
    Kind.TRANSFER: KindSpec(
        Label("过户", "Ownership transfer"),
        _STRICT | {C.BOTH_PARTIES},
        terms="号码及其协议、余额随过户转移给新机主；原机主的欠费须结清。",
    ),
    Kind.SIM_REPLACE: KindSpec(
        Label("补换卡", "SIM replacement"),
        frozenset({C.IDENTITY, C.PRODUCT}),
        fee_fen=1000,
        terms="原卡即时失效。",
    ),
    Kind.PLAN_CHANGE: KindSpec(
        Label("套餐变更", "Plan change"),
        _STRICT | {C.ADVANCE_NOTICE},
        terms="新套餐次月1日生效，资费已告知客户并经同意。",
    ),
    Kind.VAS_SUBSCRIBE: KindSpec(
        Label("增值业务订购", "Value-added service"),
        frozenset({C.IDENTITY, C.PRODUCT, C.ARREARS, C.SECOND_CONFIRMATION}),
        terms="经客户短信二次确认后开通，按月计费，可随时退订。",
    ),
    Kind.VAS_UNSUBSCRIBE: KindSpec(
        Label("增值业务退订", "Unsubscribe a service"),
        frozenset({C.IDENTITY, C.PRODUCT}),
        terms="即时退订，当月已产生费用不退。",
    ),
    Kind.SUSPEND: KindSpec(
        Label("停机保号", "Suspend (keep the number)"),
        frozenset({C.IDENTITY, C.PRODUCT, C.ARREARS, C.ADVANCE_NOTICE}),
        terms="停机期间保留号码，按保号资费计费。",
    ),
    Kind.RESUME: KindSpec(
        Label("复机", "Resume"),
        frozenset({C.IDENTITY, C.PRODUCT, C.ARREARS}),
    ),
    Kind.REPORT_LOSS: KindSpec(
        Label("挂失", "Report a lost SIM"),
        frozenset({C.IDENTITY, C.PRODUCT}),
        terms="挂失后号码暂停使用，补卡后恢复。",
    ),
    Kind.CANCEL: KindSpec(
        Label("销户", "Cancel the number"),
        _STRICT | {C.RETENTION},
        terms="销户后号码停止使用，余额按规定退还。",
    ),
    Kind.PORTABILITY_CHECK: KindSpec(
        Label("携号转网资格查询", "Number portability eligibility"),
        frozenset({C.IDENTITY, C.PRODUCT}),
    ),
    Kind.BILL_PRINT: KindSpec(Label("账单打印", "Bill print"), frozenset({C.IDENTITY, C.PRODUCT})),
    Kind.PAYMENT: KindSpec(Label("缴费", "Payment"), frozenset({C.PRODUCT})),
}

# Value-added services on offer 增值业务 (VA-1): code → name and monthly price in fen.
SERVICES: dict[str, tuple[str, int]] = {
    "video_vip": ("视频会员", 1500),
    "ringback": ("彩铃", 500),
    "cloud_drive": ("云盘 200GB", 1000),
    "roaming_pack": ("国际漫游包", 2500),
}
CONFIRMATION_MINUTES = 30  # an unconfirmed VAS request expires after this (VA-1)
# Retention offers a cancellation may record (VA-3).
# Offers an agent may send as a marketing SMS, only with a marketing consent (CD-3).
MARKETING_OFFERS = {
    "fiber_bundle": "【营业厅】千兆宽带融合套餐，手机宽带一起办，月费立减 30 元",
    "5g_upgrade": "【营业厅】5G 升级包每月 10 元，享 30GB 高速流量",
    "family_plan": "【营业厅】亲情号副卡每张每月 10 元，共享套餐流量",
}

RETENTION_OFFERS = {
    "discount": "月费八折优惠 12 个月",
    "data_bonus": "每月赠送 10GB 流量 6 个月",
    "plan_downgrade": "改为低资费保号套餐",
}


class State(StrEnum):
    REQUESTED = "requested"
    CONFIRMATION_SENT = "confirmation_sent"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    EXPIRED = "expired"
    COMPLETED = "completed"


class Event(StrEnum):
    SEND_CONFIRMATION = "send_confirmation"
    CONFIRM = "confirm"
    DECLINE = "decline"
    EXPIRE = "expire"
    COMPLETE = "complete"


S, E = State, Event
TRANSITIONS: dict[tuple[State, Event], State] = {
    (S.REQUESTED, E.SEND_CONFIRMATION): S.CONFIRMATION_SENT,
    (S.REQUESTED, E.COMPLETE): S.COMPLETED,
    (S.CONFIRMATION_SENT, E.CONFIRM): S.CONFIRMED,
    (S.CONFIRMATION_SENT, E.DECLINE): S.DECLINED,
    (S.CONFIRMATION_SENT, E.EXPIRE): S.EXPIRED,
    (S.CONFIRMED, E.COMPLETE): S.COMPLETED,
}
FINAL = frozenset({S.DECLINED, S.EXPIRED, S.COMPLETED})
STATE_LABELS = {
    S.REQUESTED: Label("已受理", "Requested"),
    S.CONFIRMATION_SENT: Label("待客户短信确认", "Awaiting SMS confirmation"),
    S.CONFIRMED: Label("客户已确认", "Confirmed"),
    S.DECLINED: Label("客户拒绝，未开通", "Declined: nothing activated"),
    S.EXPIRED: Label("超时未确认，未开通", "Expired: nothing activated"),
    S.COMPLETED: Label("已办结", "Completed"),
}


def next_state(kind: Kind, state: State, event: Event) -> State | None:
    """The state an event leads to, or None when it is illegal: a kind that needs second
    confirmation cannot complete from ``requested``; one that needs none only completes
    from ``requested``."""
    confirmed_kind = Check.SECOND_CONFIRMATION in CATALOGUE[kind].checks
    if confirmed_kind and (state, event) == (S.REQUESTED, E.COMPLETE):
        return None
    if not confirmed_kind and (state, event) != (S.REQUESTED, E.COMPLETE):
        return None
    return TRANSITIONS.get((state, event))


# Customer replies to the confirmation SMS (VA-1): what counts as yes and as no.
YES = frozenset({"是", "Y", "YES", "1", "确认", "同意"})
NO = frozenset({"否", "N", "NO", "0", "2", "不", "取消", "拒绝"})


def reading_of(reply: str) -> bool | None:
    """True for a yes (是 / Y / 1 …), False for a no, None for anything else."""
    text = reply.strip().upper().rstrip("。.!！")
    if text in YES:
        return True
    if text in NO:
        return False
    return None


def under_contract(contract_end: date | None, today: date) -> bool:
    return contract_end is not None and contract_end >= today


def portability_blockers(contract_end: date | None, arrears_fen: int, today: date) -> list[str]:
    """Why a number may not port out yet 携号转网 (none: eligible)."""
    blockers = []
    if under_contract(contract_end, today):
        blockers.append(f"协议期至 {contract_end}，需先解除协议")
    if arrears_fen > 0:
        blockers.append(f"欠费 {arrears_fen / 100:.2f} 元，需先结清")
    return blockers


def yuan(fen: int) -> str:
    """Fen shown as yuan with two decimals: 1500 → 15.00."""
    return f"{fen / 100:.2f}"
