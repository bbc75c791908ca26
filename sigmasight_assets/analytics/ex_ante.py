"""Ex-ante (model-implied) risk of a book from a factor risk model, for every date at once.

The risk model gives each position i on date t factor loadings b_i (K,), a daily specific
variance sigma2_i and the daily factor covariance F (K, K). With weights w (fractions of
NAV) the book's daily variance is x'Fx + sum_i w_i^2 sigma2_i, x = sum_i w_i b_i, and its
Euler contributions split the volatility additively across factors and positions.
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from sigmasight_resources.calendar import TRADING_DAYS_PER_YEAR  # volatilities are daily figures × √252

_ANNUAL = math.sqrt(TRADING_DAYS_PER_YEAR)


@dataclass(frozen=True)
class ExAnteRisk:
    """Model-implied volatility of a book and its Euler decomposition, per date.

    Vols and contributions are annualized fractions (daily figures × √252; 0.15 = 15%);
    pct fields are unitless shares of `total_vol`. `factor_contributions` plus
    `specific_contribution` sum to `total_vol`, and so do the `position_contributions`
    (over the positions in the book, see `ex_ante_risk`).

    Attributes
    ----------
    total_vol : ndarray (T,)
    factor_vol : ndarray (T,)
        sqrt(252 x'Fx).
    specific_vol : ndarray (T,)
        sqrt(252 sum_i w_i^2 sigma2_i).
    exposures : ndarray (T, K)
        x = sum_i w_i b_i, the book's factor exposures (betas per unit NAV).
    factor_contributions, factor_pct : ndarray (T, K)
        x_f (F x)_f / sigma_p, and that over sigma_p.
    specific_contribution, specific_pct : ndarray (T,)
        sum_i w_i^2 sigma2_i / sigma_p, and that over sigma_p.
    position_contributions, position_pct : ndarray (T, N)
        w_i (b_i'F x + w_i sigma2_i) / sigma_p, and that over sigma_p.
    """

    total_vol: np.ndarray
    factor_vol: np.ndarray
    specific_vol: np.ndarray
    exposures: np.ndarray
    factor_contributions: np.ndarray
    factor_pct: np.ndarray
    specific_contribution: np.ndarray
    specific_pct: np.ndarray
    position_contributions: np.ndarray
    position_pct: np.ndarray


def ex_ante_risk(
    weights: np.ndarray,
    loadings: np.ndarray,
    specific_var: np.ndarray,
    factor_cov: np.ndarray,
) -> ExAnteRisk:
    """Factor, specific and total volatility of a book with Euler contributions, per date.

    A position is in the book on date t when its weight, all its loadings and its
    specific variance are finite; any NaN leaves it out that day (it adds nothing to the
    exposures or variances and its contributions are NaN), so the caller decides who is
    in by what it leaves NaN. A position with weight 0 is in, contributing 0.

    Parameters
    ----------
    weights : ndarray (T, N)
        Position weights as fractions of NAV (signed; delta-adjusted for options).
    loadings : ndarray (T, N, K)
        Factor loadings of each position (its symbol's betas, or its underlying's).
    specific_var : ndarray (T, N)
        Daily specific (idiosyncratic) return variance of each position, >= 0.
    factor_cov : ndarray (T, K, K)
        Daily factor return covariance, NaN on dates without a model.

    Returns
    -------
    ExAnteRisk
        total_vol, factor_vol and every contribution are NaN on dates where `factor_cov`
        has a NaN; contributions and pct are also NaN where total volatility is 0 (an
        empty book). exposures and specific_vol do not depend on `factor_cov`.
    """
    w, b, s2, cov, held = _book_inputs(weights, loadings, specific_var, factor_cov)
    exposures = np.einsum("tn,tnk->tk", w, b)
    f_x = np.einsum("tkl,tl->tk", cov, exposures)  # (F x)_f: marginal factor risk, NaN rows if F is
    factor_var = np.einsum("tk,tk->t", exposures, f_x)
    own_var = w * w * s2  # (T, N)
    specific = own_var.sum(axis=1)
    total = factor_var + specific
    sigma = np.sqrt(np.maximum(total, 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(sigma > 0, 1.0 / sigma, np.nan)  # 1 / sigma_p; NaN also where F is NaN
        factor_contrib = exposures * f_x * scale[:, None]
        specific_contrib = specific * scale
        position_contrib = (w * np.einsum("tnk,tk->tn", b, f_x) + own_var) * scale[:, None]
    position_contrib[~held] = np.nan
    return ExAnteRisk(
        total_vol=sigma * _ANNUAL,
        factor_vol=np.sqrt(np.maximum(factor_var, 0.0)) * _ANNUAL,
        specific_vol=np.sqrt(specific) * _ANNUAL,
        exposures=exposures,
        factor_contributions=factor_contrib * _ANNUAL,
        factor_pct=factor_contrib * scale[:, None],
        specific_contribution=specific_contrib * _ANNUAL,
        specific_pct=specific_contrib * scale,
        position_contributions=position_contrib * _ANNUAL,
        position_pct=position_contrib * scale[:, None],
    )


def tracking_error(
    weights: np.ndarray,
    loadings: np.ndarray,
    specific_var: np.ndarray,
    factor_cov: np.ndarray,
    bench_loadings: np.ndarray,
    bench_specific_var: np.ndarray,
) -> np.ndarray:
    """Annualized ex-ante tracking error of a book against a benchmark, per date.

    TE = sqrt(252 [(x - x_b)'F(x - x_b) + sum_i w_i^2 sigma2_i + sigma2_b]): the
    benchmark's specific risk is taken as independent of the positions', which holds when
    the benchmark is a factor ETF or a symbol the book does not hold. Positions enter as
    in `ex_ante_risk`.

    Parameters
    ----------
    weights, loadings, specific_var, factor_cov
        As in `ex_ante_risk`: (T, N), (T, N, K), (T, N), (T, K, K).
    bench_loadings : ndarray (T, K)
        The benchmark's factor loadings x_b.
    bench_specific_var : ndarray (T,)
        The benchmark's daily specific variance sigma2_b, >= 0.

    Returns
    -------
    ndarray (T,)
        Annualized fraction; NaN where `factor_cov`, `bench_loadings` or
        `bench_specific_var` has a NaN.
    """
    w, b, s2, cov, _ = _book_inputs(weights, loadings, specific_var, factor_cov)
    n_dates, n_factors = cov.shape[0], cov.shape[1]
    bench = _checked(bench_loadings, "bench_loadings", (n_dates, n_factors))
    bench_s2 = _checked(bench_specific_var, "bench_specific_var", (n_dates,))
    _check_nonnegative(bench_s2, "bench_specific_var")
    active = np.einsum("tn,tnk->tk", w, b) - bench
    active_var = np.einsum("tk,tkl,tl->t", active, cov, active)
    total = active_var + (w * w * s2).sum(axis=1) + bench_s2
    return np.sqrt(np.maximum(total, 0.0) * TRADING_DAYS_PER_YEAR)


def parametric_var_es(daily_vol: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Normal (zero-mean) 1-day VaR and expected shortfall from a daily volatility.

    VaR = z sigma and ES = sigma phi(z) / (1 - level) with z = Phi^-1(level): the loss
    quantile and the mean loss beyond it of a N(0, sigma^2) return.

    Parameters
    ----------
    daily_vol : ndarray (T,)
        Daily return volatility (a fraction of NAV), >= 0; NaN passes through.
    level : float
        Confidence level in (0.5, 1), e.g. 0.95 or 0.99.

    Returns
    -------
    (var, es) : ndarray (T,) each
        Positive loss fractions in the units of `daily_vol`.
    """
    sigma = _checked(daily_vol, "daily_vol", (None,))
    _check_nonnegative(sigma, "daily_vol")
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0.5 < level < 1:
        raise ValueError(f"level must be a number in (0.5, 1), got {level!r}")
    z = float(ndtri(level))
    density = math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    return z * sigma, sigma * (density / (1.0 - level))


def _book_inputs(
    weights: np.ndarray, loadings: np.ndarray, specific_var: np.ndarray, factor_cov: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Validated (w, b, sigma2, F) with the positions not in the book zeroed, and the (T, N) in-book mask."""
    w = _checked(weights, "weights", (None, None))
    n_dates, n_positions = w.shape
    b = _checked(loadings, "loadings", (n_dates, n_positions, None))
    s2 = _checked(specific_var, "specific_var", (n_dates, n_positions))
    _check_nonnegative(s2, "specific_var")
    n_factors = b.shape[2]
    cov = _checked(factor_cov, "factor_cov", (n_dates, n_factors, n_factors))
    held = np.isfinite(w) & np.isfinite(b).all(axis=-1) & np.isfinite(s2)
    return np.where(held, w, 0.0), np.where(held[..., None], b, 0.0), np.where(held, s2, 0.0), cov, held


def _checked(value: object, name: str, shape: tuple[int | None, ...]) -> np.ndarray:
    """`value` as a float64 array of `shape` (None = any length) without infinities; NaN allowed."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a numeric array ({exc})") from exc
    if array.ndim != len(shape) or any(n is not None and n != m for n, m in zip(shape, array.shape, strict=True)):
        expected = "(" + ", ".join("any" if n is None else str(n) for n in shape) + ")"
        raise ValueError(f"{name} must have shape {expected}, got {array.shape}")
    if np.isinf(array).any():
        raise ValueError(f"{name} contains infinite values")
    return array


def _check_nonnegative(values: np.ndarray, name: str) -> None:
    if (values < 0).any():
        raise ValueError(f"{name} must be >= 0 (a variance or volatility)")
