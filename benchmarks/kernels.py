"""Vectorized kernels vs per-date statsmodels/sklearn loops on the same simulated data.

Run: .venv/bin/python benchmarks/kernels.py [--dates 254] [--symbols 100] [--seed 0]

Simulates daily returns for the eight factor ETFs and `--symbols` stocks (a factor model
with volatility regimes and 2% missing stock returns), then times

- market beta: `rolling_ols` (90 days, >= 30) vs statsmodels OLS per symbol and date;
- ridge style betas: `rolling_ridge` (150 days, >= 60, alpha 1) vs StandardScaler +
  sklearn Ridge per symbol and date;
- HAR-RV: `har_forecast` (252 days, >= 60, 21-day horizon) on the whole frame in one
  call, and called once per symbol (as for a single portfolio), vs a statsmodels refit
  per symbol and date with the 21-step recursion written out.

Each loop computes only what is compared (the betas; the two HAR forecasts) and reuses
precomputed regressors, so the speed ratio is conservative. Prints a table with both
times, the ratio and the largest absolute difference between the two results.
"""

import argparse
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
import statsmodels.api as sm
from sklearn.linear_model import Ridge
from sklearn.preprocessing import StandardScaler

from sigmasight_assets.analytics import FACTOR_ETFS, MARKET, STYLE_LEGS, har_forecast, rolling_ols, rolling_ridge

BETA_WINDOW, BETA_MIN = 90, 30
RIDGE_WINDOW, RIDGE_MIN = 150, 60
HAR_WINDOW, HAR_MIN, HAR_HORIZON = 252, 60, 21


def simulate(n_dates: int, n_symbols: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Factor ETF returns (T, 8) and stock returns (T, S) with vol regimes and NaN gaps."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2024-01-02", periods=n_dates)
    regime = np.exp(np.cumsum(rng.normal(0, 0.08, n_dates)) * 0.5).clip(0.4, 3.0)
    market = rng.normal(0.0004, 0.01, n_dates) * regime
    etfs = {MARKET: market}
    for etf, loading in zip(FACTOR_ETFS[1:], (-0.3, 0.9, 1.1, 1.05, 1.0, 1.15, 0.7), strict=True):
        etfs[etf] = loading * market + rng.normal(0, 0.004, n_dates) * regime
    etf_returns = pd.DataFrame(etfs, index=dates)
    loadings = rng.normal(0.15, 0.3, (len(FACTOR_ETFS), n_symbols))
    stocks = etf_returns.to_numpy() @ loadings + rng.normal(0, 0.015, (n_dates, n_symbols)) * regime[:, None]
    stocks[rng.random(stocks.shape) < 0.02] = np.nan
    return etf_returns, pd.DataFrame(stocks, index=dates, columns=[f"S{i:03d}" for i in range(n_symbols)])


def loop_market_beta(stocks: pd.DataFrame, market: pd.Series) -> np.ndarray:
    y_all, x_all = stocks.to_numpy(), market.to_numpy()
    out = np.full(y_all.shape, np.nan)
    for j in range(y_all.shape[1]):
        for t in range(len(x_all)):
            rows = slice(max(0, t - BETA_WINDOW + 1), t + 1)
            y, x = y_all[rows, j], x_all[rows]
            ok = np.isfinite(y) & np.isfinite(x)
            if ok.sum() >= BETA_MIN:
                out[t, j] = sm.OLS(y[ok], sm.add_constant(x[ok], has_constant="add")).fit().params[1]
    return out


def loop_ridge(stocks: pd.DataFrame, legs: pd.DataFrame) -> np.ndarray:
    y_all, x_all = stocks.to_numpy(), legs.to_numpy()
    out = np.full((*y_all.shape, x_all.shape[1]), np.nan)
    for j in range(y_all.shape[1]):
        for t in range(len(x_all)):
            rows = slice(max(0, t - RIDGE_WINDOW + 1), t + 1)
            y, x = y_all[rows, j], x_all[rows]
            ok = np.isfinite(y) & np.isfinite(x).all(axis=1)
            if ok.sum() >= RIDGE_MIN:
                scaler = StandardScaler().fit(x[ok])
                out[t, j] = Ridge(alpha=1.0).fit(scaler.transform(x[ok]), y[ok]).coef_ / scaler.scale_
    return out


def loop_har(stocks: pd.DataFrame) -> np.ndarray:
    out = np.full((*stocks.shape, 2), np.nan)
    for j in range(stocks.shape[1]):
        rv = stocks.iloc[:, j].to_numpy() ** 2
        lagged = pd.DataFrame({"d": rv, "w": pd.Series(rv).rolling(5).mean(), "m": pd.Series(rv).rolling(22).mean()})
        design = sm.add_constant(lagged.to_numpy(), has_constant="add")  # row t: [1, RV_t, RV_w, RV_m]
        target = np.append(rv[1:], np.nan)  # RV_{t+1}
        for d in range(len(rv)):
            rows = slice(max(0, d - HAR_WINDOW), d)  # pairs whose target is in the window ending at d
            x, y = design[rows], target[rows]
            ok = np.isfinite(x).all(axis=1) & np.isfinite(y)
            history = list(rv[max(0, d - 21) : d + 1])
            if ok.sum() < HAR_MIN or len(history) < 22 or not np.isfinite(history).all():
                continue
            b = sm.OLS(y[ok], x[ok]).fit().params
            daily = []
            for _ in range(HAR_HORIZON):
                daily.append(b[0] + b[1] * history[-1] + b[2] * np.mean(history[-5:]) + b[3] * np.mean(history[-22:]))
                history.append(daily[-1])
            out[d, j] = np.sqrt(252 * max(daily[0], 0.0)), np.sqrt(252 * max(np.mean(daily), 0.0))
    return out


def vector_har_frame(stocks: pd.DataFrame) -> np.ndarray:
    har = har_forecast(stocks, window=HAR_WINDOW, min_obs=HAR_MIN, horizon=HAR_HORIZON)
    return np.stack([har["har_1d"].to_numpy(), har[f"har_{HAR_HORIZON}d"].to_numpy()], axis=2)


def vector_har_series(stocks: pd.DataFrame) -> np.ndarray:
    columns = []
    for symbol in stocks.columns:
        har = har_forecast(stocks[symbol], window=HAR_WINDOW, min_obs=HAR_MIN, horizon=HAR_HORIZON)
        columns.append(har.iloc[:, :2].to_numpy())
    return np.stack(columns, axis=1)


def timed(function: Callable[[], np.ndarray], repeat: int = 1) -> tuple[float, np.ndarray]:
    """Best wall time of `repeat` runs, and the result."""
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def max_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    if not np.array_equal(np.isnan(a), np.isnan(b)):
        raise AssertionError("vectorized and loop results disagree on which values are missing")
    return float(np.nanmax(np.abs(a - b)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dates", type=int, default=254)
    parser.add_argument("--symbols", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    etfs, stocks = simulate(args.dates, args.symbols, args.seed)
    legs = etfs[list(STYLE_LEGS.values())]
    cases = {
        "market beta (OLS 90d)": (
            lambda: rolling_ols(stocks, etfs[MARKET], BETA_WINDOW, BETA_MIN).beta.to_numpy(),
            lambda: loop_market_beta(stocks, etfs[MARKET]),
        ),
        "ridge style betas (150d)": (
            lambda: np.stack(
                [b.to_numpy() for b in rolling_ridge(stocks, legs, RIDGE_WINDOW, RIDGE_MIN).betas.values()], axis=2
            ),
            lambda: loop_ridge(stocks, legs),
        ),
        "HAR-RV, one frame call": (lambda: vector_har_frame(stocks), lambda: loop_har(stocks)),
        "HAR-RV, a call per series": (lambda: vector_har_series(stocks), None),
    }

    print(f"{args.dates} dates x {args.symbols} symbols (simulated, seed {args.seed}, 2% missing returns)")
    header = f"{'kernel':<28}{'vectorized s':>14}{'loop s':>10}{'speed-up':>11}{'max |diff|':>13}{'values':>9}"
    print(header)
    print("-" * len(header))
    slow_time = slow = None
    for name, (vectorized, loop) in cases.items():
        fast_time, fast = timed(vectorized, repeat=5)
        if loop is not None:  # else compare with the previous row's loop
            slow_time, slow = timed(loop)
        diff = max_abs_diff(fast, slow)
        count = int(np.isfinite(fast).sum())
        print(f"{name:<28}{fast_time:>14.4f}{slow_time:>10.2f}{slow_time / fast_time:>10.0f}x{diff:>13.2e}{count:>9}")


if __name__ == "__main__":
    main()
