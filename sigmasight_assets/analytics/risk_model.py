"""Factor risk model: model factor returns, rolling joint factor regressions, EWMA covariances.

A symbol's risk is split into exposure to seven model factors (Market, Rates and five ETF
spreads with little overlap) and a specific part. Per date D and symbol, one joint OLS
over the trailing window gives the loadings, and the exponentially weighted variance of
its residuals gives the specific variance; the factors' own EWMA covariance completes the
model. Everything is computed for all dates at once on blocks of trailing windows
(`padded_windows`) with batched matrix products and solves; no loop runs per date.

Each window is centered before its cross-products are formed (two-pass), so precision
does not depend on the level of the returns, and residuals are formed explicitly rather
than expanded from sums, so near-perfect fits do not lose the specific variance to
cancellation.
"""

import numbers
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .factors import MARKET, MODEL_FACTORS, MODEL_SPREADS, RATES
from .validation import check_positive_int, check_same_index, check_window, frame_values
from .windows import budget_slices, padded_windows

_CONSTANT = 1e-12
"""A window whose centered sum of squares is below this fraction of its raw sum of
squares is treated as constant (zero variance), as in `regression.py`."""

_SINGULAR = 1e-10
"""Smallest eigenvalue of the regressors' window correlation matrix below which the joint
design is treated as singular (collinear factors), giving NaN rather than an unstable fit."""


@dataclass(frozen=True)
class FactorModelFit:
    """Rolling joint OLS of symbol returns on the model factors, all ndarrays over (dates, symbols).

    loadings : (T, N, K) float, return per unit of factor return; NaN where not fitted.
    alpha : (T, N) float, intercept in daily return units; NaN where not fitted.
    specific_var : (T, N) float, EW mean of squared residuals, daily variance units.
    r2 : (T, N) float, ordinary in-window R^2; NaN where not fitted or y is constant.
    n_obs : (T, N) int, window rows where the symbol and every factor are present
        (reported also where the fit is NaN).
    dates : DatetimeIndex (T,), symbols : Index (N,), factors : Index (K,), the axes labels.
    """

    loadings: np.ndarray
    alpha: np.ndarray
    specific_var: np.ndarray
    r2: np.ndarray
    n_obs: np.ndarray
    dates: pd.DatetimeIndex
    symbols: pd.Index
    factors: pd.Index


@dataclass(frozen=True)
class EwmaCovariance:
    """Exponentially weighted covariance matrices per date.

    matrices : (T, K, K) float, daily covariance units; NaN below min_obs rows.
    n_obs : (T,) int, window rows where every column is present.
    dates : DatetimeIndex (T,), columns : Index (K,), the axes labels.
    """

    matrices: np.ndarray
    n_obs: np.ndarray
    dates: pd.DatetimeIndex
    columns: pd.Index


def model_factor_returns(etf_returns: pd.DataFrame) -> pd.DataFrame:
    """The seven risk-model factor returns, columns in `MODEL_FACTORS` order.

    Parameters
    ----------
    etf_returns : DataFrame (T, >= 8)
        Simple daily returns with the factor ETFs SPY, TLT, VTV, VUG, MTUM, QUAL, IWM and
        USMV as columns (others are ignored).

    Returns
    -------
    DataFrame (T, 7)
        Market = r_SPY, Rates = r_TLT and each spread long minus short leg
        (Growth_Value_Spread VUG - VTV, Momentum_Spread MTUM - SPY, Size_Spread IWM - SPY,
        Quality_Spread QUAL - SPY, Low_Vol_Spread USMV - SPY), in return fractions; NaN
        where a leg is missing.
    """
    frame_values(etf_returns, "etf_returns")
    needed = {MARKET, RATES, *(leg for pair in MODEL_SPREADS.values() for leg in pair)}
    missing = sorted(needed - set(etf_returns.columns))
    if missing:
        raise ValueError(f"etf_returns is missing factor ETF columns: {', '.join(missing)}")
    columns = {"Market": etf_returns[MARKET], "Rates": etf_returns[RATES]}
    columns |= {name: etf_returns[long] - etf_returns[short] for name, (long, short) in MODEL_SPREADS.items()}
    return pd.DataFrame(columns, index=etf_returns.index)[list(MODEL_FACTORS)].astype(np.float64)


def rolling_factor_model(
    returns: pd.DataFrame,
    factors: pd.DataFrame,
    window: int = 252,
    min_obs: int = 120,
    half_life: float = 63,
    start: int = 0,
) -> FactorModelFit:
    """Joint OLS with intercept of each symbol's returns on all factors, per trailing window.

    For date D and symbol i the regression uses the window rows ending at D where r_i
    and every factor are present. With fewer than `min_obs` such rows, or a singular
    design (a constant or collinear factor in the window), the fit is NaN for (D, i).
    The specific variance is sum(w e^2) / sum(w) over the same rows, e the regression's
    residuals and w_t = 0.5 ** ((D - t) / half_life) with D - t counted in rows; it has
    no degrees-of-freedom correction, so it is an EW estimate of the residual variance.

    Parameters
    ----------
    returns : DataFrame (T, N)
        Symbol daily simple returns, NaN where missing.
    factors : DataFrame (T, K)
        Factor returns, same index (normally `model_factor_returns`, K = 7).
    window : int
        Rows in the trailing window (default RISK_MODEL_WINDOW = 252).
    min_obs : int
        Minimum complete rows, >= K + 2 (default RISK_MODEL_MIN_OBS = 120).
    half_life : float
        Half-life of the residual weights in rows, > 0 (default SPECIFIC_HALF_LIFE = 63).
    start : int
        First row to fit (earlier rows are NaN, n_obs 0): each date depends only on its own
        window, so a caller that needs the last days fits only those.

    Returns
    -------
    FactorModelFit
        loadings (T, N, K), alpha, specific_var, r2 and n_obs (T, N).
    """
    y_values = frame_values(returns, "returns")
    x_values = frame_values(factors, "factors")
    check_same_index(returns.index, factors.index, "returns", "factors")
    n_x = x_values.shape[1]
    if n_x == 0:
        raise ValueError("factors must have at least one column")
    check_window(window, min_obs, least=n_x + 2)
    decay = _decay_weights(window, half_life)

    n_dates, n_symbols = y_values.shape
    loadings = np.full((n_dates, n_symbols, n_x), np.nan)
    alpha = np.full((n_dates, n_symbols), np.nan)
    specific_var = np.full((n_dates, n_symbols), np.nan)
    r2 = np.full((n_dates, n_symbols), np.nan)
    n_obs = np.zeros((n_dates, n_symbols), dtype=np.int64)

    y_windows = padded_windows(y_values, window)  # (T, N, w)
    x_windows = padded_windows(x_values, window)  # (T, K, w)
    bytes_per_date = 8 * (window * (7 * n_symbols + n_x * n_x + 3 * n_x) + 6 * n_symbols * n_x * n_x)
    for block in _from_row(start, n_dates, bytes_per_date):
        x = x_windows[block]
        x_present = np.isfinite(x).all(axis=1)  # (B, w)
        used = np.isfinite(y_windows[block]) & x_present[:, None, :]  # (B, N, w)
        mask = used.astype(np.float64)
        n = mask.sum(axis=2)  # (B, N)
        n_safe = np.maximum(n, 1.0)

        # Two-pass centering: y exactly per symbol, x by its window mean over complete
        # factor rows (a shift common to all symbols; OLS is invariant to it).
        y = np.where(used, y_windows[block], 0.0)
        mean_y = y.sum(axis=2) / n_safe
        y_c = np.where(used, y - mean_y[..., None], 0.0)
        x_count = np.maximum(x_present.sum(axis=1), 1)[:, None]
        x = np.where(x_present[:, None, :], x, 0.0)
        shift = x.sum(axis=2) / x_count  # (B, K)
        x_c = np.where(x_present[:, None, :], x - shift[..., None], 0.0)  # (B, K, w)
        x_ct = np.swapaxes(x_c, 1, 2)  # (B, w, K)

        mean_xc = (mask @ x_ct) / n_safe[..., None]  # (B, N, K), per-symbol mean of shifted x
        outer = (x_ct[:, :, :, None] * x_ct[:, :, None, :]).reshape(*x_ct.shape[:2], n_x * n_x)
        raw_xx = (mask @ outer).reshape(*mask.shape[:2], n_x, n_x)
        cxx = raw_xx - n[..., None, None] * mean_xc[..., :, None] * mean_xc[..., None, :]
        cxy = y_c @ x_ct  # (B, N, K); y_c sums to zero, so no mean correction

        # Solve on the correlation scale: well conditioned, and its eigenvalues flag collinearity.
        diag = np.diagonal(cxx, axis1=-2, axis2=-1)
        varies = diag > _CONSTANT * (mask @ np.swapaxes(x * x, 1, 2))  # vs the unshifted sum of squares
        scale = 1.0 / np.sqrt(np.where(varies, diag, 1.0))
        corr = cxx * scale[..., :, None] * scale[..., None, :]
        fit = (n >= min_obs) & varies.all(axis=-1)
        corr[~fit] = np.eye(n_x)
        fit &= np.linalg.eigvalsh(corr)[..., 0] > _SINGULAR
        corr[~fit] = np.eye(n_x)
        b = np.linalg.solve(corr, (cxy * scale)[..., None])[..., 0] * scale  # (B, N, K)

        resid = np.where(used, y_c - b @ x_c + np.sum(b * mean_xc, axis=-1)[..., None], 0.0)
        ssr = np.sum(resid * resid, axis=2)
        sst = np.sum(y_c * y_c, axis=2)
        weights = mask * decay
        total = weights.sum(axis=2)
        fit &= total > 0  # only if the weights underflow (a tiny half-life)
        ew_var = np.sum(weights * resid * resid, axis=2) / np.where(fit, total, 1.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            rsq = np.where(fit & (sst > _CONSTANT * np.sum(y * y, axis=2)), 1.0 - ssr / sst, np.nan)

        loadings[block] = np.where(fit[..., None], b, np.nan)
        alpha[block] = np.where(fit, mean_y - np.sum(b * (mean_xc + shift[:, None, :]), axis=-1), np.nan)
        specific_var[block] = np.where(fit, ew_var, np.nan)
        r2[block] = rsq
        n_obs[block] = np.rint(n).astype(np.int64)

    return FactorModelFit(
        loadings=loadings,
        alpha=alpha,
        specific_var=specific_var,
        r2=r2,
        n_obs=n_obs,
        dates=returns.index,
        symbols=returns.columns,
        factors=factors.columns,
    )


def ewma_covariance(
    returns: pd.DataFrame, window: int = 504, half_life: float = 63, min_obs: int = 60, start: int = 0
) -> EwmaCovariance:
    """Exponentially weighted covariance of the columns over the trailing window at each date.

    Per date D, over the window rows ending at D where every column is present, with
    w_t = 0.5 ** ((D - t) / half_life) (D - t in rows of the frame): mu = sum(w x) / sum(w)
    and C = sum(w (x - mu)(x - mu)') / sum(w), i.e. `np.cov(x.T, aweights=w, bias=True)`.
    Missing rows keep their place in the decay, so a gap ages the older rows.

    Parameters
    ----------
    returns : DataFrame (T, K)
        Daily returns (e.g. `model_factor_returns` or the factor ETFs).
    window : int
        Rows in the trailing window (default COVARIANCE_WINDOW = 504).
    half_life : float
        Half-life of the weights in rows, > 0 (default COVARIANCE_HALF_LIFE = 63).
    min_obs : int
        Minimum complete rows, >= 2 (default COVARIANCE_MIN_OBS = 60); fewer give a NaN matrix.
    start : int
        First row to compute (earlier rows are NaN, n_obs 0).

    Returns
    -------
    EwmaCovariance
        matrices (T, K, K) in daily return units squared, n_obs (T,).
    """
    values = frame_values(returns, "returns")
    check_window(window, min_obs, least=2)
    decay = _decay_weights(window, half_life)
    n_dates, n_columns = values.shape
    if n_columns == 0:
        raise ValueError("returns must have at least one column")

    matrices = np.full((n_dates, n_columns, n_columns), np.nan)
    n_obs = np.zeros(n_dates, dtype=np.int64)
    windows = padded_windows(values, window)  # (T, K, w)
    for block in _from_row(start, n_dates, 8 * window * (3 * n_columns + 2)):
        x = windows[block]
        present = np.isfinite(x).all(axis=1)  # (B, w)
        weights = np.where(present, decay, 0.0)
        total = weights.sum(axis=1)  # (B,)
        total_safe = np.where(total > 0, total, 1.0)
        x = np.where(present[:, None, :], x, 0.0)
        mean = (x @ weights[..., None])[..., 0] / total_safe[:, None]  # (B, K)
        x_c = np.where(present[:, None, :], x - mean[..., None], 0.0)
        cov = ((x_c * weights[:, None, :]) @ np.swapaxes(x_c, 1, 2)) / total_safe[:, None, None]
        count = present.sum(axis=1)
        defined = (count >= min_obs) & (total > 0)
        matrices[block] = np.where(defined[:, None, None], 0.5 * (cov + np.swapaxes(cov, 1, 2)), np.nan)
        n_obs[block] = count

    return EwmaCovariance(matrices=matrices, n_obs=n_obs, dates=returns.index, columns=returns.columns)


def _from_row(start: int, n_dates: int, bytes_each: int) -> Iterator[slice]:
    """Memory-bounded blocks of the rows [start, n_dates)."""
    check_positive_int(start + 1, "start + 1")
    for block in budget_slices(max(n_dates - start, 0), bytes_each):
        yield slice(block.start + start, block.stop + start)


def _decay_weights(window: int, half_life: object) -> np.ndarray:
    """Weights 0.5 ** ((D - t) / half_life) over window positions, oldest row first."""
    valid = isinstance(half_life, numbers.Real) and not isinstance(half_life, bool) and np.isfinite(half_life)
    if not (valid and half_life > 0):
        raise ValueError(f"half_life must be a positive finite number, got {half_life!r}")
    return 0.5 ** (np.arange(window - 1, -1, -1) / half_life)
