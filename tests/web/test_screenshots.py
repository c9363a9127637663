"""The screenshots in docs/screenshots/ never go stale (issue 9 item 10): scripts/screenshots.py
runs on every CI run, into a temporary folder — every page renders (a page answering an error
fails it) in Chinese and English — and the committed set lists the same pages."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from tests.web.test_browser import pytestmark  # noqa: F401 - browser tests: Chromium needed

ROOT = Path(__file__).resolve().parents[2]


def test_screenshots_of_every_main_page(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("screenshots", ROOT / "scripts/screenshots.py")
    assert spec and spec.loader
    script = importlib.util.module_from_spec(spec)
    sys.modules["screenshots"] = script  # its dataclasses look their module up
    spec.loader.exec_module(script)
    saved = script.take(tmp_path)
    names = sorted(p.name for p in saved)
    assert names == sorted(f"{s.name}.{lang}.png" for s in script.SHOTS for lang in script.LANGS)
    assert all(p.stat().st_size > 10_000 for p in saved)  # a real page, not a blank one
    committed = sorted(p.name for p in (ROOT / "docs/screenshots").glob("*.png"))
    assert committed == names, "run scripts/screenshots.py and commit docs/screenshots/"
