"""The outbox delivers (on both engines): email to a real SMTP server (aiosmtpd), SMS to a
recording fake of a carrier's SMS platform in its own process (signed POSTs, receipts back),
events to the NATS JetStream server at 127.0.0.1:4222; retries with backoff, dead letters,
replay; a worker SIGKILLed mid-delivery loses nothing and a dedup-aware receiver sees each
message once."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from telcodesk import clock
from telcodesk.config import Settings
from telcodesk.db import unit_of_work
from telcodesk.errors import Forbidden, NotFound
from telcodesk.notify import jobs, outbox, rules
from telcodesk.notify import service as notify
from telcodesk.notify.models import OutboxMessage
from tests.factories import World, hq_admin
from tests.live import free_port, live_server

SECRET = "gateway-test-secret"


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, list[Any]]]:
    from aiosmtpd.controller import Controller

    received: list[Any] = []

    class Recorder:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.append(envelope)
            return "250 OK"

    port = free_port()
    controller = Controller(Recorder(), hostname="127.0.0.1", port=port)
    controller.start()
    yield port, received
    controller.stop()


def start_gateway(**env: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fake_sms_gateway", str(port), SECRET],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == b"ready"
    return proc, f"http://127.0.0.1:{port}"


@pytest.fixture
def gateway() -> Iterator[str]:
    proc, url = start_gateway()
    yield url
    proc.kill()
    proc.wait()


def taken(url: str) -> list[dict[str, Any]]:
    with urllib.request.urlopen(url + "/messages", timeout=5) as res:
        return json.loads(res.read())  # type: ignore[no-any-return]


def queue(factory: sessionmaker[Session], world: World, n: int, channel: str) -> list[str]:
    with unit_of_work(factory) as session:
        keys = [
            notify.enqueue(
                session,
                channel=channel,
                kind="registered",
                recipient="13800138000" if channel == "sms" else "a@example.cn",
                subject="测试",
                body=f"消息 {i}",
                province_code="440000",
            ).dedup_key
            for i in range(n)
        ]
    return keys


def deliver(factory: sessionmaker[Session], settings: Settings) -> int:
    with unit_of_work(factory) as session:
        return jobs.deliver(session, settings)


def states(factory: sessionmaker[Session]) -> list[tuple[str, int]]:
    with unit_of_work(factory) as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [(m.state, m.attempts) for m in rows]


def test_email_reaches_a_real_smtp_server_with_the_dedup_key(
    factory: sessionmaker[Session], world: World, settings: Settings, smtp_server: Any
) -> None:
    port, received = smtp_server
    with unit_of_work(factory) as session:
        notify.save_profile(
            session,
            world.handler,
            email="w@gz.example.cn",
            mobile=None,
            channels={"chase": ["console", "email"]},
        )
        notify.send_staff(
            session,
            [world.handler.id],
            order_id=None,
            kind="chase",
            message_zh="催办：工单 X",
            message_en="Chase: order X",
        )
    cfg = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
    assert deliver(factory, cfg) == 1
    assert deliver(factory, cfg) == 0  # nothing twice
    [mail] = received
    assert mail.rcpt_tos == ["w@gz.example.cn"]
    text = mail.content.decode()
    with unit_of_work(factory) as session:
        row = session.scalars(select(OutboxMessage)).one()
        assert row.state == "sent" and row.dedup_key in text and row.provider_id
    assert "Message-ID: <td-email-" in text


def test_sms_gateway_signed_retries_with_backoff_then_dead_letter_and_replay(
    factory: sessionmaker[Session], world: World, settings: Settings
) -> None:
    proc, url = start_gateway(FAKE_SMS_FAIL_FIRST="3")
    try:
        cfg = settings.model_copy(
            update={"sms_gateway_url": url, "sms_secret": SECRET, "outbox_max_attempts": 3}
        )
        start = clock.now()
        clock.set_clock(lambda: start)
        [key] = queue(factory, world, 1, "sms")
        assert deliver(factory, cfg) == 1
        assert states(factory) == [("pending", 1)]
        assert deliver(factory, cfg) == 0  # backing off: not due yet
        clock.set_clock(lambda: start + timedelta(seconds=31))
        assert deliver(factory, cfg) == 1
        assert states(factory) == [("pending", 2)]
        clock.set_clock(lambda: start + timedelta(seconds=31 + 59))
        assert deliver(factory, cfg) == 0  # the second wait is twice the first
        clock.set_clock(lambda: start + timedelta(seconds=31 + 61))
        deliver(factory, cfg)
        assert states(factory) == [("dead", 3)]
        with unit_of_work(factory) as session:
            [dead] = outbox.list_messages(session, hq_admin(session), state="dead")
            assert "503" in (dead.last_error or "")
            with pytest.raises(Forbidden):
                outbox.replay(session, world.agent, [dead.id])
            with pytest.raises(NotFound):  # a province admin sees only their province's
                outbox.replay(session, world.admin, [dead.id + 1000])
            assert outbox.replay(session, world.admin, [dead.id]) == 1
        assert deliver(factory, cfg) == 1  # the gateway takes the fourth try
        assert states(factory) == [("sent", 1)]
        [sms] = taken(url)
        assert sms["client_ref"] == key and sms["mobile"] == "13800138000"
    finally:
        proc.kill()
        proc.wait()


def test_a_wrongly_signed_request_is_refused_by_the_gateway(
    factory: sessionmaker[Session], world: World, settings: Settings, gateway: str
) -> None:
    cfg = settings.model_copy(update={"sms_gateway_url": gateway, "sms_secret": "wrong"})
    queue(factory, world, 1, "sms")
    deliver(factory, cfg)
    assert states(factory) == [("pending", 1)]
    assert taken(gateway) == []


def nats_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 4222), timeout=1).close()
        return True
    except OSError:
        return False


def test_events_reach_nats_jetstream_once_per_dedup_key(
    factory: sessionmaker[Session], world: World, settings: Settings
) -> None:
    if not nats_up():
        pytest.fail("NATS JetStream must run at 127.0.0.1:4222 (scripts/test starts it)")
    import asyncio

    import nats

    stream = f"TDTEST{os.getpid()}{int(time.time() * 1000) % 100000}"
    prefix = f"telcodesk.test{stream.lower()}"
    with unit_of_work(factory) as session:
        keys = []
        for action in ("register", "reply"):
            row = notify.enqueue(
                session,
                channel="event",
                kind=action,
                recipient=f"{prefix}.order.{action}",
                payload={"order": "X1", "action": action},
            )
            keys.append(row.dedup_key)

    async def make_stream() -> None:
        nc = await nats.connect("nats://127.0.0.1:4222")
        js = nc.jetstream()
        await js.add_stream(name=stream, subjects=[f"{prefix}.>"])
        await nc.close()

    asyncio.run(make_stream())
    cfg = settings.model_copy(update={"nats_url": "nats://127.0.0.1:4222", "nats_stream": stream})
    try:
        assert deliver(factory, cfg) == 2
        # Redeliver both (as after a crash): JetStream drops them by Nats-Msg-Id.
        with unit_of_work(factory) as session:
            for row in session.scalars(select(OutboxMessage)):
                row.state = "pending"
        assert deliver(factory, cfg) == 2

        async def read() -> list[tuple[str, str, dict[str, Any]]]:
            nc = await nats.connect("nats://127.0.0.1:4222")
            js = nc.jetstream()
            info = await js.stream_info(stream)
            sub = await js.pull_subscribe(f"{prefix}.>", durable=None, stream=stream)
            msgs = await sub.fetch(info.state.messages, timeout=5)
            out = [(m.subject, m.headers["Nats-Msg-Id"], json.loads(m.data)) for m in msgs]
            await js.delete_stream(stream)
            await nc.close()
            return out

        got = asyncio.run(read())
        assert [(s, k) for s, k, _ in got] == [
            (f"{prefix}.order.register", keys[0]),
            (f"{prefix}.order.reply", keys[1]),
        ]
        assert got[1][2] == {"order": "X1", "action": "reply"}
    finally:
        jobs._built.clear()


def test_killed_worker_loses_no_sms_and_the_receiver_sees_each_once(
    factory: sessionmaker[Session], world: World, db_url: str
) -> None:
    proc, url = start_gateway(FAKE_SMS_DELAY_S="0.05")
    try:
        keys = queue(factory, world, 60, "sms")
        env = {
            **os.environ,
            "TELCODESK_DATABASE_URL": db_url,
            "TELCODESK_SMS_GATEWAY_URL": url,
            "TELCODESK_SMS_SECRET": SECRET,
        }
        cmd = [sys.executable, "-m", "telcodesk.cli", "worker", "--once"]
        worker = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while len(taken(url)) < 5 and worker.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        worker.send_signal(signal.SIGKILL)  # mid-batch: nothing of the batch is committed
        worker.wait()
        with unit_of_work(factory) as session:
            sent = session.scalar(select(func.count()).where(OutboxMessage.state == rules.SENT))
        assert len(taken(url)) > 0 and (sent or 0) < 60, "the kill should land mid-delivery"
        restarted = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
        assert restarted.returncode == 0, restarted.stderr
        assert states(factory) == [("sent", 1)] * 60 or all(s == "sent" for s, _ in states(factory))
        refs = [m["client_ref"] for m in taken(url)]
        assert len(refs) >= 60  # at least once: the killed batch went out again
        assert sorted(set(refs)) == sorted(keys)  # deduplicated by key: each exactly once
    finally:
        proc.kill()
        proc.wait()


def test_old_sent_events_are_purged_but_messages_to_people_stay(
    factory: sessionmaker[Session], world: World, settings: Settings
) -> None:
    now = clock.now()
    with unit_of_work(factory) as session:
        for channel, age_days, state in (
            ("event", 8, "sent"),
            ("event", 8, "pending"),
            ("event", 6, "sent"),
            ("sms", 30, "sent"),
        ):
            row = notify.enqueue(session, channel=channel, kind="register", recipient="x")
            row.state, row.sent_at = state, now - timedelta(days=age_days)
    with unit_of_work(factory) as session:
        assert jobs.purge_sent_events(session, settings) == 1
    with unit_of_work(factory) as session:
        left = session.scalars(select(OutboxMessage.channel).order_by(OutboxMessage.id)).all()
        assert left == ["event", "event", "sms"]


def test_the_gateways_receipt_comes_back_to_our_endpoint(
    factory: sessionmaker[Session], world: World, settings: Settings
) -> None:
    """The whole loop over real HTTP: we send, the platform answers a msg_id, then POSTs a
    signed receipt to our receipt endpoint, which marks the message delivered."""
    from telcodesk.app import create_app

    proc, url = start_gateway()
    port = free_port()
    cfg = settings.model_copy(
        update={
            "sms_gateway_url": url,
            "sms_secret": SECRET,
            "sms_receipt_url": f"http://127.0.0.1:{port}/api/v1/notify/sms/receipts",
        }
    )
    try:
        with live_server(create_app(cfg), port=port):
            queue(factory, world, 1, "sms")
            assert deliver(factory, cfg) == 1
            receipt = None
            for _ in range(100):
                with unit_of_work(factory) as session:
                    row = session.scalars(select(OutboxMessage)).one()
                    receipt = row.receipt
                if receipt:
                    break
                time.sleep(0.05)
            assert receipt == "delivered"
            assert row.provider_id == taken(url)[0]["msg_id"]
    finally:
        proc.kill()
        proc.wait()
