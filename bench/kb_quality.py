"""Search quality over the demo knowledge base (KB-1): recall@5 and MRR per engine.

    .venv/bin/python bench/kb_quality.py [--engines sqlite,postgresql] [--misses]

The labelled set is ``tests/data/kb_queries.tsv``: what agents and customers type
(colloquial, synonyms, one or two characters, mixed Latin and digits, typos, whole
sentences), the city of the agent who searches, and the article(s) that answer it. A query
counts as found when one of its articles is in the first five hits; MRR is the mean of
1/rank of the first right hit (0 when none of the first ten). Per engine, a fresh database
(a temp SQLite file; the PostgreSQL database ``telcodesk_kb_quality`` at TELCODESK_TEST_PG or
127.0.0.1), migrated, with the demo organisation's regions and the 66 demo articles published
through the services; each query is searched as an agent of its city searches
(``service.search_articles`` with that region). tests/knowledge/test_search_quality.py uses
``evaluate`` with the test database and asserts recall@5 ≥ 0.9.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "tests" / "data" / "kb_queries.tsv"


@dataclass(frozen=True)
class Query:
    text: str
    city: str
    expected: frozenset[str]
    kind: str


def queries() -> list[Query]:
    out = []
    for line in QUERIES.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            q, city, keys, kind = line.split("\t")
            out.append(Query(q, city, frozenset(keys.split(",")), kind))
    return out


@dataclass
class Scores:
    n: int = 0
    found: int = 0
    rr: float = 0.0
    by_kind: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    misses: list[tuple[str, str, list[str]]] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.n if self.n else 0.0

    @property
    def mrr(self) -> float:
        return self.rr / self.n if self.n else 0.0


def evaluate(session: Session, reader: object) -> Scores:
    """Search every labelled query as ``reader`` (an HQ reader narrowed to the query's city,
    which is what an agent of that city sees) over the demo articles loaded in ``session``."""
    from telcodesk.knowledge import service
    from telcodesk.knowledge.demo_content import titles

    key_of = {title: key for key, title in titles().items()}
    scores = Scores()
    for q in queries():
        hits = service.search_articles(session, reader, q.text, region=q.city, limit=10)  # type: ignore[arg-type]
        keys = [key_of.get(v.title, "?") for _, _, v in hits]
        rank = next((i + 1 for i, k in enumerate(keys) if k in q.expected), None)
        scores.n += 1
        scores.by_kind[q.kind][1] += 1
        if rank is not None:
            scores.rr += 1 / rank
        if rank is not None and rank <= 5:
            scores.found += 1
            scores.by_kind[q.kind][0] += 1
        else:
            scores.misses.append((q.text, q.city, keys[:5]))
    return scores


def _world(session: Session) -> tuple[object, object, object]:
    from telcodesk.knowledge import service
    from telcodesk.org import service as org
    from telcodesk.org.roles import Role, UnitKind

    hq = org.ensure_unit(session, code="HQ", name="总部", kind=UnitKind.HQ, region_code="100000")
    gd = org.ensure_unit(
        session, code="GD", name="广东", kind=UnitKind.PROVINCE, region_code="440000", parent=hq
    )
    for code, region in (("GZ", "440100"), ("SZ", "440300"), ("FS", "440600")):
        org.ensure_unit(
            session, code=code, name=code, kind=UnitKind.CITY, region_code=region, parent=gd
        )
    service.seed_categories(session)

    def staff(name: str, role: Role) -> object:
        return org.create_staff(
            session, username=name, display_name=name, password="Bench@2026!x", unit=hq, role=role
        )

    return (
        staff("bench.editor", Role.KNOWLEDGE_EDITOR),
        staff("bench.reviewer", Role.KNOWLEDGE_REVIEWER),
        staff("bench.reader", Role.KNOWLEDGE_REVIEWER),
    )


def run_engine(url: str) -> Scores:
    from telcodesk.db import create_db_engine, make_session_factory, unit_of_work, upgrade
    from telcodesk.knowledge.demo_content import load_articles
    from telcodesk.wiring import wire

    wire()
    upgrade(url)
    factory = make_session_factory(create_db_engine(url, sqlite_synchronous="NORMAL"))
    with unit_of_work(factory) as session:
        editor, reviewer, _reader = _world(session)
        load_articles(session, editor, reviewer)  # type: ignore[arg-type]
    with unit_of_work(factory) as session:
        from telcodesk.org import service as org

        return evaluate(session, org.get_staff_by_username(session, "bench.reader"))


def pg_url(name: str) -> str:
    server = os.environ.get("TELCODESK_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
    admin = create_engine(f"{server.rstrip('/')}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{server.rstrip('/')}/{name}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--misses", action="store_true", help="list the queries not found")
    args = parser.parse_args()
    results = {}
    for name in args.engines.split(","):
        if name == "sqlite":
            url = f"sqlite:///{tempfile.mkdtemp()}/kb_quality.db"
        else:
            url = pg_url("telcodesk_kb_quality")
        s = run_engine(url)
        results[name] = {"queries": s.n, "recall_at_5": round(s.recall, 3), "mrr": round(s.mrr, 3)}
        print(f"{name:10} queries={s.n} recall@5={s.recall:.3f} MRR={s.mrr:.3f}")
        for kind, (found, n) in sorted(s.by_kind.items()):
            print(f"    {kind:11} {found}/{n} = {found / n:.2f}")
        if args.misses:
            for q, city, keys in s.misses:
                print(f"    miss: {q} ({city}) -> {keys}")
    print(json.dumps(results, ensure_ascii=False))
    return 0 if all(r["recall_at_5"] >= 0.9 for r in results.values()) else 1


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    sys.exit(main())
