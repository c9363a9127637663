"""kb_search_doc: index of a city's overrides, read on every search of its agents (KB-1)

Revision ID: 0016_kb_overrides
Revises: 0015_closure
Create Date: 2026-12-06 23:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016_kb_overrides"
down_revision: str | None = "0015_closure"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_kb_search_doc_city_overrides",
        "kb_search_doc",
        ["city_code", "overrides_article_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_kb_search_doc_city_overrides", table_name="kb_search_doc")
