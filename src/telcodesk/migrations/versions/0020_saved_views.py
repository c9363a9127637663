"""saved views of the work queues, own or shared with a unit (issue 9 item 1)

Revision ID: 0020_saved_views
Revises: 0019_attachments
Create Date: 2026-12-07 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_saved_views"
down_revision: str | None = "0019_attachments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "saved_view",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["staff.id"], name=op.f("fk_saved_view_owner_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_unit.id"], name=op.f("fk_saved_view_unit_id_org_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_view")),
        sa.UniqueConstraint("owner_id", "name", name=op.f("uq_saved_view_owner_id_name")),
    )
    op.create_index(op.f("ix_saved_view_owner_id"), "saved_view", ["owner_id"])
    op.create_index(op.f("ix_saved_view_unit_id"), "saved_view", ["unit_id"])


def downgrade() -> None:
    op.drop_table("saved_view")
