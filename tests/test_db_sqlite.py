"""SQLite's write path (db_sqlite.py): durable pragmas, and writers queued on the write turn."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from telcodesk.db import create_db_engine


def _engine(tmp_path: Path, **kw: object):  # type: ignore[no-untyped-def]
    engine = create_db_engine(f"sqlite:///{tmp_path / 'w.db'}", **kw)  # type: ignore[arg-type]
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)"))
    return engine


def test_commits_are_durable_by_default(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    engine.dispose()
    normal = create_db_engine(f"sqlite:///{tmp_path / 'n.db'}", sqlite_synchronous="NORMAL")
    with normal.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1
    normal.dispose()
    with pytest.raises(ValueError):
        create_db_engine(f"sqlite:///{tmp_path / 'x.db'}", sqlite_synchronous="OFF")


def _second_writer(engine, started: threading.Event, out: dict[str, object]) -> None:  # type: ignore[no-untyped-def]
    try:
        with engine.connect() as conn:
            # No busy wait at all: without the turn this write fails at once with
            # "database is locked" while the first writer holds SQLite's lock.
            conn.exec_driver_sql("PRAGMA busy_timeout=0")
            started.set()
            conn.execute(text("INSERT INTO t (who) VALUES ('second')"))
            conn.commit()
            out["done_at"] = time.monotonic()
    except OperationalError as exc:
        out["error"] = str(exc)


@pytest.mark.parametrize("turn", [True, False])
def test_a_second_writer_queues_for_the_turn_instead_of_failing(tmp_path: Path, turn: bool) -> None:
    engine = _engine(tmp_path, sqlite_write_turn=turn)
    out: dict[str, object] = {}
    started = threading.Event()
    with engine.connect() as first:
        first.execute(text("INSERT INTO t (who) VALUES ('first')"))  # holds the write lock
        second = threading.Thread(target=_second_writer, args=(engine, started, out))
        second.start()
        started.wait(5)
        time.sleep(0.2)
        assert "done_at" not in out  # it waits while the first transaction is open
        committed_at = time.monotonic()
        first.commit()
    second.join(10)
    if turn:
        assert "error" not in out, out
        assert out["done_at"] >= committed_at  # type: ignore[operator]
        with engine.connect() as conn:
            who = conn.execute(text("SELECT who FROM t ORDER BY id")).scalars().all()
        assert who == ["first", "second"]
        assert (tmp_path / "w.db-writer").exists()
    else:  # the contrast that makes the test meaningful: SQLite alone refuses at once
        assert "database is locked" in str(out.get("error"))
    engine.dispose()


def test_the_turn_is_given_back_on_rollback(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    with engine.connect() as conn:
        conn.execute(text("INSERT INTO t (who) VALUES ('gone')"))
        assert conn.connection.dbapi_connection.holding  # type: ignore[union-attr]
        conn.rollback()
        assert not conn.connection.dbapi_connection.holding  # type: ignore[union-attr]
    out: dict[str, object] = {}
    thread = threading.Thread(target=_second_writer, args=(engine, threading.Event(), out))
    thread.start()
    thread.join(5)
    assert "done_at" in out, out
    engine.dispose()


def test_reads_do_not_take_the_turn(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    with engine.connect() as conn:
        conn.execute(text("SELECT count(*) FROM t")).scalar()
        assert not conn.connection.dbapi_connection.holding  # type: ignore[union-attr]
    engine.dispose()
