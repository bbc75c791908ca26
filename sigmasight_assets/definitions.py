"""The code location: every asset, check and resource, built from one settings object."""

from __future__ import annotations

import dagster as dg

from sigmasight_assets.market import build_market_assets
from sigmasight_assets.partitions import trading_day_partitions
from sigmasight_assets.positions import build_position_assets
from sigmasight_assets.risk import build_risk_assets
from sigmasight_assets.symbols import build_symbol_assets
from sigmasight_resources.db.resource import ResultsDatabase
from sigmasight_resources.market_data.resource import MarketDataResource
from sigmasight_resources.risk_model import RiskModel
from sigmasight_resources.settings import Settings, load_settings

DAY_ASSETS = ("market_prices", "symbol_factor_exposures", "symbol_metrics")
PORTFOLIO_ASSETS = (
    "position_values", "portfolio_snapshots", "position_betas", "factor_exposures",
    "portfolio_volatility", "correlations", "stress_tests",
)


def build_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    days = trading_day_partitions(settings.partitions_start)
    return [
        *build_market_assets(days),
        *build_symbol_assets(days),
        *build_position_assets(days),
        *build_risk_assets(days),
    ]


def build_resources(settings: Settings) -> dict:
    return {
        "db": ResultsDatabase(url=settings.results_url),
        "market_data": MarketDataResource.from_settings(settings),
        "risk_model": RiskModel(risk_free_rate=settings.risk_free_rate),
    }


def build_definitions(settings: Settings) -> dg.Definitions:
    return dg.Definitions(
        assets=build_assets(settings),
        resources=build_resources(settings),
        executor=dg.in_process_executor,
    )


defs = build_definitions(load_settings())
