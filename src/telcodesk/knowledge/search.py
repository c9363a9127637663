"""Chinese search behind one interface, with a SQLite and a PostgreSQL implementation (KB-1).

Both engines index the same terms (``text.py``: jieba words, character bigrams, single
characters of title/tags/answer) in ``kb_search_doc``: SQLite through an FTS5 table kept in
step by triggers, PostgreSQL through a generated, GIN-indexed tsvector (migration 0010). Where
an article applies is indexed too (``rules.scope_terms``), so a viewer's region is part of
the full-text query and never a scan.

A search is two steps:
1. the engine finds up to ``CANDIDATES`` candidates — inside the viewer's region, live now
   (effective window; a city's override hides the province article it replaces) — in tiers,
   most telling first: titles (and tags) holding every word of the query, then titles holding
   any of its terms, then title or answer/body holding any; within a tier the newest first
   (by id). No engine-specific rank decides what is cut, so both engines find the same
   candidates — and the index alone answers, without scoring every match (a two-character
   word like 漫游 matches thousands of articles at 100,000);
2. ``rank`` orders them the same way on both engines: coverage of the query's words (a word
   in the title or tags counts more than in the body; a word missing whole counts by the share
   of its bigrams or characters found, so typos and other cuts still score), then the city's
   version ahead of the province's, then the freshest, then the article id.
If no term matches at all, the query's single characters are tried (typos like 宽代).
"""

from __future__ import annotations

import html
import re
from collections.abc import Container
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import ColumnElement, and_, column, literal_column, or_, select, table, text
from sqlalchemy.orm import Session

from telcodesk.knowledge import text as kbtext
from telcodesk.knowledge.models import KbSearchDoc

CANDIDATES = 100
_LATIN = re.compile(r"^[a-z0-9]+$")


@dataclass(frozen=True)
class Candidate:
    article_id: int
    version_id: int
    city_code: str | None
    published_at: datetime
    title_terms: str
    body_terms: str


@dataclass(frozen=True)
class Ranked:
    article_id: int
    version_id: int
    score: float


@dataclass(frozen=True)
class Filters:
    scope: list[str] | None  # rules.viewer_terms; None: everything (HQ)
    city: str | None  # the viewer's city: its overrides hide province articles
    category: str | None
    now: datetime


@dataclass(frozen=True)
class Tier:
    terms: list[str]
    every: bool  # all of the terms (AND), else any (OR)
    title_only: bool


class Engine(Protocol):
    def candidates(
        self, session: Session, tier: Tier, f: Filters, limit: int
    ) -> list[Candidate]: ...


def _live(f: Filters) -> list[ColumnElement[bool]]:
    d = KbSearchDoc
    where = [d.effective_from <= f.now, or_(d.effective_to.is_(None), d.effective_to > f.now)]
    if f.category:
        where.append(or_(d.category_code == f.category, d.category_code.like(f"{f.category}.%")))
    if f.city:
        o = KbSearchDoc.__table__.alias("o")
        hidden = select(o.c.overrides_article_id).where(
            o.c.city_code == f.city,
            o.c.overrides_article_id.is_not(None),
            o.c.effective_from <= f.now,
            or_(o.c.effective_to.is_(None), o.c.effective_to > f.now),
        )
        where.append(d.article_id.not_in(hidden))
    return where


def _columns() -> Any:
    d = KbSearchDoc
    return select(
        d.article_id, d.version_id, d.city_code, d.published_at, d.title_terms, d.body_terms
    )


def _rows(result: Any) -> list[Candidate]:
    return [Candidate(a, v, c, p, t, b) for a, v, c, p, t, b in result]


class SqliteEngine:
    """FTS5 over the terms (external content: the rows live in kb_search_doc)."""

    fts = table("kb_fts", column("rowid"))

    def candidates(self, session: Session, tier: Tier, f: Filters, limit: int) -> list[Candidate]:
        columns = "title_terms" if tier.title_only else "{title_terms body_terms}"
        joined = (" AND " if tier.every else " OR ").join(f'"{t}"' for t in tier.terms)
        match = f"{columns} : ({joined})"
        if f.scope is not None:
            match += " AND scope_terms : (" + " OR ".join(f'"{t}"' for t in f.scope) + ")"
        stmt = (
            _columns()
            .join(self.fts, self.fts.c.rowid == KbSearchDoc.id)
            .where(text("kb_fts MATCH :match"), and_(*_live(f)))
            .order_by(self.fts.c.rowid.desc())
            .limit(limit)
        )
        return _rows(session.execute(stmt, {"match": match}))


class PostgresEngine:
    """Tsvectors of the same terms, taken as they are (array_to_tsvector), GIN-indexed: one
    of the title's terms and the region (``tsv_title``), one of everything (``tsv``)."""

    def candidates(self, session: Session, tier: Tier, f: Filters, limit: int) -> list[Candidate]:
        vector = "tsv_title" if tier.title_only else "tsv"
        joined = (" & " if tier.every else " | ").join(f"'{t}'" for t in tier.terms)
        query = f"({joined})"
        if f.scope is not None:
            query += " & (" + " | ".join(f"'{t}'" for t in f.scope) + ")"
        stmt = (
            _columns()
            .where(text(f"kb_search_doc.{vector} @@ CAST(:q AS tsquery)"), and_(*_live(f)))
            # "id + 0": newest first from the GIN matches, not a backward walk of the primary
            # key that reads every row's tsvector until a hundred match.
            .order_by(literal_column("kb_search_doc.id + 0").desc())
            .limit(limit)
        )
        return _rows(session.execute(stmt, {"q": query}))


def engine_for(session: Session) -> Engine:
    return PostgresEngine() if session.get_bind().dialect.name == "postgresql" else SqliteEngine()


# --- ranking, the same on both engines ------------------------------------------------


def _weight(unit: str) -> float:
    return 2.0 if _LATIN.match(unit) else float(min(len(unit), 4))


class Terms:
    """Membership in a space-separated list of terms, without building a set of it: ``rank``
    checks a hundred candidates per search, and a substring test of " term " is a third
    cheaper than splitting the text (the same answers: terms hold no spaces)."""

    __slots__ = ("padded",)

    def __init__(self, terms: str) -> None:
        self.padded = f" {terms} "

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and f" {term} " in self.padded


def relevance(units: list[str], title: Container[str], body: Container[str]) -> float:
    """Share of the query's words the article holds, 0..1 (see the module docstring)."""
    total = got = 0.0
    for unit in units:
        w = _weight(unit)
        total += 1.5 * w
        if unit in title:
            got += 1.5 * w
        elif unit in body:
            got += w
        else:
            grams = kbtext.bigrams(unit)
            chars = sum(c in title or c in body for c in unit) / len(unit) if grams else 0.0
            if len(grams) >= 2:  # a longer word cut another way, or mistyped
                bigram_share = sum(g in title or g in body for g in grams) / len(grams)
                got += w * max(0.8 * bigram_share, 0.5 * chars)
            elif grams:  # two characters found apart
                got += 0.3 * w * chars
    return round(got / total, 4) if total else 0.0


def rank(units: list[str], found: list[Candidate]) -> list[Ranked]:
    scored = []
    for c in found:
        score = relevance(units, Terms(c.title_terms), Terms(c.body_terms))
        if score > 0:
            key = (-round(score, 2), 0 if c.city_code else 1, -c.published_at.timestamp())
            scored.append((key, c.article_id, Ranked(c.article_id, c.version_id, score)))
    scored.sort(key=lambda item: (item[0], item[1]))
    return [item[2] for item in scored]


def tiers(units: list[str]) -> list[Tier]:
    """What the engine is asked, in order (see the module docstring); single characters
    last, for typos, only when nothing else matched."""
    terms = list(dict.fromkeys([*units, *(g for u in units for g in bigrams_of(u))]))
    out = [Tier(units, True, True), Tier(terms, False, True), Tier(terms, False, False)]
    return out[1:] if len(units) == 1 else out


def bigrams_of(unit: str) -> list[str]:
    return kbtext.bigrams(unit) if len(unit) > 2 else []


def search(
    session: Session, query: str, f: Filters, limit: int = 10, engine: Engine | None = None
) -> list[Ranked]:
    units = kbtext.query_units(query)
    if not units:
        return []
    engine = engine or engine_for(session)
    found: dict[int, Candidate] = {}
    for tier in tiers(units):
        for c in engine.candidates(session, tier, f, CANDIDATES):
            found.setdefault(c.article_id, c)
        if len(found) >= CANDIDATES:
            break
    if not found:  # nothing matched a whole word or bigram: try the characters (typos)
        chars = list(dict.fromkeys(ch for u in units if not _LATIN.match(u) for ch in u))
        if chars:
            found = {
                c.article_id: c
                for c in engine.candidates(session, Tier(chars, False, False), f, CANDIDATES)
            }
    return rank(units, list(found.values())[:CANDIDATES])[:limit]


# --- snippets --------------------------------------------------------------------------


def highlight_terms(query: str) -> list[str]:
    units = kbtext.query_units(query)
    terms = [v for u in units for v in kbtext.variants(u)]
    terms += [g for u in units for g in kbtext.bigrams(u) if len(u) > 2]
    return sorted(set(t for t in terms if t), key=len, reverse=True)


def snippet(content: str, terms: list[str], width: int = 90) -> str:
    """HTML: the part of ``content`` around the first match, matches in <mark>, escaped."""
    lowered = content.lower()
    hits = [(lowered.find(t), t) for t in terms if t and lowered.find(t) >= 0]
    start = max(0, min(hits)[0] - 20) if hits else 0
    part = content[start : start + width]
    marked = html.escape(part)
    if terms:
        pattern = re.compile("|".join(re.escape(html.escape(t)) for t in terms), re.IGNORECASE)
        marked = pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", marked)
        marked = marked.replace("</mark><mark>", "")  # one mark over adjacent matches
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(content) else ""
    return prefix + marked + suffix
