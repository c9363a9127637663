"""Bulk import of customers with their products from CSV (issue 10 item 7, CD-1).

    .venv/bin/python bench/customer_import.py [--engines sqlite,postgresql] [--rows 1000000]

Targets: 1,000,000 customers into PostgreSQL in under 2 minutes (COPY), into SQLite in under
4. Writes a CSV of ``--rows`` customers (resident IDs with their real check character, a
product each, 1 in 1,000 rows bad: an incomplete number), then per engine a fresh migrated
database with the world of ``bench/scoped_list.py``, and times ``customers.imports`` as
``telcodesk customers import`` runs it (read, check every row, write, commit). Prints the
times, rows per second and one JSON line; exit status 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import tempfile
import time
from pathlib import Path

from scoped_list import build_world
from sla_sweep import PG_SERVER, admin_sql

from telcodesk.customers import identity, imports
from telcodesk.db import create_db_engine, make_session_factory, unit_of_work, upgrade
from telcodesk.org import service as org

PG_DATABASE = "telcodesk_import_bench"
TARGET_S = {"postgresql": 120.0, "sqlite": 240.0}
DISTRICTS = ("440106", "440104", "440305", "440604")
CITY = {"440106": "440100", "440104": "440100", "440305": "440300", "440604": "440600"}


def write_csv(path: Path, n: int) -> None:
    rng = random.Random(7)
    with path.open("w", encoding="utf-8", newline="") as out:
        w = csv.writer(out)
        w.writerow(["name", "phone", "city_code", "tier", "id_type", "id_number", "address",
                    "plan", "contract_end", "arrears_fen"])  # fmt: skip
        for k in range(n):
            district = DISTRICTS[k % 4]
            body = f"{district}{rng.randint(1950, 2005)}{rng.randint(1, 12):02d}"
            body += f"{rng.randint(1, 28):02d}{k % 1000:03d}"
            phone = f"13{(k * 7919) % 10**9:09d}" if k % 1000 else "1380013"
            w.writerow(
                [f"客户{k}", phone, CITY[district], "standard", "resident_id",
                 body + identity.id_check_character(body), f"广东省{k}号", "5G 129",
                 "2027-06-30" if k % 3 == 0 else "", 5800 if k % 10 == 0 else 0]
            )  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    results, failed = [], False
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "customers.csv"
        t0 = time.perf_counter()
        write_csv(source, args.rows)
        print(f"csv: {args.rows:,} rows in {time.perf_counter() - t0:.1f} s", flush=True)
        for name in args.engines.split(","):
            if name == "sqlite":
                url = f"sqlite:///{Path(tmp) / 'import.db'}"
            else:
                admin_sql(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
                admin_sql(f"CREATE DATABASE {PG_DATABASE}")
                url = f"{PG_SERVER}/{PG_DATABASE}"
            upgrade(url)
            engine = create_db_engine(url)
            factory = make_session_factory(engine)
            build_world(factory)
            with unit_of_work(factory) as session:  # the province: every row in reach
                admin = org.get_staff_by_username(session, "gd.supervisor")
            start = time.perf_counter()
            marks: dict[str, float] = {}

            def checked(_: int, marks: dict[str, float] = marks) -> None:
                marks["checked"] = time.perf_counter()  # the last call ends the checking

            with source.open(encoding="utf-8", newline="") as f, unit_of_work(factory) as session:
                report = imports.import_customers(session, admin, imports.read(f), checked=checked)
                marks["written"] = time.perf_counter()
            seconds = time.perf_counter() - start
            row = {
                "engine": name,
                "rows": report.rows,
                "imported": report.imported,
                "rejected": report.rejected,
                "seconds": round(seconds, 1),
                "check_s": round(marks["checked"] - start, 1),
                "write_s": round(marks["written"] - marks["checked"], 1),
                "commit_s": round(start + seconds - marks["written"], 1),
                "rows_per_s": round(report.rows / seconds),
                "target_s": TARGET_S[name],
            }
            failed |= seconds > TARGET_S[name]
            print(json.dumps(row), flush=True)
            results.append(row)
            engine.dispose()
            if name == "postgresql":
                admin_sql(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
    print(json.dumps(results))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
