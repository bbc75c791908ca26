"""Ex-ante risk, tracking error and parametric VaR/ES against per-date explicit matrices and scipy."""

import numpy as np
import pytest
from scipy import integrate, stats

from sigmasight_assets.analytics.ex_ante import ex_ante_risk, parametric_var_es, tracking_error

T, N, K = 12, 6, 7
ANNUAL = np.sqrt(252)


@pytest.fixture
def book() -> dict[str, np.ndarray]:
    """Random book and risk model with the cases the kernel must handle on chosen dates.

    Date 3: a NaN weight (position 1); date 4: a NaN loading (position 2); date 5: a NaN
    specific variance (position 0); date 6: NaN factor covariance; date 7: all weights 0.
    """
    rng = np.random.default_rng(11)
    g = rng.normal(size=(T, K, K)) * 0.01
    weights = rng.normal(0.1, 0.2, size=(T, N))
    loadings = rng.normal(0.0, 1.0, size=(T, N, K))
    specific_var = rng.uniform(1e-5, 4e-4, size=(T, N))
    factor_cov = g @ np.swapaxes(g, 1, 2) + np.eye(K) * 1e-6
    weights[3, 1] = np.nan
    loadings[4, 2, 5] = np.nan
    specific_var[5, 0] = np.nan
    factor_cov[6, 2, 3] = np.nan
    weights[7] = 0.0
    return {"weights": weights, "loadings": loadings, "specific_var": specific_var, "factor_cov": factor_cov}


def _included(book: dict[str, np.ndarray], t: int) -> np.ndarray:
    w, b, s2 = book["weights"][t], book["loadings"][t], book["specific_var"][t]
    return np.isfinite(w) & np.isfinite(b).all(axis=1) & np.isfinite(s2)


def test_ex_ante_matches_per_date_position_covariance(book: dict[str, np.ndarray]) -> None:
    risk = ex_ante_risk(**book)
    for t in range(T):
        keep = _included(book, t)
        w = book["weights"][t][keep]
        b = book["loadings"][t][keep]
        d = np.diag(book["specific_var"][t][keep])
        f = book["factor_cov"][t]
        x = b.T @ w
        np.testing.assert_allclose(risk.exposures[t], x, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(risk.specific_vol[t], np.sqrt(w @ d @ w * 252), rtol=1e-12)
        if not np.isfinite(f).all():
            for field in ("total_vol", "factor_vol", "factor_contributions", "position_contributions", "position_pct"):
                assert np.isnan(getattr(risk, field)[t]).all(), field
            continue
        position_cov = b @ f @ b.T + d  # (n, n): covariance of the position returns
        sigma = np.sqrt(w @ position_cov @ w)
        np.testing.assert_allclose(risk.total_vol[t], sigma * ANNUAL, rtol=1e-12)
        np.testing.assert_allclose(risk.factor_vol[t], np.sqrt(x @ f @ x) * ANNUAL, rtol=1e-12)
        if sigma == 0:
            assert np.isnan(risk.position_contributions[t]).all() and np.isnan(risk.factor_pct[t]).all()
            continue
        expected_positions = np.full(N, np.nan)
        expected_positions[keep] = w * (position_cov @ w) / sigma
        np.testing.assert_allclose(risk.position_contributions[t], expected_positions * ANNUAL, rtol=1e-10)
        np.testing.assert_allclose(risk.position_pct[t], expected_positions / sigma, rtol=1e-10)
        np.testing.assert_allclose(risk.factor_contributions[t], x * (f @ x) / sigma * ANNUAL, rtol=1e-10)
        np.testing.assert_allclose(risk.factor_pct[t], x * (f @ x) / sigma**2, rtol=1e-10)
        np.testing.assert_allclose(risk.specific_contribution[t], w @ d @ w / sigma * ANNUAL, rtol=1e-12)


def test_contributions_sum_to_total_and_variances_add(book: dict[str, np.ndarray]) -> None:
    risk = ex_ante_risk(**book)
    ok = np.isfinite(risk.total_vol) & (risk.total_vol > 0)
    assert ok.sum() == T - 2  # the NaN-covariance date and the empty book
    total = risk.total_vol[ok]
    np.testing.assert_allclose(np.nansum(risk.position_contributions[ok], axis=1), total, rtol=0, atol=1e-12)
    by_factor = risk.factor_contributions[ok].sum(axis=1) + risk.specific_contribution[ok]
    np.testing.assert_allclose(by_factor, total, rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.nansum(risk.position_pct[ok], axis=1), 1.0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(risk.factor_pct[ok].sum(axis=1) + risk.specific_pct[ok], 1.0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(risk.factor_vol**2 + risk.specific_vol**2, risk.total_vol**2, rtol=1e-12)
    # Left-out positions are NaN, the rest finite.
    assert np.isnan(risk.position_contributions[3, 1]) and np.isnan(risk.position_contributions[4, 2])
    assert np.isnan(risk.position_contributions[5, 0]) and np.isfinite(risk.position_contributions[5, 1:]).all()
    assert risk.total_vol[7] == 0 and (risk.exposures[7] == 0).all()


def test_single_symbol_on_market_has_unit_exposure_and_zero_tracking_error() -> None:
    market = np.zeros((2, 1, K))
    market[:, 0, 0] = 1.0
    factor_cov = np.tile(np.diag(np.linspace(1e-4, 4e-4, K)), (2, 1, 1))
    weights = np.ones((2, 1))
    specific = np.zeros((2, 1))
    risk = ex_ante_risk(weights, market, specific, factor_cov)
    np.testing.assert_array_equal(risk.exposures, market[:, 0, :])
    np.testing.assert_allclose(risk.total_vol, np.sqrt(1e-4 * 252), rtol=1e-14)
    np.testing.assert_allclose(risk.factor_pct[:, 0], 1.0, rtol=1e-14)
    np.testing.assert_array_equal(risk.specific_vol, 0.0)
    te = tracking_error(weights, market, specific, factor_cov, market[:, 0, :], np.zeros(2))
    np.testing.assert_array_equal(te, 0.0)
    # Half the book in the benchmark: TE is the other half's market risk plus the benchmark's specific risk.
    te_half = tracking_error(weights * 0.5, market, specific, factor_cov, market[:, 0, :], np.full(2, 1e-5))
    np.testing.assert_allclose(te_half, np.sqrt(252 * (0.25e-4 + 1e-5)), rtol=1e-13)


def test_tracking_error_matches_per_date_matrices(book: dict[str, np.ndarray]) -> None:
    rng = np.random.default_rng(5)
    bench = rng.normal(0.0, 1.0, size=(T, K))
    bench_s2 = rng.uniform(0.0, 1e-4, size=T)
    bench[8, 0] = np.nan
    bench_s2[9] = np.nan
    te = tracking_error(**book, bench_loadings=bench, bench_specific_var=bench_s2)
    for t in range(T):
        f = book["factor_cov"][t]
        if t in (6, 8, 9):  # NaN covariance, benchmark loadings, benchmark specific variance
            assert np.isnan(te[t])
            continue
        keep = _included(book, t)
        w = book["weights"][t][keep]
        active = book["loadings"][t][keep].T @ w - bench[t]
        variance = active @ f @ active + w @ np.diag(book["specific_var"][t][keep]) @ w + bench_s2[t]
        np.testing.assert_allclose(te[t], np.sqrt(252 * variance), rtol=1e-12)


@pytest.mark.parametrize("level", [0.95, 0.99])
def test_parametric_var_es_matches_scipy(level: float) -> None:
    vol = np.array([0.0, 0.01, 0.025, np.nan])
    var, es = parametric_var_es(vol, level)
    np.testing.assert_allclose(var, vol * stats.norm.ppf(level), rtol=1e-14)
    np.testing.assert_allclose(es, vol * stats.norm.pdf(stats.norm.ppf(level)) / (1 - level), rtol=1e-14)
    assert np.isnan(var[3]) and np.isnan(es[3]) and var[0] == 0 and es[0] == 0
    sigma = vol[2]
    # ES = E[loss | loss >= VaR] with loss = -r, r ~ N(0, sigma^2): by scipy's expect and by quadrature.
    by_expect = stats.norm(scale=sigma).expect(lambda x: -x, ub=-var[2], conditional=True)
    by_quad = integrate.quad(lambda x: -x * stats.norm.pdf(x, scale=sigma), -np.inf, -var[2])[0] / (1 - level)
    assert es[2] == pytest.approx(by_expect, rel=1e-8)
    assert es[2] == pytest.approx(by_quad, rel=1e-8)
    assert stats.norm.cdf(-var[2], scale=sigma) == pytest.approx(1 - level, rel=1e-12)


def test_input_errors_name_the_argument(book: dict[str, np.ndarray]) -> None:
    with pytest.raises(ValueError, match="loadings must have shape"):
        ex_ante_risk(**{**book, "loadings": book["loadings"][:, :-1]})
    with pytest.raises(ValueError, match="factor_cov must have shape"):
        ex_ante_risk(**{**book, "factor_cov": book["factor_cov"][:, :-1]})
    with pytest.raises(ValueError, match="specific_var must be >= 0"):
        ex_ante_risk(**{**book, "specific_var": -book["specific_var"]})
    with pytest.raises(ValueError, match="weights contains infinite"):
        ex_ante_risk(**{**book, "weights": np.full((T, N), np.inf)})
    with pytest.raises(ValueError, match="weights must be a numeric array"):
        ex_ante_risk(**{**book, "weights": [["a"] * N] * T})
    with pytest.raises(ValueError, match="bench_loadings must have shape"):
        tracking_error(**book, bench_loadings=np.zeros((T, K + 1)), bench_specific_var=np.zeros(T))
    with pytest.raises(ValueError, match="bench_specific_var must be >= 0"):
        tracking_error(**book, bench_loadings=np.zeros((T, K)), bench_specific_var=-np.ones(T))
    with pytest.raises(ValueError, match="level"):
        parametric_var_es(np.ones(3), 95)
    with pytest.raises(ValueError, match="daily_vol must be >= 0"):
        parametric_var_es(-np.ones(3), 0.95)
    with pytest.raises(ValueError, match="daily_vol must have shape"):
        parametric_var_es(np.ones((3, 1)), 0.95)
