"""hall_appointment_slot, hall_appointment and the halls' check-in windows: appointments for
gold and diamond members (BH-4)

Revision ID: 0018_hall_appointments
Revises: 0017_kb_title_tsv
Create Date: 2026-12-07 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from telcodesk.db import UTCDateTime

revision: str = "0018_hall_appointments"
down_revision: str | None = "0017_kb_title_tsv"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("hall_config") as batch:
        batch.add_column(
            sa.Column("checkin_early_minutes", sa.Integer(), nullable=False, server_default="30")
        )
        batch.add_column(
            sa.Column("checkin_late_minutes", sa.Integer(), nullable=False, server_default="15")
        )
    op.create_table(
        "hall_appointment_slot",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("hall_id", sa.Integer(), sa.ForeignKey("org_unit.id"), nullable=False),
        sa.Column(
            "service_type_id", sa.Integer(), sa.ForeignKey("hall_service_type.id"), nullable=False
        ),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("starts_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.UniqueConstraint("hall_id", "service_type_id", "starts_at"),
    )
    op.create_index("ix_hall_appointment_slot_hall_id", "hall_appointment_slot", ["hall_id"])
    op.create_table(
        "hall_appointment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("hall_id", sa.Integer(), sa.ForeignKey("org_unit.id"), nullable=False),
        sa.Column(
            "slot_id", sa.Integer(), sa.ForeignKey("hall_appointment_slot.id"), nullable=False
        ),
        sa.Column(
            "service_type_id", sa.Integer(), sa.ForeignKey("hall_service_type.id"), nullable=False
        ),
        sa.Column("starts_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customer.id"), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("tier", sa.String(20), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("source", sa.String(12), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("staff.id"), nullable=True),
        sa.Column("reminded_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("checked_in_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("hall_ticket.id"), nullable=True),
        sa.Column("province_code", sa.String(6), nullable=False),
        sa.Column("city_code", sa.String(6), nullable=False),
    )
    op.create_index("ix_hall_appointment_hall_id", "hall_appointment", ["hall_id"])
    op.create_index("ix_hall_appointment_slot_id", "hall_appointment", ["slot_id"])
    op.create_index("ix_hall_appointment_due", "hall_appointment", ["state", "starts_at"])
    op.create_index("ix_hall_appointment_customer", "hall_appointment", ["customer_id", "state"])


def downgrade() -> None:
    op.drop_table("hall_appointment")
    op.drop_table("hall_appointment_slot")
    with op.batch_alter_table("hall_config") as batch:
        batch.drop_column("checkin_late_minutes")
        batch.drop_column("checkin_early_minutes")
