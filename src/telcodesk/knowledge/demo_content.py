"""The demo knowledge base (KB-1): 66 Chinese articles in ``data/demo_articles.txt`` —
tariffs, roaming, porting, broadband faults, invoices, refunds, value-added services,
real-name, fraud — with near-duplicates that differ in one detail (the province's fee and a
city's), city overrides, and one expired offer that search must never show. Loaded by
``telcodesk demo`` and by the search-quality test and benchmark."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from telcodesk.knowledge import service
from telcodesk.knowledge.models import KbArticle
from telcodesk.knowledge.rules import Action
from telcodesk.knowledge.schemas import ArticleIn
from telcodesk.knowledge.text import DATA
from telcodesk.org.models import Staff


@dataclass(frozen=True)
class DemoArticle:
    key: str
    data: ArticleIn
    overrides: str | None


def demo_articles() -> list[DemoArticle]:
    out = []
    for line in (DATA / "demo_articles.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, cat, region, title, tags, answer, options = line.split("|")
        opts = dict(o.split("=", 1) for o in options.split(";") if o)
        data = ArticleIn(
            title=title,
            answer=answer,
            body=f"{answer}\n\n适用范围：{'全国' if region == '-' else region}。",
            category=cat,
            region_code=None if region == "-" else region,
            tags=[t for t in tags.split(",") if t],
            doc_number=opts.get("doc", ""),
            effective_from=opts.get("from"),
            effective_to=opts.get("to"),
        )
        out.append(DemoArticle(key, data, opts.get("overrides")))
    return out


def titles() -> dict[str, str]:
    """Key → title: the labelled queries name articles by key, hits come back by title."""
    return {a.key: a.data.title for a in demo_articles()}


def load_articles(session: Session, author: Staff, reviewer: Staff) -> int:
    """Write, review and publish every demo article (idempotent: none if any exist)."""
    if session.scalar(select(func.count()).select_from(KbArticle)):
        return 0
    numbers: dict[str, str] = {}
    for item in demo_articles():
        data = item.data
        if item.overrides:
            data = data.model_copy(update={"overrides": numbers[item.overrides]})
        article = service.create_article(session, author, data)
        numbers[item.key] = article.number
        service.act(session, author, article.number, Action.SUBMIT)
        service.act(session, reviewer, article.number, Action.APPROVE)
        service.act(session, author, article.number, Action.PUBLISH)
    return len(numbers)
