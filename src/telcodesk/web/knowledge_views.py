"""Console pages of the knowledge base (KB-1, KB-2): search and the article list, the editor,
review with the diff, the order page's suggestions (insert into the reply, helpful or not),
the editors' usage report, bulletins with read confirmation."""

from __future__ import annotations

import html
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from pydantic import ValidationError

from telcodesk.deps import DbDep
from telcodesk.errors import DomainError, ValidationFailed
from telcodesk.knowledge import bulletins, replies, rules, search, service, usage
from telcodesk.knowledge.rules import Action, ReplyState, State
from telcodesk.knowledge.schemas import ArticleIn, BulletinIn, ReplyTemplateIn
from telcodesk.labels import Label
from telcodesk.org.models import Staff
from telcodesk.org.permissions import Permission, can
from telcodesk.web.kernel import ConsoleStaff, done, failure, form_fields, lang_of, render
from telcodesk.workorders import queries as order_queries
from telcodesk.workorders import service as order_service

router = APIRouter(include_in_schema=False)

LEVELS = {
    "nationwide": Label("全国", "Nationwide"),
    "province": Label("省级", "Province"),
    "city": Label("地市", "City"),
}
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def markdown(body: str) -> str:
    """A safe rendering of the small Markdown articles use: everything escaped first, then
    paragraphs, ``- `` lists and **bold** (no raw HTML, no links: KB-1 bodies are text)."""
    out: list[str] = []
    items: list[str] = []
    for block in re.split(r"\n\s*\n", body.strip()):
        lines = [html.escape(line.strip()) for line in block.splitlines() if line.strip()]
        items = [line[2:] for line in lines if line.startswith("- ")]
        if items and len(items) == len(lines):
            out.append("<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
        elif lines:
            out.append("<p>" + "<br>".join(lines) + "</p>")
    return _BOLD.sub(r"<strong>\1</strong>", "\n".join(out))


def _ctx() -> dict[str, Any]:
    return {
        "kb_levels": LEVELS,
        "kb_states": rules.STATE_LABELS,
        "kb_actions": rules.ACTION_LABELS,
        "level_of": rules.level,
        "markdown": markdown,
    }


def _query(request: Request, name: str, limit: int = 100) -> str:
    return request.query_params.get(name, "").strip()[:limit]


@router.get("/console/kb", response_class=HTMLResponse)
def kb_home(request: Request, staff: ConsoleStaff, db: DbDep) -> HTMLResponse:
    """Search (agents) and, for editors and reviewers, the articles of their region."""
    q, category = _query(request, "q"), _query(request, "category", 40) or None
    with db.uow() as session:
        hits = (
            service.search_articles(session, staff, q, category_code=category, limit=20)
            if q
            else []
        )
        terms = search.highlight_terms(q) if q else []
        editorial = can(staff, Permission.KB_EDIT) or can(staff, Permission.KB_REVIEW)
        articles = service.list_articles(session, staff, limit=200) if editorial else []
        return render(
            request,
            "knowledge/kb_home.html",
            staff,
            q=q,
            category=category,
            categories=service.categories(session),
            hits=[(r, a, v, search.snippet(v.answer, terms)) for r, a, v in hits],
            articles=articles,
            editorial=editorial,
            **_ctx(),
        )


def _article_page(
    request: Request,
    staff: Any,
    session: Any,
    number: str,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    article = service.get_article(session, number, staff)
    editorial = service.editorial_view(staff, article)
    all_versions = service.versions(session, article) if editorial else []
    latest = service.latest(session, article)
    live = service.live(session, article)
    shown = latest if editorial else live
    previous = live if live and live.id != latest.id else None
    return render(
        request,
        "knowledge/article.html",
        staff,
        status=status,
        error=error,
        article=article,
        version=shown,
        live=live,
        latest=latest,
        versions=all_versions,
        editable=editorial
        and State(latest.state) in rules.EDITABLE
        and can(staff, Permission.KB_EDIT),
        actions=service.actions_for(session, staff, article) if editorial else [],
        diff=service.diff(session, staff, number, previous.version_no, latest.version_no)
        if editorial and previous
        else "",
        categories=service.categories(session),
        may_revise=editorial
        and can(staff, Permission.KB_EDIT)
        and State(latest.state) not in rules.OPEN,
        **_ctx(),
    )


@router.get("/console/kb/new", response_class=HTMLResponse)
def new_article_form(request: Request, staff: ConsoleStaff, db: DbDep) -> HTMLResponse:
    with db.uow() as session:
        return render(
            request,
            "knowledge/article_new.html",
            staff,
            categories=service.categories(session),
            form={},
            **_ctx(),
        )


def _article_in(form: dict[str, str]) -> ArticleIn:
    data: dict[str, Any] = {k: v for k, v in form.items() if k in ArticleIn.model_fields}
    data["tags"] = [t.strip() for t in re.split(r"[,，;；\s]+", form.get("tags", "")) if t.strip()]
    return ArticleIn.model_validate(data)


@router.post("/console/kb/new", response_model=None)
async def create_article(request: Request, staff: ConsoleStaff, db: DbDep) -> Response:
    form = await form_fields(request)
    try:
        with db.uow() as session:
            article = service.create_article(session, staff, _article_in(form))
            number = article.number
    except (DomainError, ValidationError) as exc:
        error, code = failure(request, exc)
        with db.uow() as session:
            return render(
                request,
                "knowledge/article_new.html",
                staff,
                status=code,
                error=error,
                categories=service.categories(session),
                form=form,
                **_ctx(),
            )
    return RedirectResponse(f"/console/kb/{number}", status_code=303)


@router.get("/console/kb/usage", response_class=HTMLResponse)
def usage_page(request: Request, staff: ConsoleStaff, db: DbDep) -> HTMLResponse:
    with db.uow() as session:
        return render(request, "knowledge/usage.html", staff, report=usage.report(session, staff))


@router.get("/console/kb/bulletins", response_class=HTMLResponse)
def bulletins_page(request: Request, staff: ConsoleStaff, db: DbDep) -> HTMLResponse:
    with db.uow() as session:
        rows = [(b, r, bulletins.counts(session, b.id)) for b, r in bulletins.mine(session, staff)]
        return render(request, "knowledge/bulletins.html", staff, rows=rows, form={})


@router.post("/console/kb/bulletins", response_model=None)
async def push_bulletin(request: Request, staff: ConsoleStaff, db: DbDep) -> Response:
    form = await form_fields(request)
    try:
        with db.uow() as session:
            bulletin = bulletins.push(session, staff, BulletinIn.model_validate(form))
            bulletin_id = bulletin.id
    except (DomainError, ValidationError) as exc:
        error, code = failure(request, exc)
        with db.uow() as session:
            rows = [
                (b, r, bulletins.counts(session, b.id)) for b, r in bulletins.mine(session, staff)
            ]
            return render(
                request,
                "knowledge/bulletins.html",
                staff,
                status=code,
                error=error,
                rows=rows,
                form=form,
            )
    return RedirectResponse(f"/console/kb/bulletins/{bulletin_id}", status_code=303)


@router.get("/console/kb/bulletins/{bulletin_id}", response_class=HTMLResponse)
def bulletin_page(
    bulletin_id: int, request: Request, staff: ConsoleStaff, db: DbDep
) -> HTMLResponse:
    with db.uow() as session:
        bulletin = bulletins.get(session, staff, bulletin_id)
        receipt = bulletins._receipt(session, bulletin_id, staff)
        editor = bulletins.editor_of(staff, bulletin)
        return render(
            request,
            "knowledge/bulletin.html",
            staff,
            bulletin=bulletin,
            receipt=receipt,
            counts=bulletins.counts(session, bulletin_id),
            unread=bulletins.unread(session, staff, bulletin_id) if editor else None,
        )


@router.post("/console/kb/bulletins/{bulletin_id}/read", response_model=None)
def confirm_bulletin(bulletin_id: int, staff: ConsoleStaff, db: DbDep) -> Response:
    with db.uow() as session:
        bulletins.confirm(session, staff, bulletin_id)
    return RedirectResponse(f"/console/kb/bulletins/{bulletin_id}", status_code=303)


# --- reply templates 话术 (issue 9 item 7) ------------------------------------------------


def _replies_page(
    request: Request,
    staff: Staff,
    db: DbDep,
    *,
    status: int = 200,
    error: str | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    with db.uow() as session:
        return render(
            request,
            "knowledge/replies.html",
            staff,
            status=status,
            error=error,
            form=form or {},
            templates=replies.listed(session, staff),
            categories=order_service.list_categories(session),
            variables=rules.REPLY_VARIABLES,
            states=rules.REPLY_STATE_LABELS,
            moves=rules.REPLY_MOVES,
            editor=can(staff, Permission.KB_EDIT),
        )


@router.get("/console/kb/replies", response_class=HTMLResponse)
def replies_page(request: Request, staff: ConsoleStaff, db: DbDep) -> HTMLResponse:
    return _replies_page(request, staff, db)


def _reply_in(form: dict[str, str]) -> ReplyTemplateIn:
    return ReplyTemplateIn.model_validate(
        {
            "title": form.get("title", ""),
            "body": form.get("body", ""),
            "category_code": form.get("category_code") or None,
            "region_code": form.get("region_code") or None,
        }
    )


@router.post("/console/kb/replies", response_model=None)
async def create_reply(request: Request, staff: ConsoleStaff, db: DbDep) -> Response:
    form = await form_fields(request)
    try:
        with db.uow() as session:
            replies.create(session, staff, _reply_in(form))
    except (DomainError, ValidationError) as exc:
        error, code = failure(request, exc)
        return _replies_page(request, staff, db, status=code, error=error, form=form)
    return done(request, "/console/kb/replies", "话术已保存为草稿", "Template saved as a draft")


@router.post("/console/kb/replies/{template_id}/edit", response_model=None)
async def edit_reply(
    template_id: int, request: Request, staff: ConsoleStaff, db: DbDep
) -> Response:
    form = await form_fields(request)
    try:
        with db.uow() as session:
            replies.update(session, staff, template_id, _reply_in(form))
    except (DomainError, ValidationError) as exc:
        error, code = failure(request, exc)
        if code == 404:
            raise
        return _replies_page(request, staff, db, status=code, error=error)
    return done(request, "/console/kb/replies", "话术已更新", "Template updated")


@router.post("/console/kb/replies/{template_id}/state/{state}", response_model=None)
def move_reply(
    template_id: int, state: str, request: Request, staff: ConsoleStaff, db: DbDep
) -> Response:
    try:
        if state not in ReplyState.__members__.values():
            raise ValidationFailed("未知状态", f"Unknown state {state!r}", code="unknown_state")
        with db.uow() as session:
            replies.move(session, staff, template_id, ReplyState(state))
    except DomainError as exc:
        error, code = failure(request, exc)
        if code == 404:
            raise
        return _replies_page(request, staff, db, status=code, error=error)
    label = rules.REPLY_STATE_LABELS[ReplyState(state)]
    return done(request, "/console/kb/replies", f"话术已{label.zh}", f"Template {label.en.lower()}")


@router.get("/console/orders/{number}/reply-templates", response_class=HTMLResponse)
def order_replies(number: str, request: Request, staff: ConsoleStaff, db: DbDep) -> HTMLResponse:
    """htmx: the active templates for this order, to insert into the reply or a note."""
    with db.uow() as session:
        order, found = replies.for_order(session, staff, number)  # 404 out of scope
        return render(request, "knowledge/_order_replies.html", staff, order=order, templates=found)


@router.get("/console/orders/{number}/reply-templates/{template_id}", response_model=None)
def order_reply_filled(
    number: str, template_id: str, request: Request, staff: ConsoleStaff, db: DbDep
) -> Response:
    """The template's text for this order, variables filled on the server (plain text)."""
    with db.uow() as session:
        _, _, text = replies.filled(session, staff, number, template_id[:20], lang_of(request))
    return PlainTextResponse(text, headers={"Cache-Control": "no-store"})


@router.get("/console/kb/{article}", response_class=HTMLResponse)
def article_page(article: str, request: Request, staff: ConsoleStaff, db: DbDep) -> HTMLResponse:
    with db.uow() as session:  # out of region: the kernel's 404 page (CD-2)
        return _article_page(request, staff, session, article)


@router.post("/console/kb/{article}/edit", response_model=None)
async def edit_article(article: str, request: Request, staff: ConsoleStaff, db: DbDep) -> Response:
    form = await form_fields(request)
    try:
        with db.uow() as session:
            service.update_draft(session, staff, article, _article_in(form))
    except (DomainError, ValidationError) as exc:
        error, code = failure(request, exc)
        with db.uow() as session:
            return _article_page(request, staff, session, article, error, code)
    return RedirectResponse(f"/console/kb/{article}", status_code=303)


@router.post("/console/kb/{article}/revise", response_model=None)
def revise_article(article: str, request: Request, staff: ConsoleStaff, db: DbDep) -> Response:
    try:
        with db.uow() as session:
            service.revise(session, staff, article)
    except DomainError as exc:
        error, code = failure(request, exc)
        with db.uow() as session:
            return _article_page(request, staff, session, article, error, code)
    return RedirectResponse(f"/console/kb/{article}", status_code=303)


@router.post("/console/kb/{article}/act/{action}", response_model=None)
async def act(
    article: str, action: str, request: Request, staff: ConsoleStaff, db: DbDep
) -> Response:
    form = await form_fields(request)
    try:
        if action not in set(Action):
            raise DomainError("未知操作", f"Unknown action {action!r}", code="unknown_action")
        with db.uow() as session:
            service.act(
                session,
                staff,
                article,
                Action(action),
                comment=form.get("comment", "")[:2000],
                publish_at=form.get("publish_at") or None,
                working_day=form.get("working_day", "1") == "1",
            )
    except DomainError as exc:
        error, code = failure(request, exc)
        with db.uow() as session:
            return _article_page(request, staff, session, article, error, code)
    return RedirectResponse(f"/console/kb/{article}", status_code=303)


@router.post("/console/kb/{article}/usage", response_class=HTMLResponse)
async def record_usage(
    article: str, request: Request, staff: ConsoleStaff, db: DbDep
) -> HTMLResponse:
    """htmx: an answer inserted into an order's reply, or marked helpful / not helpful."""
    form = await form_fields(request)
    kind = form.get("kind", "")
    zh = lang_of(request) == "zh"
    try:
        if kind not in usage.KINDS:
            raise DomainError("未知的反馈", f"Unknown kind {kind!r}", code="unknown_kind")
        with db.uow() as session:
            usage.record(session, staff, article, kind, form.get("order_number") or None)
    except DomainError as exc:
        error, code = failure(request, exc)
        return HTMLResponse(f"<span class='error'>{html.escape(error)}</span>", code)
    said = {
        "inserted": ("已插入答复", "Inserted"),
        "helpful": ("感谢反馈：有用", "Marked helpful"),
        "not_helpful": ("感谢反馈：没用", "Marked not helpful"),
    }[kind]
    return HTMLResponse(f"<span class='muted kb-said'>{said[0] if zh else said[1]}</span>")


@router.get("/console/orders/{number}/kb/suggest", response_class=HTMLResponse)
def suggest(number: str, request: Request, staff: ConsoleStaff, db: DbDep) -> HTMLResponse:
    """htmx: articles for the order's text (or what the agent typed), to insert into the reply."""
    q = _query(request, "q")
    with db.uow() as session:
        order = order_queries.get_order(session, number, viewer=staff)  # 404 out of scope
        text = q or f"{order.subject} {order.description or ''}"[:100]
        hits = (
            service.search_articles(session, staff, text, limit=5)
            if can(staff, Permission.KB_READ)
            else []
        )
        terms = search.highlight_terms(text)
        return render(
            request,
            "knowledge/_suggestions.html",
            staff,
            order=order,
            q=q,
            hits=[(r, a, v, search.snippet(v.answer, terms)) for r, a, v in hits],
            **_ctx(),
        )


@router.get("/console/kb/{article}/diff", response_class=HTMLResponse)
def diff_page(article: str, request: Request, staff: ConsoleStaff, db: DbDep) -> HTMLResponse:
    """Two versions side by side as a unified diff (review: what changed)."""

    def number(name: str) -> int:
        value = _query(request, name, 6)
        return int(value) if value.isdigit() else 1

    old, new = number("old"), number("new")
    with db.uow() as session:
        text = service.diff(session, staff, article, old, new)
        return render(
            request, "knowledge/diff.html", staff, number=article, old=old, new=new, diff=text
        )
