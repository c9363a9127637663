"""SQL statements per API request — a figure the machine's load cannot move.

    .venv/bin/python bench/statements.py [--engine postgresql]

Counts what each common request sends to the database (a fresh SQLite file, or a fresh
PostgreSQL database), through the real app with the test client: register an order, read it,
list orders, one transition.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent))

from create_orders import PASSWORD, fresh_database, order_body, prepare

from telcodesk.app import create_app
from telcodesk.config import Settings


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", default="sqlite", choices=["sqlite", "postgresql"])
    url = fresh_database(ap.parse_args().engine, Path(tempfile.mkdtemp()))
    customer_id = prepare(url)
    app = create_app(Settings(database_url=url))
    seen: list[str] = []
    event.listen(
        app.state.db.factory.kw["bind"],
        "before_cursor_execute",
        lambda _c, _cur, statement, *_: seen.append(statement.split()[0].upper()),
    )
    client = TestClient(app)
    token = client.post("/api/v1/auth/token", json={"username": "bench", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    client.post("/api/v1/orders", json=order_body(customer_id, 0), headers=headers)  # warm-up

    def count(method: str, path: str, **kw: Any) -> tuple[dict[str, int], Any]:
        seen.clear()
        res = client.request(
            method, path, headers={**headers, "Idempotency-Key": path + method}, **kw
        )
        assert res.status_code < 300, res.text
        return dict(Counter(seen)), res.json()

    rows = {}
    rows["POST /api/v1/orders"], order = count(
        "POST", "/api/v1/orders", json=order_body(customer_id, 1)
    )
    number = order["number"]
    rows["GET /api/v1/orders/{number}"], _ = count("GET", f"/api/v1/orders/{number}")
    rows["GET /api/v1/orders (first page)"], _ = count("GET", "/api/v1/orders")
    rows["POST …/actions/review_valid"], _ = count(
        "POST", f"/api/v1/orders/{number}/actions/review_valid", json={"version": 1}
    )
    for name, kinds in rows.items():
        print(f"{name:<34}{sum(kinds.values()):>4}  {kinds}")
    print(json.dumps({k: sum(v.values()) for k, v in rows.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
