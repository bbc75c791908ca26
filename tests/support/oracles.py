"""Slow, obviously-correct references for the kernels: one library fit per window.

These loop over dates on purpose (loops belong in test oracles) and use statsmodels,
sklearn, numpy and pandas directly, sharing no code with the kernels.
"""

import numpy as np
import pandas as pd
import statsmodels.api as sm
from sklearn.linear_model import Ridge
from sklearn.preprocessing import StandardScaler


def assert_frame_close(actual: pd.DataFrame, expected: pd.DataFrame, rtol: float = 1e-8, atol: float = 0.0) -> None:
    """Same labels and NaN pattern; finite values equal to rtol/atol."""
    assert actual.shape == expected.shape
    assert actual.index.equals(expected.index)
    assert list(actual.columns) == list(expected.columns)
    np.testing.assert_allclose(actual.to_numpy(dtype=float), expected.to_numpy(dtype=float), rtol=rtol, atol=atol)


def window_rows(t: int, window: int) -> slice:
    """Rows of the trailing window ending at row t."""
    return slice(max(0, t - window + 1), t + 1)


def ols_oracle(y: pd.Series, x: pd.Series, window: int, min_obs: int) -> pd.DataFrame:
    """statsmodels OLS of y on [1, x] per trailing window: beta, r2, n_obs."""
    yv, xv = y.to_numpy(), x.to_numpy()
    out = pd.DataFrame(np.nan, index=y.index, columns=["beta", "r2", "n_obs"])
    for t in range(len(y)):
        ys, xs = yv[window_rows(t, window)], xv[window_rows(t, window)]
        ok = np.isfinite(ys) & np.isfinite(xs)
        out.iloc[t, 2] = ok.sum()
        if ok.sum() >= min_obs:
            fit = sm.OLS(ys[ok], sm.add_constant(xs[ok], has_constant="add")).fit()
            out.iloc[t, 0] = fit.params[1]
            out.iloc[t, 1] = fit.rsquared
    return out


def ridge_oracle(
    y: pd.Series, x: pd.DataFrame, rows: list[int], window: int, min_obs: int, alpha: float
) -> pd.DataFrame:
    """sklearn Ridge on StandardScaler-standardized regressors per window (at `rows`).

    Columns: one raw-unit coefficient per regressor, then r2 (Ridge.score) and n_obs.
    """
    yv, xv = y.to_numpy(), x.to_numpy()
    out = pd.DataFrame(np.nan, index=y.index[rows], columns=[*x.columns, "r2", "n_obs"])
    for i, t in enumerate(rows):
        ys, xs = yv[window_rows(t, window)], xv[window_rows(t, window)]
        ok = np.isfinite(ys) & np.isfinite(xs).all(axis=1)
        out.iloc[i, -1] = ok.sum()
        if ok.sum() < min_obs:
            continue
        scaler = StandardScaler().fit(xs[ok])
        z = scaler.transform(xs[ok])
        model = Ridge(alpha=alpha).fit(z, ys[ok])
        out.iloc[i, : x.shape[1]] = model.coef_ / scaler.scale_
        out.iloc[i, -2] = model.score(z, ys[ok])
    return out


def har_oracle(returns: pd.Series, rows: list[int], window: int, min_obs: int, horizon: int) -> pd.DataFrame:
    """HAR-RV refitted with statsmodels at each date in `rows`, recursion written out by hand."""
    rv = returns.to_numpy() ** 2
    out = pd.DataFrame(np.nan, index=returns.index[rows], columns=["har_1d", "har_h", "n_obs"])
    for i, d in enumerate(rows):
        features, targets = [], []
        for t in range(max(0, d - window), d):  # targets RV_{t+1} with t+1 in [d-window+1, d]
            if t < 21:
                continue
            used = rv[t - 21 : t + 2]
            if np.isfinite(used).all():
                features.append([rv[t], rv[t - 4 : t + 1].mean(), rv[t - 21 : t + 1].mean()])
                targets.append(rv[t + 1])
        out.iloc[i, 2] = len(targets)
        history = list(rv[max(0, d - 21) : d + 1])
        if len(targets) < min_obs or len(history) < 22 or not np.isfinite(history).all():
            continue
        fit = sm.OLS(np.array(targets), sm.add_constant(np.array(features), has_constant="add")).fit()
        b0, b1, b2, b3 = fit.params
        daily = []
        for _ in range(horizon):
            forecast = b0 + b1 * history[-1] + b2 * np.mean(history[-5:]) + b3 * np.mean(history[-22:])
            daily.append(forecast)
            history.append(forecast)
        out.iloc[i, 0] = np.sqrt(252 * max(daily[0], 0.0))
        out.iloc[i, 1] = np.sqrt(252 * max(np.mean(daily), 0.0))
    return out


def var_es_oracle(returns: pd.Series, window: int, min_obs: int) -> pd.DataFrame:
    """numpy.quantile (linear) VaR and the mean of returns at or below it, per window."""
    values = returns.to_numpy()
    out = pd.DataFrame(np.nan, index=returns.index, columns=["var_95", "var_99", "es_95", "es_99"])
    for t in range(len(values)):
        sample = values[window_rows(t, window)]
        sample = sample[np.isfinite(sample)]
        if len(sample) < min_obs:
            continue
        for j, level in enumerate((0.05, 0.01)):
            q = np.quantile(sample, level)
            out.iloc[t, j] = -q
            out.iloc[t, j + 2] = -sample[sample <= q].mean()
    return out


def upgma_clusters(rho: np.ndarray, symbols: list[str], threshold: float) -> list[list[str]]:
    """Textbook average-linkage agglomeration on 1 - rho, merging while the closest pair of
    clusters is within `threshold` (NaN correlation taken as 0; NaN-diagonal symbols dropped)."""
    keep = [i for i in range(len(symbols)) if np.isfinite(rho[i, i])]
    distance = {(i, j): 1.0 - (rho[i, j] if np.isfinite(rho[i, j]) else 0.0) for i in keep for j in keep}
    clusters = [[i] for i in keep]
    while len(clusters) > 1:
        best = None
        for a in range(len(clusters)):
            for b in range(a + 1, len(clusters)):
                d = np.mean([distance[i, j] for i in clusters[a] for j in clusters[b]])
                if best is None or d < best[0]:
                    best = (d, a, b)
        if best[0] > threshold:
            break
        _, a, b = best
        clusters[a] = clusters[a] + clusters[b]
        del clusters[b]
    named = [sorted(symbols[i] for i in c) for c in clusters]
    return sorted(named, key=lambda c: (-len(c), c[0]))
