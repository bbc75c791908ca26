"""Realized volatility and HAR-RV forecasts over trailing windows (VaR/ES is `fhs.py`)."""

import numpy as np
import pandas as pd

from sigmasight_resources.calendar import TRADING_DAYS_PER_YEAR  # volatilities are daily figures × √252

from .validation import check_positive_int, check_window, columns_values
from .windows import budget_slices, padded_windows, trailing_sums

_SINGULAR = 1e-12
"""Determinant below which a unit-diagonal normal matrix is treated as singular."""

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
    columns_values(returns, "returns")
    min_obs = window if min_obs is None else min_obs
    check_window(window, min_obs)
    return returns.astype(np.float64).rolling(window, min_periods=min_obs).std(ddof=1) * np.sqrt(TRADING_DAYS_PER_YEAR)


def har_forecast(
    returns: pd.Series | pd.DataFrame,
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
    returns : Series (T,) or DataFrame (T, S)
        Daily simple returns (a portfolio's, or one column per portfolio), NaN where
        missing. Columns are fitted independently, in one vectorized pass.
    window : int
        Training targets per fit (default 252).
    min_obs : int
        Minimum complete training pairs (default 60; >= 4 to identify 4 coefficients).
    horizon : int
        Days averaged in the multi-day forecast (default 21).

    Returns
    -------
    DataFrame
        Columns `har_1d` and `har_{horizon}d` (annualized vol fractions; NaN where fewer
        than min_obs pairs or x_D is incomplete) and `n_obs` (training pairs, int). For a
        DataFrame input these are the first level of a column MultiIndex over the
        input's columns, so `result["har_1d"]` is a (T, S) frame.
    """
    values = columns_values(returns, "returns")
    check_window(window, min_obs, least=4)
    check_positive_int(horizon, "horizon")

    n_dates, n_series = values.shape
    daily_1 = np.full((n_dates, n_series), np.nan)
    daily_mean = np.full((n_dates, n_series), np.nan)
    n_obs = np.zeros((n_dates, n_series), dtype=np.int64)
    bytes_each = 8 * n_dates * (4 * 30 + 2 * (max(HAR_LAGS) + horizon))
    for cols in budget_slices(n_series, bytes_each):
        daily, n_obs[:, cols] = _har_daily_forecasts(values[:, cols], window, min_obs, horizon)
        daily_1[:, cols], daily_mean[:, cols] = daily[..., 0], daily.mean(axis=-1)

    names = ("har_1d", f"har_{horizon}d", "n_obs")
    results = (_annualized(daily_1), _annualized(daily_mean), n_obs)
    if isinstance(returns, pd.Series):
        return pd.DataFrame(
            {name: result[:, 0] for name, result in zip(names, results, strict=True)}, index=returns.index
        )
    return pd.concat(
        {
            name: pd.DataFrame(result, index=returns.index, columns=returns.columns, copy=False)
            for name, result in zip(names, results, strict=True)
        },
        axis=1,
    )


def _har_daily_forecasts(values: np.ndarray, window: int, min_obs: int, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Daily variance forecasts (T, S, horizon) and training-pair counts (T, S); see `har_forecast`."""
    rv = values * values
    lags = max(HAR_LAGS)
    recent = padded_windows(rv, lags)  # (T, S, 22): RV_{t-21}, ..., RV_t; NaN before the start
    features = np.stack([recent[..., -span:].mean(axis=-1) for span in HAR_LAGS], axis=-1)  # NaN if incomplete
    target = np.full_like(rv, np.nan)
    target[:-1] = rv[1:]  # pair t: target RV_{t+1}
    coef, n_obs = _ols_on_previous_pairs(features, target, window, min_obs)

    # Each daily forecast is coef_0 + weights . (the last 22 RVs), the HAR means folded
    # into per-date weights; forecasts are appended to the RV history as they are made.
    history = np.empty((*rv.shape, lags + horizon))
    history[..., :lags] = recent
    weights = np.zeros((*rv.shape, lags))
    for k, span in enumerate(HAR_LAGS):
        weights[..., -span:] += coef[..., k + 1, None] / span
    for step in range(horizon):
        history[..., lags + step] = coef[..., 0] + np.einsum("tsk,tsk->ts", weights, history[..., step : step + lags])
    return history[..., lags:], n_obs


def _ols_on_previous_pairs(
    features: np.ndarray, target: np.ndarray, window: int, min_obs: int
) -> tuple[np.ndarray, np.ndarray]:
    """OLS with intercept of target on features over pairs t in [d - window, d - 1], per row d.

    features (T, S, K) and target (T, S) hold pair t in row t; pairs with any NaN are
    skipped. Window sums come from `trailing_sums`; the centered normal equations are
    column-scaled (unit diagonal) before solving, and a degenerate window (e.g. all
    returns 0) gets the minimum-norm fit instead of an error.

    Returns coefficients (T, S, K + 1) [intercept, slopes], NaN below min_obs pairs, and
    the pair counts (T, S).
    """
    data = np.concatenate([features, target[..., None]], axis=-1)  # (T, S, K + 1)
    used = np.isfinite(data).all(axis=-1)
    data = np.where(used[..., None], data, 0.0)
    # Shift by one row: the fit at d uses the window of pairs ending at d - 1.
    data = np.concatenate([np.zeros_like(data[:1]), data[:-1]])
    used = np.concatenate([np.zeros_like(used[:1]), used[:-1]])
    n = trailing_sums(used.astype(np.float64), window)
    sums = trailing_sums(data, window)
    cross = trailing_sums(data[..., :, None] * data[..., None, :], window)

    safe_n = np.maximum(n, 1.0)[..., None]
    mean = sums / safe_n
    centered = cross - safe_n[..., None] * mean[..., :, None] * mean[..., None, :]
    xtx, xty = centered[..., :-1, :-1], centered[..., :-1, -1]
    scale = np.sqrt(np.maximum(np.diagonal(xtx, axis1=-2, axis2=-1), 0.0))
    scale = np.where(scale > 0, scale, 1.0)
    scaled = xtx / (scale[..., :, None] * scale[..., None, :])
    fit = n >= min_obs
    slopes = np.full(xty.shape, np.nan)
    slopes[fit] = _solve_or_min_norm(scaled[fit], xty[fit] / scale[fit]) / scale[fit]
    intercept = mean[..., -1] - np.einsum("tsk,tsk->ts", slopes, mean[..., :-1])
    return np.concatenate([intercept[..., None], slopes], axis=-1), np.rint(n).astype(np.int64)


def _solve_or_min_norm(matrices: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Solve matrices[i] @ v = rhs[i] for (N, K, K), (N, K); pseudo-inverse where singular."""
    regular = np.abs(np.linalg.det(matrices)) > _SINGULAR
    out = np.empty_like(rhs)
    out[regular] = np.linalg.solve(matrices[regular], rhs[regular][..., None])[..., 0]
    if not regular.all():
        out[~regular] = np.einsum("tkl,tl->tk", np.linalg.pinv(matrices[~regular]), rhs[~regular])
    return out


def _annualized(variance: np.ndarray) -> np.ndarray:
    return np.sqrt(TRADING_DAYS_PER_YEAR * np.maximum(variance, 0.0))


def _sorted_quantile(ordered: np.ndarray, count: np.ndarray, level: float) -> np.ndarray:
    """numpy's default ('linear') quantile of each row's first `count` sorted values."""
    position = (np.maximum(count, 1) - 1) * level
    below = np.floor(position).astype(np.int64)
    above = np.minimum(below + 1, np.maximum(count, 1) - 1)
    low = np.take_along_axis(ordered, below[:, None], axis=1)[:, 0]
    high = np.take_along_axis(ordered, above[:, None], axis=1)[:, 0]
    return low + (high - low) * (position - below)
