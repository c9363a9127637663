"""Bulk import and export (KB-1): a carrier moving from its old system loads thousands of
articles at once, from JSON lines or CSV (docs/knowledge.md). Every row is checked as the
API checks one article; bad rows are reported by line with their errors and skipped, good
rows become drafts — or, for an editor who asks, published at once (the import is the
review: the versions say so). A row outside the editor's region refuses the whole file
(403), as the organisation import does. Export writes the live articles in the same shape.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from telcodesk import clock, csv_rows
from telcodesk.errors import DomainError, ValidationFailed, input_error
from telcodesk.knowledge import rules, service
from telcodesk.knowledge.models import KbArticle
from telcodesk.knowledge.rules import State
from telcodesk.knowledge.schemas import ArticleIn, ImportOut, ImportRowError
from telcodesk.org.models import Staff
from telcodesk.org.permissions import Permission, require
from telcodesk.org.scope import covers_region, out_of_scope, scope_of

COLUMNS = ("title", "answer", "category")
OPTIONAL = ("body", "region_code", "tags", "doc_number", "effective_from", "effective_to")
MAX_ROWS = csv_rows.MAX_ROWS
IMPORTED = "批量导入直接发布 / imported as published"


def _jsonl_rows(text: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    count = 0
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        count += 1
        if count > MAX_ROWS:
            raise ValidationFailed(
                f"行数过多（上限 {MAX_ROWS} 行）", f"too many rows (limit {MAX_ROWS})"
            )
        try:
            value = json.loads(line)
            problem = None if isinstance(value, dict) else "not a JSON object"
        except json.JSONDecodeError as exc:
            value, problem = None, f"not JSON: {exc.msg}"
        if count == 1 and problem:
            # Not a file of articles at all (a number, a string): refused whole, like a CSV
            # file without its header.
            raise ValidationFailed(
                "第 1 行须为一个 JSON 对象（每行一条知识）",
                "Line 1 must be a JSON object (one article per line)",
                code="jsonl_malformed",
            )
        yield line_no, problem or value


def _csv_rows(text: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    for line_no, row in csv_rows.read_rows(text, COLUMNS):
        yield line_no, {k: v for k, v in row.items() if k in COLUMNS + OPTIONAL and v != ""}


def _article(raw: dict[str, Any]) -> ArticleIn:
    data = {k: v for k, v in raw.items() if k not in ("number", "version")}  # export's keys
    tags = data.get("tags")
    if isinstance(tags, str):
        data["tags"] = [t.strip() for t in tags.replace("；", ",").replace(";", ",").split(",")]
        data["tags"] = [t for t in data["tags"] if t]
    return ArticleIn.model_validate(data)


def import_articles(
    session: Session, actor: Staff, text: str, *, fmt: str, publish: bool = False
) -> ImportOut:
    require(actor, Permission.KB_EDIT)
    rows = list(_jsonl_rows(text) if fmt == "jsonl" else _csv_rows(text))
    errors: list[ImportRowError] = []
    good: list[tuple[int, ArticleIn]] = []
    scope = scope_of(actor)
    for line, raw in rows:
        if isinstance(raw, str):
            errors.append(ImportRowError(row=line, errors=[raw]))
            continue
        try:
            data = _article(raw)
        except ValidationError as exc:
            found = [input_error(e) for e in exc.errors()]
            errors.append(
                ImportRowError(
                    row=line, errors=[f"{'.'.join(e['loc'])}: {e['msg']}" for e in found]
                )
            )
            continue
        province, city = rules.region_of(data.region_code)
        if not covers_region(scope, city or province):
            raise out_of_scope(f"第 {line} 行的适用地区", f"Line {line}'s region")
        good.append((line, data))
    created = published = 0
    for line, data in good:
        try:
            with session.begin_nested():  # a row that fails leaves nothing behind
                article = service.create_article(session, actor, data)
                if publish:
                    _publish_imported(session, actor, article)
        except DomainError as exc:
            errors.append(ImportRowError(row=line, errors=[exc.message_en]))
            continue
        created += 1
        published += int(publish)
    errors.sort(key=lambda e: e.row)
    return ImportOut(created=created, published=published, errors=errors)


def _publish_imported(session: Session, actor: Staff, article: KbArticle) -> None:
    now = clock.now()
    version = service.latest(session, article)
    version.state = State.PUBLISHED
    version.review_comment = IMPORTED
    version.updated_at = now
    service.publish_version(session, article, version, now)


def export_lines(session: Session, viewer: Staff) -> Iterator[str]:
    """The live articles the viewer may read, one JSON object per line (the import format)."""
    for article, _ in service.list_articles(session, viewer, limit=100_000):
        version = service.live(session, article)
        if version is None:
            continue
        row = {
            "number": article.number,
            "title": version.title,
            "answer": version.answer,
            "body": version.body,
            "category": article.category.code,
            "region_code": article.city_code or article.province_code,
            "tags": [t for t in version.tags.split(",") if t],
            "doc_number": version.doc_number,
            "effective_from": version.effective_from.isoformat(),
            "effective_to": version.effective_to.isoformat() if version.effective_to else None,
            "version": version.version_no,
        }
        yield json.dumps(row, ensure_ascii=False) + "\n"
