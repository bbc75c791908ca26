"""Black-Scholes prices and Greeks of European options (no dividends), broadcast over arrays."""

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import ndtr

DAYS_PER_YEAR = 365.0
"""Theta is reported per calendar day: annual theta / 365."""

VOL_POINT = 0.01
"""Vega is reported per vol point: the price change for a 0.01 change in volatility."""


@dataclass(frozen=True)
class Greeks:
    """Per-option values, arrays of the broadcast input shape (per one unit of underlying).

    price : option value, in the currency of spot and strike.
    delta : d price / d spot.
    gamma : d delta / d spot, per unit of spot.
    vega : price change per vol point (volatility + 0.01).
    theta : price change per calendar day of passing time (annual theta / 365).
    """

    price: np.ndarray
    delta: np.ndarray
    gamma: np.ndarray
    vega: np.ndarray
    theta: np.ndarray


def black_scholes(
    spot: ArrayLike,
    strike: ArrayLike,
    years: ArrayLike,
    rate: ArrayLike,
    vol: ArrayLike,
    is_call: ArrayLike,
) -> Greeks:
    """Black-Scholes price, delta, gamma, vega and theta; inputs broadcast together.

    Parameters
    ----------
    spot : array-like
        Underlying price (> 0), NaN if unknown.
    strike : array-like
        Strike price (> 0).
    years : array-like
        Calendar time to expiry in years (days / 365). At or after expiry (<= 0) the
        option is worth its intrinsic value, delta is 1 (call) / -1 (put) if in the
        money and 0 otherwise (also at the money), and gamma, vega and theta are 0.
    rate : array-like
        Continuously compounded risk-free rate, as a fraction (0.04 = 4%).
    vol : array-like
        Annualized volatility as a fraction (>= 0), NaN if unknown. Zero volatility
        gives the vol -> 0 limit (price max(S - K e^{-rT}, 0) for a call), gamma 0.
    is_call : array-like of bool
        True for calls, False for puts.

    Returns
    -------
    Greeks
        NaN in any numeric input gives NaN in every output for that option.
    """
    call = np.asarray(is_call)
    if call.dtype != np.bool_:
        raise ValueError("is_call must be boolean")
    s, k, t, r, v = (np.asarray(a, dtype=np.float64) for a in (spot, strike, years, rate, vol))
    s, k, t, r, v, call = np.broadcast_arrays(s, k, t, r, v, call)
    for name, values in (("spot", s), ("strike", k)):
        if np.isinf(values).any() or (values <= 0).any():
            raise ValueError(f"{name} must be finite and positive (or NaN)")
    if np.isinf(v).any() or (v < 0).any():
        raise ValueError("vol must be finite and non-negative (or NaN)")
    for name, values in (("years", t), ("rate", r)):
        if np.isinf(values).any():
            raise ValueError(f"{name} must be finite (or NaN)")

    sign = np.where(call, 1.0, -1.0)
    live = ~(t <= 0)  # NaN years stays on the live branch and propagates
    tau = np.where(live, t, 1.0)
    root = np.sqrt(tau)
    spread = v * root
    drift = np.log(s / k) + (r + 0.5 * v * v) * tau
    with np.errstate(invalid="ignore", divide="ignore"):
        d1 = np.where(spread == 0, np.where(drift == 0, 0.0, np.copysign(np.inf, drift)), drift / spread)
    d2 = d1 - spread
    discount_k = k * np.exp(-r * tau)
    density = np.exp(-0.5 * d1 * d1) / np.sqrt(2.0 * np.pi)

    price = sign * (s * ndtr(sign * d1) - discount_k * ndtr(sign * d2))
    delta = ndtr(d1) - np.where(call, 0.0, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        gamma = np.where(spread > 0, density / (s * spread), 0.0)
    vega = s * density * root * VOL_POINT
    theta = (-s * density * v / (2.0 * root) - sign * r * discount_k * ndtr(sign * d2)) / DAYS_PER_YEAR

    intrinsic = np.maximum(sign * (s - k), 0.0)
    in_the_money = intrinsic > 0
    nan = np.isnan(s) | np.isnan(k) | np.isnan(t) | np.isnan(r) | np.isnan(v)

    def settle(live_value: np.ndarray, expired_value: np.ndarray | float) -> np.ndarray:
        return np.where(nan, np.nan, np.where(live, live_value, expired_value))

    return Greeks(
        price=settle(price, intrinsic),
        delta=settle(delta, np.where(in_the_money, sign, 0.0)),
        gamma=settle(gamma, 0.0),
        vega=settle(vega, 0.0),
        theta=settle(theta, 0.0),
    )
