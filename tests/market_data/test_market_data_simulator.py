"""SimulatedMarketData: determinism, range/slice and universe independence, unavailable tickers,
factor structure, speed."""

import dataclasses
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigmasight_resources import calendar
from sigmasight_resources.market_data import PriceBatch, SimulatedMarketData
from sigmasight_resources.market_data.simulator import (
    FACTOR_ETFS,
    ORIGIN,
    REFERENCE_CLOSES,
    REFERENCE_DATE,
    STYLE_FACTORS,
)

REPO = Path(__file__).resolve().parents[2]
STOCKS = ["AAPL", "MSFT", "BRK.B", "JPM", "XOM", "NVDA", "KO", "ZION", "A", "TSLA"]
STYLE_ETFS = ["VTV", "VUG", "MTUM", "QUAL", "IWM", "USMV"]


@pytest.fixture(scope="module")
def sim() -> SimulatedMarketData:
    return SimulatedMarketData()


def _series(batch: PriceBatch, symbol: str) -> pd.Series:
    rows = batch.closes[batch.closes["symbol"] == symbol]
    return pd.Series(rows["close"].to_numpy(), index=list(rows["date"]), name=symbol)


def _returns(sim: SimulatedMarketData, symbols: list[str], start: date, end: date) -> pd.DataFrame:
    return sim.daily_closes(symbols, start, end).wide().pct_change().iloc[1:]


def _ols(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients (without intercept) and their standard errors, OLS with intercept."""
    design = np.column_stack([np.ones(len(y)), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    sigma2 = resid @ resid / (len(y) - design.shape[1])
    cov = sigma2 * np.linalg.inv(design.T @ design)
    return coef[1:], np.sqrt(np.diag(cov))[1:]


# ---- shape of the answer -----------------------------------------------------------------


def test_closes_are_on_nyse_sessions_with_standard_columns(sim):
    start, end = date(2024, 6, 1), date(2024, 7, 31)
    batch = sim.daily_closes(["SPY", "AAPL", "TLT"], start, end)

    assert list(batch.closes.columns) == ["symbol", "date", "close"]
    assert batch.closes["close"].dtype == np.float64
    assert all(type(d) is date for d in batch.closes["date"])
    assert all(isinstance(s, str) for s in batch.closes["symbol"])
    for symbol in ["AAPL", "SPY", "TLT"]:
        assert list(_series(batch, symbol).index) == calendar.sessions(start, end)  # no July 4th
    assert list(batch.closes["symbol"].unique()) == ["AAPL", "SPY", "TLT"]  # sorted by symbol, date
    assert (batch.closes["close"] > 0).all()
    assert batch.unavailable == {}
    assert sim.name == "simulated"


def test_price_batch_is_frozen(sim):
    batch = sim.daily_closes(["SPY"], date(2024, 1, 2), date(2024, 1, 5))
    with pytest.raises(dataclasses.FrozenInstanceError):
        batch.unavailable = {}  # type: ignore[misc]


def test_start_prices_are_plausible(sim):
    symbols = [f"T{i:03d}" for i in range(200)] + STOCKS
    first = sim.daily_closes(symbols, ORIGIN, ORIGIN).closes
    assert len(first) == len(symbols)
    assert first[~first["symbol"].isin(list(REFERENCE_CLOSES))]["close"].between(20, 500).all()
    recent = sim.daily_closes(symbols, date(2025, 12, 31), date(2025, 12, 31)).closes["close"]
    assert (recent > 0).all() and recent.median() < 2_000


def test_well_known_tickers_close_at_their_reference_on_the_reference_date(sim):
    symbols = ["AAPL", "SPY", "TLT", "BRK.B"]
    closes = sim.daily_closes(symbols, REFERENCE_DATE, REFERENCE_DATE).closes.set_index("symbol")["close"]
    for symbol in symbols:
        assert closes[symbol] == pytest.approx(REFERENCE_CLOSES[symbol], rel=1e-12)
    alone = sim.daily_closes(["AAPL"], date(2024, 1, 2), date(2024, 1, 31)).closes
    together = sim.daily_closes(["AAPL", "MSFT"], date(2024, 1, 2), date(2024, 1, 31)).closes
    pd.testing.assert_frame_equal(alone, together[together["symbol"] == "AAPL"].reset_index(drop=True))


# ---- determinism and independence ----------------------------------------------------------


def test_same_request_gives_the_same_numbers_across_instances(sim):
    request = (["AAPL", "SPY", "TLT", "BRK.B"], date(2023, 1, 1), date(2023, 12, 31))
    pd.testing.assert_frame_equal(
        sim.daily_closes(*request).closes, SimulatedMarketData().daily_closes(*request).closes
    )


def test_sub_range_equals_the_slice_of_a_longer_range(sim):
    symbols = ["AAPL", "SPY", "VUG", "TLT", "ZION"]
    long = sim.daily_closes(symbols, date(2021, 1, 1), date(2024, 12, 31)).closes
    sub = sim.daily_closes(symbols, date(2022, 3, 15), date(2022, 9, 30)).closes
    sliced = long[(long["date"] >= date(2022, 3, 15)) & (long["date"] <= date(2022, 9, 30))]
    pd.testing.assert_frame_equal(sub, sliced.reset_index(drop=True))  # exact, not approximate


def test_a_series_does_not_depend_on_the_other_symbols_requested(sim):
    start, end = date(2022, 1, 1), date(2023, 6, 30)
    alone = sim.daily_closes(["AAPL"], start, end).closes
    crowd = [f"X{i:03d}" for i in range(600)] + ["AAPL", "SPY", "bad one", "AAPL"]  # spans blocks
    together = sim.daily_closes(crowd, start, end).closes
    pd.testing.assert_frame_equal(alone, together[together["symbol"] == "AAPL"].reset_index(drop=True))


def test_series_are_identical_in_a_fresh_process_with_another_hash_seed(sim):
    code = (
        "from datetime import date\n"
        "from sigmasight_resources.market_data import SimulatedMarketData\n"
        "b = SimulatedMarketData().daily_closes(['AAPL', 'QUAL'], date(2024, 3, 1), date(2024, 3, 8))\n"
        "print(b.closes['close'].map(float.hex).tolist())\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    here = sim.daily_closes(["AAPL", "QUAL"], date(2024, 3, 1), date(2024, 3, 8)).closes
    assert out.stdout.strip() == str(here["close"].map(float.hex).tolist())


def test_factor_paths_are_cached_per_instance_not_globally():
    a, b = SimulatedMarketData(), SimulatedMarketData()
    a.daily_closes(["SPY"], date(2024, 1, 2), date(2024, 1, 5))
    assert a._factor_returns is not None and b._factor_returns is None
    b.daily_closes(["SPY"], date(2024, 1, 2), date(2024, 1, 5))
    assert a._factor_returns is not b._factor_returns
    np.testing.assert_array_equal(a._factor_returns, b._factor_returns)


# ---- unavailable symbols and edge ranges ----------------------------------------------------


@pytest.mark.parametrize(
    ("symbol", "reason"),
    [
        ("ZZZZ-DELISTED", "delisted"),
        ("ABC.DELISTED", "delisted"),
        ("aapl", "malformed"),
        ("BRK B", "malformed"),
        ("", "malformed"),
        ("TOOLONGTICKER", "malformed"),
        ("AAPL250117C00200000", "malformed"),  # an option, priced through its underlying
        ("^VIX", "malformed"),
    ],
)
def test_malformed_or_reserved_tickers_are_unavailable(sim, symbol, reason):
    batch = sim.daily_closes([symbol, "SPY"], date(2024, 1, 2), date(2024, 1, 31))
    assert reason in batch.unavailable[symbol]
    assert batch.symbols == ["SPY"]


def test_every_requested_symbol_is_priced_or_unavailable(sim):
    requested = ["SPY", "BRK.B", "BRK-B", "X1", "zz", "ZZZZ-DELISTED", "SPY"]
    batch = sim.daily_closes(requested, date(2024, 1, 2), date(2024, 1, 31))
    assert set(batch.symbols) | set(batch.unavailable) == set(requested)
    assert not set(batch.symbols) & set(batch.unavailable)


def test_ranges_without_trading_days_or_before_the_origin(sim):
    weekend = sim.daily_closes(["SPY"], date(2024, 7, 6), date(2024, 7, 7))
    assert weekend.closes.empty and weekend.unavailable == {}
    assert list(weekend.closes.columns) == ["symbol", "date", "close"]
    early = sim.daily_closes(["SPY"], date(1999, 1, 4), date(1999, 12, 31))
    assert early.closes.empty and "before 2000-01-03" in early.unavailable["SPY"]
    straddle = sim.daily_closes(["SPY"], date(1999, 12, 1), date(2000, 1, 5)).closes
    assert list(straddle["date"]) == [date(2000, 1, 3), date(2000, 1, 4), date(2000, 1, 5)]
    with pytest.raises(ValueError, match="after end"):
        sim.daily_closes(["SPY"], date(2024, 2, 1), date(2024, 1, 1))
    with pytest.raises(TypeError):
        sim.daily_closes("SPY", date(2024, 1, 1), date(2024, 2, 1))


# ---- factor structure ----------------------------------------------------------------------


def test_spy_and_tlt_volatility_and_their_relation(sim):
    r = _returns(sim, ["SPY", "TLT"], date(2012, 1, 1), date(2025, 12, 31))
    vol = r.std() * np.sqrt(252)
    assert 0.13 <= vol["SPY"] <= 0.19
    assert 0.11 <= vol["TLT"] <= 0.17
    (beta,), _ = _ols(r["TLT"].to_numpy(), r[["SPY"]].to_numpy())
    assert -0.4 < beta < 0.0  # slightly negative market loading
    assert -0.35 < r["SPY"].corr(r["TLT"]) < 0.0  # weakly related


def test_stock_beta_to_spy_matches_its_configured_loading(sim):
    stocks = STOCKS + [f"B{i:02d}" for i in range(30)]
    r = _returns(sim, ["SPY", *stocks], date(2023, 1, 1), date(2024, 12, 31))  # two years
    assert len(r) >= 500
    configured, estimated = [], []
    for symbol in stocks:
        (beta,), (se,) = _ols(r[symbol].to_numpy(), r[["SPY"]].to_numpy())
        loading = sim.model(symbol).loadings["market"]
        assert 0.5 <= loading <= 1.6
        assert abs(beta - loading) < 4 * se + 0.05, (symbol, beta, loading, se)
        configured.append(loading)
        estimated.append(beta)
    assert np.corrcoef(configured, estimated)[0, 1] > 0.9


def test_style_legs_load_on_spy_plus_their_own_factor(sim):
    r = _returns(sim, ["SPY", *STYLE_ETFS], date(2020, 1, 1), date(2024, 12, 31))
    for etf in STYLE_ETFS:
        (beta,), (se,) = _ols(r[etf].to_numpy(), r[["SPY"]].to_numpy())
        assert abs(beta - FACTOR_ETFS[etf].loadings["market"]) < 4 * se + 0.02, etf
        assert 0.6 < r[etf].corr(r["SPY"]) < 0.995, etf  # market-driven, but with a style leg
    spread = r["VUG"] - r["VTV"]
    assert spread.std() * np.sqrt(252) > 0.05  # a Growth-Value spread with real variation


def test_stock_style_exposures_are_recoverable(sim):
    stocks = [f"S{i:02d}" for i in range(40)]
    regressors = ["SPY", *STYLE_ETFS, "TLT"]
    r = _returns(sim, regressors + stocks, date(2012, 1, 1), date(2024, 12, 31))
    x = r[regressors].to_numpy()
    configured, estimated = [], []
    for symbol in stocks:
        coef, _ = _ols(r[symbol].to_numpy(), x)
        loadings = sim.model(symbol).loadings
        # A style ETF is beta_m * market + style factor, so its coefficient is the style loading.
        configured += [loadings[f] for f in STYLE_FACTORS]
        estimated += list(coef[1:7])
    assert np.corrcoef(configured, estimated)[0, 1] > 0.9
    assert np.median(np.abs(np.subtract(configured, estimated))) < 0.15


# ---- profiles and speed ---------------------------------------------------------------------


def test_company_profiles_are_deterministic_and_plausible(sim):
    profiles = sim.company_profiles(["AAPL", "SPY", "BRK.B", "ZZZZ-DELISTED", "JPM"])
    again = SimulatedMarketData().company_profiles(["AAPL", "SPY", "BRK.B", "ZZZZ-DELISTED", "JPM"])
    pd.testing.assert_frame_equal(profiles, again)
    assert list(profiles.columns) == ["symbol", "name", "sector", "industry", "market_cap"]
    assert list(profiles["symbol"]) == ["AAPL", "SPY", "BRK.B", "JPM"]
    stocks = profiles[profiles["symbol"] != "SPY"]
    assert stocks["market_cap"].between(1e8, 1e13).all()
    assert stocks["sector"].notna().all() and stocks["industry"].notna().all()
    spy = profiles.set_index("symbol").loc["SPY"]
    assert spy["name"] == "SPDR S&P 500 ETF Trust" and pd.isna(spy["sector"])


def test_1200_symbols_over_three_years_is_fast():
    sim = SimulatedMarketData()
    symbols = [f"U{i:04d}" for i in range(1192)] + list(FACTOR_ETFS)
    began = time.perf_counter()
    batch = sim.daily_closes(symbols, date(2023, 1, 1), date(2025, 12, 31))
    elapsed = time.perf_counter() - began
    assert len(batch.closes) == 1200 * len(calendar.sessions(date(2023, 1, 1), date(2025, 12, 31)))
    assert elapsed < 3.0, f"{elapsed:.2f}s"


@pytest.mark.parametrize("shape", [(700,), (700, 5)])
def test_the_ar1_recursion_is_scipys_lfilter_bit_for_bit(shape):
    from scipy.signal import lfilter

    from sigmasight_resources.market_data.simulator import _ar1

    shocks = np.random.default_rng(7).standard_normal(shape)
    np.testing.assert_array_equal(_ar1(shocks, 0.97), lfilter([1.0], [1.0, -0.97], shocks, axis=0))
