"""reply templates 话术 (issue 9 item 7) and bulletin reminders: how many were sent to a
recipient who has not confirmed yet, and when (KB-2)

Revision ID: 0024_replies_reminders
Revises: 0023_hall_offline
Create Date: 2026-12-07 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from telcodesk.db import UTCDateTime

revision: str = "0024_replies_reminders"
down_revision: str | None = "0023_hall_offline"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kb_reply_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("category_code", sa.String(length=80), nullable=True),
        sa.Column("province_code", sa.String(length=6), nullable=True),
        sa.Column("city_code", sa.String(length=6), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["staff.id"], name=op.f("fk_kb_reply_template_created_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["staff.id"], name=op.f("fk_kb_reply_template_updated_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_reply_template")),
    )
    op.create_index("ix_kb_reply_template_state", "kb_reply_template", ["state", "category_code"])
    # Plain ADD COLUMN on both engines (a batch copy would drop the table others point at).
    op.add_column(
        "kb_bulletin_receipt",
        sa.Column("reminders", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column("kb_bulletin_receipt", sa.Column("reminded_at", UTCDateTime(), nullable=True))
    op.add_column("kb_bulletin_receipt", sa.Column("next_remind_at", UTCDateTime(), nullable=True))
    op.create_index(
        op.f("ix_kb_bulletin_receipt_next_remind_at"), "kb_bulletin_receipt", ["next_remind_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_kb_bulletin_receipt_next_remind_at"), table_name="kb_bulletin_receipt")
    op.drop_column("kb_bulletin_receipt", "next_remind_at")
    op.drop_column("kb_bulletin_receipt", "reminded_at")
    op.drop_column("kb_bulletin_receipt", "reminders")
    op.drop_index("ix_kb_reply_template_state", table_name="kb_reply_template")
    op.drop_table("kb_reply_template")
