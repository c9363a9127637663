"""docs/roles.md is the generated role matrix: regenerate with `telcodesk roles > docs/roles.md`."""

from pathlib import Path

from telcodesk.org.roles_doc import role_matrix_markdown


def test_roles_doc_is_current() -> None:
    doc = Path(__file__).resolve().parent.parent / "docs" / "roles.md"
    assert doc.read_text(encoding="utf-8") == role_matrix_markdown()
