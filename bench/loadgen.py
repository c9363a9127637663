"""Bounded HTTP load generator for the telcodesk benchmarks.

It runs as its own process (so the client never shares an interpreter or a GIL with the
server under test) and speaks raw HTTP/1.1 over asyncio streams: one keep-alive connection
per concurrent worker, reconnecting only when the server answers `Connection: close`
(gunicorn's sync workers do that on every response). httpx or aiohttp would spend most
of a core on their own machinery. `--selftest` drives a trivial server in another
process: on the 2-core box it measured ~37,000 req/s with keep-alive and ~8,500 req/s
with a new connection per request (plain asyncio; about twice that with uvloop), so the
client is not the bottleneck at 3000 req/s. Standard library only, so any Python 3.11
can run it; uvloop is used when importable.

Every run is bounded twice: by a request count (`-n`) and by a wall-clock cap
(`--max-time`), after which no new request is started; each request also has its own
timeout. Load may only go to loopback addresses, which is checked before sending.

CLI (prints one JSON object on stdout):

    python bench/loadgen.py URL -n 2000 -c 16 --max-time 120 \\
        -H 'Authorization: Token abc' -H 'Idempotency-Key: bench-{run}-{n}' \\
        --body '{"title": "order {n}", "queue": 1}'

`{n}` (1..total, distinct per request) and `{run}` (the run id) are replaced in the body
and in header values. Instead of --body: `--body @file.json` (a template read from a
file) or `--body-factory pkg.mod:func` / `--body-factory path/to/file.py:func`, where
`func(n: int, run: str)` returns a dict (sent as JSON), str or bytes.

Output keys: requests, ok (2xx), errors (non-2xx + transport errors), elapsed_s,
rate (ok / elapsed_s), p50_ms, p99_ms (nearest-rank, over 2xx responses only), plus
mean_ms, max_ms, status (code -> count), error_kinds, error_samples, connections,
timed_out (the --max-time cap stopped it early), run.

Python: `run_load(url, headers, body_template, concurrency, total, timeout_s)` spawns this
file as a separate process and returns its parsed JSON result. `cpu_snapshot()`,
`cpu_noise()` and `wait_for_quiet()` help a benchmark notice other jobs on the cores.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import importlib.util
import ipaddress
import json
import math
import os
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

# Result keys always present: requests, ok, errors, elapsed_s, rate, p50_ms, p99_ms.
BodyFn = Callable[[int], bytes]


# --------------------------------------------------------------------------- request building


def _substitute(text: str, n: int, run: str) -> str:
    # str.replace rather than str.format: JSON bodies are full of literal braces.
    return text.replace("{n}", str(n)).replace("{run}", run)


def _load_factory(spec: str) -> Callable[..., Any]:
    """Resolve 'pkg.mod:func' or 'path/to/file.py:func' to a callable."""
    mod_name, _, func_name = spec.rpartition(":")
    if not mod_name or not func_name:
        raise SystemExit(f"--body-factory must look like module:func, got {spec!r}")
    if mod_name.endswith(".py"):
        loc = importlib.util.spec_from_file_location("_loadgen_factory", mod_name)
        if loc is None or loc.loader is None:
            raise SystemExit(f"cannot load {mod_name}")
        module = importlib.util.module_from_spec(loc)
        loc.loader.exec_module(module)
    else:
        sys.path.insert(0, os.getcwd())
        module = importlib.import_module(mod_name)
    return getattr(module, func_name)


def _body_fn(body: str | None, factory: str | None, run: str) -> BodyFn:
    if factory:
        func = _load_factory(factory)

        def from_factory(n: int) -> bytes:
            value = func(n, run)
            if isinstance(value, bytes):
                return value
            if isinstance(value, str):
                return value.encode()
            return json.dumps(value).encode()

        return from_factory
    if body is None:
        return lambda n: b""
    if body.startswith("@"):
        with open(body[1:], encoding="utf-8") as fh:
            body = fh.read()
    template = body
    if "{n}" not in template and "{run}" not in template:
        fixed = template.encode()
        return lambda n: fixed
    return lambda n: _substitute(template, n, run).encode()


def _request_fn(
    method: str, url: str, headers: list[tuple[str, str]], body_fn: BodyFn, run: str
) -> Callable[[int], bytes]:
    """Return n -> the complete request bytes, with the fixed part pre-encoded."""
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    names = {k.lower() for k, _ in headers}
    fixed = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc}"]
    varying: list[tuple[str, str]] = []
    if "content-type" not in names and method not in ("GET", "HEAD"):
        fixed.append("Content-Type: application/json")
    if "user-agent" not in names:
        fixed.append("User-Agent: telcodesk-loadgen")
    for name, value in headers:
        if "{n}" in value or "{run}" in value:
            varying.append((name, value))
        else:
            fixed.append(f"{name}: {value}")
    head = ("\r\n".join(fixed) + "\r\n").encode("latin-1")

    def build(n: int) -> bytes:
        body = body_fn(n)
        extra = "".join(f"{k}: {_substitute(v, n, run)}\r\n" for k, v in varying)
        return b"".join(
            (head, extra.encode("latin-1"), b"Content-Length: %d\r\n\r\n" % len(body), body)
        )

    return build


# --------------------------------------------------------------------------- response parsing


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Read one response; return (status, body, server_wants_close)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    version, status_text = lines[0].split(b" ", 2)[:2]
    status = int(status_text)
    length = None
    chunked = False
    close = version == b"HTTP/1.0"
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif name == b"connection":
            token = value.strip().lower()
            close = token == b"close" or (close and token != b"keep-alive")
    if status in (204, 304) or 100 <= status < 200:
        return status, b"", close
    if chunked:
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")  # final CRLF (trailers not expected)
                break
            chunks.append(await reader.readexactly(size + 2))
        return status, b"".join(c[:-2] for c in chunks), close
    if length is not None:
        return status, await reader.readexactly(length), close
    return status, await reader.read(), True  # body delimited by EOF


# --------------------------------------------------------------------------- the load loop


def _check_loopback(host: str) -> None:
    # Load may only target this machine.
    try:
        addrs = {str(ai[4][0]) for ai in socket.getaddrinfo(host, None)}
    except socket.gaierror as exc:
        raise SystemExit(f"cannot resolve {host!r}: {exc}") from exc
    bad = [a for a in addrs if not ipaddress.ip_address(a.split("%")[0]).is_loopback]
    if bad:
        raise SystemExit(f"refusing to send load to non-loopback address(es): {bad}")


async def _run(
    url: str,
    build: Callable[[int], bytes],
    concurrency: int,
    total: int,
    max_time: float,
    request_timeout: float,
) -> dict[str, Any]:
    parts = urlsplit(url)
    if parts.scheme != "http":
        raise SystemExit("only http:// URLs are supported")
    host = parts.hostname or "127.0.0.1"
    port = parts.port or 80
    _check_loopback(host)

    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    error_kinds: Counter[str] = Counter()
    samples: list[str] = []
    counter = iter(range(1, total + 1))
    started = time.perf_counter()
    deadline = started + max_time
    timed_out = False
    connects = 0

    async def worker() -> None:
        nonlocal timed_out, connects
        reader: asyncio.StreamReader | None = None
        writer: asyncio.StreamWriter | None = None
        for n in counter:
            if time.perf_counter() >= deadline:
                timed_out = True
                break
            request = build(n)
            t0 = time.perf_counter()
            try:
                async with asyncio.timeout(request_timeout):
                    if writer is None:
                        reader, writer = await asyncio.open_connection(host, port)
                        connects += 1
                    writer.write(request)
                    status, body, close = await _read_response(reader)  # type: ignore[arg-type]
            except (
                OSError,
                asyncio.IncompleteReadError,
                asyncio.LimitOverrunError,
                TimeoutError,
                ValueError,
            ) as exc:
                error_kinds[type(exc).__name__] += 1
                if len(samples) < 5:
                    samples.append(f"#{n}: {type(exc).__name__}: {exc}"[:300])
                if writer is not None:
                    writer.close()
                reader = writer = None
                continue
            elapsed = time.perf_counter() - t0
            statuses[str(status)] += 1
            if 200 <= status < 300:
                latencies.append(elapsed)
            elif len(samples) < 5:
                samples.append(f"#{n}: HTTP {status}: {body[:250]!r}")
            if close:
                writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed_s = time.perf_counter() - started

    ok = len(latencies)
    requests = sum(statuses.values()) + sum(error_kinds.values())
    latencies.sort()

    def pct(p: float) -> float | None:
        # Nearest-rank percentile over successful (2xx) requests, in ms.
        if not latencies:
            return None
        idx = min(len(latencies), max(1, math.ceil(p / 100 * len(latencies)))) - 1
        return round(latencies[idx] * 1000, 2)

    return {
        "requests": requests,
        "ok": ok,
        "errors": requests - ok,
        "elapsed_s": round(elapsed_s, 3),
        "rate": round(ok / elapsed_s, 1) if elapsed_s > 0 else 0.0,
        "p50_ms": pct(50),
        "p99_ms": pct(99),
        "mean_ms": round(sum(latencies) / ok * 1000, 2) if ok else None,
        "max_ms": round(latencies[-1] * 1000, 2) if ok else None,
        "status": dict(statuses),
        "error_kinds": dict(error_kinds),
        "error_samples": samples,
        "connections": connects,
        "concurrency": concurrency,
        "total": total,
        "timed_out": timed_out,
    }


def _event_loop_runner() -> Callable[[Any], Any]:
    try:
        import uvloop  # optional: roughly doubles the client's ceiling

        return uvloop.run
    except ImportError:
        return asyncio.run


# --------------------------------------------------------------------------- noise check


def cpu_snapshot(server_pid: int) -> dict[str, float]:
    """CPU seconds so far: whole machine, the server's process tree, PostgreSQL, our children.

    Take one before and one after a measured run and pass both to cpu_noise(). Linux only.
    """
    tick = os.sysconf("SC_CLK_TCK")
    procs: dict[int, tuple[str, int, float]] = {}  # pid -> (comm, ppid, cpu seconds)
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as fh:
                raw = fh.read()
        except OSError:
            continue  # exited meanwhile
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()  # fields[0] is /proc stat field 3
        # utime + stime + cutime + cstime: the last two hold the CPU of children that
        # already exited (PostgreSQL backends, recycled workers), which would be missed.
        cpu_s = sum(int(x) for x in fields[11:15]) / tick
        procs[int(entry.name)] = (comm, int(fields[1]), cpu_s)
    tree = {server_pid}
    for _ in range(4):  # master -> workers (-> their children): a few levels suffice
        tree |= {pid for pid, (_, ppid, _) in procs.items() if ppid in tree}
    with open("/proc/stat") as fh:
        cpu = [int(x) for x in fh.readline().split()[1:]]
    own = os.times()  # this process plus waited-for children (the loadgen process)
    return {
        "busy": sum(cpu[i] for i in (0, 1, 2, 5, 6)) / tick,  # user nice system irq softirq
        "steal": (cpu[7] if len(cpu) > 7 else 0) / tick,
        "server": sum(procs[p][2] for p in tree if p in procs),
        "postgres": sum(c for comm, _, c in procs.values() if comm == "postgres"),
        "self": own.user + own.system + own.children_user + own.children_system,
    }


def cpu_noise(
    before: dict[str, float], after: dict[str, float], uses_postgres: bool = True
) -> dict[str, float]:
    """CPU spent during the run by the server, PostgreSQL, the client, and everyone else.

    A large other_cpu_s means another job shared the cores and the run is not comparable.
    With uses_postgres=False (a SQLite run) PostgreSQL's CPU counts as someone else's.
    """
    d = {k: after[k] - before[k] for k in before}
    pg = d["postgres"] if uses_postgres else 0.0
    return {
        "server_cpu_s": round(d["server"], 2),
        "postgres_cpu_s": round(pg, 2),
        "client_cpu_s": round(d["self"], 2),
        "other_cpu_s": round(max(0.0, d["busy"] - d["server"] - pg - d["self"]), 2),
        "steal_s": round(d["steal"], 2),
    }


def wait_for_quiet(max_wait_s: float = 60.0, busy_below: float = 0.2) -> float:
    """Wait until the machine is mostly idle for a second (other jobs finished).

    Returns the last measured busy fraction; gives up after max_wait_s (the caller's
    other_cpu_s figure will then show the run was shared).
    """
    tick = os.sysconf("SC_CLK_TCK")
    deadline = time.monotonic() + max_wait_s
    while True:
        with open("/proc/stat") as fh:
            a = [int(x) for x in fh.readline().split()[1:]]
        time.sleep(1.0)
        with open("/proc/stat") as fh:
            b = [int(x) for x in fh.readline().split()[1:]]
        busy = sum(b[i] - a[i] for i in (0, 1, 2, 5, 6)) / tick / (os.cpu_count() or 1)
        if busy < busy_below or time.monotonic() >= deadline:
            return round(busy, 3)


# --------------------------------------------------------------------------- Python API


def run_load(
    url: str,
    headers: dict[str, str] | None = None,
    body_template: str | dict[str, Any] | None = None,
    concurrency: int = 16,
    total: int = 1000,
    timeout_s: float = 120.0,
    *,
    body_factory: str | None = None,
    run_id: str | None = None,
    method: str = "POST",
    request_timeout_s: float = 30.0,
    python: str | None = None,
) -> dict[str, Any]:
    """Run the load generator in a separate process and return its JSON result.

    body_template: a str where {n}/{run} are substituted, or a dict (JSON-encoded first,
    so put {n} inside string values). body_factory: 'module:func' alternative.
    timeout_s: wall-clock cap on issuing requests; the child is killed if it overruns
    the cap plus the request timeout plus a grace period.
    """
    if isinstance(body_template, dict):
        body_template = json.dumps(body_template)
    cmd = [
        python or sys.executable,
        os.path.abspath(__file__),
        url,
        "-n",
        str(total),
        "-c",
        str(concurrency),
        "-X",
        method,
        "--max-time",
        str(timeout_s),
        "--request-timeout",
        str(request_timeout_s),
        "--run",
        run_id or uuid.uuid4().hex[:8],
    ]
    for name, value in (headers or {}).items():
        cmd += ["-H", f"{name}: {value}"]
    if body_factory:
        cmd += ["--body-factory", body_factory]
    elif body_template is not None:
        cmd += ["--body", body_template]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=timeout_s + request_timeout_s + 30
    )
    if proc.returncode != 0:
        raise RuntimeError(f"loadgen failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    return json.loads(proc.stdout)


# --------------------------------------------------------------------------- self-test


async def _trivial_server(port: int, close: bool) -> None:
    """A minimal HTTP/1.1 server that answers 201 + small JSON, for measuring the client."""
    reply = (
        b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 11\r\n"
        + (b"Connection: close\r\n" if close else b"")
        + b'\r\n{"id": 42}\n'
    )

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                await reader.readexactly(length)
                writer.write(reply)
                if close:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _selftest(total: int, concurrency: int) -> dict[str, Any]:
    """Drive the trivial server (its own process) in keep-alive and close modes."""
    results = {}
    for mode in ("keepalive", "close"):
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--serve-trivial", str(port)]
            + (["--trivial-close"] if mode == "close" else [])
        )
        try:
            for _ in range(100):  # wait until it listens
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                    break
                except OSError:
                    time.sleep(0.05)
            n = total if mode == "keepalive" else total // 3
            results[mode] = run_load(
                f"http://127.0.0.1:{port}/orders",
                {"Idempotency-Key": "self-{run}-{n}"},
                {"title": "t{n}"},
                concurrency,
                n,
                timeout_s=60,
            )
        finally:
            server.terminate()
            server.wait(10)
    return results


# --------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("url", nargs="?", help="http://127.0.0.1:PORT/path (loopback only)")
    ap.add_argument("-n", "--total", type=int, default=1000, help="requests to send")
    ap.add_argument("-c", "--concurrency", type=int, default=16, help="parallel connections")
    ap.add_argument("-X", "--method", default="POST")
    ap.add_argument("-H", "--header", action="append", default=[], help="'Name: value'")
    ap.add_argument("--body", help="body template ({n}, {run}); @file reads it from a file")
    ap.add_argument("--body-factory", help="module:func or file.py:func; func(n, run)")
    ap.add_argument("--max-time", type=float, default=120.0, help="wall-clock cap, s")
    ap.add_argument("--request-timeout", type=float, default=30.0, help="per request, s")
    ap.add_argument("--run", default=None, help="run id for {run} (default: random)")
    ap.add_argument("--selftest", action="store_true", help="measure against a trivial server")
    ap.add_argument("--serve-trivial", type=int, metavar="PORT", help=argparse.SUPPRESS)
    ap.add_argument("--trivial-close", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.serve_trivial:
        _event_loop_runner()(_trivial_server(args.serve_trivial, args.trivial_close))
        return 0
    if args.selftest:
        print(json.dumps(_selftest(args.total, args.concurrency), indent=2))
        return 0
    if not args.url:
        ap.error("url is required")
    if args.total < 1 or args.concurrency < 1 or args.max_time <= 0:
        ap.error("-n, -c and --max-time must be positive")

    run = args.run or uuid.uuid4().hex[:8]
    headers = []
    for raw in args.header:
        name, sep, value = raw.partition(":")
        if not sep:
            ap.error(f"bad header {raw!r}, expected 'Name: value'")
        headers.append((name.strip(), value.strip()))
    build = _request_fn(
        args.method.upper(), args.url, headers, _body_fn(args.body, args.body_factory, run), run
    )
    concurrency = min(args.concurrency, args.total)
    result = _event_loop_runner()(
        _run(args.url, build, concurrency, args.total, args.max_time, args.request_timeout)
    )
    result["run"] = run
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
