"""An order's attachments (issue 9 item 7; CD-1, CD-2, WO-2): call recordings, screenshots,
copies of ID cards, kept by the attachment store and linked here.

Scoped like the order: whoever cannot see the order gets 404 for its attachments too. Who
may do what:
- list and download: whoever sees the order (``order_view`` in its scope); an **ID copy**
  only with ``customer_reveal`` (it is the customer's full personal data, CD-2), and every
  download of one writes an audit record;
- attach: whoever may note on the order (owner, handler, supervisor: ``Deed.NOTE``);
- remove: the one who attached it, or a supervisor of the order, while the order is open
  (an archived order's evidence stays); the bytes are purged (CD-1), the link, the history
  row "attachment_removed" and an audit record say who did it.
Every change is a history row of the order (WO-2), in the upload's one transaction.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from telcodesk import clock
from telcodesk.attachments import service as store
from telcodesk.attachments.models import Attachment
from telcodesk.attachments.rules import parse_id
from telcodesk.audit import service as audit
from telcodesk.errors import Conflict, Forbidden, NotFound, ValidationFailed
from telcodesk.labels import Label
from telcodesk.org import permissions
from telcodesk.org.models import Staff
from telcodesk.org.permissions import Permission
from telcodesk.workorders import authority, rules
from telcodesk.workorders.models import OrderAttachment, WorkOrder
from telcodesk.workorders.queries import get_order
from telcodesk.workorders.rules import Deed, Relation, Status
from telcodesk.workorders.service import record_event

KIND_LABELS: dict[str, Label] = {
    "screenshot": Label("截图", "Screenshot"),
    "recording": Label("通话录音", "Call recording"),
    "id_copy": Label("证件复印件", "Copy of ID"),
    "other": Label("其他", "Other"),
}
# Personal data: only staff who may reveal it download it, and each download is audited.
PRIVATE_KINDS = frozenset({"id_copy"})


class AttachmentNotFound(NotFound):
    code = "attachment_not_found"
    message_zh = "附件不存在"
    message_en = "Attachment not found"


def may_attach(order: WorkOrder, actor: Staff) -> bool:
    return not rules.is_closed(Status(order.status)) and authority.may(actor, order, Deed.NOTE)


def may_open(actor: Staff, kind: str) -> bool:
    return kind not in PRIVATE_KINDS or permissions.can(actor, Permission.CUSTOMER_REVEAL)


def may_remove(order: WorkOrder, link: OrderAttachment, actor: Staff) -> bool:
    if link.removed_at is not None or rules.is_closed(Status(order.status)):
        return False
    relations = authority.relations_of(actor, order)
    return (link.added_by_id == actor.id and rules.may_act(relations, Deed.NOTE)) or (
        Relation.SUPERVISOR in relations
    )


def attach(
    session: Session,
    actor: Staff,
    number: str,
    *,
    kind: str,
    filename: str,
    declared: str,
    data: bytes,
) -> tuple[OrderAttachment, Attachment]:
    order = get_order(session, number, viewer=actor)  # 404 out of scope (CD-2)
    if kind not in KIND_LABELS:
        raise ValidationFailed(
            "附件类别无效：" + "、".join(f"{k}（{v.zh}）" for k, v in KIND_LABELS.items()),
            "Unknown attachment kind; one of " + ", ".join(KIND_LABELS),
            code="attachment_kind",
        )
    if rules.is_closed(Status(order.status)):
        raise Conflict(
            "已关闭的工单不能再添加附件", "A closed order takes no attachments", code="order_closed"
        )
    authority.require(actor, order, Deed.NOTE)
    stored = store.put(session, actor, filename, declared, data)
    now = clock.now()
    link = OrderAttachment(
        order_id=order.id, attachment_id=stored.id, kind=kind, added_by_id=actor.id, added_at=now
    )
    session.add(link)
    session.flush()
    record_event(
        session,
        order,
        actor,
        "attachment",
        {
            "attachment_id": stored.id,
            "filename": stored.filename,
            "kind": kind,
            "content_type": stored.content_type,
            "size": stored.size,
        },
        now=now,
    )
    session.flush()
    return link, stored


def listed(
    session: Session, actor: Staff, number: str
) -> tuple[WorkOrder, list[tuple[OrderAttachment, Attachment]]]:
    """The order's attachments not removed, oldest first."""
    order = get_order(session, number, viewer=actor)
    rows = session.execute(
        select(OrderAttachment, Attachment)
        .join(Attachment, Attachment.id == OrderAttachment.attachment_id)
        .where(OrderAttachment.order_id == order.id, OrderAttachment.removed_at.is_(None))
        .order_by(OrderAttachment.id)
    )
    return order, [(link, a) for link, a in rows]


def _link(
    session: Session, actor: Staff, number: str, attachment_id: str | int
) -> tuple[WorkOrder, OrderAttachment, Attachment]:
    order = get_order(session, number, viewer=actor)
    wanted = parse_id(attachment_id)
    row = session.execute(
        select(OrderAttachment, Attachment)
        .join(Attachment, Attachment.id == OrderAttachment.attachment_id)
        .where(
            OrderAttachment.order_id == order.id,
            OrderAttachment.attachment_id == wanted,
            OrderAttachment.removed_at.is_(None),
        )
    ).first()
    if row is None:
        raise AttachmentNotFound()
    return order, row[0], row[1]


def download(
    session: Session, actor: Staff, number: str, attachment_id: str | int
) -> tuple[Attachment, bytes]:
    order, link, stored = _link(session, actor, number, attachment_id)
    if not may_open(actor, link.kind):
        raise Forbidden(
            "证件复印件属于个人信息，仅限有权查看完整个人信息的人员下载",
            "A copy of an ID is personal data: only staff who may reveal it download it",
            code="attachment_private",
        )
    data = store.content(session, stored)
    if link.kind in PRIVATE_KINDS:  # CD-2: who looked at a customer's ID, and when
        audit.record(
            session,
            actor,
            "attachment_download",
            "order_attachment",
            stored.id,
            order=order.number,
            attachment_kind=link.kind,
            filename=stored.filename,
        )
    return stored, data


def remove(session: Session, actor: Staff, number: str, attachment_id: str | int) -> None:
    order, link, stored = _link(session, actor, number, attachment_id)
    if not may_remove(order, link, actor):
        raise Forbidden(
            "只有上传人或上级主管可在工单关闭前删除附件",
            "Only the one who attached it, or a supervisor, removes it while the order is open",
            code="attachment_remove_denied",
        )
    now = clock.now()
    link.removed_at, link.removed_by_id = now, actor.id
    store.purge(session, stored)
    record_event(
        session,
        order,
        actor,
        "attachment_removed",
        {"attachment_id": stored.id, "filename": stored.filename, "kind": link.kind},
        now=now,
    )
    audit.record(
        session,
        actor,
        "attachment_remove",
        "order_attachment",
        stored.id,
        order=order.number,
        attachment_kind=link.kind,
        filename=stored.filename,
    )
    session.flush()
