"""SQLite's write path: durable pragmas, and writers that queue instead of sleeping.

Durability. ``journal_mode=WAL`` lets readers go on while a writer commits.
``synchronous=FULL`` (the default here) makes a commit return only once the WAL is fsynced,
so a registered order survives a power cut as it does on PostgreSQL with
``synchronous_commit=on``. ``NORMAL`` skips that fsync: never corrupt, but the last commits
may be lost at a power cut; it is there for a disposable demo
(``TELCODESK_SQLITE_SYNCHRONOUS=NORMAL``), not for a carrier's data.

One writer at a time. SQLite lets one connection write at a time; the others wait in
its busy handler, which sleeps 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 ms ... between
tries. Under load a request that lost a few tries waits far longer than the lock was held
(three API processes: p99 245-467 ms for writes that hold the lock about a millisecond).
So a connection that is about to write first takes its *write turn*: an exclusive
``flock(2)`` on a file beside the database (``<db>-writer``), which every process and
thread using the database shares. The kernel wakes a waiter as soon as the holder lets
go, so writers queue instead of sleeping in steps. The turn is taken at the transaction's
first INSERT/UPDATE/DELETE — where pysqlite opens the transaction, so the reads before it
hold nobody up — and given back when it commits or rolls back (a crashed process's lock
is released by the kernel). A thread already holding a turn on another connection does
not wait for a second one (that would wait for itself); SQLite's busy handler then
decides, as before.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from typing import Any

from sqlalchemy import Engine, event

SYNCHRONOUS = ("FULL", "NORMAL")
BUSY_TIMEOUT_MS = 30_000
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC")  # what makes pysqlite open a transaction
_held = threading.local()  # turns this thread holds, on any connection


class TurnConnection(sqlite3.Connection):
    """A sqlite3 connection that takes the database's write turn before writing."""

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        self.holding = False
        self.turn_fd = -1
        name = os.fspath(database) if not isinstance(database, bytes) else database.decode()
        if name and name != ":memory:" and not name.startswith("file:"):
            self.turn_fd = os.open(f"{name}-writer", os.O_RDWR | os.O_CREAT, 0o600)

    def take_turn(self) -> None:
        if self.holding or self.turn_fd < 0 or getattr(_held, "turn", False):
            return
        fcntl.flock(self.turn_fd, fcntl.LOCK_EX)  # releases the GIL while it waits
        self.holding = True
        _held.turn = True

    def give_back(self) -> None:
        if self.holding:
            self.holding = False
            _held.turn = False
            fcntl.flock(self.turn_fd, fcntl.LOCK_UN)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.give_back()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.give_back()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.give_back()
            if self.turn_fd >= 0:
                os.close(self.turn_fd)
                self.turn_fd = -1


def configure(engine: Engine, synchronous: str, write_turn: bool) -> None:
    """Set the pragmas on every new connection and, with ``write_turn``, queue writers."""
    if synchronous not in SYNCHRONOUS:
        raise ValueError(f"SQLite synchronous must be one of {SYNCHRONOUS}, not {synchronous!r}")

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA foreign_keys=ON")
        # Writers that do not queue on the turn (DDL, a second connection in one thread)
        # still wait for the lock rather than fail at once.
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.close()

    if not write_turn:
        return

    @event.listens_for(engine, "before_cursor_execute")
    def _turn(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement[:6].upper() in _WRITES:
            dbapi_conn = conn.connection.dbapi_connection
            if isinstance(dbapi_conn, TurnConnection):
                dbapi_conn.take_turn()
