"""A label in both console languages, Chinese first (kernel: every domain names things in it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Label:
    zh: str
    en: str
