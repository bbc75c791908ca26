"""reference tables

Revision ID: 0001
Revises:
Create Date: 2026-11-23 14:23:25.046775
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "market_prices",
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("close", sa.Double(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("symbol", "date", name=op.f("pk_market_prices")),
    )
    with op.batch_alter_table("market_prices", schema=None) as batch_op:
        batch_op.create_index("ix_market_prices_date", ["date"], unique=False)

    op.create_table(
        "unavailable_symbols",
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("symbol", name=op.f("pk_unavailable_symbols")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_users_token_hash")),
    )
    op.create_table(
        "portfolios",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_portfolios_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portfolios")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("portfolios", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_portfolios_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "positions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portfolio_id", sa.Integer(), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column(
            "investment_class",
            sa.Enum("PUBLIC", "OPTIONS", "PRIVATE", name="investment_class", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("quantity", sa.Double(), nullable=False),
        sa.Column("entry_price", sa.Double(), nullable=False),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("exit_price", sa.Double(), nullable=True),
        sa.Column("exit_date", sa.Date(), nullable=True),
        sa.Column("underlying", sa.String(length=16), nullable=True),
        sa.Column("option_type", sa.String(length=1), nullable=True),
        sa.Column("strike", sa.Double(), nullable=True),
        sa.Column("expiry", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["portfolio_id"], ["portfolios.id"], name=op.f("fk_positions_portfolio_id_portfolios"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_positions")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("positions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_positions_portfolio_id"), ["portfolio_id"], unique=False)

    op.create_table(
        "manual_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position_id", sa.Integer(), nullable=False),
        sa.Column("mark_date", sa.Date(), nullable=False),
        sa.Column("price", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["position_id"], ["positions.id"], name=op.f("fk_manual_marks_position_id_positions"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manual_marks")),
        sa.UniqueConstraint("position_id", "mark_date", name=op.f("uq_manual_marks_position_id")),
    )
    with op.batch_alter_table("manual_marks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_manual_marks_position_id"), ["position_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("manual_marks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_manual_marks_position_id"))

    op.drop_table("manual_marks")
    with op.batch_alter_table("positions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_positions_portfolio_id"))

    op.drop_table("positions")
    with op.batch_alter_table("portfolios", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portfolios_owner_id"))

    op.drop_table("portfolios")
    op.drop_table("users")
    op.drop_table("unavailable_symbols")
    with op.batch_alter_table("market_prices", schema=None) as batch_op:
        batch_op.drop_index("ix_market_prices_date")

    op.drop_table("market_prices")
