"""Which articles solve which orders (KB-1): inserted into a reply, helpful or not; and the
editors' view of it — most used, never used, most often returned in review, least helpful."""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from telcodesk import clock
from telcodesk.knowledge import service
from telcodesk.knowledge.models import KbArticle, KbUsage, KbVersion
from telcodesk.knowledge.schemas import UsageRowOut
from telcodesk.org.models import Staff
from telcodesk.org.permissions import Permission, require
from telcodesk.workorders import queries as orders

KINDS = ("inserted", "helpful", "not_helpful")


def record(
    session: Session, viewer: Staff, number: str, kind: str, order_number: str | None = None
) -> KbUsage:
    """The viewer used an article they can read, on an order they can see (404 otherwise)."""
    article = service.get_article(session, number, viewer)
    order_id = None
    if order_number:
        order_id = orders.get_order(session, order_number, viewer=viewer).id
    row = KbUsage(
        article_id=article.id,
        order_id=order_id,
        staff_id=viewer.id,
        kind=kind,
        created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    return row


def report(session: Session, viewer: Staff, top: int = 10) -> dict[str, list[UsageRowOut]]:
    """Usage of the live and past articles of the editor's region."""
    require(viewer, Permission.KB_EDIT)
    counts = (
        select(
            KbUsage.article_id,
            *(func.sum(case((KbUsage.kind == kind, 1), else_=0)).label(kind) for kind in KINDS),
        )
        .group_by(KbUsage.article_id)
        .subquery()
    )
    stmt = (
        select(
            KbArticle, KbVersion.title, counts.c.inserted, counts.c.helpful, counts.c.not_helpful
        )
        .join(KbVersion, KbVersion.id == KbArticle.live_version_id)
        .outerjoin(counts, counts.c.article_id == KbArticle.id)
    )
    rows = [
        UsageRowOut(
            number=a.number,
            title=title,
            inserted=int(ins or 0),
            helpful=int(good or 0),
            not_helpful=int(bad or 0),
            returned=a.returned_count,
        )
        for a, title, ins, good, bad in session.execute(stmt)
        if service.writes_here(viewer, a)
    ]
    return {
        "most_used": sorted((r for r in rows if r.inserted), key=lambda r: (-r.inserted, r.number))[
            :top
        ],
        "never_used": sorted((r for r in rows if not r.inserted), key=lambda r: r.number)[:top],
        "most_returned": sorted(
            (r for r in rows if r.returned), key=lambda r: (-r.returned, r.number)
        )[:top],
        "least_helpful": sorted(
            (r for r in rows if r.not_helpful), key=lambda r: (-r.not_helpful, r.number)
        )[:top],
    }
