"""hall_device and hall_offline_entry: numbers issued and pre-acceptances recorded in the
browser during an outage, entered once when the connection returns (BH-6)

Revision ID: 0023_hall_offline
Revises: 0022_hall_ticket_booked
Create Date: 2026-12-07 01:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from telcodesk.db import UTCDateTime

revision: str = "0023_hall_offline"
down_revision: str | None = "0022_hall_ticket_booked"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hall_device",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("hall_id", sa.Integer(), sa.ForeignKey("org_unit.id"), nullable=False),
        sa.Column("device_key", sa.String(40), nullable=False, unique=True),
        sa.Column("code", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("hall_id", "code"),
    )
    op.create_table(
        "hall_offline_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("hall_id", sa.Integer(), sa.ForeignKey("org_unit.id"), nullable=False),
        sa.Column("record_key", sa.String(40), nullable=False, unique=True),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("hall_ticket.id"), nullable=False),
        sa.Column("number", sa.String(12), nullable=False),
        sa.Column("issued_offline_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("entered_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("note", sa.String(500), nullable=True),
    )
    op.create_index("ix_hall_offline_entry_hall_id", "hall_offline_entry", ["hall_id"])
    op.create_index("ix_hall_offline_entry_ticket_id", "hall_offline_entry", ["ticket_id"])


def downgrade() -> None:
    op.drop_table("hall_offline_entry")
    op.drop_table("hall_device")
