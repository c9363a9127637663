"""hall_ticket indexes: a counter's current ticket, and the counter and person pools that
"call next" looks at first (BH-2; call next with 10,000 waiting, bench/halls_call_next.py)

Revision ID: 0012_halls_indexes
Revises: 0011_halls
Create Date: 2026-12-06 22:51:23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012_halls_indexes"
down_revision: str | None = "0011_halls"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_hall_ticket_counter", "hall_ticket", ["counter_id", "state"])
    op.create_index("ix_hall_ticket_pool_counter", "hall_ticket", ["pool_counter_id", "state"])
    op.create_index("ix_hall_ticket_pool_staff", "hall_ticket", ["pool_staff_id", "state"])


def downgrade() -> None:
    op.drop_index("ix_hall_ticket_pool_staff", table_name="hall_ticket")
    op.drop_index("ix_hall_ticket_pool_counter", table_name="hall_ticket")
    op.drop_index("ix_hall_ticket_counter", table_name="hall_ticket")
