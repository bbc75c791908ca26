"""Conditional stress moves against explicit Gaussian block conditioning, Monte Carlo and hand P&L."""

import numpy as np
import pandas as pd
import pytest

from sigmasight_assets.analytics import FACTOR_ETFS, FACTORS, SPREADS, STYLE_LEGS, load_scenarios
from sigmasight_assets.analytics.conditional import (
    conditional_etf_move,
    model_factor_move,
    position_pnl,
    shock_constraints,
)
from sigmasight_assets.analytics.factors import MODEL_FACTORS

ETF = {etf: i for i, etf in enumerate(FACTOR_ETFS)}


@pytest.fixture(scope="module")
def etf_cov(etf_returns: pd.DataFrame) -> np.ndarray:
    return etf_returns.dropna().cov().to_numpy()


def _block_conditional_mean(cov: np.ndarray, a: np.ndarray, s: np.ndarray) -> np.ndarray:
    """E[r | A r = s] from the joint covariance of [r; A r] and its blocks, explicitly."""
    n = cov.shape[0]
    lift = np.vstack([np.eye(n), a])  # [r; A r] = lift @ r
    joint = lift @ cov @ lift.T
    cross, inner = joint[:n, n:], joint[n:, n:]
    return cross @ np.linalg.inv(inner) @ s


@pytest.mark.parametrize("factor", FACTORS)
def test_each_factor_is_one_constraint_on_its_etfs(factor: str) -> None:
    a, s = shock_constraints({factor: -0.07})
    expected = np.zeros(len(FACTOR_ETFS))
    if factor == "Market_Beta":
        expected[ETF["SPY"]] = 1
    elif factor == "IR_Beta":
        expected[ETF["TLT"]] = 1
    elif factor in STYLE_LEGS:
        expected[ETF[STYLE_LEGS[factor]]] = 1
    else:
        long, short = SPREADS[factor]
        expected[ETF[long]], expected[ETF[short]] = 1, -1
    np.testing.assert_array_equal(a, expected[None, :])
    np.testing.assert_array_equal(s, [-0.07])


def test_constraints_keep_mapping_order() -> None:
    a, s = shock_constraints({"Size_Spread": 0.02, "Market_Beta": -0.1, "IR_Beta": 0.03})
    assert a.shape == (3, 8)
    np.testing.assert_array_equal(s, [0.02, -0.1, 0.03])
    np.testing.assert_array_equal(a[0, [ETF["IWM"], ETF["SPY"]]], [1, -1])
    assert a[1, ETF["SPY"]] == 1 and a[2, ETF["TLT"]] == 1


def test_every_packaged_scenario_gives_independent_constraints() -> None:
    for scenario in (s for s in load_scenarios() if s.kind == "factor_shock"):
        a, s = shock_constraints(scenario.shocks)
        assert np.linalg.matrix_rank(a) == len(s) == len(scenario.shocks)


def test_constraint_errors() -> None:
    with pytest.raises(ValueError, match="Beta_Bogus, Foo"):
        shock_constraints({"Market_Beta": -0.1, "Foo": 0.1, "Beta_Bogus": 0.2})
    with pytest.raises(ValueError, match="linearly dependent: Growth_Value_Spread"):
        shock_constraints({"Value": -0.1, "Growth": -0.2, "Growth_Value_Spread": -0.1})
    with pytest.raises(ValueError, match="linearly dependent: Momentum"):
        shock_constraints({"Market_Beta": -0.1, "Momentum_Spread": 0.02, "Momentum": -0.08})
    with pytest.raises(ValueError, match="non-empty"):
        shock_constraints({})
    with pytest.raises(ValueError, match="Value"):
        shock_constraints({"Value": float("nan")})
    with pytest.raises(ValueError, match="finite number"):
        shock_constraints({"Value": True})


@pytest.mark.parametrize(
    "shocks",
    [
        {"Market_Beta": -0.2},
        {"Market_Beta": -0.1, "IR_Beta": 0.03},
        {"Growth_Value_Spread": -0.05, "Momentum": -0.12, "Low_Volatility": -0.04},
        {"Market_Beta": -0.1, "Size_Spread": -0.03, "Quality_Spread": 0.02, "Value": -0.09},
    ],
)
def test_move_matches_block_conditioning_and_meets_constraints(etf_cov: np.ndarray, shocks: dict) -> None:
    a, s = shock_constraints(shocks)
    move = conditional_etf_move(etf_cov, a, s)
    np.testing.assert_allclose(move, _block_conditional_mean(etf_cov, a, s), rtol=1e-8, atol=1e-15)
    np.testing.assert_allclose(a @ move, s, rtol=0, atol=1e-15)


def test_market_only_shock_moves_spy_by_the_shock_and_others_by_beta(etf_cov: np.ndarray) -> None:
    a, s = shock_constraints({"Market_Beta": -0.15})
    move = conditional_etf_move(etf_cov, a, s)
    assert move[ETF["SPY"]] == pytest.approx(-0.15, rel=1e-15)
    betas = etf_cov[:, ETF["SPY"]] / etf_cov[ETF["SPY"], ETF["SPY"]]
    np.testing.assert_allclose(move, betas * -0.15, rtol=1e-12)


def test_move_agrees_with_monte_carlo_regression(etf_cov: np.ndarray) -> None:
    """Sample r ~ N(0, Sigma); the OLS fit of r on A r predicts E[r | A r = s]."""
    a, s = shock_constraints({"Market_Beta": -0.1, "IR_Beta": 0.02})
    rng = np.random.default_rng(3)
    draws = rng.multivariate_normal(np.zeros(8), etf_cov, size=200_000)
    coef, *_ = np.linalg.lstsq(draws @ a.T, draws, rcond=None)  # (k, 8)
    move = conditional_etf_move(etf_cov, a, s)
    np.testing.assert_allclose(s @ coef, move, rtol=0, atol=0.01 * np.abs(move).max())


def test_vectorized_over_dates_with_nan_and_singular_dates(etf_cov: np.ndarray) -> None:
    a, s = shock_constraints({"Market_Beta": -0.1, "Momentum_Spread": 0.01})
    covs = np.stack([etf_cov, 2 * etf_cov, etf_cov, etf_cov, etf_cov])
    covs[2, 3, 4] = np.nan
    covs[3, ETF["SPY"], :] = covs[3, :, ETF["SPY"]] = 0.0  # SPY with zero variance: A Sigma A' singular
    covs[4, ETF["MTUM"], :] = covs[4, :, ETF["MTUM"]] = covs[4, ETF["SPY"]]
    covs[4, ETF["MTUM"], ETF["MTUM"]] = covs[4, ETF["SPY"], ETF["SPY"]]  # MTUM identical to SPY: spread has 0 var
    moves = conditional_etf_move(covs, a, s)
    assert moves.shape == (5, 8)
    for t in (0, 1):
        np.testing.assert_allclose(moves[t], _block_conditional_mean(covs[t], a, s), rtol=1e-8)
    np.testing.assert_allclose(moves[1], moves[0], rtol=1e-12)  # scaling Sigma leaves the mean unchanged
    assert np.isnan(moves[2:]).all()
    assert np.isnan(conditional_etf_move(covs[3], a, s)).all()


def test_move_input_errors(etf_cov: np.ndarray) -> None:
    a, s = shock_constraints({"Market_Beta": -0.1})
    with pytest.raises(ValueError, match="etf_cov must have shape"):
        conditional_etf_move(etf_cov[:7, :7], a, s)
    with pytest.raises(ValueError, match="constraints must have shape"):
        conditional_etf_move(etf_cov, a[:, :7], s)
    with pytest.raises(ValueError, match="shock must have shape"):
        conditional_etf_move(etf_cov, a, np.array([0.1, 0.2]))
    with pytest.raises(ValueError, match="at least one row"):
        conditional_etf_move(etf_cov, np.zeros((0, 8)), np.zeros(0))


def test_model_factor_move_definitions() -> None:
    rng = np.random.default_rng(2)
    r = rng.normal(size=(4, 3, 8))
    f = model_factor_move(r)
    assert f.shape == (4, 3, 7) and len(MODEL_FACTORS) == 7
    e = {etf: r[..., i] for i, etf in enumerate(FACTOR_ETFS)}
    expected = np.stack(
        [
            e["SPY"],
            e["TLT"],
            e["VUG"] - e["VTV"],
            e["MTUM"] - e["SPY"],
            e["IWM"] - e["SPY"],
            e["QUAL"] - e["SPY"],
            e["USMV"] - e["SPY"],
        ],
        axis=-1,
    )
    np.testing.assert_allclose(f, expected, rtol=1e-14)
    assert model_factor_move(r[0, 0]).shape == (7,)
    with pytest.raises(ValueError, match="etf_move"):
        model_factor_move(np.zeros((3, 7)))


def test_position_pnl_linear_and_delta_gamma() -> None:
    rng = np.random.default_rng(8)
    t, n = 5, 4
    mv = rng.normal(1e5, 3e4, size=(t, n))
    b = rng.normal(0, 1, size=(t, n, 7))
    move = rng.normal(0, 0.05, size=(t, 7))
    dv = rng.normal(2e4, 1e4, size=(t, n))
    gv = rng.normal(5e4, 2e4, size=(t, n))
    is_option = np.array([False, True, False, True])
    mv[:, 1] = np.nan  # unused inputs may be NaN
    dv[:, 0] = gv[:, 2] = np.nan
    b[2, 3, 4] = np.nan  # a position without loadings
    pnl = position_pnl(mv, b, move, dv, gv, is_option)
    for d in range(t):
        for i in range(n):
            u = sum(b[d, i, k] * move[d, k] for k in range(7))
            expected = dv[d, i] * u + 0.5 * gv[d, i] * u**2 if is_option[i] else mv[d, i] * u
            if (d, i) == (2, 3):
                assert np.isnan(pnl[d, i])
            else:
                assert pnl[d, i] == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ValueError, match="is_option must be bool"):
        position_pnl(mv, b, move, dv, gv, np.array([0, 1, 0, 1]))
    with pytest.raises(ValueError, match="loadings must have shape"):
        position_pnl(mv, b[..., :6], move, dv, gv, is_option)
    with pytest.raises(ValueError, match="factor_move must have shape"):
        position_pnl(mv, b, move[:, :6], dv, gv, is_option)


def test_scenario_pnl_end_to_end_for_a_spy_holder(etf_cov: np.ndarray) -> None:
    """A book of SPY (Market loading 1) loses exactly its value times the Market shock."""
    a, s = shock_constraints({"Market_Beta": -0.2, "Growth_Value_Spread": -0.03})
    factor_move = model_factor_move(conditional_etf_move(etf_cov[None], a, s))
    loadings = np.zeros((1, 1, 7))
    loadings[0, 0, 0] = 1.0
    pnl = position_pnl(
        np.full((1, 1), 1e6), loadings, factor_move, np.zeros((1, 1)), np.zeros((1, 1)), np.array([False])
    )
    assert pnl[0, 0] == pytest.approx(-2e5, rel=1e-12)
    assert factor_move[0, 2] == pytest.approx(-0.03, rel=1e-12)
