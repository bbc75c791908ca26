"""Rolling regressions of symbol returns on factor returns, vectorized over dates.

Both kernels turn each trailing window into sufficient statistics (counts, sums, sums of
products) with `trailing_sums`, so one call costs O(T x S) (OLS) or O(T x S x K^2)
(ridge) and never loops over dates. An observation counts only on dates where y and all
regressors are present (pairwise complete per symbol).
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .validation import check_same_index, check_window, frame_values, series_values
from .windows import budget_slices, trailing_sums

_CONSTANT = 1e-12
"""A regressor whose centered sum of squares is below this fraction of its raw sum of
squares over the window is treated as constant (zero variance)."""


@dataclass(frozen=True)
class RollingFit:
    """Rolling univariate OLS; every frame is (T, S) like the regressand.

    beta : slope per unit of the regressor's return; NaN below min_obs or if the
        regressor has zero variance in the window.
    r2 : coefficient of determination; NaN where beta is NaN or y is constant.
    n_obs : paired observations in the window (int).
    """

    beta: pd.DataFrame
    r2: pd.DataFrame
    n_obs: pd.DataFrame


@dataclass(frozen=True)
class RidgeFit:
    """Rolling ridge regression on several regressors.

    betas : one (T, S) frame per regressor column, per unit of raw regressor return.
    r2 : in-window R^2 of the ridge fit (as `Ridge.score` on the window), (T, S).
    n_obs : observations in the window where y and every regressor are present, (T, S).
    """

    betas: dict[str, pd.DataFrame]
    r2: pd.DataFrame
    n_obs: pd.DataFrame


def rolling_ols(y: pd.DataFrame, x: pd.Series, window: int, min_obs: int) -> RollingFit:
    """OLS slope with intercept of each column of `y` on `x` over trailing windows.

    Parameters
    ----------
    y : DataFrame (T, S)
        Symbol returns, dates as rows; NaN where missing.
    x : Series (T,)
        Regressor returns (e.g. SPY for market beta, TLT for IR beta, a spread), same index.
    window : int
        Rows in the trailing window ending at each date (e.g. 90).
    min_obs : int
        Minimum paired observations (>= 2); fewer gives NaN beta and r2.

    Returns
    -------
    RollingFit
        beta = cov(y, x) / var(x) and r2 = corr(y, x)^2 over the window rows where both
        y and x are present.
    """
    y_values = frame_values(y, "y")
    x_values = series_values(x, "x")
    check_same_index(y.index, x.index, "y", "x")
    check_window(window, min_obs, least=2)

    n_dates, n_symbols = y_values.shape
    beta = np.full((n_dates, n_symbols), np.nan)
    r2 = np.full((n_dates, n_symbols), np.nan)
    n_obs = np.zeros((n_dates, n_symbols), dtype=np.int64)
    x_present = np.isfinite(x_values)[:, None]
    for cols in budget_slices(n_symbols, bytes_each=16 * 8 * n_dates):
        paired = np.isfinite(y_values[:, cols]) & x_present
        xs = np.where(paired, x_values[:, None], 0.0)
        ys = np.where(paired, y_values[:, cols], 0.0)
        n = trailing_sums(paired.astype(np.float64), window)
        sx, sy = trailing_sums(xs, window), trailing_sums(ys, window)
        sxx, syy = trailing_sums(xs * xs, window), trailing_sums(ys * ys, window)
        sxy = trailing_sums(xs * ys, window)
        with np.errstate(invalid="ignore", divide="ignore"):
            cxx = sxx - sx * sx / n
            cyy = syy - sy * sy / n
            cxy = sxy - sx * sy / n
            fit = (n >= min_obs) & (cxx > _CONSTANT * sxx)
            b = np.where(fit, cxy / cxx, np.nan)
            rsq = np.where(fit & (cyy > _CONSTANT * syy), cxy * cxy / (cxx * cyy), np.nan)
        beta[:, cols] = b
        r2[:, cols] = np.clip(rsq, 0.0, 1.0)
        n_obs[:, cols] = np.rint(n).astype(np.int64)

    def frame(values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(values, index=y.index, columns=y.columns, copy=False)

    return RollingFit(beta=frame(beta), r2=frame(r2), n_obs=frame(n_obs))


def rolling_ridge(
    y: pd.DataFrame,
    x: pd.DataFrame,
    window: int = 150,
    min_obs: int = 60,
    alpha: float = 1.0,
) -> RidgeFit:
    """Ridge regression with intercept of each column of `y` on all columns of `x`.

    Per date and symbol, over the window rows where y and every regressor are present:
    regressors are standardized with their window mean and population standard deviation
    (as `sklearn.preprocessing.StandardScaler`), y is not scaled, the coefficients w
    minimize ||y_c - Z w||^2 + alpha ||w||^2 (sklearn's `Ridge` objective, intercept
    unpenalized), and are reported as w / std so they are per unit of raw factor return.
    In raw units this is the solution b of (C + (alpha / n) diag(C)) b = c, with C the
    centered cross-product matrix of the regressors and c their centered cross-products
    with y. A regressor that is constant over the window gets coefficient 0, as sklearn
    gives (StandardScaler leaves a zero-variance column at scale 1, so it is all zeros).

    Parameters
    ----------
    y : DataFrame (T, S)
        Symbol returns.
    x : DataFrame (T, K)
        Regressor returns (the six style-leg ETFs), same index as y.
    window : int
        Rows in the trailing window (default 150).
    min_obs : int
        Minimum complete observations (default 60); fewer gives NaN.
    alpha : float
        Penalty on the standardized coefficients, > 0 (default 1.0).

    Returns
    -------
    RidgeFit
    """
    y_values = frame_values(y, "y")
    x_values = frame_values(x, "x")
    check_same_index(y.index, x.index, "y", "x")
    check_window(window, min_obs, least=2)
    if x_values.shape[1] == 0:
        raise ValueError("x must have at least one column")
    if not (isinstance(alpha, (int, float)) and np.isfinite(alpha) and alpha > 0):
        raise ValueError(f"alpha must be a positive finite number, got {alpha!r}")

    n_dates, n_symbols = y_values.shape
    n_x = x_values.shape[1]
    betas = np.full((n_x, n_dates, n_symbols), np.nan)
    r2 = np.full((n_dates, n_symbols), np.nan)
    n_obs = np.zeros((n_dates, n_symbols), dtype=np.int64)

    x_present = np.isfinite(x_values).all(axis=1)
    xs = np.where(x_present[:, None], x_values, 0.0)  # (T, K)
    x_outer = xs[:, :, None] * xs[:, None, :]  # (T, K, K)
    bytes_each = 4 * 8 * n_dates * (2 * n_x * n_x + 2 * n_x + 3)
    for cols in budget_slices(n_symbols, bytes_each):
        used = np.isfinite(y_values[:, cols]) & x_present[:, None]  # (T, c)
        weight = used.astype(np.float64)
        ys = np.where(used, y_values[:, cols], 0.0)
        n = trailing_sums(weight, window)
        sx = trailing_sums(weight[:, :, None] * xs[:, None, :], window)  # (T, c, K)
        sxx = trailing_sums(weight[:, :, None, None] * x_outer[:, None], window)  # (T, c, K, K)
        sy, syy = trailing_sums(ys, window), trailing_sums(ys * ys, window)
        sxy = trailing_sums(ys[:, :, None] * xs[:, None, :], window)

        fit = n >= min_obs
        n_safe = np.where(fit, n, 1.0)
        mean_x = sx / n_safe[..., None]
        cxx = sxx - n_safe[..., None, None] * mean_x[..., :, None] * mean_x[..., None, :]
        cxy = sxy - mean_x * sy[..., None]
        cyy = syy - sy * sy / n_safe

        # A constant regressor keeps only a unit diagonal entry, so its coefficient is 0.
        diag = np.diagonal(cxx, axis1=-2, axis2=-1).copy()  # (T, c, K)
        varies = diag > _CONSTANT * np.diagonal(sxx, axis1=-2, axis2=-1)
        cxx = cxx * (varies[..., :, None] & varies[..., None, :])
        cxy = np.where(varies, cxy, 0.0)
        system = cxx + np.eye(n_x) * np.where(varies, (alpha / n_safe[..., None]) * diag, 1.0)[..., None, :]
        system[~fit] = np.eye(n_x)
        b = np.linalg.solve(system, cxy[..., None])[..., 0]  # (T, c, K)

        ssr = cyy - 2.0 * np.einsum("tck,tck->tc", b, cxy) + np.einsum("tck,tckl,tcl->tc", b, cxx, b)
        with np.errstate(invalid="ignore", divide="ignore"):
            rsq = np.where(fit & (cyy > _CONSTANT * syy), 1.0 - ssr / cyy, np.nan)
        betas[:, :, cols] = np.moveaxis(np.where(fit[..., None], b, np.nan), -1, 0)
        r2[:, cols] = rsq
        n_obs[:, cols] = np.rint(n).astype(np.int64)

    def frame(values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(values, index=y.index, columns=y.columns, copy=False)

    return RidgeFit(
        betas={name: frame(betas[k]) for k, name in enumerate(x.columns)},
        r2=frame(r2),
        n_obs=frame(n_obs),
    )
