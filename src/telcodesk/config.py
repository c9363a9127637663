"""Settings, read from the environment (prefix ``TELCODESK_``) or a ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-secret-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TELCODESK_", env_file=".env", extra="ignore")

    env: str = "development"
    database_url: str = "sqlite:///./var/telcodesk.db"
    # SQLite only (db_sqlite.py): FULL fsyncs every commit (durable, like PostgreSQL's
    # synchronous_commit=on); NORMAL may lose the last commits at a power cut.
    sqlite_synchronous: Literal["FULL", "NORMAL"] = "FULL"
    # SQLite only: writers queue on a lock file instead of SQLite's sleeping busy handler.
    sqlite_write_turn: bool = True
    secret_key: str = DEV_SECRET
    # Console sessions and API tokens expire; CD-2 asks for bounded authorisation.
    session_hours: int = 12
    api_token_hours: int = 24 * 30
    timezone: str = "Asia/Shanghai"
    # Run the scheduled jobs inside the web process (embedded default; `telcodesk serve` sets it).
    embedded_worker: bool = False
    # Seconds between worker rounds of every job.
    worker_interval_s: float = 30.0
    # Seconds between the prompt jobs in between (due SLA stages, outbox delivery): an alert
    # reaches the bell, the mailbox and the phone within seconds, not on the next round.
    # Each is one indexed read when nothing is due.
    worker_prompt_s: float = 1.0
    # A reply that the customer never confirms is archived after this many days (WO-1).
    callback_timeout_days: int = 7
    idempotency_retention_hours: int = 48
    # A reviewed order nobody assigns is routed by the dispatch rules after this long (CC-1).
    auto_dispatch_after_minutes: int = 5
    max_body_bytes: int = 1_000_000
    # Bulletins (KB-2): office hours (09–18 on PRC working days) after which a recipient who
    # has not confirmed reading is reminded, once per stage (knowledge.bulletins).
    bulletin_reminder_hours: list[float] = [4.0, 12.0]
    # The attachment store (attachments/rules.py): the largest file and the types accepted,
    # a subset of attachments.rules.TYPES. An upload's body may be this much (plus the form).
    attachment_max_bytes: int = 20 * 1_048_576
    attachment_types: list[str] = [
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/pdf",
        "audio/mpeg",
        "audio/wav",
        "audio/amr",
        "audio/mp4",
    ]
    # Meets the one password policy (CD-2): 10+ characters, letters and digits.
    demo_password: str = "Demo@2026!"
    # Authentication hardening (CD-2).
    lockout_after_failures: int = 5
    lockout_minutes: int = 15
    # Failed logins per client address before its tries are refused for a while (CD-2).
    login_throttle_failures: int = 20
    login_throttle_minutes: int = 15
    password_max_age_days: int = 90
    password_history: int = 5
    session_idle_minutes: int = 30
    # Revealing masked personal data (CD-2): at most this many reveals per staff member per hour.
    reveals_per_hour: int = 20
    # Outbox delivery (docs/notifications.md). Each adapter is off until configured, so the
    # embedded demo works offline: its messages wait in the outbox, the console bell works.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = "telcodesk@localhost"
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    sms_gateway_url: str = ""  # e.g. https://sms.example.cn/api (POST {url}/send)
    sms_app_key: str = ""
    sms_secret: str = ""
    # Our receipt endpoint's public address, sent with each SMS for delivery receipts.
    sms_receipt_url: str = ""
    nats_url: str = ""  # e.g. nats://127.0.0.1:4222
    nats_stream: str = "TELCODESK"
    outbox_batch: int = 50
    outbox_max_attempts: int = 8
    outbox_backoff_s: float = 30.0
    outbox_backoff_cap_s: float = 3600.0
    outbox_send_timeout_s: float = 10.0
    # Order events JetStream took are dropped from the outbox after this many days.
    outbox_event_retention_days: int = 7

    @model_validator(mode="after")
    def _refuse_dev_secret_in_production(self) -> Settings:
        if self.env == "production" and self.secret_key == DEV_SECRET:
            raise ValueError("TELCODESK_SECRET_KEY must be set in production")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
