"""staffing_plan, staffing_roster, staffing_roster_shift: staffing plans and rosters (CC-3)

Revision ID: 0021_rostering
Revises: 0020_saved_views
Create Date: 2026-12-07 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_rostering"
down_revision: str | None = "0020_saved_views"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staffing_plan",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("org_unit.id"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("interval_minutes", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=10), nullable=False),
        sa.Column("forecast", sa.JSON(), nullable=False),
        sa.Column("intervals", sa.JSON(), nullable=False),
        sa.Column("totals", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_staffing_plan_unit_day", "staffing_plan", ["unit_id", "day"])
    op.create_table(
        "staffing_roster",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("org_unit.id"), nullable=False),
        sa.Column("plan_id", sa.Integer(), sa.ForeignKey("staffing_plan.id"), nullable=False),
        sa.Column("start_day", sa.Date(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("shifts", sa.JSON(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("requests", sa.JSON(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_staffing_roster_unit_start", "staffing_roster", ["unit_id", "start_day"])
    op.create_index("ix_staffing_roster_plan_id", "staffing_roster", ["plan_id"])
    op.create_table(
        "staffing_roster_shift",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("roster_id", sa.Integer(), sa.ForeignKey("staffing_roster.id"), nullable=False),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("shift_code", sa.String(length=4), nullable=False),
        sa.UniqueConstraint("roster_id", "staff_id", "day"),
    )
    op.create_index(
        "ix_staffing_roster_shift_staff_day", "staffing_roster_shift", ["staff_id", "day"]
    )


def downgrade() -> None:
    op.drop_table("staffing_roster_shift")
    op.drop_table("staffing_roster")
    op.drop_table("staffing_plan")
