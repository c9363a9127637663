"""attachments: the store (facts and bytes), an order's links and a knowledge version's links
(issue 9 item 7, issue 12 item 1; CD-1, WO-2, KB-2)

Revision ID: 0019_attachments
Revises: 0018_hall_appointments
Create Date: 2026-12-07 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from telcodesk.db import UTCDateTime

revision: str = "0019_attachments"
down_revision: str | None = "0018_hall_appointments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=120), nullable=False),
        sa.Column("content_type", sa.String(length=60), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", UTCDateTime(), nullable=False),
        sa.Column("purged_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["staff.id"], name=op.f("fk_attachment_uploaded_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
    )
    op.create_table(
        "attachment_blob",
        sa.Column("attachment_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["attachment.id"],
            name=op.f("fk_attachment_blob_attachment_id_attachment"),
        ),
        sa.PrimaryKeyConstraint("attachment_id", name=op.f("pk_attachment_blob")),
    )
    op.create_table(
        "order_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("attachment_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.Column("removed_by_id", sa.Integer(), nullable=True),
        sa.Column("removed_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["staff.id"], name=op.f("fk_order_attachment_added_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["attachment.id"],
            name=op.f("fk_order_attachment_attachment_id_attachment"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["work_order.id"], name=op.f("fk_order_attachment_order_id_work_order")
        ),
        sa.ForeignKeyConstraint(
            ["removed_by_id"], ["staff.id"], name=op.f("fk_order_attachment_removed_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_attachment")),
        sa.UniqueConstraint("attachment_id", name=op.f("uq_order_attachment_attachment_id")),
    )
    op.create_index(
        op.f("ix_order_attachment_order_id"), "order_attachment", ["order_id"], unique=False
    )
    op.create_table(
        "kb_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("attachment_id", sa.Integer(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["staff.id"], name=op.f("fk_kb_attachment_added_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["attachment.id"],
            name=op.f("fk_kb_attachment_attachment_id_attachment"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"], ["kb_version.id"], name=op.f("fk_kb_attachment_version_id_kb_version")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_attachment")),
        sa.UniqueConstraint(
            "version_id", "attachment_id", name=op.f("uq_kb_attachment_version_id_attachment_id")
        ),
    )
    op.create_index(
        op.f("ix_kb_attachment_version_id"), "kb_attachment", ["version_id"], unique=False
    )
    op.create_index(
        op.f("ix_kb_attachment_attachment_id"), "kb_attachment", ["attachment_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("kb_attachment")
    op.drop_table("order_attachment")
    op.drop_table("attachment_blob")
    op.drop_table("attachment")
