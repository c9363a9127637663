"""closure data: the call-back's outcome and attempts, root cause, responsibility and whether
the complaint was justified on the order; the editable code lists (SQ-1, SQ-2)

Revision ID: 0015_closure
Revises: 0014_counter
Create Date: 2026-12-06 22:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_closure"
down_revision: str | None = "0014_counter"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain ADD COLUMN on both engines: a batch copy of work_order would drop the table that
# history, notes and clocks point at (see 0008).
COLUMNS: tuple[sa.Column[object], ...] = (
    sa.Column("callback_outcome", sa.String(length=20), nullable=True),
    sa.Column("callback_attempts", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("root_cause", sa.String(length=40), nullable=True),
    sa.Column("responsibility", sa.String(length=40), nullable=True),
    sa.Column("justified", sa.Boolean(), nullable=True),
)


def upgrade() -> None:
    for column in COLUMNS:
        op.add_column("work_order", column)
    # Orders called back before: their yes / no becomes the scale's end points.
    op.execute(
        "UPDATE work_order SET callback_outcome = CASE WHEN satisfied THEN 'satisfied' "
        "ELSE 'dissatisfied' END WHERE satisfied IS NOT NULL"
    )
    op.create_table(
        "closure_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.String(length=50), nullable=False),
        sa.Column("name_en", sa.String(length=80), nullable=False),
        sa.Column("sort", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closure_code")),
        sa.UniqueConstraint("kind", "code", name=op.f("uq_closure_code_kind_code")),
    )


def downgrade() -> None:
    op.drop_table("closure_code")
    for column in reversed(COLUMNS):
        op.drop_column("work_order", column.name)
