"""Filtered historical simulation against per-date loops: replayed book returns, EWMA filter, VaR/ES."""

import numpy as np
import pandas as pd
import pytest

from sigmasight_assets.analytics import fhs
from sigmasight_assets.analytics.fhs import SEED_OBS, filtered_var_es, hypothetical_returns
from sigmasight_assets.analytics.windows import budget_slices
from tests.support.oracles import var_es_oracle

WINDOW = 120


@pytest.fixture(scope="module")
def book(gappy_returns: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Gappy real returns (first row all NaN), a drifting long/short book and some option gamma."""
    rng = np.random.default_rng(4)
    n_dates, n_symbols = gappy_returns.shape
    linear = rng.normal(0.0, 0.1, size=n_symbols) + rng.normal(0.0, 0.01, size=(n_dates, n_symbols)).cumsum(axis=0)
    quadratic = np.zeros((n_dates, n_symbols))
    quadratic[:, :3] = rng.uniform(0.0, 2.0, size=(n_dates, 3))
    linear[50] = np.nan  # no book on row 50
    return gappy_returns, linear, quadratic


def _loop_hypothetical(returns: pd.DataFrame, linear: np.ndarray, quadratic: np.ndarray, window: int) -> np.ndarray:
    r = returns.to_numpy()
    out = np.full((len(r), window), np.nan)
    for d in range(len(r)):
        if not (np.isfinite(linear[d]).all() and np.isfinite(quadratic[d]).all()):
            continue
        for j in range(window):
            t = d - window + 1 + j
            if t < 0 or not np.isfinite(r[t]).any():
                continue
            row = np.nan_to_num(r[t], nan=0.0)
            out[d, j] = linear[d] @ row + quadratic[d] @ row**2
    return out


def _loop_filtered(series: np.ndarray, lam: float, levels: tuple[float, ...], min_obs: int) -> list[float]:
    """Explicit recursion over one date's finite values, then np.quantile (linear) VaR and tail-mean ES."""
    h = series[np.isfinite(series)]
    if len(h) < min_obs:
        return [np.nan] * (2 * len(levels))
    variance = [np.mean(h[:SEED_OBS] ** 2)]
    for value in h[:-1]:
        variance.append(lam * variance[-1] + (1 - lam) * value**2)
    today = lam * variance[-1] + (1 - lam) * h[-1] ** 2
    scaled = h * np.sqrt(today / np.array(variance))
    var = [-np.quantile(scaled, 1 - level) for level in levels]
    es = [-scaled[scaled <= -v].mean() for v in var]
    return var + es


def test_hypothetical_returns_match_per_date_loop(book: tuple[pd.DataFrame, np.ndarray, np.ndarray]) -> None:
    returns, linear, quadratic = book
    h = hypothetical_returns(returns, linear, quadratic, window=WINDOW)
    assert h.shape == (len(returns), WINDOW)
    np.testing.assert_allclose(h, _loop_hypothetical(returns, linear, quadratic, WINDOW), rtol=1e-10, atol=1e-16)
    # The newest column is today's return of today's book; the first row (no returns) is NaN everywhere.
    assert np.isnan(h[0]).all() and np.isnan(h[50]).all()
    assert np.isnan(h[10, : WINDOW - 10]).all() and np.isfinite(h[10, WINDOW - 10 :]).all()


def test_hypothetical_returns_in_memory_blocks_agree(
    book: tuple[pd.DataFrame, np.ndarray, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tiny working budget (blocks of 7 dates) gives the same result."""
    returns, linear, quadratic = book
    whole = hypothetical_returns(returns, linear, quadratic, window=WINDOW)
    monkeypatch.setattr(fhs, "budget_slices", lambda n, bytes_each: budget_slices(n, bytes_each, budget=7 * bytes_each))
    np.testing.assert_array_equal(hypothetical_returns(returns, linear, quadratic, window=WINDOW), whole)


@pytest.mark.parametrize(("lam", "levels", "min_obs"), [(0.94, (0.95, 0.99), 60), (0.97, (0.9, 0.975), 25)])
def test_filtered_var_es_matches_per_date_recursion(
    book: tuple[pd.DataFrame, np.ndarray, np.ndarray], lam: float, levels: tuple[float, ...], min_obs: int
) -> None:
    returns, linear, quadratic = book
    h = hypothetical_returns(returns, linear, quadratic, window=WINDOW)
    h[300, 40:45] = np.nan  # holes inside a window are skipped by the recursion
    result = filtered_var_es(h, lam=lam, levels=levels, min_obs=min_obs, index=returns.index)
    labels = [f"{100 * level:g}" for level in levels]
    assert list(result.columns) == [f"var_{x}" for x in labels] + [f"es_{x}" for x in labels]
    assert result.index.equals(returns.index)
    expected = np.array([_loop_filtered(row, lam, levels, min_obs) for row in h])
    np.testing.assert_allclose(result.to_numpy(), expected, rtol=1e-8)
    first = np.isfinite(h).sum(axis=1) >= min_obs
    assert result[~first].isna().all().all() and result[first].notna().all().all()
    assert (result[f"es_{labels[0]}"][first] >= result[f"var_{labels[0]}"][first]).all()


def test_constant_volatility_filter_changes_little() -> None:
    """iid N(0, 1%) returns: rescaling by sigma_D / sigma_t averages out near 1."""
    rng = np.random.default_rng(21)
    n_dates, window = 900, 500
    returns = pd.DataFrame(
        rng.normal(0.0, 0.01, size=(n_dates, 1)), index=pd.bdate_range("2020-01-01", periods=n_dates)
    )
    h = hypothetical_returns(returns, np.ones((n_dates, 1)), np.zeros((n_dates, 1)), window=window)
    filtered = filtered_var_es(h, min_obs=window, index=returns.index).dropna()
    plain = var_es_oracle(returns[0], window=window, min_obs=window).dropna()
    assert len(filtered) == len(plain) == n_dates - window + 1
    ratio = filtered["var_95"] / plain["var_95"]
    assert ratio.median() == pytest.approx(1.0, abs=0.05)
    assert ratio.between(0.6, 1.5).all()


def test_nan_handling_and_degenerate_books() -> None:
    h = np.full((4, 80), np.nan)
    h[1, -59:] = 0.01 * np.sin(np.arange(59))  # 59 < min_obs
    h[2, -60:] = 0.01 * np.sin(np.arange(60))
    h[3] = 0.0  # a book that holds nothing: no loss, no division by zero
    result = filtered_var_es(h)
    assert result.iloc[:2].isna().all().all() and result.iloc[2].notna().all()
    np.testing.assert_array_equal(result.iloc[3].to_numpy(), 0.0)
    assert not np.signbit(result.iloc[3].to_numpy()).any()
    assert isinstance(result.index, pd.RangeIndex)


def test_input_errors() -> None:
    returns = pd.DataFrame(np.zeros((5, 2)), index=pd.bdate_range("2024-01-01", periods=5))
    with pytest.raises(ValueError, match="linear must have shape"):
        hypothetical_returns(returns, np.zeros((5, 3)), np.zeros((5, 2)), window=3)
    with pytest.raises(ValueError, match="quadratic contains infinite"):
        hypothetical_returns(returns, np.zeros((5, 2)), np.full((5, 2), np.inf), window=3)
    with pytest.raises(ValueError, match="window must be a positive integer"):
        hypothetical_returns(returns, np.zeros((5, 2)), np.zeros((5, 2)), window=0)
    with pytest.raises(ValueError, match="symbol_returns must be a pandas DataFrame"):
        hypothetical_returns(returns.to_numpy(), np.zeros((5, 2)), np.zeros((5, 2)), window=3)
    h = np.zeros((3, 100))
    with pytest.raises(ValueError, match="min_obs"):
        filtered_var_es(h, min_obs=101)
    with pytest.raises(ValueError, match="lam"):
        filtered_var_es(h, lam=1.0)
    with pytest.raises(ValueError, match="levels must be numbers"):
        filtered_var_es(h, levels=(95,))
    with pytest.raises(ValueError, match="levels must be distinct"):
        filtered_var_es(h, levels=(0.95, 0.95))
    with pytest.raises(ValueError, match="index must have length 3"):
        filtered_var_es(h, index=pd.RangeIndex(4))
    with pytest.raises(ValueError, match="hypothetical must have shape"):
        filtered_var_es(np.zeros(100))


def test_start_computes_only_the_later_rows_and_they_match_the_full_computation():
    rng = np.random.default_rng(2)
    returns = pd.DataFrame(rng.normal(0, 0.01, (300, 3)), index=pd.bdate_range("2024-01-01", periods=300))
    linear = rng.uniform(0, 0.5, (300, 3))
    quadratic = rng.uniform(0, 0.1, (300, 3))
    full = hypothetical_returns(returns, linear, quadratic, 100)
    late = hypothetical_returns(returns, linear, quadratic, 100, start=250)
    assert np.array_equal(late[250:], full[250:], equal_nan=True) and np.isnan(late[:250]).all()
