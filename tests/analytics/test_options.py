"""Black-Scholes against scipy.stats.norm formulas, put-call parity and finite differences."""

import numpy as np
import pytest
from scipy.stats import norm

from sigmasight_assets.analytics import black_scholes


@pytest.fixture(scope="module")
def grid() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(11)
    n = 400
    return {
        "spot": rng.uniform(20, 400, n),
        "strike": rng.uniform(20, 400, n),
        "years": rng.uniform(2 / 365, 3, n),
        "rate": rng.uniform(-0.01, 0.08, n),
        "vol": rng.uniform(0.05, 1.2, n),
    }


def reference(spot, strike, years, rate, vol, call: bool) -> dict[str, np.ndarray]:
    d1 = (np.log(spot / strike) + (rate + vol**2 / 2) * years) / (vol * np.sqrt(years))
    d2 = d1 - vol * np.sqrt(years)
    df = np.exp(-rate * years)
    if call:
        price = spot * norm.cdf(d1) - strike * df * norm.cdf(d2)
        delta = norm.cdf(d1)
        theta = -spot * norm.pdf(d1) * vol / (2 * np.sqrt(years)) - rate * strike * df * norm.cdf(d2)
    else:
        price = strike * df * norm.cdf(-d2) - spot * norm.cdf(-d1)
        delta = norm.cdf(d1) - 1
        theta = -spot * norm.pdf(d1) * vol / (2 * np.sqrt(years)) + rate * strike * df * norm.cdf(-d2)
    return {
        "price": price,
        "delta": delta,
        "gamma": norm.pdf(d1) / (spot * vol * np.sqrt(years)),
        "vega": spot * norm.pdf(d1) * np.sqrt(years) / 100,
        "theta": theta / 365,
    }


@pytest.mark.parametrize("call", [True, False])
def test_matches_closed_form_with_scipy_norm(grid: dict[str, np.ndarray], call: bool) -> None:
    greeks = black_scholes(**grid, is_call=call)
    expected = reference(**grid, call=call)
    for name, values in expected.items():
        np.testing.assert_allclose(getattr(greeks, name), values, rtol=1e-8, atol=1e-12, err_msg=name)


def test_textbook_value() -> None:
    # Hull, Options, Futures and Other Derivatives, example 15.6: 4.76 and 0.81.
    greeks = black_scholes(42.0, 40.0, 0.5, 0.10, 0.20, np.array([True, False]))
    np.testing.assert_allclose(greeks.price, [4.76, 0.81], atol=0.005)


def test_put_call_parity(grid: dict[str, np.ndarray]) -> None:
    call = black_scholes(**grid, is_call=True)
    put = black_scholes(**grid, is_call=False)
    forward_gap = grid["spot"] - grid["strike"] * np.exp(-grid["rate"] * grid["years"])
    np.testing.assert_allclose(call.price - put.price, forward_gap, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(call.delta - put.delta, 1.0, rtol=1e-12)
    np.testing.assert_allclose(call.gamma, put.gamma, rtol=1e-12)
    np.testing.assert_allclose(call.vega, put.vega, rtol=1e-12)


@pytest.mark.parametrize("call", [True, False])
def test_greeks_are_finite_differences_of_price(call: bool) -> None:
    s, k, t, r, v = 105.0, np.array([80.0, 100.0, 120.0]), 0.4, 0.03, 0.25

    def price(s=s, t=t, v=v):
        return black_scholes(s, k, t, r, v, call).price

    g = black_scholes(s, k, t, r, v, call)
    h = 1e-3
    np.testing.assert_allclose(g.delta, (price(s=s + h) - price(s=s - h)) / (2 * h), rtol=1e-6)
    np.testing.assert_allclose(g.gamma, (price(s=s + h) - 2 * price() + price(s=s - h)) / h**2, rtol=1e-4)
    np.testing.assert_allclose(g.vega, (price(v=v + 1e-5) - price(v=v - 1e-5)) / 2e-5 * 0.01, rtol=1e-6)
    dt = 1e-5
    np.testing.assert_allclose(g.theta, -(price(t=t + dt) - price(t=t - dt)) / (2 * dt) / 365, rtol=1e-5)


def test_at_and_after_expiry_is_intrinsic() -> None:
    spot = np.array([90.0, 100.0, 110.0])
    for years in (0.0, -0.1):
        call = black_scholes(spot, 100.0, years, 0.05, 0.3, True)
        put = black_scholes(spot, 100.0, years, 0.05, 0.3, False)
        np.testing.assert_array_equal(call.price, [0, 0, 10])
        np.testing.assert_array_equal(put.price, [10, 0, 0])
        np.testing.assert_array_equal(call.delta, [0, 0, 1])
        np.testing.assert_array_equal(put.delta, [-1, 0, 0])
        for greek in ("gamma", "vega", "theta"):
            np.testing.assert_array_equal(getattr(call, greek), 0.0)
            np.testing.assert_array_equal(getattr(put, greek), 0.0)


def test_zero_vol_is_the_deterministic_limit() -> None:
    g = black_scholes(np.array([90.0, 110.0]), 100.0, 1.0, 0.05, 0.0, True)
    np.testing.assert_allclose(g.price, [0.0, 110 - 100 * np.exp(-0.05)], rtol=1e-14)
    np.testing.assert_array_equal(g.delta, [0.0, 1.0])
    np.testing.assert_array_equal(g.gamma, 0.0)
    tiny = black_scholes(np.array([90.0, 110.0]), 100.0, 1.0, 0.05, 1e-9, True)
    np.testing.assert_allclose(g.price, tiny.price, atol=1e-9)


def test_nan_inputs_give_nan_and_shapes_broadcast() -> None:
    g = black_scholes(
        np.array([[100.0], [np.nan], [100.0]]),
        np.array([90.0, 100.0, 110.0, 120.0]),
        0.5,
        0.02,
        np.array([[0.2], [0.2], [np.nan]]),
        np.array([True, False, True, False]),
    )
    assert g.price.shape == (3, 4)
    for name in ("price", "delta", "gamma", "vega", "theta"):
        values = getattr(g, name)
        assert np.isfinite(values[0]).all() and np.isnan(values[1:]).all(), name
    assert np.ndim(black_scholes(100.0, 100.0, 0.5, 0.02, 0.2, True).price) == 0


def test_validation_names_the_argument() -> None:
    with pytest.raises(ValueError, match="spot must be finite and positive"):
        black_scholes(-1.0, 100.0, 0.5, 0.02, 0.2, True)
    with pytest.raises(ValueError, match="strike must be finite and positive"):
        black_scholes(100.0, 0.0, 0.5, 0.02, 0.2, True)
    with pytest.raises(ValueError, match="vol must be finite and non-negative"):
        black_scholes(100.0, 100.0, 0.5, 0.02, -0.2, True)
    with pytest.raises(ValueError, match="is_call must be boolean"):
        black_scholes(100.0, 100.0, 0.5, 0.02, 0.2, "C")
    with pytest.raises(ValueError, match="years must be finite"):
        black_scholes(100.0, 100.0, np.inf, 0.02, 0.2, True)
