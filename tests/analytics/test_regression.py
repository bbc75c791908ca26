"""Rolling OLS and ridge against statsmodels / sklearn refitted on every window."""

import numpy as np
import pandas as pd
import pytest

from sigmasight_assets.analytics import STYLE_LEGS, rolling_ols, rolling_ridge, spread_returns
from tests.support.oracles import assert_frame_close, ols_oracle, ridge_oracle

SYMBOLS = ["TLT", "AAPL", "NVDA", "TSLA", "JNJ"]
LEGS = list(STYLE_LEGS.values())


@pytest.mark.parametrize("data", ["returns", "gappy_returns"])
def test_market_beta_matches_statsmodels_per_window(data: str, request: pytest.FixtureRequest) -> None:
    returns = request.getfixturevalue(data)
    fit = rolling_ols(returns[SYMBOLS], returns["SPY"], window=90, min_obs=30)
    for symbol in SYMBOLS:
        expected = ols_oracle(returns[symbol], returns["SPY"], window=90, min_obs=30)
        assert_frame_close(fit.beta[[symbol]], expected[["beta"]].set_axis([symbol], axis=1))
        assert_frame_close(fit.r2[[symbol]], expected[["r2"]].set_axis([symbol], axis=1))
        np.testing.assert_array_equal(fit.n_obs[symbol], expected["n_obs"])
    assert fit.n_obs.dtypes.eq(np.int64).all()


def test_spread_beta_matches_statsmodels(gappy_returns: pd.DataFrame) -> None:
    spread = spread_returns(gappy_returns)["Momentum_Spread"]
    fit = rolling_ols(gappy_returns[["NVDA"]], spread, window=150, min_obs=60)
    expected = ols_oracle(gappy_returns["NVDA"], spread, window=150, min_obs=60)
    assert_frame_close(fit.beta, expected[["beta"]].set_axis(["NVDA"], axis=1))
    assert_frame_close(fit.r2, expected[["r2"]].set_axis(["NVDA"], axis=1))


def test_ols_min_obs_threshold_and_gaps(gappy_returns: pd.DataFrame) -> None:
    fit = rolling_ols(gappy_returns[["TSLA", "NVDA"]], gappy_returns["SPY"], window=90, min_obs=30)
    tsla = fit.n_obs["TSLA"]
    first = int(np.argmax(tsla.to_numpy() >= 30))
    assert tsla.iloc[429] == 0 and tsla.iloc[first - 1] == 29 and tsla.iloc[first] == 30
    assert fit.beta["TSLA"].iloc[:first].isna().all() and fit.beta["TSLA"].iloc[first:].notna().all()
    # The 40-day NVDA hole only thins the window (to about half) and keeps betas defined.
    assert 30 < fit.n_obs["NVDA"].iloc[200:300].min() < 50 and fit.beta["NVDA"].iloc[200:300].notna().all()


def test_ols_constant_regressor_gives_nan_not_error(returns: pd.DataFrame) -> None:
    flat = returns["SPY"].copy()
    flat.iloc[100:300] = 0.0
    fit = rolling_ols(returns[["AAPL"]], flat, window=90, min_obs=30)
    assert fit.beta["AAPL"].iloc[189:300].isna().all()
    assert fit.beta["AAPL"].iloc[188:189].notna().all() and fit.beta["AAPL"].iloc[300:].notna().all()


@pytest.mark.parametrize("data", ["returns", "gappy_returns"])
def test_ridge_matches_sklearn_on_standardized_windows(data: str, request: pytest.FixtureRequest) -> None:
    returns = request.getfixturevalue(data)
    x = returns[LEGS].copy()
    if data == "gappy_returns":
        x.iloc[::17, 2] = np.nan  # a missing regressor drops the row for every symbol
    symbols = ["AAPL", "NVDA", "TSLA", "XOM"]
    fit = rolling_ridge(returns[symbols], x, window=150, min_obs=60, alpha=1.0)
    rows = list(range(0, len(returns), 4))
    for symbol in symbols:
        expected = ridge_oracle(returns[symbol], x, rows, window=150, min_obs=60, alpha=1.0)
        actual = pd.DataFrame({leg: fit.betas[leg][symbol] for leg in LEGS}).iloc[rows]
        assert_frame_close(actual, expected[LEGS])
        assert_frame_close(fit.r2[[symbol]].iloc[rows], expected[["r2"]].set_axis([symbol], axis=1))
        np.testing.assert_array_equal(fit.n_obs[symbol].iloc[rows], expected["n_obs"])
    assert list(fit.betas) == LEGS


def test_ridge_penalty_changes_the_answer(returns: pd.DataFrame) -> None:
    y = returns[["AAPL"]]
    weak = rolling_ridge(y, returns[LEGS], alpha=1e-6).betas["VUG"]["AAPL"].iloc[-1]
    strong = rolling_ridge(y, returns[LEGS], alpha=50.0).betas["VUG"]["AAPL"].iloc[-1]
    expected = ridge_oracle(returns["AAPL"], returns[LEGS], [len(returns) - 1], 150, 60, 50.0)["VUG"].iloc[0]
    assert strong == pytest.approx(expected, rel=1e-8)
    assert abs(weak - strong) > 0.05


def test_ridge_constant_regressor_gets_zero_like_sklearn(returns: pd.DataFrame) -> None:
    x = returns[LEGS].copy()
    x.iloc[300:470, LEGS.index("USMV")] = 0.0  # stale ETF: zero variance in the windows ending 449..469
    fit = rolling_ridge(returns[["JPM"]], x)
    rows = [449, 460, 469, 470]
    expected = ridge_oracle(returns["JPM"], x, rows, 150, 60, 1.0)
    actual = pd.DataFrame({leg: fit.betas[leg]["JPM"] for leg in LEGS}).iloc[rows]
    assert_frame_close(actual, expected[LEGS], atol=1e-12)
    assert (actual["USMV"].iloc[:3] == 0).all() and actual["USMV"].iloc[3] != 0


def test_ridge_min_obs_threshold(gappy_returns: pd.DataFrame) -> None:
    fit = rolling_ridge(gappy_returns[["TSLA"]], gappy_returns[LEGS], window=150, min_obs=60)
    n = fit.n_obs["TSLA"]
    first = int(np.argmax(n.to_numpy() >= 60))
    assert n.iloc[first] == 60 and n.iloc[first - 1] == 59
    assert fit.betas["VTV"]["TSLA"].iloc[:first].isna().all()
    assert fit.betas["VTV"]["TSLA"].iloc[first:].notna().all()


def _regression_outputs(frame: pd.DataFrame) -> pd.DataFrame:
    stocks = ["AAPL", "NVDA", "TSLA"]
    ols = rolling_ols(frame[stocks], frame["SPY"], 90, 30)
    ridge = rolling_ridge(frame[stocks], frame[LEGS])
    return pd.concat([ols.beta, ols.r2, ols.n_obs, ridge.r2, ridge.n_obs, *ridge.betas.values()], axis=1)


def test_regressions_do_not_look_ahead(gappy_returns: pd.DataFrame) -> None:
    cut = 400
    baseline = _regression_outputs(gappy_returns)
    altered = gappy_returns.copy()
    altered.iloc[cut + 1 :] = np.random.default_rng(1).normal(0, 0.05, size=altered.iloc[cut + 1 :].shape)
    extra = pd.DataFrame(
        0.01, columns=altered.columns, index=pd.bdate_range(altered.index[-1] + pd.Timedelta(days=1), periods=5)
    )
    result = _regression_outputs(pd.concat([altered, extra]))
    assert_frame_close(result.iloc[: cut + 1], baseline.iloc[: cut + 1], rtol=1e-12)
    assert not np.allclose(result.iloc[cut + 1 : len(baseline)], baseline.iloc[cut + 1 :], equal_nan=True)


def test_regressions_depend_only_on_the_window(gappy_returns: pd.DataFrame) -> None:
    """Dropping history before the longest window (as when one day is materialized alone)
    changes results only by rounding: cumulative sums start elsewhere, and the ridge
    system (collinear style ETFs, condition number ~1e4) amplifies that to ~1e-12."""
    full = _regression_outputs(gappy_returns)
    start = 250
    tail = _regression_outputs(gappy_returns.iloc[start:])
    assert_frame_close(tail.iloc[150:], full.iloc[start + 150 :], rtol=1e-9, atol=1e-11)


def test_regression_input_validation(returns: pd.DataFrame) -> None:
    y, x = returns[["AAPL"]], returns["SPY"]
    with pytest.raises(ValueError, match="y and x must have the same index"):
        rolling_ols(y, x.iloc[1:], 90, 30)
    with pytest.raises(ValueError, match="min_obs must be an integer in \\[2, window=90\\]"):
        rolling_ols(y, x, 90, 91)
    with pytest.raises(ValueError, match="window must be a positive integer"):
        rolling_ols(y, x, 0, 1)
    with pytest.raises(ValueError, match="x must be a pandas Series"):
        rolling_ols(y, returns[["SPY"]], 90, 30)
    with pytest.raises(ValueError, match="y must be a pandas DataFrame"):
        rolling_ols(returns["AAPL"], x, 90, 30)
    with pytest.raises(ValueError, match="alpha must be a positive finite number"):
        rolling_ridge(y, returns[LEGS], alpha=0.0)
    with pytest.raises(ValueError, match="x must be a pandas DataFrame"):
        rolling_ridge(y, x)
    with pytest.raises(ValueError, match="x contains infinite values"):
        rolling_ridge(y, returns[LEGS].replace(returns["VTV"].iloc[9], np.inf))
