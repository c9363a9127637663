"""A recording fake of a carrier's SMS platform (the third party we cannot run), started by
tests as its own process: `python -m tests.fake_sms_gateway PORT SECRET`.

It takes what such platforms take — a JSON POST to /send signed with HMAC-SHA256 over
timestamp, nonce and body — refuses a bad signature (401), answers `{"code": "0", "msg_id"}`,
and when the request names a `receipt_url` POSTs a signed delivery receipt there a moment
later, as the real platform does. GET /messages lists what it took (a dedup-aware receiver
keeps `client_ref`). Env FAKE_SMS_FAIL_FIRST=n answers 503 to the first n sends;
FAKE_SMS_DELAY_S=s waits s seconds before answering each.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from telcodesk.notify import rules

SECRET = ""
TAKEN: list[dict[str, Any]] = []
LOCK = threading.Lock()
FAIL_FIRST = int(os.environ.get("FAKE_SMS_FAIL_FIRST", "0"))
DELAY_S = float(os.environ.get("FAKE_SMS_DELAY_S", "0"))
seen = 0


def signed(body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body, ensure_ascii=False).encode()
    stamp, nonce = str(int(time.time())), uuid.uuid4().hex[:16]
    headers = {
        "Content-Type": "application/json",
        "X-App-Key": "gateway",
        "X-Timestamp": stamp,
        "X-Nonce": nonce,
        "X-Signature": rules.sign(SECRET, stamp, nonce, raw),
    }
    return raw, headers


def send_receipt(url: str, msg_id: str, client_ref: str) -> None:
    time.sleep(0.2)
    raw, headers = signed(
        {"msg_id": msg_id, "client_ref": client_ref, "status": "DELIVRD", "at": time.time()}
    )
    try:
        urllib.request.urlopen(urllib.request.Request(url, raw, headers, method="POST"), timeout=5)
    except OSError as exc:
        print("receipt failed", exc, file=sys.stderr)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def _answer(self, status: int, body: Any) -> None:
        raw = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self) -> None:
        with LOCK:
            self._answer(200, TAKEN)

    def do_POST(self) -> None:
        global seen
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        ok = rules.signature_ok(
            SECRET,
            self.headers.get("X-Timestamp", ""),
            self.headers.get("X-Nonce", ""),
            raw,
            self.headers.get("X-Signature", ""),
        )
        if not ok:
            return self._answer(401, {"code": "401", "msg": "bad signature"})
        with LOCK:
            seen += 1
            failing = seen <= FAIL_FIRST
        if DELAY_S:
            time.sleep(DELAY_S)
        if failing:
            return self._answer(503, {"code": "503", "msg": "busy"})
        body = json.loads(raw)
        msg_id = f"M{uuid.uuid4().hex[:12]}"
        with LOCK:
            TAKEN.append({**body, "msg_id": msg_id})
        self._answer(200, {"code": "0", "msg_id": msg_id})
        if body.get("receipt_url"):
            threading.Thread(
                target=send_receipt, args=(body["receipt_url"], msg_id, body["client_ref"])
            ).start()


def main() -> None:
    global SECRET
    port, SECRET = int(sys.argv[1]), sys.argv[2]
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
