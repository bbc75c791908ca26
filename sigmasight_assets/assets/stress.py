"""Stress tests per portfolio and trading day: direct and correlated P&L of every library scenario.

Direct P&L = Σ_f dollar exposure_f × shock_f on the twelve reported factors (stored by
`factor_exposures`). Correlated P&L: the factor-ETF move implied by the shocks, as the conditional
mean under the day's EWMA factor-ETF covariance (Δr = Σ A′(A Σ A′)⁻¹ s), moves every position by
its risk-model loadings (options by delta and gamma on their underlying's move).
"""

import numpy as np
import pandas as pd

from sigmasight_assets.analytics.conditional import (
    conditional_etf_move,
    model_factor_move,
    position_pnl,
    shock_constraints,
)
from sigmasight_assets.analytics.factors import FACTORS
from sigmasight_assets.analytics.stress import Scenario, load_scenarios
from sigmasight_assets.assets.factors import NAME as FACTOR_EXPOSURES
from sigmasight_assets.assets.risk_model import NAME as RISK_MODEL
from sigmasight_assets.pipeline.book import Book
from sigmasight_assets.pipeline.builder import Computed, Conclusion, PortfolioAsset
from sigmasight_assets.pipeline.risk_inputs import StoredRiskModel, load_risk_model
from sigmasight_assets.pipeline.scope import RunScope
from sigmasight_resources.db import portfolio_reads
from sigmasight_resources.db.resource import ResultsDatabase
from sigmasight_resources.db.results import StressResult
from sigmasight_resources.vocabulary import InvestmentClass


def load_stress_inputs(db: ResultsDatabase, book: Book, scope: RunScope) -> dict:
    """Stored factor dollar exposures and their data_quality, the stored risk model, the scenarios."""
    with db.transaction() as session:
        exposures = portfolio_reads.factor_dollar_exposures(session, scope.portfolios, scope.start, scope.end)
        quality = portfolio_reads.quality_rows(session, FACTOR_EXPOSURES, scope.portfolios, scope.start, scope.end)
    return {
        "exposures": exposures,
        "upstream_quality": quality,
        "model": load_risk_model(db, book, scope),
        "scenarios": load_scenarios(),
    }


def correlated_position_pnl(book: Book, scope: RunScope, model: StoredRiskModel, scenario: Scenario) -> np.ndarray:
    """(dates, positions): each position's P&L under the scenario's conditional factor move (NaN: no model)."""
    constraints, shock = shock_constraints(scenario.shocks)
    factor_move = model_factor_move(conditional_etf_move(model.etf_cov, constraints, shock))
    v = book.valuation
    option = (book.positions["investment_class"] == InvestmentClass.OPTIONS).to_numpy()
    underlying = scope.window(v.underlying_price).to_numpy()
    quantity = book.positions["quantity"].to_numpy(dtype=float)
    gamma_value = quantity * 100.0 * scope.window(v.gamma).to_numpy() * underlying**2
    return position_pnl(
        scope.window(v.market_value).to_numpy(),
        model.loadings(),
        factor_move,
        scope.window(v.exposure).to_numpy(),
        gamma_value,
        option,
    )


def stress_tests(
    book: Book,
    scope: RunScope,
    exposures: pd.DataFrame,
    upstream_quality: pd.DataFrame,
    model: StoredRiskModel,
    scenarios: list[Scenario],
) -> Computed:
    """Direct P&L from stored factor dollar exposures; correlated P&L from the conditional factor move.

    The data quality is that of the factor exposures.
    """
    nav = book.snapshots["nav"]
    owners = book.portfolio_of.to_numpy()
    moves = {s.id: correlated_position_pnl(book, scope, model, s) for s in scenarios}
    rows = []
    for portfolio, group in exposures.groupby("portfolio_id"):
        wide = group.pivot(index="date", columns="factor", values="dollar_exposure").reindex(columns=list(FACTORS))
        wide = wide.astype(float)
        known = wide.fillna(0.0).where(wide.notna().any(axis=1), np.nan, axis=0)
        at = model.dates.get_indexer(wide.index)
        positive_nav = nav.xs(portfolio, level="portfolio_id").reindex(wide.index)
        positive_nav = positive_nav.where(positive_nav > 0)
        held = owners == portfolio
        for scenario in scenarios:
            direct = known.to_numpy() @ np.array([scenario.shocks.get(f, 0.0) for f in FACTORS])
            pnl = moves[scenario.id][at][:, held]
            correlated = np.where(np.isfinite(pnl).any(axis=1), np.nansum(pnl, axis=1), np.nan)
            rows.append(
                pd.DataFrame(
                    {
                        "date": wide.index,
                        "portfolio_id": portfolio,
                        "scenario_id": scenario.id,
                        "name": scenario.name,
                        "category": scenario.category,
                        "direct_pnl": direct,
                        "correlated_pnl": correlated,
                        "direct_pct": direct / positive_nav.to_numpy(),
                        "correlated_pct": correlated / positive_nav.to_numpy(),
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
    deps=(FACTOR_EXPOSURES, RISK_MODEL, "market_prices"),
    tables=(StressResult,),
    compute=stress_tests,
    load=load_stress_inputs,
    conclude=conclude_stress_tests,
)
