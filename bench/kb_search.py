"""Knowledge search latency at 100,000 articles, on SQLite and PostgreSQL (KB-1).

    .venv/bin/python bench/kb_search.py [--engines sqlite,postgresql] [--articles 100000]
                                        [--repeat 3] [--keep] [--reuse]

Target (issue 12): p95 < 50 ms at 100,000 articles on both engines.

Per engine, a fresh database (a SQLite file in a temp dir; the PostgreSQL database
``telcodesk_kb_bench`` at TELCODESK_TEST_PG or 127.0.0.1), migrated with ``upgrade``:
1. HQ, 31 provinces with 4 cities each (the demo's 440100, 440300, 440600 among them),
   categories, an editor; an agent in 广州 (440100), one in 佛山 (440600);
2. the articles, bulk-loaded (Core executemany; published, with their search rows — FTS5 by
   its triggers, the tsvector generated; PostgreSQL then VACUUM ANALYZE, as autovacuum would
   soon after a bulk load): the 66 demo articles as they are, and the rest made
   from them — a demo article's title and answer with a region's name, fees and a few
   sentences of other articles mixed in, so terms are as common as in real content. 10 % are
   nationwide, the rest spread over the provinces (a third province-wide, two thirds city),
   5 % expired. Terms are computed once (knowledge/text.py) and cached in the temp dir;
3. every labelled query of tests/data/kb_queries.tsv searched as the agent of its city
   (``service.search_articles``: segmentation, the engine's candidates, the ranking, the
   articles and versions read; one unit of work each, as the API runs it), ``--repeat``
   rounds in a shuffled order after a warm-up round; p50/p95/p99 per engine.
Prints a table and one JSON line; exit status 1 if a p95 is 50 ms or more.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.kb_quality import queries  # noqa: E402
from telcodesk import regions  # noqa: E402
from telcodesk.db import create_db_engine, make_session_factory, unit_of_work, upgrade  # noqa: E402
from telcodesk.knowledge import rules, service  # noqa: E402
from telcodesk.knowledge import text as kbtext  # noqa: E402
from telcodesk.knowledge.demo_content import demo_articles  # noqa: E402
from telcodesk.knowledge.models import KbArticle, KbCategory, KbSearchDoc, KbVersion  # noqa: E402
from telcodesk.org import service as org  # noqa: E402
from telcodesk.org.roles import Role, UnitKind  # noqa: E402
from telcodesk.wiring import wire  # noqa: E402

TARGET_MS = 50.0
NOW = datetime.now(UTC)


def provinces() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """31 provinces, 4 cities each from the GB/T 2260 table (广东: the demo's cities first)."""
    demo = ["440100", "440300", "440600"]
    out = []
    for p, p_name in sorted(regions.provinces())[:31]:
        cities = sorted(regions.cities(p))
        if p == "440000":
            cities = [(c, regions.name(c) or c) for c in demo] + [
                (c, n) for c, n in cities if c not in demo
            ]
        out.append((p, p_name, cities[:4] or [(p[:2] + "0100", p_name)]))
    return out


_TERMS: dict[str, list[str]] = {}


def _terms(piece: str) -> list[str]:
    if piece not in _TERMS:
        _TERMS[piece] = kbtext.index_terms(piece, unigrams=True)
    return _TERMS[piece]


def _pieces(text: str) -> list[str]:
    """Sentences and bracketed parts, so the pieces repeat across articles (cached terms)."""
    import re

    return [p for p in re.split(r"[。（）：·\s]", text) if p]


def synthetic(n: int, seed: int = 12) -> list[dict[str, object]]:
    """The articles' rows (with their index terms), computed once."""
    rng = random.Random(seed)
    demo = demo_articles()
    answers = [d.data.answer for d in demo]
    places = provinces()
    rows: list[dict[str, object]] = []
    for i in range(n):
        base = demo[i % len(demo)]
        if i < len(demo):
            title, answer = base.data.title, base.data.answer
            province, city = rules.region_of(base.data.region_code)
        else:
            roll = rng.random()
            p, p_name, cities = rng.choice(places)
            if roll < 0.10:
                province, city, where = None, None, "全国"
            elif roll < 0.40:
                province, city, where = p, None, p_name
            else:
                c, c_name = rng.choice(cities)
                province, city, where = p, c, c_name
            fee = rng.choice([0, 5, 10, 20, 30, 50, 100])
            title = f"{base.data.title}（{where}·{i}）"
            extra = "".join(rng.sample(answers, 2))
            answer = f"{where}：{base.data.answer}本地收费{fee}元。{extra}"
        expired = i >= len(demo) and rng.random() < 0.05
        # The terms of the pieces, joined: the same terms as segmenting the whole text but for
        # the bigrams across the joins, and 100,000 articles take seconds, not minutes.
        head = f"{title} {' '.join(base.data.tags)}"
        title_terms = list(dict.fromkeys(t for piece in _pieces(head) for t in _terms(piece)))
        seen = set(title_terms)
        rest = [t for piece in _pieces(answer) for t in _terms(piece) if t not in seen]
        rest = list(dict.fromkeys(rest))
        published = NOW - timedelta(days=rng.randint(1, 700), minutes=i % 1440)
        rows.append(
            {
                "i": i,
                "category": base.data.category,
                "province": province,
                "city": city,
                "title": title,
                "answer": answer,
                "tags": ",".join(base.data.tags),
                "published": published,
                "effective_to": published + timedelta(days=30) if expired else None,
                "title_terms": " ".join(title_terms),
                "body_terms": " ".join(rest),
            }
        )
    return rows


def load(url: str, rows: list[dict[str, object]]) -> None:
    wire()
    upgrade(url)
    factory = make_session_factory(create_db_engine(url, sqlite_synchronous="NORMAL"))
    with unit_of_work(factory) as session:
        hq = org.ensure_unit(
            session, code="HQ", name="总部", kind=UnitKind.HQ, region_code="100000"
        )
        for p, p_name, cities in provinces():
            pu = org.ensure_unit(
                session, code=f"P{p}", name=p_name, kind=UnitKind.PROVINCE, region_code=p, parent=hq
            )
            for c, c_name in cities:
                org.ensure_unit(
                    session, code=f"C{c}", name=c_name, kind=UnitKind.CITY, region_code=c, parent=pu
                )
        service.seed_categories(session)
        editor = org.create_staff(
            session,
            username="bench.editor",
            display_name="编辑",
            password="Bench@2026!x",
            unit=hq,
            role=Role.KNOWLEDGE_EDITOR,
        )
        for city in ("440100", "440600", "440300"):
            org.create_staff(
                session,
                username=f"agent.{city}",
                display_name="话务员",
                password="Bench@2026!x",
                unit=org.get_unit_by_code(session, f"C{city}"),
                role=Role.HOTLINE_AGENT,
            )
        cats = {c.code: c.id for c in session.scalars(select(KbCategory))}
        editor_id = editor.id
    engine = create_db_engine(url, sqlite_synchronous="NORMAL")
    batch = 2000
    with engine.begin() as conn:
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            conn.execute(
                insert(KbArticle),
                [
                    {
                        "id": r["i"] + 1,
                        "number": f"KB{r['i'] + 1:06d}",
                        "category_id": cats[r["category"]],
                        "province_code": r["province"],
                        "city_code": r["city"],
                        "created_by_id": editor_id,
                        "created_at": r["published"],
                        "live_version_id": r["i"] + 1,
                        "returned_count": 0,
                    }
                    for r in chunk
                ],
            )
            conn.execute(
                insert(KbVersion),
                [
                    {
                        "id": r["i"] + 1,
                        "article_id": r["i"] + 1,
                        "version_no": 1,
                        "state": "published",
                        "title": r["title"],
                        "answer": r["answer"],
                        "body": "",
                        "tags": r["tags"],
                        "doc_number": "",
                        "effective_from": r["published"],
                        "effective_to": r["effective_to"],
                        "author_id": editor_id,
                        "review_comment": "",
                        "created_at": r["published"],
                        "updated_at": r["published"],
                        "published_at": r["published"],
                    }
                    for r in chunk
                ],
            )
            conn.execute(
                insert(KbSearchDoc),
                [
                    {
                        "article_id": r["i"] + 1,
                        "version_id": r["i"] + 1,
                        "category_code": r["category"],
                        "province_code": r["province"],
                        "city_code": r["city"],
                        "overrides_article_id": None,
                        "effective_from": r["published"],
                        "effective_to": r["effective_to"],
                        "published_at": r["published"],
                        "title_terms": r["title_terms"],
                        "body_terms": r["body_terms"],
                        "scope_terms": rules.scope_terms(r["province"], r["city"]),
                    }
                    for r in chunk
                ],
            )
        if engine.dialect.name == "postgresql":
            conn.execute(
                text("SELECT setval('kb_article_id_seq', (SELECT max(id) FROM kb_article))")
            )
            conn.execute(
                text("SELECT setval('kb_version_id_seq', (SELECT max(id) FROM kb_version))")
            )
            conn.execute(text("ANALYZE"))
        else:
            conn.execute(text("INSERT INTO kb_fts(kb_fts) VALUES ('optimize')"))
            conn.execute(text("ANALYZE"))
    if engine.dialect.name == "postgresql":
        # What autovacuum does to a live database soon after a bulk load: the visibility map
        # and hint bits set, so the first searches do not write every heap page they read.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE kb_search_doc"))
    engine.dispose()


def measure(url: str, repeat: int) -> dict[str, float]:
    factory = make_session_factory(create_db_engine(url, sqlite_synchronous="NORMAL"))
    work = [(q.text, q.city) for q in queries()]
    with unit_of_work(factory) as session:
        agents = {
            c: org.get_staff_by_username(session, f"agent.{c}")
            for c in ("440100", "440300", "440600")
        }
        session.expunge_all()
    kbtext.warm_up()
    times: list[float] = []
    hits = 0
    rng = random.Random(7)
    for round_no in range(repeat + 1):
        rng.shuffle(work)
        for q, city in work:
            t0 = time.perf_counter()
            with unit_of_work(factory) as session:
                found = service.search_articles(session, session.merge(agents[city], load=False), q)
            elapsed = (time.perf_counter() - t0) * 1000
            if round_no:  # the first round warms caches
                times.append(elapsed)
                hits += bool(found)
    times.sort()
    pct = lambda p: times[min(len(times) - 1, int(p * len(times)))]  # noqa: E731
    return {
        "searches": len(times),
        "p50_ms": round(pct(0.50), 1),
        "p95_ms": round(pct(0.95), 1),
        "p99_ms": round(pct(0.99), 1),
        "mean_ms": round(statistics.mean(times), 1),
        "with_hits": round(hits / len(times), 3),
    }


def pg_url(name: str, fresh: bool) -> str:
    server = os.environ.get("TELCODESK_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
    if fresh:
        admin = create_engine(f"{server.rstrip('/')}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    return f"{server.rstrip('/')}/{name}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="measure the kept databases again")
    args = parser.parse_args()
    work = Path(tempfile.gettempdir()) / "telcodesk_kb_bench"
    work.mkdir(exist_ok=True)
    cache = work / f"rows_{args.articles}.pickle"
    rows: list[dict[str, object]] = []
    if not args.reuse:
        if cache.exists():
            rows = pickle.loads(cache.read_bytes())
        else:
            t0 = time.perf_counter()
            rows = synthetic(args.articles)
            cache.write_bytes(pickle.dumps(rows))
            print(f"terms of {len(rows)} articles computed in {time.perf_counter() - t0:.0f} s")
    results = {}
    for name in args.engines.split(","):
        if name == "sqlite":
            path = work / "kb_bench.db"
            if not args.reuse:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
            url = f"sqlite:///{path}"
        else:
            url = pg_url("telcodesk_kb_bench", fresh=not args.reuse)
        if not args.reuse:
            t0 = time.perf_counter()
            load(url, rows)
            print(f"{name}: {len(rows)} articles loaded in {time.perf_counter() - t0:.0f} s")
        results[name] = {"articles": args.articles, **measure(url, args.repeat)}
        r = results[name]
        print(
            f"{name:10} searches={r['searches']} p50={r['p50_ms']} ms p95={r['p95_ms']} ms "
            f"p99={r['p99_ms']} ms mean={r['mean_ms']} ms with hits={r['with_hits']}"
        )
    print(json.dumps(results))
    return 0 if all(r["p95_ms"] < TARGET_MS for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
