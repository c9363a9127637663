"""A scheduled job (kernel): each domain lists its own in its ``jobs.py``; the worker composes
them. A job is a scan that can run again at any time without doing anything twice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from telcodesk.config import Settings


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    # One batch in the caller's transaction; returns how many items it handled.
    run: Callable[[Session, Settings], int]
    # Batches: run again, each time in a new transaction, while a batch comes back full.
    batch: int | None = None
    # Run every few seconds too (Settings.worker_prompt_s), not only each round: for jobs
    # whose work is due at a moment (an SLA stage, a message) and cheap to look for.
    prompt: bool = False
