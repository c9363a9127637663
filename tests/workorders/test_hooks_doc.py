"""docs/hooks.md is the generated list of who reacts to what: regenerate with
`telcodesk hooks > docs/hooks.md`."""

from pathlib import Path

from telcodesk.wiring import hooks_markdown


def test_hooks_doc_is_current() -> None:
    doc = Path(__file__).resolve().parents[2] / "docs" / "hooks.md"
    assert doc.read_text(encoding="utf-8") == hooks_markdown()
