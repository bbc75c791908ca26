"""Realized volatility, HAR-RV forecasts and historical VaR/ES over trailing windows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .validation import check_positive_int, check_window, frame_values, series_values
from .windows import budget_slices, padded_windows

TRADING_DAYS = 252
"""Annualization factor: volatilities are daily figures times sqrt(252)."""

HAR_LAGS = (1, 5, 22)
"""HAR regressors: mean RV over the last 1, 5 and 22 days (RV_t, RV_{t-4..t}, RV_{t-21..t})."""


def realized_vol(
    returns: pd.Series | pd.DataFrame,
    window: int,
    min_obs: int | None = None,
) -> pd.Series | pd.DataFrame:
    """Annualized realized volatility over the trailing `window` rows ending at each date.

    Parameters
    ----------
    returns : Series (T,) or DataFrame (T, S)
        Daily simple returns; NaN where missing (skipped, not filled).
    window : int
        Rows in the trailing window (21, 63, 252).
    min_obs : int, optional
        Minimum non-missing returns in the window (defaults to `window`); fewer gives NaN.

    Returns
    -------
    Same type and shape as `returns`
        Sample standard deviation (ddof=1) times sqrt(252), as a fraction (0.18 = 18%).
    """
    name = "returns"
    if isinstance(returns, pd.Series):
        series_values(returns, name)
    else:
        frame_values(returns, name)
    min_obs = window if min_obs is None else min_obs
    check_window(window, min_obs)
    return returns.astype(np.float64).rolling(window, min_periods=min_obs).std(ddof=1) * np.sqrt(TRADING_DAYS)


def har_forecast(
    returns: pd.Series,
    window: int = 252,
    min_obs: int = 60,
    horizon: int = 21,
) -> pd.DataFrame:
    """HAR-RV (Corsi 2009) volatility forecasts made at each date from data up to it.

    RV_t = r_t^2. A training pair t has features x_t = [1, RV_t, mean(RV_{t-4..t}),
    mean(RV_{t-21..t})] and target RV_{t+1}; it counts only if all 23 returns it uses are
    present. At the date D with row d the model is fitted by OLS on the pairs whose
    target lies in the trailing `window` returns ending at D, i.e. t + 1 in
    [d - window + 1, d]; their lagged features reach back up to 21 rows further (still
    before D), and nothing dated after D is used. The 1-day forecast is the fitted value
    at x_D. The multi-day forecast iterates the fitted equation `horizon` times, feeding
    each (unclipped) daily forecast back into the lags, and averages the `horizon` daily
    variances. Each is reported as sqrt(252 * max(forecast, 0)).

    Parameters
    ----------
    returns : Series (T,)
        Daily simple returns (portfolio returns), NaN where missing.
    window : int
        Training targets per fit (default 252).
    min_obs : int
        Minimum complete training pairs (default 60; >= 4 to identify 4 coefficients).
    horizon : int
        Days averaged in the multi-day forecast (default 21).

    Returns
    -------
    DataFrame (T, 3)
        Columns `har_1d` and `har_{horizon}d` (annualized vol fractions; NaN where fewer
        than min_obs pairs or x_D is incomplete) and `n_obs` (training pairs, int).
    """
    values = series_values(returns, "returns")
    check_window(window, min_obs, least=4)
    check_positive_int(horizon, "horizon")

    rv = values * values
    lags = max(HAR_LAGS)
    features = np.column_stack([_trailing_mean(rv, span) for span in HAR_LAGS])  # (T, 3), NaN if incomplete
    target = np.append(rv[1:], np.nan)  # target of pair t is RV_{t+1}
    pairs = np.column_stack([features, target])
    pairs[~np.isfinite(pairs).all(axis=1)] = np.nan
    # The pairs for date d are t in [d - window, d - 1]: the window of pairs ending at d - 1.
    shifted = np.vstack([np.full((1, 4), np.nan), pairs[:-1]])
    windows = padded_windows(shifted, window)  # (T, 4, window)

    n_dates = len(values)
    coef = np.full((n_dates, 4), np.nan)
    n_obs = np.zeros(n_dates, dtype=np.int64)
    for block in budget_slices(n_dates, bytes_each=8 * 4 * 4 * window):
        coef[block], n_obs[block] = _ols_on_windows(windows[block], min_obs)

    history = padded_windows(rv, lags)  # (T, 22): RV_{d-21..d}
    daily = []
    for _ in range(horizon):
        regressors = np.column_stack([history[:, -span:].mean(axis=1) for span in HAR_LAGS])
        forecast = coef[:, 0] + np.einsum("tk,tk->t", coef[:, 1:], regressors)
        daily.append(forecast)
        history = np.column_stack([history[:, 1:], forecast])

    def annualized(variance: np.ndarray) -> np.ndarray:
        return np.sqrt(TRADING_DAYS * np.maximum(variance, 0.0))

    return pd.DataFrame(
        {"har_1d": annualized(daily[0]), f"har_{horizon}d": annualized(np.mean(daily, axis=0)), "n_obs": n_obs},
        index=returns.index,
    )


def historical_var_es(returns: pd.Series, window: int = 252, min_obs: int = 60) -> pd.DataFrame:
    """Historical 1-day VaR and expected shortfall at 95% and 99% over trailing windows.

    Parameters
    ----------
    returns : Series (T,)
        Daily simple returns (portfolio returns as fractions of NAV), NaN where missing.
    window : int
        Rows in the trailing window ending at each date (default 252).
    min_obs : int
        Minimum non-missing returns (default 60, as for the HAR and ridge fits: about a
        quarter of data, below which a 1% tail holds less than one observation); fewer
        gives NaN.

    Returns
    -------
    DataFrame (T, 4)
        var_95, var_99, es_95, es_99 as positive loss fractions: VaR = -q where q is the
        5% (1%) quantile of the window's returns with numpy's default linear
        interpolation; ES = -mean of the returns <= q.
    """
    values = series_values(returns, "returns")
    check_window(window, min_obs)
    n_dates = len(values)
    out = np.full((n_dates, 4), np.nan)
    windows = padded_windows(values, window)  # (T, window)
    for block in budget_slices(n_dates, bytes_each=8 * 4 * window):
        ordered = np.sort(windows[block], axis=1)  # NaN sorts last
        count = np.isfinite(ordered).sum(axis=1)
        enough = count >= min_obs
        for column, level in enumerate((0.05, 0.01)):
            quantile = _sorted_quantile(ordered, count, level)
            with np.errstate(invalid="ignore"):
                tail = ordered <= quantile[:, None]
                shortfall = np.where(tail, ordered, 0.0).sum(axis=1) / tail.sum(axis=1)
            out[block, column] = np.where(enough, -quantile, np.nan)
            out[block, column + 2] = np.where(enough, -shortfall, np.nan)
    return pd.DataFrame(out, index=returns.index, columns=["var_95", "var_99", "es_95", "es_99"])


def _trailing_mean(values: np.ndarray, span: int) -> np.ndarray:
    """Mean of values[t - span + 1 .. t]; NaN if any of them is missing or t < span - 1."""
    return padded_windows(values, span).mean(axis=1)


def _ols_on_windows(windows: np.ndarray, min_obs: int) -> tuple[np.ndarray, np.ndarray]:
    """OLS with intercept of the last column on the others, per window (B, K + 1, W).

    Rows with NaN are skipped. Sums are centered per window (two-pass) and the normal
    equations are column-scaled and solved with a pseudo-inverse, so a degenerate window
    (a constant regressor) gives the minimum-norm fit instead of an error.
    Returns coefficients (B, K + 1) [intercept, slopes] and the pair counts (B,).
    """
    used = np.isfinite(windows[:, 0, :])
    n = used.sum(axis=1)
    safe_n = np.maximum(n, 1)
    data = np.where(used[:, None, :], windows, 0.0)
    mean = data.sum(axis=2) / safe_n[:, None]
    centered = np.where(used[:, None, :], data - mean[:, :, None], 0.0)
    x, y = centered[:, :-1, :], centered[:, -1, :]
    xtx = x @ np.swapaxes(x, 1, 2)
    xty = np.einsum("bkw,bw->bk", x, y)
    scale = np.sqrt(np.diagonal(xtx, axis1=1, axis2=2))
    scale = np.where(scale > 0, scale, 1.0)
    scaled = xtx / (scale[:, :, None] * scale[:, None, :])
    slopes = np.einsum("bkl,bl->bk", np.linalg.pinv(scaled), xty / scale) / scale
    intercept = mean[:, -1] - np.einsum("bk,bk->b", slopes, mean[:, :-1])
    coef = np.column_stack([intercept, slopes])
    coef[n < min_obs] = np.nan
    return coef, n


def _sorted_quantile(ordered: np.ndarray, count: np.ndarray, level: float) -> np.ndarray:
    """numpy's default ('linear') quantile of each row's first `count` sorted values."""
    position = (np.maximum(count, 1) - 1) * level
    below = np.floor(position).astype(np.int64)
    above = np.minimum(below + 1, np.maximum(count, 1) - 1)
    low = np.take_along_axis(ordered, below[:, None], axis=1)[:, 0]
    high = np.take_along_axis(ordered, above[:, None], axis=1)[:, 0]
    return low + (high - low) * (position - below)
