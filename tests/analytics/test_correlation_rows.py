"""`portfolio_correlation_rows` (vectorized over dates) against a plain per-day loop."""

import numpy as np
import pandas as pd
import pytest

from sigmasight_assets.analytics.correlation import (
    average_correlation,
    correlation_clusters,
    portfolio_correlation_rows,
    rolling_correlation,
    rounded_matrix,
    weighted_correlation,
)


def per_day_rows(matrices, n_obs, symbols, open_counts, weights, dates, threshold):
    """The reference: each day on its own, each symbol on its own."""
    rows, excluded = [], np.zeros(open_counts.shape, dtype=bool)
    for t, day in enumerate(dates):
        held = [i for i in range(len(symbols)) if open_counts[t, i] > 0]
        if not held:
            continue
        matrix = np.full((len(symbols), len(symbols)), np.nan)
        for i in held:
            for j in held:
                matrix[i, j] = matrices[t, i, j]
        included = [i for i in held if not np.all(np.isnan(matrix[i]))]
        for i in held:
            excluded[t, i] = i not in included
        sub = matrix[np.ix_(included, included)]
        names = [symbols[i] for i in included]
        rows.append(
            {
                "date": day,
                "average": average_correlation(matrix[None])[0],
                "weighted": weighted_correlation(matrix[None], weights[t][None])[0],
                "symbols": names,
                "matrix": rounded_matrix(sub),
                "clusters": correlation_clusters(sub, names, threshold) if names else [],
                "excluded_positions": int(sum(open_counts[t, i] for i in held if i not in included)),
                "data_days": int(max(n_obs[t])),
            }
        )
    return rows, excluded


def test_rows_match_a_per_day_loop():
    rng = np.random.default_rng(3)
    dates = pd.bdate_range("2024-01-01", periods=140)
    symbols = ["A", "B", "C", "D", "E"]
    returns = pd.DataFrame(rng.normal(0, 0.01, (140, 5)) + rng.normal(0, 0.01, (140, 1)), index=dates, columns=symbols)
    returns.iloc[:100, 4] = np.nan  # E has a short history: excluded while held early on
    returns.iloc[50:60, 2] = np.nan
    corr = rolling_correlation(returns, 90, 20)
    open_counts = rng.integers(0, 3, (140, 5))
    open_counts[10:15] = 0  # days on which nothing is held: no row
    weights = rng.normal(0, 0.2, (140, 5)) * (open_counts > 0)
    result = portfolio_correlation_rows(corr.matrices, corr.n_obs.to_numpy(), symbols, open_counts, weights, dates, 0.3)
    expected, excluded = per_day_rows(corr.matrices, corr.n_obs.to_numpy(), symbols, open_counts, weights, dates, 0.3)
    assert len(result.rows) == len(expected) == (open_counts.sum(axis=1) > 0).sum()
    assert np.array_equal(result.excluded, excluded) and result.excluded[:, 4].any()
    for (day, got), want in zip(result.rows.iterrows(), expected, strict=True):
        assert day == want["date"]
        assert rounded_matrix(got["matrix"], digits=None) == want["matrix"], day  # as written: nested lists
        for key in ("symbols", "clusters", "excluded_positions", "data_days"):
            assert got[key] == want[key], (day, key)
        for key in ("average", "weighted"):
            assert got[key] == pytest.approx(want[key], rel=1e-12, nan_ok=True)


def test_no_row_when_nothing_is_held():
    dates = pd.bdate_range("2024-01-01", periods=3)
    result = portfolio_correlation_rows(
        np.full((3, 1, 1), np.nan),
        np.zeros((3, 1), dtype=int),
        ["A"],
        np.zeros((3, 1), dtype=int),
        np.zeros((3, 1)),
        dates,
    )
    assert result.rows.empty and not result.excluded.any()
