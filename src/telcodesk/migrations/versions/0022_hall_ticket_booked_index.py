"""hall_ticket index for the appointment queue's head by booked time (BH-4; call next with
10,000 waiting, bench/halls_call_next.py: without it PostgreSQL sorted the whole queue)

Revision ID: 0022_hall_ticket_booked
Revises: 0021_rostering
Create Date: 2026-12-07 01:15:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022_hall_ticket_booked"
down_revision: str | None = "0021_rostering"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_hall_ticket_booked",
        "hall_ticket",
        ["service_type_id", "state", "booked_at", "queued_at", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_hall_ticket_booked", table_name="hall_ticket")
