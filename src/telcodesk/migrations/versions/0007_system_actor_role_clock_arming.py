"""the system actor gets the narrow system role; SLA clocks can be re-armed

Revision ID: 0007
Revises: 0006_customers
Create Date: 2026-12-01 22:30:00

The account the worker's jobs act as was created as an HQ admin: every setting and account
nationwide. It now has the ``system`` role, no wider than its jobs (CD-2).

An extended or reopened clock watches its new deadline again: its warning stages are re-armed
under a new ``arming`` number, so a stage can fire once per arming (T-2, WO-1).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006_customers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(sa.text("UPDATE staff SET role = 'system' WHERE username = 'system'"))
    with op.batch_alter_table("order_clock", schema=None) as batch_op:
        batch_op.add_column(sa.Column("arming", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("sla_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("arming", sa.Integer(), nullable=False, server_default="0"))
        batch_op.drop_constraint("uq_sla_event_clock_id_stage", type_="unique")
        batch_op.create_unique_constraint(
            "uq_sla_event_clock_id_arming_stage", ["clock_id", "arming", "stage"]
        )


def downgrade() -> None:
    with op.batch_alter_table("sla_event", schema=None) as batch_op:
        batch_op.drop_constraint("uq_sla_event_clock_id_arming_stage", type_="unique")
        batch_op.create_unique_constraint("uq_sla_event_clock_id_stage", ["clock_id", "stage"])
        batch_op.drop_column("arming")
    with op.batch_alter_table("order_clock", schema=None) as batch_op:
        batch_op.drop_column("arming")
    op.execute(sa.text("UPDATE staff SET role = 'hq_admin' WHERE username = 'system'"))
