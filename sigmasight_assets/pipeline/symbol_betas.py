"""Stored symbol factor exposures laid out as (dates, positions) frames, and the quality of beta-based results."""

import numpy as np
import pandas as pd

from sigmasight_assets.analytics.factors import FACTOR_COLUMNS
from sigmasight_assets.analytics.parameters import FULL_REGRESSION_DAYS, MIN_REGRESSION_DAYS
from sigmasight_assets.pipeline.book import Book
from sigmasight_assets.pipeline.quality import quality_table
from sigmasight_assets.pipeline.scope import RunScope
from sigmasight_resources.db import portfolio_reads
from sigmasight_resources.db.resource import ResultsDatabase
from sigmasight_resources.vocabulary import SkipReason

N_OBS_COLUMN = "market_n_obs"


class SymbolBetas:
    """Per-symbol stored columns (long rows date, symbol, …) mapped onto a book's positions."""

    def __init__(self, long: pd.DataFrame, dates: pd.DatetimeIndex, price_symbols: pd.Series) -> None:
        self.dates = dates
        self.symbols = price_symbols
        self._wide = long.set_index(["date", "symbol"]).unstack("symbol")  # (dates, (column, symbol)), one pass

    def frame(self, column: str) -> pd.DataFrame:
        """(dates, positions): the column's value for each position's price symbol (NaN without one)."""
        wide = self._wide[column] if len(self._wide.columns) else pd.DataFrame(index=pd.DatetimeIndex([]))
        values = np.full((wide.shape[0] + 1, wide.shape[1] + 1), np.nan)  # a NaN row and column for misses
        values[:-1, :-1] = wide.to_numpy(dtype=float)
        rows = wide.index.get_indexer(self.dates)
        columns = wide.columns.get_indexer(self.symbols.fillna("").to_numpy())
        return pd.DataFrame(values[np.ix_(rows, columns)], index=self.dates, columns=self.symbols.index)

    @property
    def n_obs(self) -> pd.DataFrame:
        return self.frame(N_OBS_COLUMN)


def load_symbol_betas(db: ResultsDatabase, book: Book, scope: RunScope) -> dict:
    """The `betas` input of the beta-based assets: stored exposures of the book's symbols over the
    scope, read once per run and chunk (position_betas and factor_exposures read the same)."""

    def read() -> SymbolBetas:
        symbols = sorted(set(book.positions["price_symbol"].dropna()))
        with db.transaction() as session:
            long = portfolio_reads.symbol_factor_exposures(
                session, symbols, [*FACTOR_COLUMNS.values(), N_OBS_COLUMN], scope.start, scope.end
            )
        return SymbolBetas(long, scope.window(book.valuation.open).index, book.positions["price_symbol"])

    return {"betas": db.memoized(("symbol_betas", tuple(scope.portfolios), scope.start, scope.end), read)}


def beta_reasons(book: Book, scope: RunScope, n_obs: pd.DataFrame) -> pd.DataFrame:
    """(dates, positions): why a position has no beta — private, no price, or fewer than
    MIN_REGRESSION_DAYS observations; None where it has one."""
    reasons = scope.window(book.skip_reasons())
    short = (n_obs.fillna(0) < MIN_REGRESSION_DAYS) & reasons.isna()
    return reasons.where(~short, SkipReason.INSUFFICIENT.value)


def regression_quality(book: Book, scope: RunScope, n_obs: pd.DataFrame, reasons: pd.DataFrame) -> pd.DataFrame:
    """Quality of beta-based results (`reasons` from `beta_reasons`): data_days is the fewest
    observations behind any analyzed beta."""
    open_mask = scope.window(book.valuation.open)
    analyzed = n_obs.where(open_mask & reasons.isna())
    per_portfolio = analyzed.T.groupby(book.portfolio_of.to_numpy()).min().T.stack()
    per_portfolio.index = per_portfolio.index.set_names(["date", "portfolio_id"])
    return quality_table(
        open_mask,
        reasons,
        book.public,
        book.portfolio_of,
        per_portfolio.fillna(0),
        limited=per_portfolio < FULL_REGRESSION_DAYS,
        required=scope.window(book.snapshots).index,
    )
