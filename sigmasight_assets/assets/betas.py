"""Position and portfolio market and interest-rate betas per trading day."""

import dagster as dg
import pandas as pd

from sigmasight_assets.analytics.parameters import BETA_BOUNDS
from sigmasight_assets.pipeline.book import Book
from sigmasight_assets.pipeline.builder import Check, Computed, Conclusion, PortfolioAsset
from sigmasight_assets.pipeline.layout import by_portfolio, position_rows, weighted_sum
from sigmasight_assets.pipeline.scope import RunScope
from sigmasight_assets.pipeline.symbol_betas import SymbolBetas, beta_reasons, load_symbol_betas, regression_quality
from sigmasight_resources.db.resource import ResultsDatabase
from sigmasight_resources.db.results import PortfolioBeta, PositionBeta

GROUP = "portfolio_risk"
BETA_BOUNDS_CHECK = "position_betas_within_bounds"


def position_betas(book: Book, scope: RunScope, betas: SymbolBetas) -> Computed:
    """Per position: OLS market and IR beta (90d); per portfolio: exposure-weighted betas."""
    n_obs = betas.n_obs
    reasons = beta_reasons(book, scope, n_obs)
    usable = reasons.isna()
    market = betas.frame("market_beta").where(usable)
    rates = betas.frame("ir_beta").where(usable)
    weights = scope.window(book.weights())
    positions = position_rows(book, scope, {"market_beta": market, "ir_beta": rates, "n_obs": n_obs.fillna(0)})
    portfolio = pd.concat(
        [
            by_portfolio(weighted_sum(weights, market, book.portfolio_of), "market_beta"),
            by_portfolio(weighted_sum(weights, rates, book.portfolio_of), "ir_beta"),
        ],
        axis=1,
    )
    portfolio = portfolio.reindex(scope.window(book.snapshots).index).reset_index()
    low, high = BETA_BOUNDS
    beyond = (positions["market_beta"] < low) | (positions["market_beta"] > high)
    return Computed(
        {PositionBeta: positions, PortfolioBeta: portfolio},
        regression_quality(book, scope, n_obs, reasons),
        facts={"outside": set(positions.loc[beyond, "symbol"]), "covered": positions["position_id"].nunique()},
    )


def conclude_position_betas(facts: list[dict], db: ResultsDatabase, scope: RunScope) -> Conclusion:
    outside = sorted(set().union(*(f["outside"] for f in facts)))
    return {"positions_covered": sum(f["covered"] for f in facts)}, [
        dg.AssetCheckResult(
            check_name=BETA_BOUNDS_CHECK,
            passed=not outside,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"outside_bounds": dg.MetadataValue.json(outside[:50])},
        )
    ]


ASSET = PortfolioAsset(
    name="position_betas",
    group=GROUP,
    deps=("position_values", "symbol_factor_exposures"),
    tables=(PositionBeta, PortfolioBeta),
    compute=position_betas,
    load=load_symbol_betas,
    conclude=conclude_position_betas,
    checks=(Check(BETA_BOUNDS_CHECK, f"Position market betas lie within {BETA_BOUNDS} (warn)."),),
)
