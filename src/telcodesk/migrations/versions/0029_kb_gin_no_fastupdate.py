"""The knowledge search's GIN indexes without a pending list (fastupdate = off), and the list
they have flushed: every search read the pending list in full (KB-1)

Revision ID: 0029_kb_gin_direct
Revises: 0028_hall_booking_code
Create Date: 2026-12-07 02:00:00

With fastupdate on (PostgreSQL's default) new entries wait in an unsorted pending list, up to
gin_pending_list_limit (4 MB), until a vacuum merges them; each search scans that list whole.
After loading 100,000 articles the title index held 323 pending pages: a title tier took
8.3 ms where 0.13 ms was enough once merged. Articles are published one at a time, so
writing each straight into the index costs little.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0029_kb_gin_direct"
down_revision: str | None = "0028_hall_booking_code"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = ("ix_kb_search_doc_tsv", "ix_kb_search_doc_tsv_title")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"ALTER INDEX {name} SET (fastupdate = off)")
        op.execute(f"SELECT gin_clean_pending_list('{name}'::regclass)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"ALTER INDEX {name} RESET (fastupdate)")
