"""Which stored closes the vendor has revised: re-fetched closes compared with the stored ones.

A vendor corrects a bad print now and then, and a split or a dividend re-adjusts an adjusted-close
history backwards. Either leaves stored closes that the vendor no longer answers; left alone, a
split looks like a crash in returns, betas and VaR. Pure functions: no Dagster, no database.

- **correction**: some re-fetched closes differ from the stored ones; those closes are replaced.
- **split**: the vendor reports a split in the window, or the closes that differ are the window's
  earliest stored sessions (at least two, the shape of a history re-adjusted before an ex-date) and
  all differ by one ratio. Then the symbol's whole stored history is re-fetched, since every close
  before the ex-date moved, and whatever differs is replaced.
"""

from dataclasses import dataclass
from datetime import date

import pandas as pd

CORRECTION = "correction"
SPLIT = "split"
RATIO_SPREAD = 1e-3  # closes "differ by one ratio" when their ratios agree to this (vendors round closes)


@dataclass(frozen=True)
class Revision:
    """One symbol's revised closes (symbol, date, close: the vendor's new values) and why."""

    symbol: str
    reason: str
    closes: pd.DataFrame

    @property
    def first_date(self) -> date:
        return min(self.closes["date"])


def changed_closes(stored: pd.DataFrame, fetched: pd.DataFrame, tolerance: float) -> pd.DataFrame:
    """The fetched closes of stored (symbol, date) pairs whose relative difference exceeds `tolerance`;
    columns symbol, date, close (fetched), stored."""
    merged = fetched[["symbol", "date", "close"]].merge(
        stored[["symbol", "date", "close"]].rename(columns={"close": "stored"}), on=["symbol", "date"]
    )
    differs = (merged["close"] - merged["stored"]).abs() > tolerance * merged["stored"].abs()
    return merged[differs].sort_values(["symbol", "date"]).reset_index(drop=True)


def readjusted(changes: pd.DataFrame, stored: pd.DataFrame) -> set[str]:
    """Symbols whose changed closes look like a re-adjusted history (see the module docstring)."""
    found = set()
    for symbol, group in changes.groupby("symbol"):
        window = sorted(stored.loc[stored["symbol"] == symbol, "date"])
        days = list(group["date"])
        if len(days) < 2 or days != window[: len(days)]:
            continue
        ratios = group["stored"] / group["close"]
        if (ratios.max() - ratios.min()) <= RATIO_SPREAD * ratios.median():
            found.add(symbol)
    return found


def corrections(changes: pd.DataFrame, exclude: set[str]) -> list[Revision]:
    """The changed closes of the symbols not in `exclude` (the split ones), one revision per symbol."""
    return [
        Revision(symbol, CORRECTION, group[["symbol", "date", "close"]].reset_index(drop=True))
        for symbol, group in changes.groupby("symbol")
        if symbol not in exclude
    ]


def splits(stored_history: pd.DataFrame, fetched_history: pd.DataFrame, tolerance: float) -> list[Revision]:
    """Per re-fetched symbol whose history differs from the stored one, the closes to replace."""
    changes = changed_closes(stored_history, fetched_history, tolerance)
    return [
        Revision(symbol, SPLIT, group[["symbol", "date", "close"]].reset_index(drop=True))
        for symbol, group in changes.groupby("symbol")
    ]
