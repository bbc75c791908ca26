"""Slow references for the risk-model kernels: one statsmodels fit or np.cov per window.

They loop over dates and rows on purpose and share no code with the kernels.
"""

import numpy as np
import pandas as pd
import statsmodels.api as sm

from tests.support.oracles import window_rows


def factor_model_oracle(
    y: pd.Series, x: pd.DataFrame, rows: list[int], window: int, min_obs: int, half_life: float
) -> pd.DataFrame:
    """statsmodels joint OLS of y on [1, x] at each row in `rows`.

    Columns: alpha, one loading per factor, r2, specific_var (weighted mean of squared
    residuals, weights computed per row with an explicit loop) and n_obs.
    """
    yv, xv = y.to_numpy(), x.to_numpy()
    out = pd.DataFrame(np.nan, index=y.index[rows], columns=["alpha", *x.columns, "r2", "specific_var", "n_obs"])
    for i, d in enumerate(rows):
        span = window_rows(d, window)
        ys, xs = yv[span], xv[span]
        ok = np.isfinite(ys) & np.isfinite(xs).all(axis=1)
        out.iloc[i, -1] = ok.sum()
        if ok.sum() < min_obs:
            continue
        fit = sm.OLS(ys[ok], sm.add_constant(xs[ok], has_constant="add")).fit()
        out.iloc[i, : x.shape[1] + 1] = fit.params
        out.iloc[i, -3] = fit.rsquared
        ages = [d - t for t in range(span.start, span.stop) if ok[t - span.start]]
        weights = [0.5 ** (age / half_life) for age in ages]
        out.iloc[i, -2] = sum(w * e * e for w, e in zip(weights, fit.resid, strict=True)) / sum(weights)
    return out


def ewma_cov_np(values: np.ndarray, d: int, window: int, half_life: float) -> tuple[np.ndarray, int]:
    """np.cov(aweights=..., bias=True) over the complete rows of the window ending at row d
    (NaN matrix if there are none), and the number of those rows."""
    span = window_rows(d, window)
    rows = values[span]
    ok = np.isfinite(rows).all(axis=1)
    if not ok.any():
        return np.full((values.shape[1],) * 2, np.nan), 0
    ages = d - np.arange(span.start, span.stop)[ok]
    return np.cov(rows[ok].T, aweights=0.5 ** (ages / half_life), bias=True), int(ok.sum())


def ewma_cov_loop(values: np.ndarray, d: int, window: int, half_life: float) -> np.ndarray:
    """The same covariance written out as sums over rows for every pair of columns."""
    k = values.shape[1]
    rows = [(d - t, values[t]) for t in range(max(0, d - window + 1), d + 1) if np.isfinite(values[t]).all()]
    total = sum(0.5 ** (age / half_life) for age, _ in rows)
    mean = [sum(0.5 ** (age / half_life) * row[a] for age, row in rows) / total for a in range(k)]
    cov = np.empty((k, k))
    for a in range(k):
        for b in range(k):
            cov[a, b] = (
                sum(0.5 ** (age / half_life) * (row[a] - mean[a]) * (row[b] - mean[b]) for age, row in rows) / total
            )
    return cov
