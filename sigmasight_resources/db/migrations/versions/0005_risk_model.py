"""risk model: symbol loadings and specific risk, factor covariances, portfolio ex-ante risk, benchmarks

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

LOADINGS = (
    "market",
    "rates",
    "growth_value_spread",
    "momentum_spread",
    "size_spread",
    "quality_spread",
    "low_vol_spread",
)


def provenance() -> list[sa.Column]:
    return [
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.add_column("portfolios", sa.Column("benchmark", sa.String(length=32), nullable=True))
    op.create_table(
        "symbol_risk_models",
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        *(sa.Column(name, sa.Double(), nullable=True) for name in LOADINGS),
        sa.Column("specific_var", sa.Double(), nullable=True),
        sa.Column("r2", sa.Double(), nullable=True),
        sa.Column("n_obs", sa.Integer(), nullable=False),
        *provenance(),
        sa.PrimaryKeyConstraint("date", "symbol", name=op.f("pk_symbol_risk_models")),
    )
    op.create_table(
        "factor_covariances",
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("factors", sa.JSON(), nullable=False),
        sa.Column("factor_cov", sa.JSON(), nullable=False),
        sa.Column("etfs", sa.JSON(), nullable=False),
        sa.Column("etf_cov", sa.JSON(), nullable=False),
        sa.Column("n_obs", sa.Integer(), nullable=False),
        *provenance(),
        sa.PrimaryKeyConstraint("date", name=op.f("pk_factor_covariances")),
    )
    op.create_table(
        "portfolio_risk",
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("portfolio_id", sa.Integer(), nullable=False),
        sa.Column("ex_ante_vol", sa.Double(), nullable=True),
        sa.Column("factor_vol", sa.Double(), nullable=True),
        sa.Column("specific_vol", sa.Double(), nullable=True),
        sa.Column("benchmark", sa.String(length=32), nullable=False),
        sa.Column("tracking_error", sa.Double(), nullable=True),
        sa.Column("factor_contributions", sa.JSON(), nullable=False),
        sa.Column("position_contributions", sa.JSON(), nullable=False),
        *(
            sa.Column(f"parametric_{m}_{level}", sa.Double(), nullable=True)
            for m in ("var", "es")
            for level in (95, 99)
        ),
        *provenance(),
        sa.PrimaryKeyConstraint("date", "portfolio_id", name=op.f("pk_portfolio_risk")),
    )


def downgrade() -> None:
    op.drop_table("portfolio_risk")
    op.drop_table("factor_covariances")
    op.drop_table("symbol_risk_models")
    op.drop_column("portfolios", "benchmark")
