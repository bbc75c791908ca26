"""The simulator's per-class factor structure, measured the way the pipeline measures it: OLS betas
of daily returns on SPY (market) and TLT (rates) over two simulated years.

Bond funds have a near-zero market beta and a rate beta set by their duration; gold and broad
commodities a low market beta; REITs about half the market plus rates; stocks the equity range.
The class funds' betas also match the same regression on the packaged real closes.
"""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from sigmasight_resources.demo import DEMO_PRICES
from sigmasight_resources.market_data import CsvMarketData, SimulatedMarketData
from sigmasight_resources.market_data.simulator import BOND_ETFS, CLASS_ETFS, COMMODITY_ETFS, REIT_ETFS

START, END = date(2023, 1, 1), date(2024, 12, 31)  # two simulated years
STOCKS = [f"E{i:02d}" for i in range(40)] + ["AAPL", "MSFT", "JPM", "XOM"]
INTERMEDIATE_AND_LONG_BONDS = ["IEF", "AGG", "BND", "LQD", "TIP"]  # rates dominate their variance


def _regress(returns: pd.DataFrame, symbol: str, regressors: list[str]) -> tuple[np.ndarray, np.ndarray, float]:
    """Slopes, their standard errors and R² of `symbol` on `regressors`, OLS with an intercept."""
    data = returns[[symbol, *regressors]].dropna()
    y = data[symbol].to_numpy()
    x = np.column_stack([np.ones(len(y)), data[regressors].to_numpy()])
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ coef
    sigma2 = resid @ resid / (len(y) - x.shape[1])
    se = np.sqrt(np.diag(sigma2 * np.linalg.inv(x.T @ x)))
    return coef[1:], se[1:], 1.0 - resid.var() / y.var()


@pytest.fixture(scope="module")
def returns() -> pd.DataFrame:
    sim = SimulatedMarketData()
    symbols = ["SPY", "TLT", *CLASS_ETFS, *STOCKS]
    frame = sim.daily_closes(symbols, START, END).wide().pct_change().iloc[1:]
    assert len(frame) >= 500
    return frame


def configured(symbol: str) -> tuple[float, float]:
    """The (market, rate) betas a class fund was built with: loadings net of TLT's market leg."""
    loadings = CLASS_ETFS[symbol].loadings
    tlt_market = SimulatedMarketData().model("TLT").loadings["market"]
    return loadings["market"] - tlt_market * loadings["rates"], loadings["rates"]


@pytest.mark.parametrize("symbol", sorted(BOND_ETFS))
def test_bond_funds_have_near_zero_market_beta_and_a_duration_rate_beta(returns, symbol):
    (market, rate), (se_market, se_rate), _ = _regress(returns, symbol, ["SPY", "TLT"])
    want_market, want_rate = configured(symbol)
    assert abs(market) < 0.3, (symbol, market)
    assert rate > 0.05, (symbol, rate)
    assert abs(market - want_market) < 4 * se_market + 0.02, (symbol, market, want_market)
    assert abs(rate - want_rate) < 4 * se_rate + 0.02, (symbol, rate, want_rate)
    (alone,), _, _ = _regress(returns, symbol, ["SPY"])
    assert abs(alone) < 0.3, (symbol, alone)  # also on SPY alone, as position_betas measures it


def test_rate_beta_orders_bond_funds_by_duration_and_dominates_their_variance(returns):
    rate = {s: _regress(returns, s, ["SPY", "TLT"])[0][1] for s in ["SHY", "BND", "IEF"]}
    assert rate["SHY"] < rate["BND"] < rate["IEF"] < 1.0, rate  # TLT, the longest, is 1 by definition
    for symbol in INTERMEDIATE_AND_LONG_BONDS:
        _, _, r2 = _regress(returns, symbol, ["TLT"])
        assert r2 > 0.5, (symbol, r2)


@pytest.mark.parametrize("symbol", sorted(COMMODITY_ETFS))
def test_commodities_have_a_low_market_beta(returns, symbol):
    (market,), (se,), r2 = _regress(returns, symbol, ["SPY"])
    assert market < (0.8 if symbol == "SLV" else 0.4), (symbol, market)  # silver is half industrial
    assert r2 < 0.2, (symbol, r2)  # mostly their own risk


@pytest.mark.parametrize("symbol", sorted(REIT_ETFS))
def test_reits_load_on_the_market_and_on_rates(returns, symbol):
    (market, rate), (se_market, se_rate), _ = _regress(returns, symbol, ["SPY", "TLT"])
    want_market, want_rate = configured(symbol)
    assert 0.3 < market < 0.8 and 0.2 < rate < 0.7, (symbol, market, rate)
    assert abs(market - want_market) < 4 * se_market + 0.02
    assert abs(rate - want_rate) < 4 * se_rate + 0.02


def test_stocks_keep_equity_betas_and_a_small_rate_beta(returns):
    betas = np.array([_regress(returns, s, ["SPY", "TLT"])[0] for s in STOCKS])
    assert (betas[:, 0] > 0.3).all() and (betas[:, 0] < 1.9).all(), betas[:, 0]
    assert 0.8 < np.median(betas[:, 0]) < 1.3
    assert np.median(np.abs(betas[:, 1])) < 0.2


@pytest.mark.parametrize(("symbol", "tolerance"), [("BND", 0.06), ("VNQ", 0.15), ("GLD", 0.15)])
def test_class_betas_match_the_packaged_real_closes(returns, symbol, tolerance):
    """Same regression on the real closes of 2023-08..2026-07 (the calibration window)."""
    real = CsvMarketData(DEMO_PRICES).daily_closes(["SPY", "TLT", symbol], date(2023, 8, 1), date(2026, 7, 31))
    real_betas, _, _ = _regress(real.wide().pct_change().iloc[1:], symbol, ["SPY", "TLT"])
    simulated, _, _ = _regress(returns, symbol, ["SPY", "TLT"])
    np.testing.assert_allclose(simulated, real_betas, atol=tolerance)
