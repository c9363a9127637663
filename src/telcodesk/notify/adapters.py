"""Delivery adapters behind one interface: `send(message) -> provider id`, raising
`DeliveryFailed` when the receiver did not take it (the worker retries with backoff).

- `SmtpAdapter`: email over SMTP (stdlib smtplib), the dedup key as Message-ID, so a mail
  client or archive seeing a redelivery can drop it;
- `SmsGatewayAdapter`: the HTTP shape carriers' SMS platforms take: a JSON POST to
  `{url}/send` signed with HMAC-SHA256 over timestamp, nonce and body (headers X-App-Key,
  X-Timestamp, X-Nonce, X-Signature), our dedup key as `client_ref`, the platform's
  `msg_id` back; delivery receipts come later to our receipt endpoint (notify/api.py);
- `NatsAdapter`: NATS JetStream, the dedup key as `Nats-Msg-Id` so the stream drops a
  duplicate within its window.
An adapter is built only when its settings are given (`build`): the embedded demo has none,
so nothing leaves and the messages wait in the outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import smtplib
import threading
import time
import urllib.error
import urllib.request
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, Protocol

from telcodesk.config import Settings
from telcodesk.notify import rules
from telcodesk.notify.models import OutboxMessage


class DeliveryFailed(Exception):
    pass


class Adapter(Protocol):
    channel: str

    def send(self, message: OutboxMessage) -> str: ...


class SmtpAdapter:
    channel = rules.EMAIL

    def __init__(self, settings: Settings) -> None:
        self.s = settings

    def send(self, message: OutboxMessage) -> str:
        mail = EmailMessage()
        mail["From"] = self.s.smtp_from
        mail["To"] = message.recipient
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=False)
        message_id = f"<{message.dedup_key}@telcodesk>"
        mail["Message-ID"] = message_id
        mail["X-Telcodesk-Dedup"] = message.dedup_key
        mail.set_content(message.body)
        try:
            with smtplib.SMTP(
                self.s.smtp_host, self.s.smtp_port, timeout=self.s.outbox_send_timeout_s
            ) as smtp:
                if self.s.smtp_starttls:
                    smtp.starttls()
                if self.s.smtp_user:
                    smtp.login(self.s.smtp_user, self.s.smtp_password)
                smtp.send_message(mail)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryFailed(f"smtp: {exc}") from exc
        return message_id


def signed_post(
    url: str, app_key: str, secret: str, body: dict[str, Any], timeout: float
) -> dict[str, Any]:
    """POST a JSON body signed the SMS platform's way; the JSON answer."""
    raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    stamp, nonce = str(int(time.time())), secrets.token_hex(8)
    request = urllib.request.Request(
        url,
        data=raw,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "X-App-Key": app_key,
            "X-Timestamp": stamp,
            "X-Nonce": nonce,
            "X-Signature": rules.sign(secret, stamp, nonce, raw),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer: dict[str, Any] = json.loads(response.read() or b"{}")
    except (OSError, ValueError, urllib.error.URLError) as exc:
        raise DeliveryFailed(f"sms gateway: {exc}") from exc
    return answer


class SmsGatewayAdapter:
    channel = rules.SMS

    def __init__(self, settings: Settings) -> None:
        self.s = settings

    def send(self, message: OutboxMessage) -> str:
        body = {
            "mobile": message.recipient,
            "content": message.body,
            "client_ref": message.dedup_key,
            "receipt_url": self.s.sms_receipt_url,
        }
        answer = signed_post(
            self.s.sms_gateway_url.rstrip("/") + "/send",
            self.s.sms_app_key,
            self.s.sms_secret,
            body,
            self.s.outbox_send_timeout_s,
        )
        if str(answer.get("code")) != "0" or not answer.get("msg_id"):
            raise DeliveryFailed(f"sms gateway refused: {answer}")
        return str(answer["msg_id"])


class NatsAdapter:
    """JetStream publishing from sync code: one connection on a private event loop thread,
    kept for the worker's life; the stream is made (or its subjects checked) on connect."""

    channel = rules.EVENT

    def __init__(self, settings: Settings) -> None:
        self.s = settings
        self._loop: asyncio.AbstractEventLoop | None = None
        self._js: Any = None
        self._nc: Any = None
        self._lock = threading.Lock()

    def _run(self, coro: Any) -> Any:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(
            self.s.outbox_send_timeout_s + 5
        )

    def _connect(self) -> None:
        import nats

        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            threading.Thread(target=self._loop.run_forever, daemon=True, name="nats").start()

        async def connect() -> None:
            self._nc = await nats.connect(
                self.s.nats_url,
                connect_timeout=self.s.outbox_send_timeout_s,
                allow_reconnect=False,
                max_reconnect_attempts=0,
            )
            self._js = self._nc.jetstream(timeout=self.s.outbox_send_timeout_s)
            await ensure_stream(self._js, self.s.nats_stream)

        self._run(connect())

    def send(self, message: OutboxMessage) -> str:
        with self._lock:
            try:
                if self._js is None or self._nc is None or self._nc.is_closed:
                    self._connect()
                data = json.dumps(message.payload, ensure_ascii=False).encode()
                ack = self._run(
                    self._js.publish(
                        message.recipient, data, headers={"Nats-Msg-Id": message.dedup_key}
                    )
                )
            except Exception as exc:  # any client error: retried later, connection renewed
                self._js = None
                raise DeliveryFailed(f"nats: {exc!r}") from exc
        return f"{ack.stream}:{ack.seq}"

    def close(self) -> None:
        if self._nc is not None and self._loop is not None:
            with contextlib.suppress(Exception):  # closing a broken connection: nothing to do
                self._run(self._nc.close())
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)


async def ensure_stream(js: Any, name: str) -> None:
    """The TELCODESK stream over `telcodesk.>`, with a two-minute dedup window."""
    from nats.js.api import StreamConfig
    from nats.js.errors import NotFoundError

    try:
        await js.stream_info(name)
    except NotFoundError:
        await js.add_stream(
            StreamConfig(name=name, subjects=["telcodesk.>"], duplicate_window=120.0)
        )


def build(settings: Settings) -> dict[str, Adapter]:
    """The adapters whose settings are given, by channel."""
    adapters: dict[str, Adapter] = {}
    if settings.smtp_host:
        adapters[rules.EMAIL] = SmtpAdapter(settings)
    if settings.sms_gateway_url and settings.sms_secret:
        adapters[rules.SMS] = SmsGatewayAdapter(settings)
    if settings.nats_url:
        adapters[rules.EVENT] = NatsAdapter(settings)
    return adapters
