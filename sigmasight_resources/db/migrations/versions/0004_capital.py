"""capital: inception equity, cash flows, cash and leverage in snapshots, stale positions in data_quality

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SNAPSHOT_COLUMNS = ("cash", "external_flow", "gross_leverage", "net_leverage")


def upgrade() -> None:
    op.add_column("portfolios", sa.Column("inception_equity", sa.Double(), nullable=True))
    op.create_table(
        "cash_flows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portfolio_id", sa.Integer(), nullable=False),
        sa.Column("flow_date", sa.Date(), nullable=False),
        sa.Column("amount", sa.Double(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["portfolio_id"],
            ["portfolios.id"],
            name=op.f("fk_cash_flows_portfolio_id_portfolios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cash_flows")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_cash_flows_portfolio_id"), "cash_flows", ["portfolio_id"], unique=False)
    with op.batch_alter_table("portfolio_snapshots") as batch:
        for name in SNAPSHOT_COLUMNS:
            batch.add_column(sa.Column(name, sa.Double(), nullable=True))
    with op.batch_alter_table("data_quality") as batch:
        batch.add_column(sa.Column("positions_stale", sa.Integer(), server_default=sa.text("0"), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("data_quality") as batch:
        batch.drop_column("positions_stale")
    with op.batch_alter_table("portfolio_snapshots") as batch:
        for name in SNAPSHOT_COLUMNS:
            batch.drop_column(name)
    op.drop_index(op.f("ix_cash_flows_portfolio_id"), table_name="cash_flows")
    op.drop_table("cash_flows")
    op.drop_column("portfolios", "inception_equity")
