"""Knowledge use cases (KB-1, KB-2): write articles and drafts, move versions through the
editorial table (``rules.py``), publish and retire (the index follows at once), search.

Scope on every read and write (CD-2): an article applies nationwide, to a province or to a
city; staff read what applies where they work (``rules.visible``) and write only inside their
region (``org.scope.covers_region``: nationwide articles are HQ's). Out of scope reads answer
404, out of scope writes 403 ``write_out_of_scope``. Services flush, never commit.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from telcodesk import clock
from telcodesk.calendar.models import CalendarOverride
from telcodesk.calendar.rules import WorkCalendar
from telcodesk.errors import Conflict, Forbidden, IllegalTransition, NotFound, ValidationFailed
from telcodesk.knowledge import rules, search
from telcodesk.knowledge import text as kbtext
from telcodesk.knowledge.models import (
    KbApprover,
    KbArticle,
    KbAttachment,
    KbCategory,
    KbSearchDoc,
    KbVersion,
)
from telcodesk.knowledge.rules import Action, Relation, State
from telcodesk.knowledge.schemas import ArticleIn
from telcodesk.org.models import Staff
from telcodesk.org.permissions import Permission, can, require
from telcodesk.org.scope import covers_region, out_of_scope, scope_of

CATEGORIES = [
    ("tariff", "资费套餐"),
    ("roaming", "漫游"),
    ("porting", "携号转网"),
    ("broadband", "宽带故障"),
    ("billing", "账单发票"),
    ("refund", "退费"),
    ("vas", "增值业务"),
    ("realname", "实名制"),
    ("fraud", "防诈骗"),
    ("service", "业务办理"),
]
FAR_PAST = datetime(2000, 1, 1, tzinfo=UTC)


class ArticleNotFound(NotFound):
    code = "article_not_found"
    message_zh = "知识条目不存在"
    message_en = "Article not found"


class ActionDenied(Forbidden):
    code = "kb_action_denied"
    message_zh = "您无权对该知识条目执行此操作"
    message_en = "You may not do this to the article"


class ReviewerIsAuthor(Forbidden):
    code = "reviewer_is_author"
    message_zh = "审核人不能是作者本人"
    message_en = "The reviewer may not be the author"


def aware(dt: datetime | str | None) -> datetime | None:
    """A time without an offset is Beijing time (inputs.Moment); text is ISO 8601."""
    if dt is None:
        return None
    if isinstance(dt, str):
        try:
            dt = datetime.fromisoformat(dt.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValidationFailed(f"时间不合法：{dt}", f"Not a valid time: {dt}") from exc
    return (dt.replace(tzinfo=clock.SHANGHAI) if dt.tzinfo is None else dt).astimezone(UTC)


# --- categories ------------------------------------------------------------------------


def seed_categories(session: Session) -> int:
    have = set(session.scalars(select(KbCategory.code)))
    added = [KbCategory(code=c, name=n) for c, n in CATEGORIES if c not in have]
    session.add_all(added)
    session.flush()
    return len(added)


def categories(session: Session) -> list[KbCategory]:
    return list(session.scalars(select(KbCategory).order_by(KbCategory.id)))


def category(session: Session, code: str) -> KbCategory:
    found = session.scalar(select(KbCategory).where(KbCategory.code == code))
    if found is None:
        raise ValidationFailed(f"未知的知识分类：{code}", f"Unknown category: {code}")
    return found


def set_approvers(session: Session, actor: Staff, code: str, staff: list[Staff]) -> None:
    """The category's approver group (KB-2). Nationwide reference data: HQ's (403 else)."""
    require(actor, Permission.KB_EDIT)
    if not scope_of(actor).everything:
        raise out_of_scope("知识分类的审核组", "A category's approver group")
    cat = category(session, code)
    session.execute(delete(KbApprover).where(KbApprover.category_id == cat.id))
    session.add_all(KbApprover(category_id=cat.id, staff_id=s.id) for s in staff)
    session.flush()


# --- reading ---------------------------------------------------------------------------


def region_code(article: KbArticle) -> str | None:
    return article.city_code or article.province_code


def writes_here(actor: Staff, article: KbArticle) -> bool:
    return covers_region(scope_of(actor), region_code(article))


def may_see(viewer: Staff, article: KbArticle) -> bool:
    """Agents read the live version of what applies where they work; editors and reviewers
    also see drafts of articles in their region."""
    if not can(viewer, Permission.KB_READ):
        return False
    s = scope_of(viewer)
    if article.live_version_id is not None and rules.visible(
        s.province, s.city, article.province_code, article.city_code
    ):
        return True
    editorial = can(viewer, Permission.KB_EDIT) or can(viewer, Permission.KB_REVIEW)
    return editorial and writes_here(viewer, article)


def get_article(session: Session, number: str, viewer: Staff) -> KbArticle:
    require(viewer, Permission.KB_READ)
    article = session.scalar(select(KbArticle).where(KbArticle.number == number))
    if article is None or not may_see(viewer, article):
        raise ArticleNotFound(details={"number": number})
    return article


def versions(session: Session, article: KbArticle) -> list[KbVersion]:
    stmt = select(KbVersion).where(KbVersion.article_id == article.id)
    return list(session.scalars(stmt.order_by(KbVersion.version_no)))


def latest(session: Session, article: KbArticle) -> KbVersion:
    found = session.scalar(
        select(KbVersion)
        .where(KbVersion.article_id == article.id)
        .order_by(KbVersion.version_no.desc())
        .limit(1)
    )
    assert found is not None  # an article is created with its first version
    return found


def live(session: Session, article: KbArticle) -> KbVersion | None:
    return session.get(KbVersion, article.live_version_id) if article.live_version_id else None


def editorial_view(viewer: Staff, article: KbArticle) -> bool:
    editorial = can(viewer, Permission.KB_EDIT) or can(viewer, Permission.KB_REVIEW)
    return editorial and writes_here(viewer, article)


def list_articles(
    session: Session, viewer: Staff, *, state: str | None = None, limit: int = 200
) -> list[tuple[KbArticle, KbVersion]]:
    """Articles the viewer may see with their latest version (editors: drafts too), newest
    change first; ``state`` filters on the latest version's state."""
    require(viewer, Permission.KB_READ)
    newest = (
        select(KbVersion.article_id, func.max(KbVersion.version_no).label("no"))
        .group_by(KbVersion.article_id)
        .subquery()
    )
    stmt = (
        select(KbArticle, KbVersion)
        .join(newest, newest.c.article_id == KbArticle.id)
        .join(
            KbVersion,
            (KbVersion.article_id == KbArticle.id) & (KbVersion.version_no == newest.c.no),
        )
        .order_by(KbVersion.updated_at.desc(), KbArticle.id.desc())
    )
    if state:
        stmt = stmt.where(KbVersion.state == state)
    out = []
    for article, version in session.execute(stmt.limit(limit * 5)):
        if may_see(viewer, article):
            out.append((article, version))
        if len(out) >= limit:
            break
    return out


# --- writing ---------------------------------------------------------------------------


def _check_dates(start: datetime, end: datetime | None) -> None:
    if end is not None and end <= start:
        raise ValidationFailed(
            "失效时间须晚于生效时间", "effective_to must be after effective_from"
        )


def _place(session: Session, actor: Staff, data: ArticleIn) -> tuple[str | None, str | None]:
    province, city = rules.region_of(data.region_code)
    if not covers_region(scope_of(actor), city or province):
        raise out_of_scope("知识条目的适用地区", "The article's region")
    return province, city


def _fill(version: KbVersion, data: ArticleIn, now: datetime) -> None:
    start = aware(data.effective_from) or now
    end = aware(data.effective_to)
    _check_dates(start, end)
    version.title = data.title.strip()
    version.answer = data.answer.strip()
    version.body = data.body
    version.tags = ",".join(dict.fromkeys(t.strip() for t in data.tags if t.strip()))
    version.doc_number = data.doc_number.strip()
    version.effective_from = start
    version.effective_to = end
    version.updated_at = now


def create_article(session: Session, actor: Staff, data: ArticleIn) -> KbArticle:
    """A new article with its first version, a draft by ``actor`` (KB-2: collect → edit)."""
    require(actor, Permission.KB_EDIT)
    province, city = _place(session, actor, data)
    cat = category(session, data.category)
    overrides_id = None
    if data.overrides:
        base = get_article(session, data.overrides, actor)
        if city is None or base.city_code is not None or base.province_code not in (None, province):
            raise ValidationFailed(
                "只有地市条目可以覆盖本省或全国的条目",
                "Only a city article may override a province or nationwide article over it",
            )
        overrides_id = base.id
    now = clock.now()
    article = KbArticle(
        number="",
        category_id=cat.id,
        province_code=province,
        city_code=city,
        overrides_id=overrides_id,
        created_by_id=actor.id,
        created_at=now,
    )
    session.add(article)
    session.flush()
    article.number = f"KB{article.id:06d}"
    version = KbVersion(
        article_id=article.id, version_no=1, state=State.DRAFT, author_id=actor.id, created_at=now
    )
    _fill(version, data, now)
    session.add(version)
    session.flush()
    return article


def editable(session: Session, actor: Staff, number: str) -> tuple[KbArticle, KbVersion]:
    article = get_article(session, number, actor)
    require(actor, Permission.KB_EDIT)
    if not writes_here(actor, article):
        raise out_of_scope("知识条目", "The article")
    version = latest(session, article)
    if State(version.state) not in rules.EDITABLE:
        raise IllegalTransition(
            "只有草稿或退回的版本可以修改；已发布的版本不可更改，请新建修订版",
            "Only a draft or a returned version can be edited; revise a published one",
        )
    return article, version


def update_draft(session: Session, actor: Staff, number: str, data: ArticleIn) -> KbArticle:
    article, version = editable(session, actor, number)
    province, city = _place(session, actor, data)
    if (province, city) != (article.province_code, article.city_code):
        raise Conflict("条目的适用地区不能修改", "An article's region cannot change")
    article.category_id = category(session, data.category).id
    _fill(version, data, clock.now())
    session.flush()
    return article


def revise(session: Session, actor: Staff, number: str) -> KbVersion:
    """A new draft from the live version (or the latest retired one): published content never
    changes, the next version replaces it when it is published (KB-2)."""
    article = get_article(session, number, actor)
    require(actor, Permission.KB_EDIT)
    if not writes_here(actor, article):
        raise out_of_scope("知识条目", "The article")
    last = latest(session, article)
    if State(last.state) in rules.OPEN:
        raise Conflict("该条目已有未发布的版本", "The article already has an unpublished version")
    now = clock.now()
    draft = KbVersion(
        article_id=article.id,
        version_no=last.version_no + 1,
        state=State.DRAFT,
        title=last.title,
        answer=last.answer,
        body=last.body,
        tags=last.tags,
        doc_number=last.doc_number,
        effective_from=max(last.effective_from, now),
        effective_to=last.effective_to if (last.effective_to or now) > now else None,
        author_id=actor.id,
        created_at=now,
        updated_at=now,
    )
    session.add(draft)
    session.flush()
    # The draft starts with the files of the version it was made from (knowledge.attachments).
    carried = session.scalars(
        select(KbAttachment.attachment_id).where(KbAttachment.version_id == last.id)
    ).all()
    session.add_all(
        KbAttachment(version_id=draft.id, attachment_id=i, added_by_id=actor.id, added_at=now)
        for i in carried
    )
    session.flush()
    return draft


def relations(
    session: Session, actor: Staff, article: KbArticle, version: KbVersion
) -> frozenset[Relation]:
    found: set[Relation] = set()
    here = writes_here(actor, article)
    if version.author_id == actor.id and can(actor, Permission.KB_EDIT):
        found.add(Relation.AUTHOR)
    if here and can(actor, Permission.KB_EDIT):
        found.add(Relation.EDITOR)
    if here and can(actor, Permission.KB_REVIEW) and version.author_id != actor.id:
        group = set(
            session.scalars(
                select(KbApprover.staff_id).where(KbApprover.category_id == article.category_id)
            )
        )
        if not group or actor.id in group:
            found.add(Relation.REVIEWER)
    return frozenset(found)


def actions_for(session: Session, actor: Staff, article: KbArticle) -> list[Action]:
    version = latest(session, article)
    return rules.actions_for(State(version.state), relations(session, actor, article, version))


def work_calendar(session: Session, region: str | None) -> WorkCalendar:
    """The PRC calendar (statutory holidays, make-up working days) with the region's admin
    overrides: nationwide, then the province's, then the city's win."""
    code = region or "000000"
    codes = {"000000", code[:2] + "0000", code[:4] + "00", code}
    rows = session.scalars(select(CalendarOverride).where(CalendarOverride.region_code.in_(codes)))
    # A more local override wins: nationwide, then the province's, then the city's.
    ordered = sorted(
        rows, key=lambda r: len(r.region_code.rstrip("0")) if r.region_code != "000000" else 0
    )
    return WorkCalendar.build(overrides={r.day: r.is_workday for r in ordered})


def next_working_moment(session: Session, at: datetime, region: str | None) -> datetime:
    """``at``, or the same Beijing time of day on the next PRC working day (T-2's calendar:
    statutory holidays and make-up working days, with the region's admin overrides)."""
    cal = work_calendar(session, region)
    local = clock.local(at)
    for _ in range(60):  # the longest PRC holiday is 8 days; bounded anyway
        if cal.is_workday(local.date()):
            break
        local += timedelta(days=1)
    return local.astimezone(UTC)


def act(
    session: Session,
    actor: Staff,
    number: str,
    action: Action,
    *,
    comment: str = "",
    publish_at: datetime | str | None = None,
    working_day: bool = True,
) -> KbVersion:
    """One step of the editorial table on the article's latest version (retire: the live one)."""
    article = get_article(session, number, actor)
    version = latest(session, article)
    state = State(version.state)
    if action == Action.SUPERSEDE or rules.next_state(state, action) is None:
        raise IllegalTransition(details={"state": state, "action": action})
    mine = relations(session, actor, article, version)
    if not rules.allowed(state, action, mine):
        if action in (Action.APPROVE, Action.RETURN) and version.author_id == actor.id:
            raise ReviewerIsAuthor()
        if not writes_here(actor, article):
            raise out_of_scope("知识条目", "The article")
        raise ActionDenied(details={"action": action})
    now = clock.now()
    if action in (Action.APPROVE, Action.RETURN):
        if action == Action.RETURN and not comment.strip():
            raise ValidationFailed("退回时须写明修改意见", "A return needs comments")
        version.reviewer_id = actor.id
        version.review_comment = comment.strip()
        if action == Action.RETURN:
            article.returned_count += 1
    if action == Action.SCHEDULE:
        when = aware(publish_at)
        if when is None or when <= now:
            raise ValidationFailed("定时发布须给出将来的发布时间", "Scheduling needs a future time")
        if working_day:
            when = next_working_moment(session, when, region_code(article))
        version.publish_at = when
    _move(version, action, now)
    if action == Action.PUBLISH:
        publish_version(session, article, version, now)
    elif action == Action.RETIRE:
        _retire(session, article, version, now)
    session.flush()
    return version


def _move(version: KbVersion, action: Action, now: datetime) -> None:
    after = rules.next_state(State(version.state), action)
    assert after is not None
    version.state = after
    version.updated_at = now


def publish_version(
    session: Session, article: KbArticle, version: KbVersion, now: datetime
) -> None:
    """The version goes live: the previous one is superseded, the index row replaced."""
    old = live(session, article)
    if old is not None and old.id != version.id:
        _move(old, Action.SUPERSEDE, now)
    version.published_at = now
    article.live_version_id = version.id
    session.execute(delete(KbSearchDoc).where(KbSearchDoc.article_id == article.id))
    session.flush()
    if version.effective_to is None or version.effective_to > now:
        session.add(search_doc(article, version, now))


def _retire(session: Session, article: KbArticle, version: KbVersion, now: datetime) -> None:
    version.retired_at = now
    if article.live_version_id == version.id:
        article.live_version_id = None
    # Out of search and suggestions at once (KB-2: withdrawn when its period ends).
    session.execute(delete(KbSearchDoc).where(KbSearchDoc.article_id == article.id))


def search_doc(article: KbArticle, version: KbVersion, now: datetime) -> KbSearchDoc:
    tags = version.tags.replace(",", " ")
    head = f"{version.title} {tags}"
    title_terms = kbtext.index_terms(head, unigrams=True)
    answer_terms = kbtext.index_terms(version.answer, unigrams=True)
    body_terms = kbtext.index_terms(version.body, unigrams=False)
    seen = set(title_terms)
    rest = [t for t in dict.fromkeys([*answer_terms, *body_terms]) if t not in seen]
    return KbSearchDoc(
        article_id=article.id,
        version_id=version.id,
        category_code=article.category.code,
        province_code=article.province_code,
        city_code=article.city_code,
        overrides_article_id=article.overrides_id,
        effective_from=version.effective_from,
        effective_to=version.effective_to,
        published_at=version.published_at or now,
        title_terms=" ".join(title_terms),
        body_terms=" ".join(rest),
        scope_terms=rules.scope_terms(article.province_code, article.city_code),
    )


# --- the worker: on time (KB-2) ------------------------------------------------------------


def publish_due(session: Session, now: datetime | None = None, limit: int = 200) -> int:
    """Publish scheduled versions whose time has come."""
    now = now or clock.now()
    due = session.scalars(
        select(KbVersion)
        .where(KbVersion.state == State.SCHEDULED, KbVersion.publish_at <= now)
        .order_by(KbVersion.publish_at, KbVersion.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for version in due:
        article = session.get_one(KbArticle, version.article_id)
        _move(version, Action.PUBLISH, now)
        publish_version(session, article, version, now)
    session.flush()
    return len(due)


def retire_expired(session: Session, now: datetime | None = None, limit: int = 200) -> int:
    """Retire live versions whose effective period has ended (search already ignores them)."""
    now = now or clock.now()
    ended = session.scalars(
        select(KbVersion)
        .where(
            KbVersion.state == State.PUBLISHED,
            KbVersion.effective_to.is_not(None),
            KbVersion.effective_to <= now,
        )
        .order_by(KbVersion.effective_to, KbVersion.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for version in ended:
        article = session.get_one(KbArticle, version.article_id)
        _move(version, Action.RETIRE, now)
        _retire(session, article, version, now)
    session.flush()
    return len(ended)


# --- search ----------------------------------------------------------------------------------


def search_articles(
    session: Session,
    viewer: Staff,
    query: str,
    *,
    category_code: str | None = None,
    region: str | None = None,
    limit: int = 10,
) -> list[tuple[search.Ranked, KbArticle, KbVersion]]:
    """Ranked live articles for the viewer's region (or a narrower ``region`` inside it)."""
    require(viewer, Permission.KB_READ)
    s = scope_of(viewer)
    province, city = s.province, s.city
    if region:
        r_province, r_city = rules.region_of(region)
        if not (s.everything or covers_region(s, r_city or r_province)):
            return []
        province, city = r_province, r_city
    f = search.Filters(
        scope=rules.viewer_terms(province, city),
        city=city,
        category=category_code,
        now=clock.now(),
    )
    ranked = search.search(session, query, f, limit=limit)
    if not ranked:
        return []
    # The hits' articles and versions in one statement: one round trip less per search.
    rows = session.execute(
        select(KbArticle, KbVersion)
        .join(KbVersion, KbVersion.article_id == KbArticle.id)
        .where(KbVersion.id.in_([r.version_id for r in ranked]))
    ).all()
    found = {v.id: (a, v) for a, v in rows}
    return [(r, *found[r.version_id]) for r in ranked]


def _as_lines(v: KbVersion) -> list[str]:
    until = clock.local(v.effective_to).strftime("%Y-%m-%d %H:%M") if v.effective_to else "-"
    head = [
        f"标题 title: {v.title}",
        f"标签 tags: {v.tags}",
        f"文号 doc: {v.doc_number}",
        f"生效 from: {clock.local(v.effective_from).strftime('%Y-%m-%d %H:%M')}",
        f"失效 to: {until}",
        "口径 answer:",
    ]
    return [*head, *v.answer.splitlines(), "正文 body:", *v.body.splitlines()]


def diff(session: Session, viewer: Staff, number: str, old: int, new: int) -> str:
    """A unified diff between two versions of an article (KB-2: what changed, for review)."""
    import difflib

    article = get_article(session, number, viewer)
    by_no = {v.version_no: v for v in versions(session, article)}
    if old not in by_no or new not in by_no:
        raise ArticleNotFound("版本不存在", "No such version", details={"number": number})
    if not editorial_view(viewer, article) and (
        by_no[old].published_at is None or by_no[new].published_at is None
    ):
        raise ArticleNotFound(details={"number": number})  # drafts are the editors'
    lines = difflib.unified_diff(
        _as_lines(by_no[old]), _as_lines(by_no[new]), f"v{old}", f"v{new}", lineterm=""
    )
    return "\n".join(lines)
