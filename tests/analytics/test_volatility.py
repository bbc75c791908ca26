"""Realized vol and HAR-RV against per-window numpy/pandas/statsmodels."""

import numpy as np
import pandas as pd
import pytest

from sigmasight_assets.analytics import har_forecast, realized_vol
from tests.support.oracles import assert_frame_close, har_oracle, window_rows


def test_realized_vol_matches_sample_std_per_window(gappy_returns: pd.DataFrame) -> None:
    values = gappy_returns.to_numpy()
    vol = realized_vol(gappy_returns, window=21, min_obs=15)
    expected = np.full(values.shape, np.nan)
    for t in range(len(values)):
        for j in range(values.shape[1]):
            sample = values[window_rows(t, 21), j]
            sample = sample[np.isfinite(sample)]
            if len(sample) >= 15:
                expected[t, j] = np.std(sample, ddof=1) * np.sqrt(252)
    assert_frame_close(vol, pd.DataFrame(expected, index=gappy_returns.index, columns=gappy_returns.columns))
    pandas_ref = gappy_returns.rolling(21, min_periods=15).std() * np.sqrt(252)
    assert_frame_close(vol, pandas_ref, rtol=1e-10)


def test_realized_vol_series_and_default_min_obs(returns: pd.DataFrame) -> None:
    spy = returns["SPY"]
    vol = realized_vol(spy, window=63)
    assert isinstance(vol, pd.Series) and vol.index.equals(spy.index)
    # First return is row 1, so 63 returns are first available at row 63.
    assert vol.iloc[:63].isna().all() and np.isfinite(vol.iloc[63])
    assert vol.iloc[63] == pytest.approx(spy.iloc[1:64].std(ddof=1) * np.sqrt(252), rel=1e-10)
    assert 0.05 < vol.median() < 0.5  # a fraction, not percent


@pytest.mark.parametrize(("window", "min_obs"), [(252, 60), (100, 30)])
def test_har_matches_statsmodels_refit_and_hand_recursion(returns: pd.DataFrame, window: int, min_obs: int) -> None:
    spy = returns["SPY"]
    har = har_forecast(spy, window=window, min_obs=min_obs, horizon=21)
    rows = list(range(0, len(spy), 3))
    expected = har_oracle(spy, rows, window=window, min_obs=min_obs, horizon=21)
    assert list(har.columns) == ["har_1d", "har_21d", "n_obs"]
    assert_frame_close(
        har[["har_1d", "har_21d"]].iloc[rows], expected[["har_1d", "har_h"]].set_axis(["har_1d", "har_21d"], axis=1)
    )
    np.testing.assert_array_equal(har["n_obs"].iloc[rows], expected["n_obs"])
    assert har["har_1d"].notna().sum() > 300


def test_har_with_gaps_and_min_obs(gappy_returns: pd.DataFrame) -> None:
    tlt = gappy_returns["TLT"]  # 3% missing returns: each hole removes 23 training pairs
    har = har_forecast(tlt, window=252, min_obs=60, horizon=5)
    rows = list(range(0, len(tlt), 2))
    expected = har_oracle(tlt, rows, window=252, min_obs=60, horizon=5)
    assert list(har.columns) == ["har_1d", "har_5d", "n_obs"]
    assert_frame_close(
        har[["har_1d", "har_5d"]].iloc[rows], expected[["har_1d", "har_h"]].set_axis(["har_1d", "har_5d"], axis=1)
    )
    np.testing.assert_array_equal(har["n_obs"].iloc[rows], expected["n_obs"])
    first = int(np.argmax(har["n_obs"].to_numpy() >= 60))
    assert har["n_obs"].iloc[first - 1] == 59 and har["har_1d"].iloc[:first].isna().all()
    assert har["n_obs"].max() < 252  # holes cost pairs


def test_har_on_a_frame_fits_each_column_alone(gappy_returns: pd.DataFrame) -> None:
    frame = gappy_returns[["SPY", "TLT", "NVDA", "TSLA"]]
    har = har_forecast(frame)
    assert list(har.columns.get_level_values(0).unique()) == ["har_1d", "har_21d", "n_obs"]
    for symbol in frame.columns:
        alone = har_forecast(frame[symbol])
        for field in alone.columns:
            np.testing.assert_allclose(har[field][symbol], alone[field], rtol=1e-12, err_msg=f"{symbol} {field}")


def test_har_no_look_ahead(returns: pd.DataFrame) -> None:
    spy = returns["SPY"]
    cut = 450
    base = har_forecast(spy)
    altered = spy.copy()
    altered.iloc[cut + 1 :] *= 5.0
    longer = pd.concat([altered, pd.Series([0.03, -0.04], index=pd.bdate_range("2021-10-18", periods=2))])
    moved = har_forecast(longer)
    assert_frame_close(moved.iloc[: cut + 1], base.iloc[: cut + 1], rtol=1e-12)
    assert not np.allclose(moved["har_1d"].iloc[cut + 1 : cut + 5], base["har_1d"].iloc[cut + 1 : cut + 5])


def test_volatility_validation(returns: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="returns must be a pandas Series or DataFrame, got ndarray"):
        har_forecast(returns["SPY"].to_numpy())
    with pytest.raises(ValueError, match="min_obs must be an integer in \\[4, window=252\\]"):
        har_forecast(returns["SPY"], min_obs=3)
    with pytest.raises(ValueError, match="horizon must be a positive integer"):
        har_forecast(returns["SPY"], horizon=0)
    with pytest.raises(ValueError, match="min_obs must be an integer in \\[1, window=21\\]"):
        realized_vol(returns, 21, min_obs=30)
    with pytest.raises(ValueError, match="returns must have a DatetimeIndex"):
        realized_vol(returns["SPY"].reset_index(drop=True), 21)
