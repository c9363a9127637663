"""docs/roles.md is generated (role matrix, who may act on an order, who takes which types):
regenerate with `telcodesk roles > docs/roles.md`."""

from pathlib import Path

from telcodesk.workorders.roles_doc import roles_markdown


def test_roles_doc_is_current() -> None:
    doc = Path(__file__).resolve().parents[2] / "docs" / "roles.md"
    assert doc.read_text(encoding="utf-8") == roles_markdown()


def test_roles_doc_shows_the_order_actor_table() -> None:
    text = roles_markdown()
    start_callback = next(line for line in text.splitlines() if "(start_callback)" in line)
    cells = [c.strip() for c in start_callback.split("|")[2:-1]]
    # owner, handler, unit member, supervisor, dispatcher, inspector, system (SQ-1)
    assert cells == ["✓", "✗", "", "✓", "", "✓", ""]
