"""Daily return series: simple returns from closes and spread returns."""

import numpy as np
import pandas as pd

from .factors import SPREADS
from .validation import frame_values


def simple_returns(closes: pd.DataFrame) -> pd.DataFrame:
    """Simple daily returns r_t = P_t / P_{t-1} - 1 on consecutive rows.

    Parameters
    ----------
    closes : DataFrame (T, S)
        Close prices, dates as rows (sorted DatetimeIndex), symbols as columns; NaN where
        a close is missing. Present closes must be positive.

    Returns
    -------
    DataFrame (T, S)
        Return fractions (0.01 = 1%). The first row is NaN, and so is every return where
        P_t or P_{t-1} is missing: gaps are never forward-filled, so a missing close
        removes two returns rather than inventing a zero and a two-day return.
    """
    prices = frame_values(closes, "closes")
    if (prices <= 0).any():
        raise ValueError("closes must be positive where present")
    out = np.full_like(prices, np.nan)
    out[1:] = prices[1:] / prices[:-1] - 1.0
    return pd.DataFrame(out, index=closes.index, columns=closes.columns, copy=False)


def spread_returns(etf_returns: pd.DataFrame) -> pd.DataFrame:
    """Daily spread returns (long leg minus short leg), NaN where either leg is missing.

    Parameters
    ----------
    etf_returns : DataFrame (T, >= 6 ETFs)
        Simple daily returns with columns VUG, VTV, MTUM, IWM, QUAL and SPY.

    Returns
    -------
    DataFrame (T, 4)
        Columns Growth_Value_Spread (VUG-VTV), Momentum_Spread (MTUM-SPY), Size_Spread
        (IWM-SPY), Quality_Spread (QUAL-SPY), in return fractions.
    """
    _require_columns(etf_returns, {leg for pair in SPREADS.values() for leg in pair})
    return pd.DataFrame(
        {name: etf_returns[long] - etf_returns[short] for name, (long, short) in SPREADS.items()},
        index=etf_returns.index,
    )


def _require_columns(etf_returns: object, needed: set[str]) -> None:
    frame_values(etf_returns, "etf_returns")
    missing = sorted(needed - set(etf_returns.columns))
    if missing:
        raise ValueError(f"etf_returns is missing factor ETF columns: {', '.join(missing)}")
