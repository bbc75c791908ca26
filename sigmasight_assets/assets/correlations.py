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
    """The factor ETFs' rolling correlation on the scope's days (the same for every chunk of a run)."""
    return {"factor_corr": db.memoized(("factor_corr", scope.start, scope.end), lambda: factor_correlation(db, scope))}


def factor_correlation(db: ResultsDatabase, scope: RunScope) -> RollingCorrelation:
    returns = factor_etf_returns(db, scope.start, scope.end, CORRELATION_WINDOW)[list(FACTOR_ETFS)]
    start = int(returns.index.searchsorted(pd.Timestamp(scope.start)))
    return rolling_correlation(returns, CORRELATION_WINDOW, CORRELATION_MIN_OBS, start)


def correlations(book: Book, scope: RunScope, factor_corr: RollingCorrelation) -> Computed:
    """Correlation matrix of held symbols (90d), average and weighted correlation, clusters, factor matrix."""
    returns = simple_returns(book.closes)
    first = int(returns.index.searchsorted(pd.Timestamp(scope.start)))
    reach = max(0, first - CORRELATION_WINDOW + 1)  # the first row the scope's windows reach
    returns, start = returns.iloc[reach:], first - reach
    open_mask = scope.window(book.valuation.open)
    reasons = scope.window(book.skip_reasons())
    # per position, as arrays: one portfolio's columns are picked by index, not by pandas selection
    weights = np.nan_to_num(scope.window(book.weights()).to_numpy(dtype=float))
    is_open = open_mask.to_numpy(dtype=float)
    owner = book.portfolio_of.to_numpy()
    symbol_of = book.positions["price_symbol"].to_numpy()
    priced = (book.public & book.positions["price_symbol"].isin(returns.columns)).to_numpy()
    short = np.zeros(reasons.shape, dtype=bool)  # positions whose symbol the matrix excluded for short history
    factor_matrices = {}  # each day's factor matrix, rounded once for every portfolio of the chunk
    for day in open_mask.index.intersection(factor_corr.dates):
        matrix = rounded_matrix(factor_corr.matrices[factor_corr.dates.get_loc(day)])
        factor_matrices[day] = {"symbols": list(FACTOR_ETFS), "matrix": matrix}
    tables = []
    for portfolio in scope.portfolios:
        held = np.flatnonzero((owner == portfolio) & priced)
        if not len(held):
            continue
        symbols, code = np.unique(symbol_of[held], return_inverse=True)
        symbols = list(symbols)
        corr = rolling_correlation(returns[symbols], CORRELATION_WINDOW, CORRELATION_MIN_OBS, start)
        at = corr.dates.get_indexer(open_mask.index)
        one_hot = np.eye(len(symbols))[code]  # (held positions, symbols): a position's symbol
        result = portfolio_correlation_rows(
            corr.matrices[at],
            corr.n_obs.to_numpy()[at],
            symbols,
            (is_open[:, held] @ one_hot).round().astype(int),
            weights[:, held] @ one_hot,
            open_mask.index,
            CLUSTER_THRESHOLD,
        )
        short[:, held] = result.excluded[:, code]
        tables.append(result.rows.assign(portfolio_id=portfolio))
    reasons = reasons.mask(short & reasons.isna().to_numpy(), SkipReason.INSUFFICIENT.value)
    snapshots = scope.window(book.snapshots)
    if tables:
        table = pd.concat(tables).reset_index()
        table["factor_matrix"] = [factor_matrices.get(day, {}) for day in table["date"]]
        days = pd.Series(
            table["data_days"].to_numpy(dtype=float),
            index=pd.MultiIndex.from_frame(table[["date", "portfolio_id"]]),
            name="data_days",
        )
        table = table[COLUMNS]
    else:
        table, days = pd.DataFrame(columns=COLUMNS), pd.Series(dtype=float)
    quality = quality_table(open_mask, reasons, book.public, book.portfolio_of, days, required=snapshots.index)
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
