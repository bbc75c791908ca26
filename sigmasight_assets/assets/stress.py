"""Stress tests per portfolio and trading day: direct and correlated P&L of every library scenario."""

import numpy as np
import pandas as pd

from sigmasight_assets.analytics.factors import FACTORS
from sigmasight_assets.analytics.parameters import LOOKBACK, STRESS_BETA_WINDOW
from sigmasight_assets.analytics.returns import factor_returns
from sigmasight_assets.analytics.stress import Scenario, factor_betas, load_scenarios, stress_pnl
from sigmasight_assets.assets.factors import NAME as FACTOR_EXPOSURES
from sigmasight_assets.pipeline.book import Book
from sigmasight_assets.pipeline.builder import Computed, Conclusion, PortfolioAsset
from sigmasight_assets.pipeline.factor_etfs import factor_etf_returns
from sigmasight_assets.pipeline.scope import RunScope
from sigmasight_resources.db import portfolio_reads
from sigmasight_resources.db.resource import ResultsDatabase
from sigmasight_resources.db.results import StressResult


def load_stress_inputs(db: ResultsDatabase, book: Book, scope: RunScope) -> dict:
    """Stored factor dollar exposures and their data_quality, factor-on-factor betas on the scope's days, scenarios."""
    factors = factor_returns(factor_etf_returns(db, scope.start, scope.end, LOOKBACK))
    betas = factor_betas(factors[list(FACTORS)], STRESS_BETA_WINDOW)
    at = factors.index.get_indexer(pd.DatetimeIndex([pd.Timestamp(d) for d in scope.days]))
    with db.transaction() as session:
        exposures = portfolio_reads.factor_dollar_exposures(session, scope.portfolios, scope.start, scope.end)
        quality = portfolio_reads.quality_rows(session, FACTOR_EXPOSURES, scope.portfolios, scope.start, scope.end)
    return {"exposures": exposures, "upstream_quality": quality, "betas": betas[at], "scenarios": load_scenarios()}


def stress_tests(
    book: Book,
    scope: RunScope,
    exposures: pd.DataFrame,
    upstream_quality: pd.DataFrame,
    betas: np.ndarray,
    scenarios: list[Scenario],
) -> Computed:
    """Direct and correlated P&L of every library scenario from stored factor dollar exposures.

    `betas` is (scope days, factors, factors); the data quality is that of the factor exposures.
    """
    days = pd.DatetimeIndex([pd.Timestamp(d) for d in scope.days])
    nav = book.snapshots["nav"]
    rows = []
    for portfolio, group in exposures.groupby("portfolio_id"):
        wide = (
            group.pivot(index="date", columns="factor", values="dollar_exposure")
            .reindex(columns=list(FACTORS))
            .astype(float)
        )
        known = wide.fillna(0.0).where(wide.notna().any(axis=1), np.nan, axis=0)
        picks = np.searchsorted(days, wide.index)
        portfolio_nav = nav.xs(portfolio, level="portfolio_id").reindex(wide.index)
        positive_nav = portfolio_nav.where(portfolio_nav > 0)
        for scenario in scenarios:
            pnl = stress_pnl(known, scenario.shocks, betas[picks])
            rows.append(
                pd.DataFrame(
                    {
                        "date": wide.index,
                        "portfolio_id": portfolio,
                        "scenario_id": scenario.id,
                        "name": scenario.name,
                        "category": scenario.category,
                        "direct_pnl": pnl["direct_pnl"].to_numpy(),
                        "correlated_pnl": pnl["correlated_pnl"].to_numpy(),
                        "direct_pct": (pnl["direct_pnl"] / positive_nav).to_numpy(),
                        "correlated_pct": (pnl["correlated_pnl"] / positive_nav).to_numpy(),
                    }
                )
            )
    table = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["date", "portfolio_id"])
    return Computed({StressResult: table}, upstream_quality)


def conclude_stress_tests(computed: list[Computed], db: ResultsDatabase, scope: RunScope) -> Conclusion:
    return {"scenarios": len(load_scenarios())}, []


ASSET = PortfolioAsset(
    name="stress_tests",
    group="portfolio_risk",
    deps=(FACTOR_EXPOSURES, "market_prices"),
    tables=(StressResult,),
    compute=stress_tests,
    load=load_stress_inputs,
    conclude=conclude_stress_tests,
)
