"""staff.must_change_password: a password an admin set is changed at the next login (CD-2)

Revision ID: 0008_admin
Revises: 0007
Create Date: 2026-12-01 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_admin"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ADD / DROP COLUMN on both engines (SQLite >= 3.35 has both): a batch copy of
# ``staff`` would drop the table that sessions, orders and the audit log point at, which
# SQLite's foreign keys refuse once there is data.


def upgrade() -> None:
    op.add_column(
        "staff",
        sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    op.drop_column("staff", "must_change_password")
