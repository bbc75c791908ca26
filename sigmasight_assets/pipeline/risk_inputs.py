"""The stored risk model laid out for a book: loadings per (date, position, factor), specific variance, covariances."""

import numpy as np
import pandas as pd

from sigmasight_assets.analytics.factors import FACTOR_ETFS, MODEL_COLUMNS, MODEL_FACTORS
from sigmasight_assets.pipeline.book import Book
from sigmasight_assets.pipeline.scope import RunScope
from sigmasight_assets.pipeline.symbol_betas import SymbolBetas
from sigmasight_resources.db import portfolio_reads
from sigmasight_resources.db.resource import ResultsDatabase

MODEL_FIELDS = [*MODEL_COLUMNS.values(), "specific_var", "n_obs"]


class StoredRiskModel:
    """The risk model of a book's symbols (and of `extra` symbols such as benchmarks) on a scope's days."""

    def __init__(self, long: pd.DataFrame, covariances: pd.DataFrame, dates: pd.DatetimeIndex, book: Book) -> None:
        self.dates = dates
        self._long = long
        self._positions = SymbolBetas(long, dates, book.positions["price_symbol"])
        stored = covariances.reindex(dates)
        self.factor_cov = _matrices(stored["factor_cov"], len(MODEL_FACTORS))
        self.etf_cov = _matrices(stored["etf_cov"], len(FACTOR_ETFS))
        self.cov_n_obs = stored["n_obs"].fillna(0).astype(int).to_numpy()

    def loadings(self) -> np.ndarray:
        """(dates, positions, 7): each position's price symbol's loadings (NaN without a model)."""
        return np.stack([self._positions.frame(MODEL_COLUMNS[f]).to_numpy() for f in MODEL_FACTORS], axis=2)

    def specific_var(self) -> pd.DataFrame:
        return self._positions.frame("specific_var")

    def n_obs(self) -> pd.DataFrame:
        return self._positions.frame("n_obs")

    def symbol(self, symbol: str) -> tuple[np.ndarray, np.ndarray]:
        """((dates, 7) loadings, (dates,) specific variance) of one symbol, NaN where it has no model."""
        rows = self._long[self._long["symbol"] == symbol].set_index("date").reindex(self.dates)
        return rows[[MODEL_COLUMNS[f] for f in MODEL_FACTORS]].to_numpy(dtype=float), rows["specific_var"].to_numpy(
            dtype=float
        )


def load_risk_model(db: ResultsDatabase, book: Book, scope: RunScope, extra: set[str] = frozenset()) -> StoredRiskModel:
    symbols = sorted(set(book.positions["price_symbol"].dropna()) | set(extra))
    with db.transaction() as session:
        long = portfolio_reads.symbol_risk_models(session, symbols, MODEL_FIELDS, scope.start, scope.end)
        covariances = portfolio_reads.factor_covariances(session, scope.start, scope.end)
    return StoredRiskModel(long, covariances, scope.window(book.valuation.open).index, book)


def _matrices(stored: pd.Series, size: int) -> np.ndarray:
    """(dates, size, size) from stored nested lists (None → NaN); NaN matrices for days without a row."""
    out = np.full((len(stored), size, size), np.nan)
    for t, matrix in enumerate(stored):
        if isinstance(matrix, list):
            out[t] = np.array(matrix, dtype=float)
    return out
