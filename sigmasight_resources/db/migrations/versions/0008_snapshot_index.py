"""snapshots by portfolio: an index on (portfolio_id, date) for one portfolio's time series

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 21:45:00
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_portfolio_snapshots_portfolio_date", "portfolio_snapshots", ["portfolio_id", "date"])


def downgrade() -> None:
    op.drop_index("ix_portfolio_snapshots_portfolio_date", table_name="portfolio_snapshots")
