"""customer_product, the consent ledger customer_consent, customers by document (CD-1, CD-3)

Revision ID: 0013_customer_products
Revises: 0012_halls_indexes
Create Date: 2026-12-06 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_customer_products"
down_revision: str | None = "0012_halls_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The counter finds a customer by the document they show (BH-7).
    op.create_index("ix_customer_id_number", "customer", ["id_number"])
    op.create_table(
        "customer_product",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customer.id"), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("plan", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("contract_end", sa.Date(), nullable=True),
        sa.Column("arrears_fen", sa.Integer(), nullable=False),
        sa.Column("services", sa.String(length=400), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_customer_product_customer_id", "customer_product", ["customer_id"])
    op.create_index("ix_customer_product_number", "customer_product", ["number"])
    op.create_table(
        "customer_consent",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customer.id"), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("third_party", sa.String(length=100), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("evidence", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=True),
    )
    op.create_index(
        "ix_consent_customer_purpose", "customer_consent", ["customer_id", "purpose", "id"]
    )
    # CD-3: the ledger is append-only; a withdrawal is a new entry. The database refuses an
    # UPDATE on both engines (and a DELETE on PostgreSQL, as for the audit log).
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION customer_consent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'customer_consent is append-only (% refused)', TG_OP;
            END $$;
            CREATE TRIGGER customer_consent_no_change BEFORE UPDATE OR DELETE
                ON customer_consent FOR EACH ROW EXECUTE FUNCTION customer_consent_append_only();
            """
        )
    else:
        op.execute(
            "CREATE TRIGGER customer_consent_no_update BEFORE UPDATE ON customer_consent "
            "BEGIN SELECT RAISE(ABORT, 'customer_consent is append-only'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS customer_consent_no_change ON customer_consent")
        op.execute("DROP FUNCTION IF EXISTS customer_consent_append_only()")
    op.drop_table("customer_consent")
    op.drop_table("customer_product")
    op.drop_index("ix_customer_id_number", "customer")
