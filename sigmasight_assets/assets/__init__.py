"""The asset definitions, a module per phase, and the names of each level's assets.

Day-level assets hold market data per symbol; portfolio-level assets hold every active
portfolio's results for a day and are built from `PortfolioAsset` specs by one builder.
"""

import warnings

import dagster as dg

from sigmasight_assets.assets import (
    betas,
    correlations,
    factors,
    market,
    portfolio_risk,
    profiles,
    risk_model,
    stress,
    symbols,
    valuation,
    volatility,
)
from sigmasight_assets.pipeline.builder import build_portfolio_asset

PORTFOLIO_ASSET_SPECS = (
    *valuation.ASSETS,
    betas.ASSET,
    factors.ASSET,
    volatility.ASSET,
    correlations.ASSET,
    portfolio_risk.ASSET,
    stress.ASSET,
)
DAY_ASSETS = (market.NAME, *symbols.NAMES, risk_model.NAME)
PORTFOLIO_ASSETS = tuple(spec.name for spec in PORTFOLIO_ASSET_SPECS)


def build_assets(days: dg.TimeWindowPartitionsDefinition) -> list[dg.AssetsDefinition]:
    """Every asset of the graph on the given trading-day partitions."""
    with warnings.catch_warnings():
        # BackfillPolicy.single_run() is marked beta in Dagster 1.13; every range is one vectorized run.
        warnings.simplefilter("ignore", dg.BetaWarning)
        return [
            *market.build_market_assets(days),
            *symbols.build_symbol_assets(days),
            risk_model.build_risk_model_asset(days),
            *(build_portfolio_asset(spec, days) for spec in PORTFOLIO_ASSET_SPECS),
            profiles.company_profiles,
        ]
