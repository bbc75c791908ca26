"""Too little data gives NaN (never an exception) in every kernel, including empty input."""

import numpy as np
import pandas as pd
import pytest

from sigmasight_assets.analytics import (
    FACTOR_ETFS,
    STYLE_LEGS,
    har_forecast,
    realized_vol,
    rolling_correlation,
    rolling_ols,
    rolling_ridge,
)
from sigmasight_assets.analytics.fhs import filtered_var_es, hypothetical_returns
from sigmasight_assets.analytics.risk_model import ewma_covariance, model_factor_returns, rolling_factor_model


@pytest.mark.parametrize("n_dates", [0, 1, 25])
def test_short_history_is_all_nan(returns: pd.DataFrame, n_dates: int) -> None:
    short = returns.iloc[1 : 1 + n_dates]
    factors = model_factor_returns(short[list(FACTOR_ETFS)])
    model = rolling_factor_model(short[["AAPL", "QUAL"]], factors)
    n_symbols = short.shape[1]
    book = np.full((n_dates, n_symbols), 1.0 / n_symbols)
    hypothetical = hypothetical_returns(short, book, np.zeros_like(book), window=60)
    outputs = {
        "ols": rolling_ols(short, short["SPY"], 90, 30).beta,
        "ridge": rolling_ridge(short, short[list(STYLE_LEGS.values())]).betas["VTV"],
        "vol": realized_vol(short, 63),
        "har": har_forecast(short["SPY"])[["har_1d", "har_21d"]],
        "corr": pd.DataFrame(rolling_correlation(short, 90, 30).matrices.reshape(n_dates, 18 * 18)),
        "loadings": pd.DataFrame(model.loadings.reshape(n_dates, 2 * 7)),
        "specific": pd.DataFrame(model.specific_var),
        "r2": pd.DataFrame(model.r2),
        "ewma": pd.DataFrame(ewma_covariance(factors).matrices.reshape(n_dates, 7 * 7)),
        "fhs": filtered_var_es(hypothetical, min_obs=60, index=short.index),
    }
    for name, frame in outputs.items():
        assert len(frame) == n_dates, name
        assert frame.isna().all().all(), name
    assert hypothetical.shape == (n_dates, 60)
    # the returns that exist are replayed: row d holds its d + 1 returns, the rest of the window is NaN
    np.testing.assert_array_equal(np.isfinite(hypothetical).sum(axis=1), np.arange(1, n_dates + 1))


def test_all_missing_symbol_is_nan_not_error(returns: pd.DataFrame) -> None:
    frame = returns[["SPY", "AAPL"]].assign(GHOST=np.nan)
    assert rolling_ols(frame, returns["SPY"], 90, 30).beta["GHOST"].isna().all()
    assert rolling_ridge(frame, returns[list(STYLE_LEGS.values())]).r2["GHOST"].isna().all()
    assert np.isnan(rolling_correlation(frame).matrices[:, 2, :]).all()
    assert har_forecast(frame)["har_1d"]["GHOST"].isna().all()
