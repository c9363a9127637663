"""Where an HTTP registration's time goes: py-spy on `telcodesk serve` under load.

    .venv/bin/python bench/profile_http.py [--engine sqlite] [--workers 1] [--requests 3000]
                                           [--top 25] [--raw out.txt]

Prepares a database as bench/create_orders.py does, starts the server (no worker), warms it
up, then runs bench/loadgen.py while ``py-spy record --subprocesses --format raw`` samples
every API process (py-spy needs ptrace: run as root). Prints, over the samples taken inside
request handling, the share of time under a few telling frames (inclusive) and the
heaviest files (self time). The raw collapsed stacks can be kept with --raw.
"""

from __future__ import annotations

import argparse
import collections
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from create_orders import Variant, fresh_database, prepare, run_load, telcodesk_server

# Frames whose inclusive share says where a request goes (matched in "func (file:line)").
MARKERS = {
    "register_order (service layer)": "register_order (",
    "  Session.flush (ORM writes)": "flush (",
    "  Session.commit (commit, fsync)": "commit (",
    "resolve_token (bearer token)": "resolve_token (",
    "order_out (building the answer)": "order_out (",
    "pool checkout (+ pre-ping)": "_checkout (",
    "SQLAlchemy (any frame)": "sqlalchemy/",
    "pydantic validation / serialisation": "pydantic",
    "starlette/fastapi routing & middleware": "starlette",
    "uvicorn / asyncio (HTTP, event loop)": "uvicorn",
}


# Where a sample's innermost frame says the thread is waiting, not computing.
WAITING = {
    "waiting for the SQLite write turn (flock)": ("take_turn (",),
    "idle: thread pool and event loop waiting": (
        "threading.py",
        "asyncio/runners.py",
        "selectors.py",
        "asyncio/base_events.py",
    ),
    "inside the database driver (SQLite C incl. fsync; psycopg and the server)": (
        "do_execute (",
        "do_executemany (",
        "do_commit (",
        "do_rollback (",
        "db_sqlite.py",  # TurnConnection.commit's C call: the commit and its fsync
        "psycopg/",  # sending, waiting for and reading the server's answer
    ),
}


def _file_of(frame: str) -> str:
    path = frame[frame.find("(") + 1 : frame.rfind(":")] if "(" in frame else frame
    for marker in ("site-packages/", "src/", "lib/python3.11/"):
        if marker in path:
            return path[path.index(marker) + len(marker) :]
    return path


def summarise(raw: str, top: int) -> None:
    stacks: list[tuple[list[str], int]] = []
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks.append((stack.split(";"), int(count)))
    total = sum(n for _, n in stacks)
    if not total:
        print("no samples")
        return
    print(f"{total} samples of the API process's threads; by what the innermost frame does:")
    busy: list[tuple[list[str], int]] = []
    for frames, n in stacks:
        for _label, needles in WAITING.items():
            if any(x in frames[-1] for x in needles):
                break
        else:
            busy.append((frames, n))
    kinds: collections.Counter[str] = collections.Counter()
    for frames, n in stacks:
        for label, needles in WAITING.items():
            if any(x in frames[-1] for x in needles):
                kinds[label] += n
                break
    for label in WAITING:
        print(f"  {label:<82}{100 * kinds[label] / total:6.1f} %")
    cpu = sum(n for _, n in busy)
    print(f"  {'running Python (the rest)':<82}{100 * cpu / total:6.1f} %")
    if not cpu:
        return
    print("of the Python running, under these frames (inclusive):")
    for label, needle in MARKERS.items():
        hit = sum(n for frames, n in busy if any(needle in f for f in frames))
        print(f"  {label:<42}{100 * hit / cpu:6.1f} %")
    by_file: collections.Counter[str] = collections.Counter()
    for frames, n in busy:
        by_file[_file_of(frames[-1])] += n
    print("self time by file:")
    for path, n in by_file.most_common(top):
        print(f"  {100 * n / cpu:5.1f} %  {path}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engine", default="sqlite", choices=["sqlite", "postgresql"])
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--raw", type=Path, help="keep py-spy's collapsed stacks here")
    ap.add_argument("--from-raw", type=Path, help="only summarise stacks kept with --raw")
    args = ap.parse_args()
    if args.from_raw:
        summarise(args.from_raw.read_text(), args.top)
        return 0
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    with tempfile.TemporaryDirectory() as tmp:
        url = fresh_database(args.engine, Path(tmp))
        customer_id = prepare(url)
        out = Path(tmp) / "raw.txt"
        with telcodesk_server(url, customer_id, Variant(args.workers)) as target:
            spy = subprocess.Popen(
                [
                    py_spy,
                    "record",
                    "--pid",
                    str(target.pid),
                    "--subprocesses",
                    "--format",
                    "raw",
                    "--rate",
                    "200",
                    "--output",
                    str(out),
                    "--nonblocking",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            threading.Event().wait(2.0)  # py-spy attaches to every process
            load = run_load(
                target.url,
                target.headers,
                target.body,
                args.concurrency,
                args.requests,
                300,
                run_id="profile",
            )
            spy.send_signal(2)  # SIGINT: py-spy writes what it has
            spy.wait(timeout=60)
        print(
            f"{args.engine}, {args.workers} process(es): {load['rate']}/s, "
            f"p50 {load['p50_ms']} ms, p99 {load['p99_ms']} ms, errors {load['errors']}"
        )
        raw = out.read_text() if out.exists() else ""
        if args.raw:
            args.raw.write_text(raw)
        summarise(raw, args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
