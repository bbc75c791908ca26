"""Rolling correlations against pandas .corr per window; clusters against a textbook UPGMA."""

import numpy as np
import pandas as pd
import pytest

from sigmasight_assets.analytics import (
    average_correlation,
    correlation_clusters,
    rolling_correlation,
    weighted_correlation,
)
from tests.support.oracles import upgma_clusters, window_rows


def test_matrices_match_pandas_pairwise_corr(gappy_returns: pd.DataFrame) -> None:
    result = rolling_correlation(gappy_returns, window=90, min_obs=20)
    assert result.matrices.shape == (600, 18, 18)
    assert result.dates.equals(gappy_returns.index) and list(result.symbols) == list(gappy_returns.columns)
    for t in range(0, len(gappy_returns), 7):
        expected = gappy_returns.iloc[window_rows(t, 90)].corr(min_periods=20).to_numpy()
        np.testing.assert_allclose(result.matrices[t], expected, rtol=1e-8, atol=1e-12, err_msg=f"row {t}")
        counts = gappy_returns.iloc[window_rows(t, 90)].notna().sum().to_numpy()
        np.testing.assert_array_equal(result.n_obs.iloc[t], counts)


def test_short_history_symbol_is_excluded(gappy_returns: pd.DataFrame) -> None:
    result = rolling_correlation(gappy_returns[["SPY", "AAPL", "TSLA"]], window=90, min_obs=20)
    tsla = 2
    n = result.n_obs["TSLA"].to_numpy()
    excluded = n < 20
    assert excluded[:430].all() and not excluded[-1]
    assert np.isnan(result.matrices[excluded][:, tsla, :]).all()
    assert np.isnan(result.matrices[excluded][:, :, tsla]).all()
    kept = result.matrices[~excluded]
    np.testing.assert_array_equal(np.diagonal(kept, axis1=1, axis2=2), 1.0)
    np.testing.assert_allclose(kept, np.swapaxes(kept, 1, 2), rtol=1e-12)


def test_pair_needs_min_obs_common_rows(returns: pd.DataFrame) -> None:
    frame = returns[["SPY", "AAPL"]].copy()
    frame.iloc[:60, 0] = np.nan  # SPY only in rows 60+, AAPL in rows 1+
    result = rolling_correlation(frame, window=90, min_obs=20)
    # Row 78: both have >= 19 own returns but only 19 common rows; row 79 has 20.
    assert np.isnan(result.matrices[78, 0, 1]) and np.isfinite(result.matrices[79, 0, 1])
    expected = frame.iloc[window_rows(79, 90)].corr(min_periods=20).iloc[0, 1]
    assert result.matrices[79, 0, 1] == pytest.approx(expected, rel=1e-10)


def test_average_and_weighted_correlation_match_loops(gappy_returns: pd.DataFrame) -> None:
    result = rolling_correlation(gappy_returns, window=90, min_obs=20)
    weights = np.random.default_rng(3).normal(size=(len(gappy_returns), gappy_returns.shape[1]))
    weights[:, 5] = np.nan  # a position without a weight drops out
    average = average_correlation(result.matrices)
    weighted = weighted_correlation(result.matrices, weights)
    for t in (0, 25, 100, 301, 599):
        rho = result.matrices[t]
        pairs = [(i, j) for i in range(18) for j in range(18) if i != j and np.isfinite(rho[i, j])]
        expected = np.mean([rho[i, j] for i, j in pairs]) if pairs else np.nan
        np.testing.assert_allclose(average[t], expected, rtol=1e-12)
        w = np.abs(weights[t])
        used = [(i, j) for i, j in pairs if np.isfinite(w[i]) and np.isfinite(w[j])]
        num = sum(w[i] * w[j] * rho[i, j] for i, j in used)
        den = sum(w[i] * w[j] for i, j in used)
        np.testing.assert_allclose(weighted[t], num / den if used else np.nan, rtol=1e-12)
    assert np.isnan(average[0]) and np.isfinite(average[-1])
    equal = weighted_correlation(result.matrices, np.ones((600, 18)))
    np.testing.assert_allclose(equal, average, rtol=1e-12)


def test_clusters_match_textbook_average_linkage(returns: pd.DataFrame) -> None:
    result = rolling_correlation(returns, window=90, min_obs=20)
    symbols = list(returns.columns)
    seen = set()
    for t in (100, 200, 300, 450, 599):
        for threshold in (0.3, 0.5):
            clusters = correlation_clusters(result.matrices[t], symbols, threshold)
            assert clusters == upgma_clusters(result.matrices[t], symbols, threshold), (t, threshold)
            assert sorted(s for c in clusters for s in c) == sorted(symbols)
            seen.add(max(len(c) for c in clusters))
    assert max(seen) > 2  # the ETFs really do cluster


def test_clusters_skip_excluded_symbols_and_order_deterministically() -> None:
    rho = np.array(
        [
            [1.0, 0.9, 0.1, np.nan, 0.8],
            [0.9, 1.0, 0.2, np.nan, 0.75],
            [0.1, 0.2, 1.0, np.nan, np.nan],
            [np.nan, np.nan, np.nan, np.nan, np.nan],
            [0.8, 0.75, np.nan, np.nan, 1.0],
        ]
    )
    assert correlation_clusters(rho, ["C", "A", "E", "X", "B"]) == [["A", "B", "C"], ["E"]]
    assert correlation_clusters(rho[3:4, 3:4], ["X"]) == []
    assert correlation_clusters(rho[2:3, 2:3], ["E"]) == [["E"]]


def test_correlation_validation(returns: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="min_obs must be an integer in \\[2, window=90\\]"):
        rolling_correlation(returns, 90, 1)
    with pytest.raises(ValueError, match="returns must be a pandas DataFrame"):
        rolling_correlation(returns.to_numpy())
    with pytest.raises(ValueError, match="matrices must have shape"):
        average_correlation(np.ones((3, 3)))
    with pytest.raises(ValueError, match="weights must have shape"):
        weighted_correlation(np.ones((2, 3, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="symbols has 2 labels"):
        correlation_clusters(np.eye(3), ["A", "B"])
    with pytest.raises(ValueError, match="threshold must be in"):
        correlation_clusters(np.eye(2), ["A", "B"], threshold=0)


def test_correlation_no_look_ahead(gappy_returns: pd.DataFrame) -> None:
    base = rolling_correlation(gappy_returns).matrices
    altered = gappy_returns.copy()
    altered.iloc[351:] = altered.iloc[351:].to_numpy()[::-1]
    moved = rolling_correlation(altered).matrices
    np.testing.assert_allclose(moved[:351], base[:351], rtol=1e-12)
    assert not np.allclose(moved[360:], base[360:], equal_nan=True)
