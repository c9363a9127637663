"""Saved views (issue 9 item 1) and bulk actions (item 2).

A view belongs to its owner; shared, it is seen by the members of the owner's unit only, and
applying it never widens the viewer's scope (the list is always cut to the viewer's region,
`worklists.queries.scoped`). Only the owner renames, re-shares or deletes it.

A bulk action runs each order in its own unit of work: one order refused (not in a state that
allows it, someone else's, changed meanwhile) leaves the others done, and the summary says per
order why, with the same codes and messages as the single action.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from telcodesk import clock
from telcodesk.errors import Conflict, DomainError, NotFound, ValidationFailed
from telcodesk.org import permissions
from telcodesk.org.models import Staff
from telcodesk.org.permissions import Permission
from telcodesk.worklists import queries
from telcodesk.worklists.models import SavedView
from telcodesk.worklists.schemas import BulkIn, BulkOut, BulkRefusal, ListSpec, SavedViewIn
from telcodesk.workorders import service as orders
from telcodesk.workorders.models import WorkOrder
from telcodesk.workorders.rules import Action
from telcodesk.workorders.schemas import NoteIn, OrderFilter, TransitionIn

MAX_VIEWS = 50  # per person: a picker, not an archive


def visible_views(session: Session, viewer: Staff) -> list[SavedView]:
    """The viewer's own views, then those shared with the viewer's unit."""
    permissions.require(viewer, Permission.ORDER_VIEW)
    rows = session.scalars(
        select(SavedView)
        .where(or_(SavedView.owner_id == viewer.id, SavedView.unit_id == viewer.unit_id))
        .order_by(SavedView.owner_id != viewer.id, SavedView.name)
    )
    return list(rows)


def get_view(session: Session, viewer: Staff, view_id: int) -> SavedView:
    """A view the viewer may apply: their own or shared with their unit; else 404."""
    view = session.get(SavedView, view_id)
    if view is None or not (view.owner_id == viewer.id or view.unit_id == viewer.unit_id):
        raise NotFound("视图不存在", "View not found", code="view_not_found")
    return view


def spec_of(view: SavedView) -> ListSpec:
    return ListSpec.model_validate(view.spec)


def save_view(
    session: Session, actor: Staff, data: SavedViewIn, view_id: int | None = None
) -> SavedView:
    """Create a view, or replace one of the actor's own (404 for anyone else's)."""
    permissions.require(actor, Permission.ORDER_VIEW)
    now = clock.now()
    taken = session.scalar(
        select(SavedView.id).where(
            SavedView.owner_id == actor.id, SavedView.name == data.name, SavedView.id != view_id
        )
    )
    if taken is not None:
        raise Conflict(
            f"已有同名视图「{data.name}」", f"You already have a view named {data.name!r}",
            code="view_name_taken",
        )  # fmt: skip
    if view_id is None:
        held = session.scalars(select(SavedView.id).where(SavedView.owner_id == actor.id)).all()
        if len(held) >= MAX_VIEWS:
            raise ValidationFailed(
                f"每人最多保存 {MAX_VIEWS} 个视图",
                f"At most {MAX_VIEWS} views per person",
                code="too_many_views",
            )
        view = SavedView(owner_id=actor.id, created_at=now)
        session.add(view)
    else:
        view = _own(session, actor, view_id)
    view.name, view.spec = data.name, data.spec.model_dump(mode="json")
    view.unit_id = actor.unit_id if data.shared else None  # one's own unit only
    view.updated_at = now
    session.flush()
    return view


def delete_view(session: Session, actor: Staff, view_id: int) -> None:
    session.delete(_own(session, actor, view_id))
    session.flush()


def _own(session: Session, actor: Staff, view_id: int) -> SavedView:
    view = get_view(session, actor, view_id)
    if view.owner_id != actor.id:
        raise NotFound("视图不存在", "View not found", code="view_not_found")
    return view


def counts(session: Session, viewer: Staff, views: list[SavedView]) -> dict[int, int]:
    """How many orders each view holds for this viewer (within their scope)."""
    return {v.id: queries.count(session, viewer, spec_of(v)) for v in views}


def my_open(session: Session, viewer: Staff) -> list[WorkOrder]:
    """我的工单: the open orders I own (CH-3) or handle, the nearest deadline first."""
    spec = ListSpec(queue="mine", filters=OrderFilter(open_only=True), page_size=200)
    return queries.page(session, viewer, spec).rows


# --- bulk actions ------------------------------------------------------------------------

UnitOfWork = Callable[[], AbstractContextManager[Session]]


def bulk(uow: UnitOfWork, actor: Staff, data: BulkIn) -> BulkOut:
    """Apply one action to each order in its own transaction (issue 9 item 2)."""
    check_bulk(data)
    done: list[str] = []
    refused: list[BulkRefusal] = []
    for number in dict.fromkeys(n.strip().upper() for n in data.numbers):  # once each
        try:
            with uow() as session:
                _one(session, actor, number, data)
            done.append(number)
        except DomainError as exc:  # the single action's own refusal, rolled back alone
            refused.append(
                BulkRefusal(
                    number=number,
                    code=exc.code,
                    message_zh=exc.message_zh,
                    message_en=exc.message_en,
                )
            )
    return BulkOut(action=data.action, done=done, refused=refused)


def _one(session: Session, actor: Staff, number: str, data: BulkIn) -> None:
    if data.action == "note":
        orders.add_note(session, actor, number, NoteIn(kind="note", body=data.body or ""))
        return
    order = orders.get_order(session, number, viewer=actor)  # out of scope: 404, as alone
    fields = {
        "version": order.version,
        "reason": data.reason,
        "handler": data.handler,
        "root_cause": data.root_cause,
        "responsibility": data.responsibility,
        "justified": data.justified,
    }
    orders.transition(
        session, actor, number, Action(data.action), TransitionIn.model_validate(fields)
    )


def check_bulk(data: BulkIn) -> None:
    """What the whole request lacks is said once, before any order is touched."""
    if data.action == "note" and not (data.body and data.body.strip()):
        raise ValidationFailed(
            "批量备注须填写内容", "A bulk note needs its body", code="body_required"
        )
