"""hall_ticket_link: the counter visit or work order a hall ticket's visit led to (issue 11
item 3; BH-1, BH-5)

Revision ID: 0025_hall_ticket_link
Revises: 0024_replies_reminders
Create Date: 2026-12-07 01:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from telcodesk.db import UTCDateTime

revision: str = "0025_hall_ticket_link"
down_revision: str | None = "0024_replies_reminders"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hall_ticket_link",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("hall_ticket.id"), nullable=False),
        sa.Column("hall_id", sa.Integer(), sa.ForeignKey("org_unit.id"), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(30), nullable=False),
        sa.Column("linked_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=True),
        sa.UniqueConstraint("ticket_id", "kind", "target_id"),
    )
    op.create_index("ix_hall_ticket_link_ticket_id", "hall_ticket_link", ["ticket_id"])


def downgrade() -> None:
    op.drop_table("hall_ticket_link")
