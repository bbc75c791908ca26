"""Too little data gives NaN (never an exception) in every kernel, including empty input."""

import numpy as np
import pandas as pd
import pytest

from sigmasight_assets.analytics import (
    FACTOR_ETFS,
    FACTORS,
    STYLE_LEGS,
    factor_betas,
    factor_returns,
    har_forecast,
    historical_var_es,
    realized_vol,
    rolling_correlation,
    rolling_ols,
    rolling_ridge,
    stress_pnl,
)


@pytest.mark.parametrize("n_dates", [0, 1, 25])
def test_short_history_is_all_nan(returns: pd.DataFrame, n_dates: int) -> None:
    short = returns.iloc[1 : 1 + n_dates]
    etfs = short[list(FACTOR_ETFS)]
    outputs = {
        "ols": rolling_ols(short, short["SPY"], 90, 30).beta,
        "ridge": rolling_ridge(short, short[list(STYLE_LEGS.values())]).betas["VTV"],
        "vol": realized_vol(short, 63),
        "har": har_forecast(short["SPY"])[["har_1d", "har_21d"]],
        "var": historical_var_es(short["SPY"]),
        "corr": pd.DataFrame(rolling_correlation(short, 90, 30).matrices.reshape(n_dates, 18 * 18)),
        "betas": pd.DataFrame(factor_betas(factor_returns(etfs)).reshape(n_dates, 12 * 12)),
    }
    for name, frame in outputs.items():
        assert len(frame) == n_dates, name
        assert frame.isna().all().all(), name
    exposures = pd.DataFrame(1e6, index=short.index, columns=list(FACTORS))
    pnl = stress_pnl(exposures, {"Market_Beta": -0.1}, factor_betas(factor_returns(etfs)))
    np.testing.assert_array_equal(pnl["correlated_pnl"], -1e5)  # no betas yet: only the shocked factor moves


def test_all_missing_symbol_is_nan_not_error(returns: pd.DataFrame) -> None:
    frame = returns[["SPY", "AAPL"]].assign(GHOST=np.nan)
    assert rolling_ols(frame, returns["SPY"], 90, 30).beta["GHOST"].isna().all()
    assert rolling_ridge(frame, returns[list(STYLE_LEGS.values())]).r2["GHOST"].isna().all()
    assert np.isnan(rolling_correlation(frame).matrices[:, 2, :]).all()
    assert har_forecast(frame)["har_1d"]["GHOST"].isna().all()
