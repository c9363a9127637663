"""counter_visit and counter_transaction (BH-1, BH-5, VA-1…VA-3)

Revision ID: 0014_counter
Revises: 0013_customer_products
Create Date: 2026-12-06 22:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_counter"
down_revision: str | None = "0013_customer_products"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "counter_visit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customer.id"), nullable=False),
        sa.Column("agent_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("province_code", sa.String(length=6), nullable=False),
        sa.Column("city_code", sa.String(length=6), nullable=False),
        sa.Column("document_type", sa.String(length=30), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_counter_visit_customer_id", "counter_visit", ["customer_id"])
    op.create_table(
        "counter_transaction",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("visit_id", sa.Integer(), sa.ForeignKey("counter_visit.id"), nullable=False),
        sa.Column("order_id", sa.Integer(), sa.ForeignKey("work_order.id"), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("product_number", sa.String(length=20), nullable=True),
        sa.Column("fee_fen", sa.Integer(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("bss_ref", sa.String(length=40), nullable=True),
    )
    op.create_index("ix_counter_transaction_visit_id", "counter_transaction", ["visit_id"])
    op.create_index("ix_counter_transaction_order_id", "counter_transaction", ["order_id"])
    op.create_index(
        "ix_counter_transaction_product_number", "counter_transaction", ["product_number"]
    )
    op.create_index(
        "ix_counter_transaction_state_expiry", "counter_transaction", ["state", "expires_at"]
    )


def downgrade() -> None:
    op.drop_table("counter_transaction")
    op.drop_table("counter_visit")
