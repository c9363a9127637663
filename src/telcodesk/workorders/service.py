"""Work-order use cases: register, find, list, move through the lifecycle, note, history.

Services flush but never commit: the caller's unit of work owns the transaction, so the
order, its history row and its idempotency record are written together or not at all.

`workorders` is the only writer of orders, their history and notes (ARCHITECTURE.md). Other
domains record what they did to an order through `record_event` / `record_events` and raise
it a level through `escalate`; they react to lifecycle actions through the hooks wired in
`telcodesk.wiring` (SLA clocks, dispatch, chases, notifications), so this module imports none
of them.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from telcodesk import clock
from telcodesk.audit import service as audit
from telcodesk.customers import service as customers
from telcodesk.errors import (
    DomainError,
    IllegalTransition,
    StaleVersion,
    ValidationFailed,
)
from telcodesk.org import permissions
from telcodesk.org import service as org
from telcodesk.org.models import Staff
from telcodesk.org.permissions import Permission
from telcodesk.org.roles import SYSTEM_USERNAME
from telcodesk.org.scope import out_of_scope, scope_of
from telcodesk.workorders import authority, hooks, rules
from telcodesk.workorders import candidates as eligibility
from telcodesk.workorders.models import (
    Category,
    ClosureCode,
    IdempotencyRecord,
    OrderEvent,
    OrderNote,
    WorkOrder,
)
from telcodesk.workorders.queries import (  # noqa: F401 - reading lives in queries.py
    decode_cursor,
    encode_cursor,
    facts_of,
    filter_orders,
    get_order,
    history,
    list_orders,
    notes,
    unit_queue,
    visible,
)
from telcodesk.workorders.rules import Action, Deed, OrderType, Status
from telcodesk.workorders.schemas import NoteIn, OrderCreate, TransitionIn
from telcodesk.workorders.taxonomy import walk

# Fields whose changes are kept in the history (WO-2).
TRACKED = (
    "status",
    "handler_id",
    "priority",
    "is_valid",
    "invalid_reason",
    "escalation_level",
    "reopen_count",
    "satisfied",
    "callback_outcome",
    "root_cause",
    "responsibility",
    "justified",
    "closed_at",
    "replied_at",
    "subject",
    "description",
    "category_id",
    "handling_unit_id",
)


# --- categories -------------------------------------------------------------------------


def seed_categories(session: Session) -> int:
    """Load the starting category tree; existing codes are left as edited. Returns rows added."""
    existing = {c.code: c for c in session.scalars(select(Category))}
    added = 0
    for code, zh, en, parent_code, sort in walk():
        if code in existing:
            continue
        parent = existing[parent_code] if parent_code else None
        cat = Category(
            code=code, name_zh=zh, name_en=en, sort=sort, parent_id=parent.id if parent else None
        )
        session.add(cat)
        session.flush()
        existing[code] = cat
        added += 1
    clear_caches()
    return added


def list_categories(session: Session) -> list[Category]:
    return list(
        session.scalars(
            select(Category).where(Category.active).order_by(Category.parent_id, Category.sort)
        )
    )


# Active categories by code, per database, read once a while: a registration names one, and
# the tree changes only when it is seeded (`seed_categories` clears it), as SLA policies are.
CATEGORY_CACHE_SECONDS = 30.0
_categories: dict[str, tuple[float, dict[str, Category]]] = {}


def clear_caches() -> None:
    _categories.clear()


def get_category(session: Session, code: str) -> Category:
    """An active category, from the per-process cache (no statement on a registration)."""
    key = str(session.get_bind().engine.url)
    hit = _categories.get(key)
    if hit is None or time.monotonic() - hit[0] >= CATEGORY_CACHE_SECONDS:
        rows = list(session.scalars(select(Category).where(Category.active)))
        for row in rows:
            session.expunge(row)  # shared across sessions: plain values only
        hit = _categories[key] = (time.monotonic(), {c.code: c for c in rows})
    cat = hit[1].get(code)
    if cat is None:
        raise ValidationFailed("分类不存在", f"Unknown category {code!r}", code="unknown_category")
    return session.merge(cat, load=False)  # into this session without a query


# --- registration -----------------------------------------------------------------------


def request_hash(data: OrderCreate) -> str:
    # Unset optional fields are left out, so adding a field does not change old requests' hash.
    canonical = json.dumps(
        data.model_dump(mode="json", exclude_none=True), sort_keys=True, ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def find_idempotent(
    session: Session, actor: Staff, key: str, data: OrderCreate
) -> WorkOrder | None:
    """The order a previous request with this key created, if any (a retry gets it back)."""
    record = session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.staff_id == actor.id, IdempotencyRecord.key == key
        )
    )
    if record is None:
        return None
    if record.request_hash != request_hash(data):
        raise ValidationFailed(
            "该幂等键已用于另一个不同的请求",
            "This Idempotency-Key was used for a different request",
            code="idempotency_key_reused",
        )
    return session.get_one(WorkOrder, record.order_id)


def register_order(
    session: Session, actor: Staff, data: OrderCreate, *, idempotency_key: str | None = None
) -> tuple[WorkOrder, bool]:
    """Register 受理登记 an order; the registering staff member becomes its first-contact owner
    (CH-3). Returns the order and whether it was created now (False: an idempotent retry)."""
    permissions.require(actor, Permission.ORDER_CREATE)
    if idempotency_key:
        previous = find_idempotent(session, actor, idempotency_key, data)
        if previous is not None:
            return previous, False
    if data.resolve_now and data.type not in rules.ONE_TOUCH_TYPES:
        raise ValidationFailed(
            "只有咨询和查询可以当场办结",
            "Only consultations and queries can be resolved at once",
            code="one_touch_not_allowed",
        )
    if data.customer_id is not None:
        customer = customers.get_customer(session, data.customer_id, viewer=actor)
    else:
        assert data.customer is not None
        customer = customers.find_or_create(session, data.customer, actor=actor)
    category = get_category(session, data.category_code) if data.category_code else None
    # A real city of the actor's region: chosen, else the customer's (CC-1, CD-2).
    city = customers.order_city(actor, data.city_code, customer)
    now = clock.now()
    order = WorkOrder(
        type=data.type,
        channel=data.channel,
        customer=customer,
        subject=data.subject,
        description=data.description,
        category=category,
        priority=data.priority,
        province_code=city[:2] + "0000",
        city_code=city,
        # The actor comes from the login's own session: attach it without a query (the API
        # answer shows the owner).
        first_contact_owner=session.merge(actor, load=False),
        clocks=[],  # a new order has none yet: the clocks started below need no query
        status=Status.REGISTERED,
        escalation_level=0,
        reopen_count=0,
        created_at=now,
        updated_at=now,
    )
    session.add(order)
    session.flush()  # its id, for the clocks and messages the hooks write (no extra statement)
    # The after-hooks start the SLA clocks (T-2, T-3) and tell the customer (WO-2).
    registered = hooks.Happening(session, order, actor, Action.REGISTER.value, now, data)
    _write_event(registered, from_status=None, changes={}, reason=None)
    if idempotency_key:
        session.add(
            IdempotencyRecord(
                staff_id=actor.id,
                key=idempotency_key,
                request_hash=request_hash(data),
                order=order,
                created_at=now,
            )
        )
    session.flush()
    if data.resolve_now:
        assert data.resolution is not None
        _apply(
            session,
            order,
            actor,
            Action.RESOLVE_AT_ONCE,
            TransitionIn(version=order.version, message=data.resolution),
        )
    return order, True


def allowed_actions(order: WorkOrder, viewer: Staff | None = None) -> list[Action]:
    """The actions legal in the order's state; with a viewer, only those they may do."""
    actions = rules.allowed_actions(Status(order.status))
    if OrderType(order.type) not in rules.ONE_TOUCH_TYPES:
        actions = [a for a in actions if a != Action.RESOLVE_AT_ONCE]
    if order.handler_id is None:  # a chase goes to the handler (CH-4)
        actions = [a for a in actions if a != Action.CHASE]
    if viewer is not None:
        relations = authority.relations_of(viewer, order)
        actions = [a for a in actions if rules.may_act(relations, a)]
    return actions


def may_note(order: WorkOrder, viewer: Staff) -> bool:
    return authority.may(viewer, order, Deed.NOTE)


# --- lifecycle --------------------------------------------------------------------------


def transition(
    session: Session, actor: Staff, number: str, action: Action, data: TransitionIn
) -> WorkOrder:
    order = get_order(session, number, viewer=actor)
    if data.version != order.version:
        raise StaleVersion(details={"current_version": order.version})
    _apply(session, order, actor, action, data)
    return order


# Fields a before-hook may set on the order (dispatch choosing the unit and the handler);
# anything else a before-hook returns is kept in the history row as it is.
HOOK_FIELDS = frozenset({"handler_id", "handling_unit_id", "dispatch_note", "priority"})


def _apply(
    session: Session, order: WorkOrder, actor: Staff, action: Action, data: TransitionIn
) -> None:
    current = Status(order.status)
    target = rules.next_status(current, action)
    if target is None or action not in allowed_actions(order):
        raise IllegalTransition(
            f"状态「{rules.STATUS_LABELS[current].zh}」下不能执行「{rules.ACTION_LABELS[action].zh}」",
            f"Cannot {action.value} an order that is {current.value}",
            details={"status": current, "action": action, "allowed": allowed_actions(order)},
        )
    authority.require(actor, order, action)  # who may act: rules.ORDER_ACTORS (CH-3, SQ-1)
    _require(action in rules.REASON_REQUIRED, data.reason, "reason", "原因")
    _require(action in rules.CUSTOMER_TEXT_REQUIRED, data.message, "message", "给客户的答复")
    _require(action in rules.HANDLER_REQUIRED, data.handler, "handler", "处理人")
    if action == Action.EXTEND and not data.extend_by:
        raise ValidationFailed(
            "延期需要填写延长时长", "extend_by is required", code="extend_by_required"
        )
    if data.handler and action in (Action.DISPATCH, Action.CHASE):
        raise ValidationFailed(
            "派单由规则选择处理人，催办发给当前处理人：不能指定处理人",
            "Dispatch rules choose the handler and a chase goes to the current one: no handler",
            code="handler_not_allowed",
        )

    before = {f: getattr(order, f) for f in TRACKED}
    now = clock.now()
    if data.handler:
        handler = org.get_staff_by_username(session, data.handler)
        eligibility.require_eligible(actor, order, handler)
        order.handler_id, order.handling_unit_id = handler.id, handler.unit_id
    # Before-hooks may refuse (a DomainError) or choose fields: dispatch (CC-1, CH-4) picks
    # the unit and the handler, a chase (CH-4, WO-4) names who is to be told.
    happening = hooks.Happening(session, order, actor, action.value, now, data)
    noted: dict[str, Any] = {}
    for name, value in hooks.run_before(happening).items():
        if name in HOOK_FIELDS:
            setattr(order, name, value)
        else:
            noted[name] = value
    if noted.get("queued"):  # nobody there can take it: it waits in the unit's queue (CC-1)
        target = current
    if action == Action.REVIEW_VALID:
        order.is_valid = True
    elif action == Action.REVIEW_INVALID:
        order.is_valid, order.invalid_reason = False, data.reason
    elif action == Action.ESCALATE:
        order.escalation_level += 1
    elif action == Action.CALLBACK_SATISFIED:
        order.satisfied = True
    elif action == Action.CALLBACK_UNSATISFIED:
        order.satisfied = False
        order.reopen_count += 1
        order.closed_at = None
    _record_closure(session, order, actor, action, current, target, data)
    if action in (Action.REPLY, Action.RESOLVE_AT_ONCE):
        order.replied_at = now
    if data.message:
        kind = "reply" if action != Action.REVIEW_INVALID else "progress"
        session.add(
            OrderNote(order_id=order.id, at=now, author_id=actor.id, kind=kind, body=data.message)
        )
    order.status = target
    if rules.is_closed(target):
        order.closed_at = now
    order.updated_at = now
    _flush(session)  # a stale version fails here, before any hook reacts
    changes = noted | {
        f: [_plain(before[f]), _plain(getattr(order, f))]
        for f in TRACKED
        if before[f] != getattr(order, f)
    }
    # After-hooks react in this transaction: the SLA clocks stop, pause, resume, reopen or
    # extend (T-2, WO-1) and add their new deadlines to the row; notifications are queued.
    _write_event(happening, from_status=current, changes=changes, reason=data.reason)
    _flush(session)


def _record_closure(
    session: Session,
    order: WorkOrder,
    actor: Staff,
    action: Action,
    current: Status,
    target: Status,
    data: TransitionIn,
) -> None:
    """The call-back's answer on the four-step scale, and at archive the complaint's root
    cause, responsibility and whether it was justified (SQ-1, SQ-2): checked, then set."""
    allowed = rules.CALLBACK_OUTCOMES.get(action, ()) if current == Status.CALLBACK else ()
    if data.outcome is not None and data.outcome not in allowed:
        raise ValidationFailed(
            f"「{rules.ACTION_LABELS[action].zh}」不能记录回访结果「"
            f"{rules.CALLBACK_OUTCOME_LABELS[data.outcome].zh}」",
            f"{action.value} cannot record the call-back outcome {data.outcome.value}",
            code="outcome_not_allowed",
            details={"allowed": list(allowed)},
        )
    if allowed:
        order.callback_outcome = data.outcome or allowed[0]
    given = (data.root_cause, data.responsibility, data.justified)
    by_system = actor.username == SYSTEM_USERNAME
    if rules.needs_classification(OrderType(order.type), target, by_system):
        missing = [
            name
            for name, value in zip(
                ("root_cause", "responsibility", "justified"), given, strict=True
            )
            if value is None
        ]
        if missing:
            raise ValidationFailed(
                "投诉归档须填写问题根因、责任定性和是否属实",
                "Archiving a complaint needs root_cause, responsibility and justified",
                code="classification_required",
                details={"missing": missing},
            )
    elif any(v is not None for v in given) and target != Status.ARCHIVED:
        raise ValidationFailed(
            "问题根因、责任定性只在归档时填写",
            "root_cause, responsibility and justified are recorded at archive",
            code="classification_not_allowed",
        )
    for kind, code in (("root_cause", data.root_cause), ("responsibility", data.responsibility)):
        if code is not None:
            _require_closure_code(session, kind, code)
            setattr(order, kind, code)
    if data.justified is not None:
        order.justified = data.justified


def _require_closure_code(session: Session, kind: str, code: str) -> None:
    with session.no_autoflush:  # the order's pending change goes out once, in _apply's flush
        found = session.scalar(
            select(ClosureCode.id).where(
                ClosureCode.kind == kind, ClosureCode.code == code, ClosureCode.active
            )
        )
    if found is None:
        label = rules.CLOSURE_KIND_LABELS[kind]
        raise ValidationFailed(
            f"{label.zh}「{code}」不在代码表中",
            f"{label.en} {code!r} is not in the code list",
            code=f"unknown_{kind}",
        )


# --- closure code lists (editable: `telcodesk closure-codes`) ----------------------------


def seed_closure_codes(session: Session) -> int:
    """Load the starting root-cause and responsibility lists; edited entries stay as they are."""
    existing = {(c.kind, c.code) for c in session.scalars(select(ClosureCode))}
    added = 0
    for kind, entries in rules.CLOSURE_CODES.items():
        for sort, (code, zh, en) in enumerate(entries):
            if (kind, code) not in existing:
                session.add(ClosureCode(kind=kind, code=code, name_zh=zh, name_en=en, sort=sort))
                added += 1
    session.flush()
    return added


def closure_codes(session: Session, *, active_only: bool = True) -> list[ClosureCode]:
    query = select(ClosureCode).order_by(ClosureCode.kind, ClosureCode.sort, ClosureCode.code)
    if active_only:
        query = query.where(ClosureCode.active)
    return list(session.scalars(query))


def set_closure_code(
    session: Session,
    actor: Staff,
    kind: str,
    code: str,
    name_zh: str,
    name_en: str,
    *,
    active: bool = True,
) -> ClosureCode:
    """Add or rename an entry, or retire it (``active=False``: kept on the orders that used it,
    no longer offered). The lists are nationwide, so only an HQ admin edits them (CD-2)."""
    permissions.require(actor, Permission.ORG_MANAGE)
    if not scope_of(actor).everything:
        raise out_of_scope("全国代码表", "The nationwide code list")
    if kind not in rules.CLOSURE_KINDS:
        raise ValidationFailed(
            "代码表只有 root_cause 和 responsibility",
            "The code lists are root_cause and responsibility",
            code="unknown_closure_kind",
        )
    row = session.scalar(
        select(ClosureCode).where(ClosureCode.kind == kind, ClosureCode.code == code)
    )
    if row is None:
        last = session.scalar(select(func.max(ClosureCode.sort)).where(ClosureCode.kind == kind))
        row = ClosureCode(kind=kind, code=code, sort=(last or 0) + 1)
        session.add(row)
    before = (row.name_zh, row.name_en, row.active) if row.id else None
    row.name_zh, row.name_en, row.active = name_zh, name_en, active
    session.flush()
    audit.record(
        session,
        actor,
        "closure_code_saved",
        "closure_code",
        f"{kind}:{code}",
        before=list(before) if before else None,
        after=[name_zh, name_en, active],
    )
    return row


def _flush(session: Session) -> None:
    try:
        session.flush()
    except StaleDataError as exc:  # someone else updated the row between our read and write
        raise StaleVersion() from exc


def _require(needed: bool, value: str | None, field: str, zh: str) -> None:
    if needed and not (value and value.strip()):
        raise ValidationFailed(
            f"此操作需要填写{zh}", f"This action requires {field}", code=f"{field}_required"
        )


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


# --- history: the one writer of order events (WO-2) -----------------------------------


def _event_row(
    happening: hooks.Happening,
    *,
    from_status: str | None,
    changes: Mapping[str, Any],
    reason: str | None,
) -> OrderEvent:
    order = happening.order
    row = OrderEvent(
        at=happening.now,
        actor_id=happening.actor.id,
        action=happening.event,
        from_status=from_status,
        to_status=order.status,
        reason=reason,
        changes=dict(changes),
    )
    if order.id is None:  # a new order: the history row joins it in the same flush
        row.order = order
    else:
        row.order_id = order.id
    return row


def _write_event(
    happening: hooks.Happening,
    *,
    from_status: str | None,
    changes: Mapping[str, Any],
    reason: str | None,
) -> OrderEvent:
    row = _event_row(happening, from_status=from_status, changes=changes, reason=reason)
    happening.session.add(row)
    hooks.run_after(happening, row)
    return row


def record_event(
    session: Session,
    order: WorkOrder,
    actor: Staff,
    event: str,
    changes: Mapping[str, Any],
    *,
    reason: str | None = None,
    now: datetime | None = None,
    data: Any = None,
) -> OrderEvent:
    """Write a history row for something that happened to an order (an SLA warning, a deadline
    recomputed, a note) and run the event's after-hooks in the same transaction. The order's
    status does not change here; a recipient list in ``changes["notified"]`` (staff ids) is
    what the notify hook tells. Flushes nothing: callers batch."""
    at = now or clock.now()
    happening = hooks.Happening(session, order, actor, str(event), at, data)
    return _write_event(happening, from_status=order.status, changes=changes, reason=reason)


# One row of `record_events`: the order, the event's name, its changes; True as a fourth item
# raises the order a level as `escalate` does (a breached resolution, WO-3).
EventRow = tuple[WorkOrder, str, Mapping[str, Any]] | tuple[WorkOrder, str, Mapping[str, Any], bool]


def record_events(
    session: Session,
    actor: Staff,
    rows: Iterable[EventRow],
    *,
    now: datetime | None = None,
) -> list[OrderEvent]:
    """Many ``record_event`` rows at once (the SLA sweep's batch): the after-hooks run over
    the whole batch (`hooks.after_batch`: notify writes its rows in bulk), then the history
    rows go in as one INSERT (the hooks may still add to their ``changes`` until then). The
    rows returned are not in the session (no id): the history is read back as usual."""
    at = now or clock.now()
    pairs: hooks.Pairs = []
    for order, event, changes, *escalating in rows:
        if escalating and escalating[0]:
            changes = _raise_level(order, changes, at)
        happening = hooks.Happening(session, order, actor, str(event), at)
        row = _event_row(happening, from_status=order.status, changes=changes, reason=None)
        pairs.append((happening, row))
    if not pairs:
        return []
    hooks.run_after_batch(pairs)
    session.execute(
        insert(OrderEvent).execution_options(render_nulls=True),  # one statement, Nones too
        [
            {
                "order_id": r.order_id,
                "at": r.at,
                "actor_id": r.actor_id,
                "action": r.action,
                "from_status": r.from_status,
                "to_status": r.to_status,
                "reason": r.reason,
                "changes": r.changes,
            }
            for _, r in pairs
        ],
    )
    session.flush()
    return [r for _, r in pairs]


def _raise_level(order: WorkOrder, changes: Mapping[str, Any], at: datetime) -> dict[str, Any]:
    level = order.escalation_level
    order.escalation_level, order.updated_at = level + 1, at
    return {**changes, "escalation_level": [level, level + 1]}


def escalate(
    session: Session,
    order: WorkOrder,
    actor: Staff,
    event: str,
    changes: Mapping[str, Any],
    *,
    reason: str | None = None,
    now: datetime | None = None,
) -> OrderEvent:
    """Raise the order one escalation level (WO-3: an overdue resolution goes up) and record
    why, with the level's change, in one history row."""
    at = now or clock.now()
    return record_event(
        session, order, actor, event, _raise_level(order, changes, at), reason=reason, now=at
    )


def add_note(session: Session, actor: Staff, number: str, data: NoteIn) -> OrderNote:
    """An internal note, or a progress message told to the customer (WO-2). The note is in the
    history too, so the "note" hooks (telling the customer of progress) can react to it."""
    order = get_order(session, number, viewer=actor)
    if data.kind == "attempt":  # a call-back try that reached nobody (SQ-1)
        # Whoever may record the call-back's answer records a try; the handler never (SQ-1).
        authority.require(actor, order, Action.CALLBACK_SATISFIED)
        if order.status != Status.CALLBACK:
            raise IllegalTransition(
                "只有回访中的工单可以记录回访未接通",
                "Only an order in call-back records a call-back attempt",
                code="not_in_callback",
            )
        order.callback_attempts += 1
    else:
        authority.require(actor, order, Deed.NOTE)  # owner, handler or supervisor (WO-2)
    now = clock.now()
    note = OrderNote(order_id=order.id, at=now, author_id=actor.id, kind=data.kind, body=data.body)
    session.add(note)
    session.flush()
    changes: dict[str, Any] = {"note_id": note.id, "kind": data.kind}
    if data.kind == "attempt":
        changes["callback_attempts"] = order.callback_attempts
    record_event(session, order, actor, "note", changes, now=now, data=note)
    session.flush()
    return note


# --- scheduled sweeps -------------------------------------------------------------------


def dispatch_reviewed(
    session: Session, actor: Staff, older_than: timedelta, limit: int = 200
) -> int:
    """Route reviewed orders nobody has assigned by the dispatch rules (CC-1): new orders reach
    a handler even when no supervisor is watching. Each order is tried once; one the rules
    cannot place keeps the reason in its dispatch note and waits for a person."""
    cutoff = clock.now() - older_than
    waiting = session.scalars(
        select(WorkOrder)
        .where(
            WorkOrder.status == Status.REVIEWED,
            WorkOrder.updated_at < cutoff,
            WorkOrder.dispatch_note.is_(None),
        )
        .order_by(WorkOrder.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=WorkOrder)
    ).all()
    routed = 0
    for order in waiting:
        try:
            with session.begin_nested():  # one order's failure leaves the others' work intact
                _apply(session, order, actor, Action.DISPATCH, TransitionIn(version=order.version))
            routed += 1
        except DomainError as exc:
            order.dispatch_note = {
                "auto_dispatch_failed": exc.code,
                "message_zh": exc.message_zh,
                "message_en": exc.message_en,
                "at": clock.now().isoformat(),
            }
    return routed


def archive_unanswered_callbacks(
    session: Session, actor: Staff, older_than: timedelta, limit: int = 500
) -> int:
    """Archive orders whose call-back got no answer within the allowed time (WO-1)."""
    cutoff = clock.now() - older_than
    stale = session.scalars(
        select(WorkOrder)
        .where(WorkOrder.status == Status.CALLBACK, WorkOrder.updated_at < cutoff)
        .order_by(WorkOrder.id)
        .limit(limit)
    ).all()
    for order in stale:
        _apply(
            session,
            order,
            actor,
            Action.ARCHIVE,
            TransitionIn(version=order.version, reason="回访超时未应答 / call-back unanswered"),
        )
    return len(stale)


def purge_idempotency_records(session: Session, older_than: timedelta) -> int:
    cutoff = clock.now() - older_than
    rows = session.scalars(
        select(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff)
    ).all()
    for row in rows:
        session.delete(row)
    return len(rows)
