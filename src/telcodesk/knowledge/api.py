"""Knowledge API (KB-1, KB-2): search with scores and snippets, articles and their workflow,
diffs, usage, bulk import and export, categories' approver groups, bulletins. Every call is
scoped in the service layer (another region's article answers 404)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from telcodesk import csv_rows
from telcodesk.deps import ApiStaff, DbDep
from telcodesk.inputs import LINE_PATTERN, Line
from telcodesk.knowledge import bulletins, importer, replies, rules, search, service, usage
from telcodesk.knowledge.models import (
    KbArticle,
    KbBulletin,
    KbBulletinReceipt,
    KbReplyTemplate,
    KbVersion,
)
from telcodesk.knowledge.rules import ReplyState, State
from telcodesk.knowledge.schemas import (
    CATEGORY_PATTERN,
    NUMBER_PATTERN,
    REGION_PATTERN,
    ActionIn,
    ArticleIn,
    ArticleOut,
    BulletinIn,
    BulletinOut,
    DiffOut,
    FilledReplyOut,
    HitOut,
    ImportOut,
    ReplyStateIn,
    ReplyTemplateIn,
    ReplyTemplateOut,
    SearchOut,
    UnreadOut,
    UsageIn,
    UsageOut,
    VersionOut,
)
from telcodesk.org import service as org
from telcodesk.org.models import Staff
from telcodesk.org.permissions import Permission, require

router = APIRouter(prefix="/api/v1/kb", tags=["knowledge"])

ArticleNo = Annotated[str, Path(pattern=NUMBER_PATTERN, max_length=12)]
BulletinId = Annotated[int, Path(ge=1, le=2**31 - 1)]
CategoryPath = Annotated[str, Path(pattern=CATEGORY_PATTERN, max_length=40)]
SearchText = Annotated[str, Query(min_length=1, max_length=100, pattern=LINE_PATTERN)]
CategoryQuery = Annotated[str | None, Query(max_length=40, pattern=CATEGORY_PATTERN)]
RegionQuery = Annotated[str | None, Query(max_length=6, pattern=REGION_PATTERN)]


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    return {s.id: s.username for s in session.scalars(select(Staff).where(Staff.id.in_(ids)))}


def version_out(v: KbVersion, names: dict[int, str]) -> VersionOut:
    return VersionOut(
        version_no=v.version_no,
        state=State(v.state),
        title=v.title,
        answer=v.answer,
        body=v.body,
        tags=[t for t in v.tags.split(",") if t],
        doc_number=v.doc_number,
        effective_from=v.effective_from,
        effective_to=v.effective_to,
        publish_at=v.publish_at,
        author=names.get(v.author_id, ""),
        reviewer=names.get(v.reviewer_id) if v.reviewer_id else None,
        review_comment=v.review_comment,
        published_at=v.published_at,
        retired_at=v.retired_at,
    )


def article_out(session: Session, viewer: Staff, a: KbArticle) -> ArticleOut:
    latest = service.latest(session, a)
    live = service.live(session, a)
    editorial = service.editorial_view(viewer, a)
    shown = latest if editorial else (live or latest)
    ids = {shown.author_id, shown.reviewer_id or 0}
    if live:
        ids |= {live.author_id, live.reviewer_id or 0}
    names = _names(session, ids)
    base = session.get(KbArticle, a.overrides_id) if a.overrides_id else None
    return ArticleOut(
        number=a.number,
        category=a.category.code,
        province_code=a.province_code,
        city_code=a.city_code,
        level=rules.level(a.province_code, a.city_code),
        overrides=base.number if base else None,
        live=version_out(live, names) if live else None,
        latest=version_out(shown, names),
        actions=service.actions_for(session, viewer, a) if editorial else [],
    )


@router.get("/search", response_model=SearchOut, operation_id="kb_search")
def search_kb(
    staff: ApiStaff,
    db: DbDep,
    q: SearchText,
    category: CategoryQuery = None,
    region: RegionQuery = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> SearchOut:
    """Live articles for the caller's region, best first, with their scores and highlighted
    snippets (expired and retired ones never)."""
    with db.uow() as session:
        hits = service.search_articles(
            session, staff, q, category_code=category, region=region, limit=limit
        )
        terms = search.highlight_terms(q)
        return SearchOut(
            query=q,
            terms=terms,
            hits=[
                HitOut(
                    number=a.number,
                    title=v.title,
                    answer=v.answer,
                    category=a.category.code,
                    level=rules.level(a.province_code, a.city_code),
                    city_code=a.city_code,
                    province_code=a.province_code,
                    score=r.score,
                    snippet_html=search.snippet(v.answer, terms),
                    published_at=v.published_at,
                )
                for r, a, v in hits
            ],
        )


@router.get("/articles", response_model=list[ArticleOut], operation_id="kb_articles_list")
def list_articles(
    staff: ApiStaff,
    db: DbDep,
    state: Annotated[State | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ArticleOut]:
    """Articles the caller may see (editors and reviewers: drafts of their region too)."""
    with db.uow() as session:
        rows = service.list_articles(session, staff, state=state, limit=limit)
        return [article_out(session, staff, a) for a, _ in rows]


@router.post(
    "/articles", response_model=ArticleOut, status_code=201, operation_id="kb_articles_create"
)
def create_article(body: ArticleIn, staff: ApiStaff, db: DbDep) -> ArticleOut:
    """A new article, a draft by the caller (kb_edit, inside the caller's region)."""
    with db.uow() as session:
        return article_out(session, staff, service.create_article(session, staff, body))


@router.get("/articles/{article}", response_model=ArticleOut, operation_id="kb_articles_get")
def get_article(article: ArticleNo, staff: ApiStaff, db: DbDep) -> ArticleOut:
    """One article in the version for the caller's region (KB-1)."""
    with db.uow() as session:
        return article_out(session, staff, service.get_article(session, article, staff))


@router.put("/articles/{article}", response_model=ArticleOut, operation_id="kb_articles_update")
def update_article(article: ArticleNo, body: ArticleIn, staff: ApiStaff, db: DbDep) -> ArticleOut:
    """New content for a draft or a returned version (published ones never change: 409)."""
    with db.uow() as session:
        return article_out(session, staff, service.update_draft(session, staff, article, body))


@router.post(
    "/articles/{article}/revise", response_model=ArticleOut, operation_id="kb_articles_revise"
)
def revise_article(article: ArticleNo, staff: ApiStaff, db: DbDep) -> ArticleOut:
    """A new draft from the live version; it replaces it once reviewed and published."""
    with db.uow() as session:
        service.revise(session, staff, article)
        return article_out(session, staff, service.get_article(session, article, staff))


@router.post(
    "/articles/{article}/actions", response_model=ArticleOut, operation_id="kb_articles_act"
)
def act(article: ArticleNo, body: ActionIn, staff: ApiStaff, db: DbDep) -> ArticleOut:
    """One step of the editorial workflow (submit, return, approve, schedule, publish, retire);
    the reviewer is never the author (403 reviewer_is_author)."""
    with db.uow() as session:
        service.act(
            session,
            staff,
            article,
            body.action,
            comment=body.comment,
            publish_at=body.publish_at,
            working_day=body.working_day,
        )
        return article_out(session, staff, service.get_article(session, article, staff))


@router.get("/articles/{article}/diff", response_model=DiffOut, operation_id="kb_articles_diff")
def diff(
    article: ArticleNo,
    staff: ApiStaff,
    db: DbDep,
    old: Annotated[int, Query(ge=1, le=100_000)],
    new: Annotated[int, Query(ge=1, le=100_000)],
) -> DiffOut:
    """What changed between two versions of an article."""
    with db.uow() as session:
        text = service.diff(session, staff, article, old, new)
        return DiffOut(number=article, old_version=old, new_version=new, diff=text)


@router.post("/articles/{article}/usage", status_code=204, operation_id="kb_articles_usage")
def record_usage(article: ArticleNo, body: UsageIn, staff: ApiStaff, db: DbDep) -> None:
    """The caller inserted the article into an order's reply, or found it helpful or not."""
    with db.uow() as session:
        usage.record(session, staff, article, body.kind, body.order_number)


@router.get("/usage", response_model=UsageOut, operation_id="kb_usage")
def usage_report(staff: ApiStaff, db: DbDep) -> UsageOut:
    """For editors: most used, never used, most often returned, least helpful (their region)."""
    with db.uow() as session:
        return UsageOut(**usage.report(session, staff))


@router.post(
    "/import",
    response_model=ImportOut,
    operation_id="kb_import",
    openapi_extra={
        "requestBody": {
            "content": {
                # One article object per line (a file of one line is one object).
                "application/x-ndjson": {"schema": {"type": "object"}},
                "text/csv": {"schema": {"type": "string"}},
            }
        }
    },
)
async def import_articles(
    request: Request,
    staff: ApiStaff,
    db: DbDep,
    publish: Annotated[bool, Query()] = False,
) -> ImportOut:
    """Bulk import (docs/knowledge.md): JSON lines (``application/x-ndjson``) or CSV
    (``text/csv``), by the Content-Type; drafts, or published at once by an editor; bad rows
    are reported by line and skipped."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    fmt = "csv" if kind == "text/csv" else "jsonl"
    text = csv_rows.decode(await request.body())
    with db.uow() as session:
        return importer.import_articles(session, staff, text, fmt=fmt, publish=publish)


@router.get(
    "/export",
    operation_id="kb_export",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}}}},
)
def export(staff: ApiStaff, db: DbDep) -> StreamingResponse:
    """The live articles the caller may read, as JSON lines (the import's format)."""
    with db.uow() as session:
        require(staff, Permission.KB_READ)
        lines = list(importer.export_lines(session, staff))

    def body() -> Iterator[str]:
        yield from lines

    return StreamingResponse(
        body(),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="knowledge.jsonl"'},
    )


@router.put("/categories/{code}/approvers", status_code=204, operation_id="kb_categories_approvers")
def set_approvers(
    code: CategoryPath,
    staff: ApiStaff,
    db: DbDep,
    usernames: Annotated[
        list[Annotated[str, Query(max_length=50, pattern=LINE_PATTERN)]], Query(max_length=50)
    ],
) -> None:
    """The category's approver group: when it has one, only its members approve (KB-2)."""
    with db.uow() as session:
        members = [org.get_staff_by_username(session, u) for u in usernames]
        service.set_approvers(session, staff, code, members)


def bulletin_out(session: Session, b: KbBulletin, receipt: KbBulletinReceipt | None) -> BulletinOut:
    total, read = bulletins.counts(session, b.id)
    return BulletinOut(
        id=b.id,
        title=b.title,
        body=b.body,
        doc_number=b.doc_number,
        province_code=b.province_code,
        city_code=b.city_code,
        published_at=b.published_at,
        recipients=total,
        read=read,
        read_at=receipt.read_at if receipt else None,
    )


@router.post(
    "/bulletins", response_model=BulletinOut, status_code=201, operation_id="kb_bulletins_push"
)
def push_bulletin(body: BulletinIn, staff: ApiStaff, db: DbDep) -> BulletinOut:
    """Push a notice to the staff of a region through their notifications."""
    with db.uow() as session:
        return bulletin_out(session, bulletins.push(session, staff, body), None)


@router.get("/bulletins", response_model=list[BulletinOut], operation_id="kb_bulletins_list")
def my_bulletins(staff: ApiStaff, db: DbDep) -> list[BulletinOut]:
    """The bulletins addressed to the caller, read or not (KB-2)."""
    with db.uow() as session:
        return [bulletin_out(session, b, r) for b, r in bulletins.mine(session, staff)]


@router.post(
    "/bulletins/{bulletin_id}/read", response_model=BulletinOut, operation_id="kb_bulletins_read"
)
def confirm_read(bulletin_id: BulletinId, staff: ApiStaff, db: DbDep) -> BulletinOut:
    """Confirm the caller has read a bulletin."""
    with db.uow() as session:
        receipt = bulletins.confirm(session, staff, bulletin_id)
        return bulletin_out(session, bulletins.get(session, staff, bulletin_id), receipt)


@router.get(
    "/bulletins/{bulletin_id}/unread",
    response_model=list[UnreadOut],
    operation_id="kb_bulletins_unread",
)
def unread(bulletin_id: BulletinId, staff: ApiStaff, db: DbDep) -> list[UnreadOut]:
    """Who has not confirmed reading yet (editors of the bulletin's region)."""
    with db.uow() as session:
        return [
            UnreadOut(
                username=s.username,
                display_name=s.display_name,
                unit=u.name,
                reminders=r.reminders,
                reminded_at=r.reminded_at,
            )
            for s, u, r in bulletins.unread(session, staff, bulletin_id)
        ]


# --- reply templates 话术 (issue 9 item 7) ------------------------------------------------

TemplateId = Annotated[int, Path(ge=1, le=2**31 - 1)]
StateQuery = Annotated[ReplyState | None, Query()]


def template_out(t: KbReplyTemplate) -> ReplyTemplateOut:
    return ReplyTemplateOut(
        id=t.id,
        title=t.title,
        body=t.body,
        category_code=t.category_code,
        province_code=t.province_code,
        city_code=t.city_code,
        state=ReplyState(t.state),
        variables=rules.variables_in(t.body),
        updated_at=t.updated_at,
    )


@router.get(
    "/reply-templates",
    response_model=list[ReplyTemplateOut],
    operation_id="kb_reply_templates_list",
    summary="Reply templates: editors see their region's in every state, others the active",
)
def list_templates(staff: ApiStaff, db: DbDep, state: StateQuery = None) -> list[ReplyTemplateOut]:
    with db.uow() as session:
        return [template_out(t) for t in replies.listed(session, staff, state=state)]


@router.post(
    "/reply-templates",
    response_model=ReplyTemplateOut,
    status_code=201,
    operation_id="kb_reply_templates_create",
    summary="Write a reply template (a draft)",
)
def create_template(body: ReplyTemplateIn, staff: ApiStaff, db: DbDep) -> ReplyTemplateOut:
    with db.uow() as session:
        return template_out(replies.create(session, staff, body))


@router.get(
    "/reply-templates/{template_id}",
    response_model=ReplyTemplateOut,
    operation_id="kb_reply_templates_get",
    summary="One reply template",
)
def get_template(template_id: TemplateId, staff: ApiStaff, db: DbDep) -> ReplyTemplateOut:
    with db.uow() as session:
        return template_out(replies.get(session, staff, template_id))


@router.put(
    "/reply-templates/{template_id}",
    response_model=ReplyTemplateOut,
    operation_id="kb_reply_templates_update",
    summary="Change a reply template's title, text or category",
)
def update_template(
    template_id: TemplateId, body: ReplyTemplateIn, staff: ApiStaff, db: DbDep
) -> ReplyTemplateOut:
    with db.uow() as session:
        return template_out(replies.update(session, staff, template_id, body))


@router.post(
    "/reply-templates/{template_id}/state",
    response_model=ReplyTemplateOut,
    operation_id="kb_reply_templates_state",
    summary="Activate, retire or return a reply template to draft",
)
def move_template(
    template_id: TemplateId, body: ReplyStateIn, staff: ApiStaff, db: DbDep
) -> ReplyTemplateOut:
    with db.uow() as session:
        return template_out(replies.move(session, staff, template_id, body.state))


# On an order: the templates for it, and one filled for it (the order's scope first).
order_router = APIRouter(prefix="/api/v1", tags=["knowledge"])
OrderNumber = Annotated[Line, Path(max_length=40)]
# Text, parsed after the order's scope check: another city's order answers 404 whatever id.
TemplateRef = Annotated[Line, Path(max_length=20)]


@order_router.get(
    "/orders/{number}/reply-templates",
    response_model=list[ReplyTemplateOut],
    operation_id="orders_reply_templates",
    summary="The active reply templates for an order (its category, the caller's region)",
)
def templates_for_order(number: OrderNumber, staff: ApiStaff, db: DbDep) -> list[ReplyTemplateOut]:
    with db.uow() as session:
        return [template_out(t) for t in replies.for_order(session, staff, number)[1]]


@order_router.get(
    "/orders/{number}/reply-templates/{template_id}/filled",
    response_model=FilledReplyOut,
    operation_id="orders_reply_template_filled",
    summary="A reply template with its variables filled for the order (name masked)",
)
def filled_for_order(
    number: OrderNumber, template_id: TemplateRef, staff: ApiStaff, db: DbDep
) -> FilledReplyOut:
    with db.uow() as session:
        order, t, text = replies.filled(session, staff, number, template_id)
        return FilledReplyOut(template_id=t.id, order_number=order.number, text=text)
