"""The twelve factor exposures per portfolio and per position, per trading day."""

import dagster as dg
import numpy as np
import pandas as pd

from sigmasight_assets.analytics.factors import FACTOR_COLUMNS, FACTORS
from sigmasight_assets.pipeline.book import Book
from sigmasight_assets.pipeline.builder import Check, Computed, Conclusion, PortfolioAsset
from sigmasight_assets.pipeline.layout import by_portfolio, position_rows, weighted_sum
from sigmasight_assets.pipeline.scope import RunScope
from sigmasight_assets.pipeline.symbol_betas import SymbolBetas, beta_reasons, load_symbol_betas, regression_quality
from sigmasight_resources.db import portfolio_reads
from sigmasight_resources.db.resource import ResultsDatabase
from sigmasight_resources.db.results import FactorExposure, PositionFactorExposure

NAME = "factor_exposures"
GROUP = "portfolio_risk"
FACTORS_CHECK = "factor_exposures_have_all_factors"


def factor_exposures(book: Book, scope: RunScope, betas: SymbolBetas) -> Computed:
    """The twelve factor betas and dollar exposures per portfolio (and per position)."""
    n_obs = betas.n_obs
    reasons = beta_reasons(book, scope, n_obs)
    usable = reasons.isna().to_numpy()
    weights = scope.window(book.weights())
    snapshots = scope.window(book.snapshots)
    per_position = {"exposure": scope.window(book.valuation.exposure)}
    portfolio_rows = []
    for factor, column in FACTOR_COLUMNS.items():
        stored = betas.frame(column)
        factor_betas = pd.DataFrame(np.where(usable, stored, np.nan), index=stored.index, columns=stored.columns)
        per_position[column] = factor_betas
        beta = by_portfolio(weighted_sum(weights, factor_betas, book.portfolio_of), "beta").reindex(snapshots.index)
        portfolio_rows.append(
            pd.DataFrame({"beta": beta, "dollar_exposure": beta * snapshots["nav"], "factor": factor})
        )
    return Computed(
        {
            FactorExposure: pd.concat(portfolio_rows).reset_index(),
            PositionFactorExposure: position_rows(book, scope, per_position),
        },
        regression_quality(book, scope, n_obs, reasons),
    )


def conclude_factor_exposures(facts: list[dict], db: ResultsDatabase, scope: RunScope) -> Conclusion:
    """The blocking check, on what was stored: every portfolio-day with public positions has the twelve factors."""
    with db.transaction() as session:
        incomplete = portfolio_reads.incomplete_factor_sets(
            session, NAME, FACTORS, scope.portfolios, scope.start, scope.end
        )
    return {}, [
        dg.AssetCheckResult(
            check_name=FACTORS_CHECK,
            passed=not incomplete,
            metadata={"incomplete": dg.MetadataValue.json(incomplete[:50]), "count": len(incomplete)},
        )
    ]


ASSET = PortfolioAsset(
    name=NAME,
    group=GROUP,
    deps=("position_values", "symbol_factor_exposures"),
    tables=(FactorExposure, PositionFactorExposure),
    compute=factor_exposures,
    load=load_symbol_betas,
    conclude=conclude_factor_exposures,
    checks=(
        Check(
            FACTORS_CHECK,
            "Every portfolio-day with public positions has all twelve factor rows; "
            "stress_tests does not run on a partial result.",
            blocking=True,
        ),
    ),
)
