"""customer: birth date, special care, document copy kept, account manager (BH-2, BH-7, CD-1)

Revision ID: 0009_customer_identity
Revises: 0008_admin
Create Date: 2026-12-06 21:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_customer_identity"
down_revision: str | None = "0008_admin"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain ADD / DROP COLUMN on both engines, as 0008: a batch copy of ``customer`` would drop a
# table that orders point at. The foreign key to staff is declared on PostgreSQL only
# (SQLite cannot add a constraint to an existing table; the ORM keeps the relation there).


def upgrade() -> None:
    op.add_column("customer", sa.Column("birth_date", sa.Date(), nullable=True))
    op.add_column("customer", sa.Column("special_care", sa.String(length=20), nullable=True))
    op.add_column(
        "customer",
        sa.Column("id_copy_kept", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column("customer", sa.Column("account_manager_id", sa.Integer(), nullable=True))
    op.add_column("customer", sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.create_foreign_key(
            "fk_customer_account_manager", "customer", "staff", ["account_manager_id"], ["id"]
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("fk_customer_account_manager", "customer", type_="foreignkey")
    for column in ("updated_at", "account_manager_id", "id_copy_kept", "special_care"):
        op.drop_column("customer", column)
    op.drop_column("customer", "birth_date")
