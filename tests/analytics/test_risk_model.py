"""Risk-model kernels against statsmodels, np.cov and explicit loops refitted per window."""

import numpy as np
import pandas as pd
import pytest

from sigmasight_assets.analytics.factors import FACTOR_ETFS, MODEL_FACTORS
from sigmasight_assets.analytics.risk_model import ewma_covariance, model_factor_returns, rolling_factor_model
from tests.support.risk_oracles import ewma_cov_loop, ewma_cov_np, factor_model_oracle

SYMBOLS = ["AAPL", "NVDA", "TSLA", "XOM", "JNJ"]
ROWS = [*range(0, 600, 23), 599]


def test_model_factor_returns_are_the_spreads_by_hand(returns: pd.DataFrame) -> None:
    r = returns
    factors = model_factor_returns(r.iloc[:, ::-1])  # column order of the input does not matter
    assert list(factors.columns) == list(MODEL_FACTORS) and factors.index.equals(r.index)
    expected = pd.DataFrame(
        {
            "Market": r["SPY"],
            "Rates": r["TLT"],
            "Growth_Value_Spread": r["VUG"] - r["VTV"],
            "Momentum_Spread": r["MTUM"] - r["SPY"],
            "Size_Spread": r["IWM"] - r["SPY"],
            "Quality_Spread": r["QUAL"] - r["SPY"],
            "Low_Vol_Spread": r["USMV"] - r["SPY"],
        }
    )
    pd.testing.assert_frame_equal(factors, expected)
    assert factors.iloc[0].isna().all() and factors.iloc[1:].notna().all().all()


@pytest.mark.parametrize("data", ["returns", "gappy_returns"])
def test_factor_model_matches_statsmodels_per_window(data: str, request: pytest.FixtureRequest) -> None:
    returns = request.getfixturevalue(data)
    factors = model_factor_returns(returns)
    fit = rolling_factor_model(returns[SYMBOLS], factors, window=252, min_obs=120, half_life=63)
    for j, symbol in enumerate(SYMBOLS):
        expected = factor_model_oracle(returns[symbol], factors, ROWS, window=252, min_obs=120, half_life=63)
        np.testing.assert_array_equal(fit.n_obs[ROWS, j], expected["n_obs"])
        np.testing.assert_allclose(fit.alpha[ROWS, j], expected["alpha"], rtol=1e-8, atol=1e-14)
        np.testing.assert_allclose(fit.loadings[ROWS, j], expected[list(MODEL_FACTORS)], rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(fit.r2[ROWS, j], expected["r2"], rtol=1e-8)
        np.testing.assert_allclose(fit.specific_var[ROWS, j], expected["specific_var"], rtol=1e-8)
        assert expected["alpha"].isna().any() and expected["alpha"].notna().any()


def test_min_obs_threshold_with_a_late_listing(gappy_returns: pd.DataFrame) -> None:
    factors = model_factor_returns(gappy_returns)
    fit = rolling_factor_model(gappy_returns[["TSLA"]], factors)
    n = fit.n_obs[:, 0]
    first = int(np.argmax(n >= 120))
    assert n[:430].max() == 0 and n[first - 1] == 119 and n[first] == 120
    for field in (fit.alpha, fit.specific_var, fit.r2, fit.loadings[:, :, 3]):
        assert np.isnan(field[:first, 0]).all() and np.isfinite(field[first:, 0]).all()
    expected = factor_model_oracle(gappy_returns["TSLA"], factors, [first - 1, first], 252, 120, 63)
    np.testing.assert_allclose(fit.specific_var[[first - 1, first], 0], expected["specific_var"], rtol=1e-8)


def test_singular_design_gives_nan_with_counts(returns: pd.DataFrame) -> None:
    factors = model_factor_returns(returns)
    factors["Copy"] = factors["Momentum_Spread"] * 2.0  # collinear in every window
    fit = rolling_factor_model(returns[["AAPL"]], factors)
    assert np.isnan(fit.loadings).all() and np.isnan(fit.specific_var).all() and np.isnan(fit.r2).all()
    assert fit.n_obs[-1, 0] == 252
    flat = model_factor_returns(returns)
    flat.iloc[100:400, flat.columns.get_loc("Rates")] = 0.001  # constant in the windows ending 351..399
    stale = rolling_factor_model(returns[["AAPL"]], flat)
    assert np.isnan(stale.alpha[351:400, 0]).all()
    assert np.isfinite(stale.alpha[[350, 400], 0]).all()


def test_exact_factor_replica_has_zero_specific_risk(returns: pd.DataFrame) -> None:
    """QUAL is Market + Quality_Spread exactly: residuals are formed explicitly, so the
    specific variance is rounding-level zero, not the cancellation error of expanded sums."""
    fit = rolling_factor_model(returns[["QUAL", "AAPL"]], model_factor_returns(returns))
    np.testing.assert_allclose(fit.r2[-1, 0], 1.0, rtol=1e-12)
    np.testing.assert_allclose(fit.loadings[-1, 0], [1, 0, 0, 0, 0, 1, 0], atol=1e-12)
    assert 0 <= fit.specific_var[-1, 0] < 1e-30 < fit.specific_var[-1, 1] * 1e-20


@pytest.mark.parametrize(("window", "min_obs"), [(504, 60), (90, 30)])
def test_ewma_covariance_matches_np_cov_and_a_loop(window: int, min_obs: int, gappy_returns: pd.DataFrame) -> None:
    frame = model_factor_returns(gappy_returns)
    frame.iloc[300:310, 0] = np.nan  # a gap that also ages the older rows
    result = ewma_covariance(frame, window=window, half_life=63, min_obs=min_obs)
    values = frame.to_numpy()
    for d in range(0, len(frame), 13):
        expected, count = ewma_cov_np(values, d, window, 63)
        assert result.n_obs[d] == count
        if count < min_obs:
            assert np.isnan(result.matrices[d]).all()
            continue
        np.testing.assert_allclose(result.matrices[d], expected, rtol=1e-8, atol=1e-16, err_msg=f"row {d}")
        if d % 91 == 0:
            np.testing.assert_allclose(result.matrices[d], ewma_cov_loop(values, d, window, 63), rtol=1e-8, atol=1e-16)
    first = int(np.argmax(result.n_obs >= min_obs))
    assert result.n_obs[first] == min_obs and np.isnan(result.matrices[:first]).all()
    assert np.isfinite(result.matrices[first:]).all()
    np.testing.assert_array_equal(result.matrices, np.swapaxes(result.matrices, 1, 2))


def test_ewma_weights_are_in_rows_and_half_life_matters(returns: pd.DataFrame) -> None:
    frame = returns[["SPY", "TLT"]]
    fast = ewma_covariance(frame, window=252, half_life=5, min_obs=60).matrices[-1]
    slow = ewma_covariance(frame, window=252, half_life=1e9, min_obs=60).matrices[-1]
    np.testing.assert_allclose(slow, np.cov(frame.iloc[-252:].to_numpy().T, bias=True), rtol=1e-7)
    np.testing.assert_allclose(fast, ewma_cov_np(frame.to_numpy(), len(frame) - 1, 252, 5)[0], rtol=1e-8)
    assert not np.allclose(fast, slow, rtol=0.05)


def _outputs(frame: pd.DataFrame) -> np.ndarray:
    factors = model_factor_returns(frame)
    fit = rolling_factor_model(frame[SYMBOLS], factors)
    cov = ewma_covariance(factors).matrices.reshape(len(frame), -1)
    flat = fit.loadings.reshape(len(frame), -1)
    return np.hstack([flat, fit.alpha, fit.specific_var, fit.r2, fit.n_obs, cov])


@pytest.mark.parametrize("cut", [130, 400, 598])
def test_no_look_ahead(cut: int, gappy_returns: pd.DataFrame) -> None:
    full = _outputs(gappy_returns)
    truncated = _outputs(gappy_returns.iloc[: cut + 1])
    np.testing.assert_allclose(truncated, full[: cut + 1], rtol=1e-12, atol=1e-20)


def test_results_depend_only_on_the_window(gappy_returns: pd.DataFrame) -> None:
    start = 90
    full = _outputs(gappy_returns)
    tail = _outputs(gappy_returns.iloc[start:])
    np.testing.assert_allclose(tail[504:], full[start + 504 :], rtol=1e-12, atol=1e-20)


def test_shapes_and_labels(gappy_returns: pd.DataFrame) -> None:
    factors = model_factor_returns(gappy_returns)
    fit = rolling_factor_model(gappy_returns[SYMBOLS], factors)
    assert fit.loadings.shape == (600, 5, 7)
    assert fit.alpha.shape == fit.specific_var.shape == fit.r2.shape == fit.n_obs.shape == (600, 5)
    assert fit.n_obs.dtype == np.int64 and fit.loadings.dtype == np.float64
    assert fit.dates.equals(gappy_returns.index) and list(fit.symbols) == SYMBOLS
    assert list(fit.factors) == list(MODEL_FACTORS)
    cov = ewma_covariance(factors)
    assert cov.matrices.shape == (600, 7, 7) and cov.n_obs.shape == (600,) and cov.n_obs.dtype == np.int64
    assert cov.dates.equals(gappy_returns.index) and list(cov.columns) == list(MODEL_FACTORS)
    with pytest.raises(AttributeError):
        fit.alpha = fit.r2  # type: ignore[misc]


def test_argument_errors(returns: pd.DataFrame) -> None:
    factors = model_factor_returns(returns)
    y = returns[["AAPL"]]
    with pytest.raises(ValueError, match="etf_returns is missing factor ETF columns: TLT, USMV"):
        model_factor_returns(returns.drop(columns=["USMV", "TLT"]))
    with pytest.raises(ValueError, match="etf_returns must be a pandas DataFrame"):
        model_factor_returns(returns["SPY"])
    with pytest.raises(ValueError, match="returns and factors must have the same index"):
        rolling_factor_model(y, factors.iloc[1:])
    with pytest.raises(ValueError, match="min_obs must be an integer in \\[9, window=252\\]"):
        rolling_factor_model(y, factors, min_obs=8)
    with pytest.raises(ValueError, match="window must be a positive integer"):
        rolling_factor_model(y, factors, window=0)
    with pytest.raises(ValueError, match="half_life must be a positive finite number"):
        rolling_factor_model(y, factors, half_life=0)
    with pytest.raises(ValueError, match="factors must have at least one column"):
        rolling_factor_model(y, factors[[]])
    with pytest.raises(ValueError, match="factors contains infinite values"):
        rolling_factor_model(y, factors.replace(factors.iloc[5, 2], np.inf))
    with pytest.raises(ValueError, match="returns must be a pandas DataFrame"):
        rolling_factor_model(returns["AAPL"], factors)
    with pytest.raises(ValueError, match="half_life must be a positive finite number"):
        ewma_covariance(factors, half_life=np.inf)
    with pytest.raises(ValueError, match="half_life must be a positive finite number"):
        ewma_covariance(factors, half_life=True)
    with pytest.raises(ValueError, match="min_obs must be an integer in \\[2, window=504\\]"):
        ewma_covariance(factors, min_obs=1)
    with pytest.raises(ValueError, match="returns must have a DatetimeIndex"):
        ewma_covariance(factors.reset_index(drop=True))


def test_start_computes_only_the_later_rows_and_they_match_the_full_computation(returns):
    factors = model_factor_returns(returns[list(FACTOR_ETFS)])
    full = rolling_factor_model(returns, factors, 252, 120, 63)
    late = rolling_factor_model(returns, factors, 252, 120, 63, start=400)
    assert np.array_equal(late.loadings[400:], full.loadings[400:], equal_nan=True)
    assert np.array_equal(late.specific_var[400:], full.specific_var[400:], equal_nan=True)
    assert np.isnan(late.loadings[:400]).all() and (late.n_obs[:400] == 0).all()
    cov_full = ewma_covariance(factors, 504, 63, 60)
    cov_late = ewma_covariance(factors, 504, 63, 60, start=550)
    assert np.array_equal(cov_late.matrices[550:], cov_full.matrices[550:], equal_nan=True)
    assert np.isnan(cov_late.matrices[:550]).all()
