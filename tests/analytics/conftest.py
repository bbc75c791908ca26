"""Real-price fixtures for the kernel tests (tests/data/prices.csv, 600 days x 18 symbols)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigmasight_assets.analytics import FACTOR_ETFS, simple_returns

PRICES = Path(__file__).parents[1] / "data" / "prices.csv"
STOCKS = ["AAPL", "MSFT", "NVDA", "JPM", "XOM", "JNJ", "TSLA", "KO", "NFLX", "INTC"]


@pytest.fixture(scope="session")
def closes() -> pd.DataFrame:
    return pd.read_csv(PRICES, index_col="date", parse_dates=True)


@pytest.fixture(scope="session")
def returns(closes: pd.DataFrame) -> pd.DataFrame:
    return simple_returns(closes)


@pytest.fixture(scope="session")
def etf_returns(returns: pd.DataFrame) -> pd.DataFrame:
    return returns[list(FACTOR_ETFS)]


@pytest.fixture(scope="session")
def stock_returns(returns: pd.DataFrame) -> pd.DataFrame:
    return returns[STOCKS]


@pytest.fixture(scope="session")
def gappy_returns(returns: pd.DataFrame) -> pd.DataFrame:
    """Real returns with holes: 3% random NaNs in every column except SPY and the style
    ETFs, a 40-day hole in NVDA, and TSLA returns only from row 430 (a late listing)."""
    rng = np.random.default_rng(7)
    gappy = returns.copy()
    for column in ["TLT", *STOCKS]:
        holes = rng.random(len(gappy)) < 0.03
        gappy.loc[holes, column] = np.nan
    gappy.iloc[200:240, gappy.columns.get_loc("NVDA")] = np.nan
    gappy.iloc[:430, gappy.columns.get_loc("TSLA")] = np.nan
    return gappy
