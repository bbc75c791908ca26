"""Reshaping between the book's (dates, positions) frames and the long rows the results tables hold."""

import numpy as np
import pandas as pd

from sigmasight_assets.pipeline.book import Book
from sigmasight_assets.pipeline.scope import RunScope


def position_rows(book: Book, scope: RunScope, columns: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Long rows (date, position_id, portfolio_id, symbol, *columns) for positions open in the scope's window.

    Each frame of `columns` is (dates, positions) over the scope's window, aligned with the book.
    """
    open_mask = scope.window(book.valuation.open)
    rows, cols = np.nonzero(open_mask.to_numpy())
    ids = open_mask.columns[cols]
    out = pd.DataFrame(
        {
            "date": open_mask.index[rows],
            "position_id": ids,
            "portfolio_id": book.portfolio_of.reindex(ids).to_numpy(),
            "symbol": book.positions["symbol"].reindex(ids).to_numpy(),
        }
    )
    for name, frame in columns.items():
        out[name] = frame.to_numpy()[rows, cols]
    return out


def weighted_sum(weights: pd.DataFrame, betas: pd.DataFrame, portfolio_of: pd.Series) -> pd.DataFrame:
    """(dates, portfolios): Σ_i w_i β_i over each portfolio's positions with both; NaN when none has a beta."""
    product = weights * betas
    return product.T.groupby(portfolio_of.reindex(product.columns).to_numpy()).sum(min_count=1).T


def by_portfolio(frame: pd.DataFrame, name: str) -> pd.Series:
    """A (dates, portfolios) frame as a Series indexed by (date, portfolio_id), NaN kept."""
    series = frame.stack(future_stack=True).rename(name)
    series.index = series.index.set_names(["date", "portfolio_id"])
    return series


def run_starts(*keys: np.ndarray) -> np.ndarray:
    """Where each run of equal rows of the sorted `keys` starts, then their length ([0] for none)."""
    if not len(keys[0]):
        return np.array([0])
    changed = np.logical_or.reduce([k[1:] != k[:-1] for k in keys])
    return np.flatnonzero(np.r_[True, changed, True])
