"""The market-data interface: one provider type behind `SIGMASIGHT_MARKET_DATA`.

A provider answers two questions for a set of symbols: the daily closes on NYSE trading days in
a date range (`daily_closes`) and a descriptive profile per company (`company_profiles`).
Symbols a provider cannot price are never an exception: they come back in
`PriceBatch.unavailable` with a reason, and the caller records and excludes them.

Errors are split by what a caller should do about them:

- `TransientMarketDataError`: the vendor kept failing in a way that may pass (rate limiting,
  5xx, timeouts, dropped connections) after the provider's own bounded retries; a Dagster
  `RetryPolicy` may retry the whole step.
- `PermanentMarketDataError`: retrying cannot help (bad or missing credentials, an entitlement
  the plan lacks, a malformed data file); fail at once.
"""

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import TracebackType

import numpy as np
import pandas as pd

from sigmasight_resources import tickers

CLOSE_COLUMNS: tuple[str, ...] = ("symbol", "date", "close")
PROFILE_COLUMNS: tuple[str, ...] = ("symbol", "name", "sector", "industry", "market_cap")


class MarketDataError(Exception):
    """A provider could not answer."""


class TransientMarketDataError(MarketDataError):
    """Transient vendor faults persisted through the provider's retries; retrying later may help."""


class PermanentMarketDataError(MarketDataError):
    """Retrying cannot help: bad credentials, missing entitlement, a malformed data file."""


def ticker_problem(symbol: object) -> str | None:
    """Why `symbol` is not a plausible exchange ticker, or None if it is.

    Plausible: a string of 1-10 characters, upper-case letters and digits starting with a letter,
    with at most one share-class separator ('.' or '-'), e.g. ``AAPL``, ``BRK.B``, ``BRK-B``.
    """
    if not isinstance(symbol, str):
        return f"malformed ticker {symbol!r}: not a string"
    if not symbol:
        return "malformed ticker '': empty"
    if len(symbol) > tickers.MAX_QUOTABLE_LENGTH:
        return f"malformed ticker {symbol!r}: longer than {tickers.MAX_QUOTABLE_LENGTH} characters"
    if not tickers.QUOTABLE.fullmatch(symbol):
        return f"malformed ticker {symbol!r}: expected upper-case letters/digits like AAPL or BRK.B"
    return None


def unique_symbols(symbols: Iterable[str]) -> list[str]:
    """`symbols` without repeats, in first-seen order; a bare string is rejected."""
    if isinstance(symbols, str):
        raise TypeError("symbols must be a sequence of tickers, not a single string")
    return list(dict.fromkeys(symbols))


def check_range(start: date, end: date) -> None:
    """Validate a closed date range, naming the offending argument."""
    for label, value in (("start", start), ("end", end)):
        if not isinstance(value, date) or isinstance(value, pd.Timestamp):
            raise TypeError(f"{label} must be a datetime.date, got {type(value).__name__}")
    if start > end:
        raise ValueError(f"start ({start}) is after end ({end})")


def empty_closes() -> pd.DataFrame:
    """A zero-row closes frame with the standard columns and dtypes."""
    return pd.DataFrame(
        {
            "symbol": pd.Series([], dtype=object),
            "date": pd.Series([], dtype=object),
            "close": pd.Series([], dtype="float64"),
        }
    )


def empty_profiles() -> pd.DataFrame:
    """A zero-row profiles frame with the standard columns and dtypes."""
    frame = pd.DataFrame({column: pd.Series([], dtype=object) for column in PROFILE_COLUMNS})
    frame["market_cap"] = frame["market_cap"].astype("float64")
    return frame


def normalize_closes(frame: pd.DataFrame) -> pd.DataFrame:
    """Standard column order and dtypes, sorted by (symbol, date), fresh RangeIndex."""
    if frame.empty:
        return empty_closes()
    out = frame.loc[:, list(CLOSE_COLUMNS)].copy()
    out["symbol"] = out["symbol"].astype(object)
    out["close"] = out["close"].astype("float64")
    out = out.sort_values(["symbol", "date"], kind="stable").reset_index(drop=True)
    return out


@dataclass(frozen=True)
class PriceBatch:
    """Daily closes for a request, plus the symbols that could not be priced.

    closes : long format, one row per (symbol, trading day) with columns
        ``symbol`` (str), ``date`` (``datetime.date``), ``close`` (float, currency units),
        sorted by symbol then date, unique on (symbol, date).
    unavailable : symbol -> human-readable reason (unknown to the vendor, delisted, malformed,
        no data in the range). A requested symbol is in exactly one of ``closes`` (with at least
        one row) or ``unavailable`` whenever the range holds at least one trading day.
    """

    closes: pd.DataFrame = field(default_factory=empty_closes)
    unavailable: dict[str, str] = field(default_factory=dict)

    @property
    def symbols(self) -> list[str]:
        """Symbols with at least one close, sorted."""
        return sorted(self.closes["symbol"].unique().tolist())

    def wide(self) -> pd.DataFrame:
        """Closes as a (date x symbol) frame; NaN where a symbol has no close that day."""
        if self.closes.empty:
            return pd.DataFrame()
        return self.closes.pivot(index="date", columns="symbol", values="close").sort_index()

    @staticmethod
    def combine(batches: Iterable["PriceBatch"]) -> "PriceBatch":
        """Concatenate batches for disjoint symbol sets."""
        batches = list(batches)
        frames = [b.closes for b in batches if not b.closes.empty]
        unavailable: dict[str, str] = {}
        for b in batches:
            unavailable.update(b.unavailable)
        closes = normalize_closes(pd.concat(frames, ignore_index=True)) if frames else empty_closes()
        return PriceBatch(closes=closes, unavailable=unavailable)


class MarketDataProvider(ABC):
    """Daily closes and company profiles from one source.

    Attributes
    ----------
    name : the provider's identity as stored in the ``source`` column of price rows
        (``simulated``, ``csv:<file name>``, ``polygon``).
    """

    name: str
    requests_sent: int = 0  # HTTP requests a networked provider sent, retries included (the vendor's cost)
    requests_per_minute: int | None = None  # its client-side rate limit; None: no network, no limit

    @abstractmethod
    def daily_closes(self, symbols: Sequence[str], start: date, end: date) -> PriceBatch:
        """Closes on NYSE trading days in [start, end], inclusive, for each symbol.

        Raises
        ------
        ValueError, TypeError : a bad range.
        TransientMarketDataError : the vendor kept failing transiently after bounded retries.
        PermanentMarketDataError : credentials/entitlement/file problems; do not retry.
        """

    @abstractmethod
    def company_profiles(self, symbols: Sequence[str]) -> pd.DataFrame:
        """One row per symbol the provider knows: symbol, name, sector, industry, market_cap.

        Unknown symbols are left out. ``sector``/``industry`` may be None, ``market_cap`` NaN.
        """

    def splits(self, symbols: Sequence[str], start: date, end: date) -> dict[str, list[date]]:
        """Per symbol, the split execution dates in [start, end] the vendor reports.

        A provider without a splits reference reports none: a split then shows only in re-fetched
        closes that all differ from the stored ones by one ratio (`market_prices` checks both).
        """
        return {}

    def close(self) -> None:  # noqa: B027 - a default for providers without connections, not abstract
        """Release connections; a no-op for providers without any."""

    def __enter__(self) -> "MarketDataProvider":
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


def closes_frame(symbol_column: np.ndarray, date_column: np.ndarray, close_column: np.ndarray) -> pd.DataFrame:
    """Assemble a closes frame from aligned column arrays (no copy of the date objects)."""
    return pd.DataFrame(
        {
            "symbol": pd.Series(symbol_column, dtype=object),
            "date": pd.Series(date_column, dtype=object),
            "close": pd.Series(close_column, dtype="float64"),
        }
    )
