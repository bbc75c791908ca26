"""price corrections: stored closes the vendor revised, and whether their days were re-materialized

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 20:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "price_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("first_date", sa.Date(), nullable=False),
        sa.Column("last_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("closes_changed", sa.Integer(), nullable=False),
        sa.Column("detected_run_id", sa.String(length=64), nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled", sa.Boolean(), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("portfolio_ids", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_corrections")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_price_corrections_handled", "price_corrections", ["handled"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_price_corrections_handled", table_name="price_corrections")
    op.drop_table("price_corrections")
