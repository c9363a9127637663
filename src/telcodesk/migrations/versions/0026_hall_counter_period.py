"""hall_counter_period: each counter's open and paused periods, for utilisation (T-3, BH-3)

Revision ID: 0026_hall_counter_period
Revises: 0025_hall_ticket_link
Create Date: 2026-12-07 01:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026_hall_counter_period"
down_revision: str | None = "0025_hall_ticket_link"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hall_counter_period",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("hall_id", sa.Integer(), sa.ForeignKey("org_unit.id"), nullable=False),
        sa.Column("counter_id", sa.Integer(), sa.ForeignKey("hall_counter.id"), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "ix_hall_counter_period_hall_start", "hall_counter_period", ["hall_id", "started_at"]
    )
    op.create_index("ix_hall_counter_period_counter_id", "hall_counter_period", ["counter_id"])


def downgrade() -> None:
    op.drop_table("hall_counter_period")
