"""Routes filled in by the work on issue 4 (see app.py)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
