"""result tables

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 14:26:35.626032
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "correlations",
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("portfolio_id", sa.Integer(), nullable=False),
        sa.Column("average", sa.Double(), nullable=True),
        sa.Column("weighted", sa.Double(), nullable=True),
        sa.Column("symbols", sa.JSON(), nullable=False),
        sa.Column("matrix", sa.JSON(), nullable=False),
        sa.Column("clusters", sa.JSON(), nullable=False),
        sa.Column("excluded_positions", sa.Integer(), nullable=False),
        sa.Column("factor_matrix", sa.JSON(), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("date", "portfolio_id", name=op.f("pk_correlations")),
    )
    op.create_table(
        "data_quality",
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("portfolio_id", sa.Integer(), nullable=False),
        sa.Column("asset", sa.String(length=64), nullable=False),
        sa.Column("flag", sa.String(length=32), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("positions_total", sa.Integer(), nullable=False),
        sa.Column("positions_analyzed", sa.Integer(), nullable=False),
        sa.Column("positions_skipped", sa.JSON(), nullable=False),
        sa.Column("data_days", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("date", "portfolio_id", "asset", name=op.f("pk_data_quality")),
    )
    with op.batch_alter_table("data_quality", schema=None) as batch_op:
        batch_op.create_index("ix_data_quality_flag", ["flag"], unique=False)

    op.create_table(
        "factor_exposures",
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("portfolio_id", sa.Integer(), nullable=False),
        sa.Column("factor", sa.String(length=32), nullable=False),
        sa.Column("beta", sa.Double(), nullable=True),
        sa.Column("dollar_exposure", sa.Double(), nullable=True),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("date", "portfolio_id", "factor", name=op.f("pk_factor_exposures")),
    )
    op.create_table(
        "portfolio_betas",
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("portfolio_id", sa.Integer(), nullable=False),
        sa.Column("market_beta", sa.Double(), nullable=True),
        sa.Column("ir_beta", sa.Double(), nullable=True),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("date", "portfolio_id", name=op.f("pk_portfolio_betas")),
    )
    op.create_table(
        "portfolio_snapshots",
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("portfolio_id", sa.Integer(), nullable=False),
        sa.Column("nav", sa.Double(), nullable=False),
        sa.Column("long_exposure", sa.Double(), nullable=False),
        sa.Column("short_exposure", sa.Double(), nullable=False),
        sa.Column("gross_exposure", sa.Double(), nullable=False),
        sa.Column("net_exposure", sa.Double(), nullable=False),
        sa.Column("daily_pnl", sa.Double(), nullable=False),
        sa.Column("daily_return", sa.Double(), nullable=True),
        sa.Column("cumulative_pnl", sa.Double(), nullable=False),
        sa.Column("positions_count", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("date", "portfolio_id", name=op.f("pk_portfolio_snapshots")),
    )
    op.create_table(
        "portfolio_volatility",
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("portfolio_id", sa.Integer(), nullable=False),
        sa.Column("realized_21d", sa.Double(), nullable=True),
        sa.Column("realized_63d", sa.Double(), nullable=True),
        sa.Column("realized_252d", sa.Double(), nullable=True),
        sa.Column("har_forecast_1d", sa.Double(), nullable=True),
        sa.Column("har_forecast_21d", sa.Double(), nullable=True),
        sa.Column("var_95", sa.Double(), nullable=True),
        sa.Column("var_99", sa.Double(), nullable=True),
        sa.Column("es_95", sa.Double(), nullable=True),
        sa.Column("es_99", sa.Double(), nullable=True),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("date", "portfolio_id", name=op.f("pk_portfolio_volatility")),
    )
    op.create_table(
        "position_betas",
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("portfolio_id", sa.Integer(), nullable=False),
        sa.Column("position_id", sa.Integer(), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("market_beta", sa.Double(), nullable=True),
        sa.Column("ir_beta", sa.Double(), nullable=True),
        sa.Column("n_obs", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("date", "portfolio_id", "position_id", name=op.f("pk_position_betas")),
    )
    op.create_table(
        "position_factor_exposures",
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("portfolio_id", sa.Integer(), nullable=False),
        sa.Column("position_id", sa.Integer(), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("exposure", sa.Double(), nullable=True),
        sa.Column("market_beta", sa.Double(), nullable=True),
        sa.Column("ir_beta", sa.Double(), nullable=True),
        sa.Column("value", sa.Double(), nullable=True),
        sa.Column("growth", sa.Double(), nullable=True),
        sa.Column("momentum", sa.Double(), nullable=True),
        sa.Column("quality", sa.Double(), nullable=True),
        sa.Column("size", sa.Double(), nullable=True),
        sa.Column("low_volatility", sa.Double(), nullable=True),
        sa.Column("growth_value_spread", sa.Double(), nullable=True),
        sa.Column("momentum_spread", sa.Double(), nullable=True),
        sa.Column("size_spread", sa.Double(), nullable=True),
        sa.Column("quality_spread", sa.Double(), nullable=True),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("date", "portfolio_id", "position_id", name=op.f("pk_position_factor_exposures")),
    )
    op.create_table(
        "position_values",
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("portfolio_id", sa.Integer(), nullable=False),
        sa.Column("position_id", sa.Integer(), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("investment_class", sa.String(length=16), nullable=False),
        sa.Column("quantity", sa.Double(), nullable=False),
        sa.Column("price", sa.Double(), nullable=True),
        sa.Column("market_value", sa.Double(), nullable=True),
        sa.Column("exposure", sa.Double(), nullable=True),
        sa.Column("weight", sa.Double(), nullable=True),
        sa.Column("daily_pnl", sa.Double(), nullable=True),
        sa.Column("underlying_price", sa.Double(), nullable=True),
        sa.Column("delta", sa.Double(), nullable=True),
        sa.Column("gamma", sa.Double(), nullable=True),
        sa.Column("vega", sa.Double(), nullable=True),
        sa.Column("theta", sa.Double(), nullable=True),
        sa.Column("flag", sa.String(length=32), nullable=True),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("date", "portfolio_id", "position_id", name=op.f("pk_position_values")),
    )
    op.create_table(
        "stress_tests",
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("portfolio_id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("direct_pnl", sa.Double(), nullable=True),
        sa.Column("direct_pct", sa.Double(), nullable=True),
        sa.Column("correlated_pnl", sa.Double(), nullable=True),
        sa.Column("correlated_pct", sa.Double(), nullable=True),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("date", "portfolio_id", "scenario_id", name=op.f("pk_stress_tests")),
    )
    op.create_table(
        "symbol_factor_exposures",
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("market_beta", sa.Double(), nullable=True),
        sa.Column("market_r2", sa.Double(), nullable=True),
        sa.Column("market_n_obs", sa.Integer(), nullable=False),
        sa.Column("ir_beta", sa.Double(), nullable=True),
        sa.Column("ir_r2", sa.Double(), nullable=True),
        sa.Column("ir_n_obs", sa.Integer(), nullable=False),
        sa.Column("value", sa.Double(), nullable=True),
        sa.Column("growth", sa.Double(), nullable=True),
        sa.Column("momentum", sa.Double(), nullable=True),
        sa.Column("quality", sa.Double(), nullable=True),
        sa.Column("size", sa.Double(), nullable=True),
        sa.Column("low_volatility", sa.Double(), nullable=True),
        sa.Column("style_r2", sa.Double(), nullable=True),
        sa.Column("style_n_obs", sa.Integer(), nullable=False),
        sa.Column("growth_value_spread", sa.Double(), nullable=True),
        sa.Column("momentum_spread", sa.Double(), nullable=True),
        sa.Column("size_spread", sa.Double(), nullable=True),
        sa.Column("quality_spread", sa.Double(), nullable=True),
        sa.Column("spread_n_obs", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("date", "symbol", name=op.f("pk_symbol_factor_exposures")),
    )
    op.create_table(
        "symbol_metrics",
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("close", sa.Double(), nullable=False),
        sa.Column("return_1d", sa.Double(), nullable=True),
        sa.Column("return_21d", sa.Double(), nullable=True),
        sa.Column("vol_21d", sa.Double(), nullable=True),
        sa.Column("vol_63d", sa.Double(), nullable=True),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("date", "symbol", name=op.f("pk_symbol_metrics")),
    )


def downgrade() -> None:
    op.drop_table("symbol_metrics")
    op.drop_table("symbol_factor_exposures")
    op.drop_table("stress_tests")
    op.drop_table("position_values")
    op.drop_table("position_factor_exposures")
    op.drop_table("position_betas")
    op.drop_table("portfolio_volatility")
    op.drop_table("portfolio_snapshots")
    op.drop_table("portfolio_betas")
    op.drop_table("factor_exposures")
    with op.batch_alter_table("data_quality", schema=None) as batch_op:
        batch_op.drop_index("ix_data_quality_flag")

    op.drop_table("data_quality")
    op.drop_table("correlations")
