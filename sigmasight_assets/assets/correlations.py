"""Correlations of each portfolio's held symbols (90d) and of the factor ETFs, per trading day."""

import numpy as np
import pandas as pd

from sigmasight_assets.analytics.correlation import (
    RollingCorrelation,
    portfolio_correlation_rows,
    rolling_correlation,
    rounded_matrix,
)
from sigmasight_assets.analytics.factors import FACTOR_ETFS
from sigmasight_assets.analytics.parameters import CLUSTER_THRESHOLD, CORRELATION_MIN_OBS, CORRELATION_WINDOW
from sigmasight_assets.analytics.returns import simple_returns
from sigmasight_assets.pipeline.book import Book
from sigmasight_assets.pipeline.builder import Computed, PortfolioAsset
from sigmasight_assets.pipeline.factor_etfs import factor_etf_returns
from sigmasight_assets.pipeline.quality import quality_table
from sigmasight_assets.pipeline.scope import RunScope
from sigmasight_resources.db.resource import ResultsDatabase
from sigmasight_resources.db.results import PortfolioCorrelation
from sigmasight_resources.vocabulary import SkipReason

COLUMNS = [
    "date",
    "portfolio_id",
    "average",
    "weighted",
    "symbols",
    "matrix",
    "clusters",
    "excluded_positions",
    "factor_matrix",
]


def load_factor_correlation(db: ResultsDatabase, book: Book, scope: RunScope) -> dict:
    returns = factor_etf_returns(db, scope.start, scope.end, CORRELATION_WINDOW)[list(FACTOR_ETFS)]
    return {"factor_corr": rolling_correlation(returns, CORRELATION_WINDOW, CORRELATION_MIN_OBS)}


def correlations(book: Book, scope: RunScope, factor_corr: RollingCorrelation) -> Computed:
    """Correlation matrix of held symbols (90d), average and weighted correlation, clusters, factor matrix."""
    returns = simple_returns(book.closes)
    first = int(returns.index.searchsorted(pd.Timestamp(scope.start)))
    returns = returns.iloc[max(0, first - CORRELATION_WINDOW + 1) :]  # the rows the scope's windows reach
    open_mask = scope.window(book.valuation.open)
    weights = scope.window(book.weights())
    reasons = scope.window(book.skip_reasons())
    short = np.zeros(reasons.shape, dtype=bool)  # positions whose symbol the matrix excluded for short history
    factor_matrices = {}  # each day's factor matrix, rounded once for every portfolio of the chunk
    for day in open_mask.index.intersection(factor_corr.dates):
        matrix = rounded_matrix(factor_corr.matrices[factor_corr.dates.get_loc(day)])
        factor_matrices[day] = {"symbols": list(FACTOR_ETFS), "matrix": matrix}
    tables, data_days = [], []
    for portfolio in scope.portfolios:
        held = book.positions[book.portfolio_of.eq(portfolio) & book.public]
        held = held[held["price_symbol"].isin(returns.columns)]
        symbols = sorted(set(held["price_symbol"]))
        if not symbols:
            continue
        corr = rolling_correlation(returns[symbols], CORRELATION_WINDOW, CORRELATION_MIN_OBS)
        at = corr.dates.get_indexer(open_mask.index)
        per_symbol = held["price_symbol"].to_numpy()
        by_symbol = weights[held.index].T.groupby(per_symbol).sum().T.reindex(columns=symbols)
        open_counts = open_mask[held.index].T.groupby(per_symbol).sum().T.reindex(columns=symbols, fill_value=0)
        result = portfolio_correlation_rows(
            corr.matrices[at],
            corr.n_obs.to_numpy()[at],
            symbols,
            open_counts.to_numpy(),
            by_symbol.fillna(0.0).to_numpy(),
            open_mask.index,
            CLUSTER_THRESHOLD,
        )
        short[:, reasons.columns.get_indexer(held.index)] = result.excluded[:, np.searchsorted(symbols, per_symbol)]
        rows = result.rows.reset_index().assign(portfolio_id=portfolio)
        rows["factor_matrix"] = [factor_matrices.get(day, {}) for day in rows["date"]]
        data_days.append(rows.set_index(["date", "portfolio_id"])["data_days"])
        tables.append(rows[COLUMNS])
    reasons = reasons.mask(short & reasons.isna().to_numpy(), SkipReason.INSUFFICIENT.value)
    snapshots = scope.window(book.snapshots)
    days = pd.concat(data_days).astype(float) if data_days else pd.Series(dtype=float)
    quality = quality_table(open_mask, reasons, book.public, book.portfolio_of, days, required=snapshots.index)
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=COLUMNS)
    return Computed({PortfolioCorrelation: with_placeholders(table, snapshots.index)}, quality)


def with_placeholders(table: pd.DataFrame, required: pd.MultiIndex) -> pd.DataFrame:
    """`table` plus an empty row (no symbols, NaN averages) for each required (date, portfolio) it lacks."""
    missing = required.difference(pd.MultiIndex.from_frame(table[["date", "portfolio_id"]]))
    if not len(missing):
        return table
    placeholders = pd.DataFrame(
        {
            "date": missing.get_level_values(0),
            "portfolio_id": missing.get_level_values(1),
            "average": np.nan,
            "weighted": np.nan,
            "excluded_positions": 0,
        }
    )
    for column in ("symbols", "matrix", "clusters"):
        placeholders[column] = [[] for _ in range(len(placeholders))]
    placeholders["factor_matrix"] = [{} for _ in range(len(placeholders))]
    return pd.concat([table, placeholders[COLUMNS]], ignore_index=True)


ASSET = PortfolioAsset(
    name="correlations",
    group="portfolio_risk",
    deps=("position_values", "market_prices"),
    tables=(PortfolioCorrelation,),
    compute=correlations,
    load=load_factor_correlation,
)
