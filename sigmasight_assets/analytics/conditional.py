"""Conditional stress scenarios: move the factor ETFs jointly given shocks to some factors.

A scenario shocks some of the twelve reported factors. Each shock fixes a linear
combination of the eight factor-ETF returns r (order `FACTOR_ETFS`), A r = s; the other
ETFs move by their conditional mean under a zero-mean Gaussian with the ETFs'
covariance. The ETF move maps to the seven risk-model factors, and the book's loadings
on those give each position's P&L (delta-gamma for options).
"""

from collections.abc import Mapping

import numpy as np

from .ex_ante import _checked
from .factors import FACTOR_ETFS, FACTORS, MARKET, MODEL_FACTORS, MODEL_SPREADS, RATES, SPREADS, STYLE_LEGS

_SINGULAR = 1e-12
"""Smallest eigenvalue of the unit-diagonal A Sigma A' below which it is treated as singular."""


def _etf_row(long: str, short: str | None = None) -> np.ndarray:
    """Coefficients on the eight ETF returns of r_long (- r_short)."""
    row = np.zeros(len(FACTOR_ETFS))
    row[FACTOR_ETFS.index(long)] += 1.0
    if short is not None:
        row[FACTOR_ETFS.index(short)] -= 1.0
    return row


_FACTOR_ROWS: dict[str, np.ndarray] = {
    "Market_Beta": _etf_row(MARKET),
    "IR_Beta": _etf_row(RATES),
    **{factor: _etf_row(etf) for factor, etf in STYLE_LEGS.items()},
    **{factor: _etf_row(long, short) for factor, (long, short) in SPREADS.items()},
}
"""Each reported factor's return as a combination of the ETF returns."""

_MODEL_MAP = np.stack([_etf_row(MARKET), _etf_row(RATES), *(_etf_row(*legs) for legs in MODEL_SPREADS.values())])
"""(7, 8): the model factors (`MODEL_FACTORS` order) as combinations of the ETF returns."""


def shock_constraints(shocks: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """Linear constraints A r = s on the eight ETF returns that a scenario's shocks impose.

    Market_Beta fixes r_SPY, IR_Beta r_TLT, a style leg (Value, Growth, ...) its ETF's
    return (`STYLE_LEGS`), and a spread (Growth_Value_Spread, ...) r_long - r_short
    (`SPREADS`).

    Parameters
    ----------
    shocks : mapping factor name -> return shock (0.10 = +10%)
        Names from the twelve `FACTORS`; at least one.

    Returns
    -------
    (A, s) : ndarray (k, 8) and ndarray (k,)
        One row per shock, in the mapping's order; columns in `FACTOR_ETFS` order.

    Raises
    ------
    ValueError
        Unknown factor names, non-finite shocks, or shocks that constrain the ETFs
        linearly dependently (e.g. Value, Growth and Growth_Value_Spread together), which
        leave no unique, or no, consistent ETF move.
    """
    if not isinstance(shocks, Mapping) or not shocks:
        raise ValueError("shocks must be a non-empty mapping of factor name -> return shock")
    unknown = sorted(map(str, set(shocks) - set(FACTORS)))
    if unknown:
        raise ValueError(f"shocks names unknown factor(s) {', '.join(unknown)}; expected one of {', '.join(FACTORS)}")
    values = []
    for factor, value in shocks.items():
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not np.isfinite(value):
            raise ValueError(f"shocks[{factor!r}] must be a finite number, got {value!r}")
        values.append(float(value))
    names = list(shocks)
    matrix = np.stack([_FACTOR_ROWS[factor] for factor in names])
    for k in range(1, len(names) + 1):
        if np.linalg.matrix_rank(matrix[:k]) < k:
            raise ValueError(
                f"shocks are linearly dependent: {names[k - 1]} is a combination of {', '.join(names[: k - 1])}"
            )
    return matrix, np.array(values)


def conditional_etf_move(etf_cov: np.ndarray, constraints: np.ndarray, shock: np.ndarray) -> np.ndarray:
    """Conditional mean ETF move given A r = s: Sigma A' (A Sigma A')^-1 s.

    For zero-mean Gaussian ETF returns r with covariance Sigma this is E[r | A r = s]: the
    shocked combinations move exactly by s and the rest by their regression on them.

    Parameters
    ----------
    etf_cov : ndarray (8, 8) or (T, 8, 8)
        Daily ETF return covariance in `FACTOR_ETFS` order (one, or one per date).
    constraints : ndarray (k, 8)
        A, from `shock_constraints`.
    shock : ndarray (k,)
        s, from `shock_constraints` (return fractions).

    Returns
    -------
    ndarray (8,) or (T, 8)
        ETF return moves (fractions); NaN where `etf_cov` has a NaN or A Sigma A' is
        singular (e.g. a shocked ETF with zero variance).
    """
    n_etfs = len(FACTOR_ETFS)
    a = _checked(constraints, "constraints", (None, n_etfs))
    s = _checked(shock, "shock", (a.shape[0],))
    if a.shape[0] == 0 or not np.isfinite(a).all() or not np.isfinite(s).all():
        raise ValueError("constraints and shock must be finite with at least one row")
    single = np.ndim(etf_cov) == 2
    cov = _checked(etf_cov, "etf_cov", (n_etfs, n_etfs) if single else (None, n_etfs, n_etfs))
    cov = cov[None] if single else cov

    cov_at = cov @ a.T  # (T, 8, k): Cov(r, A r)
    inner = a @ cov_at  # (T, k, k): Var(A r)
    diag = np.diagonal(inner, axis1=1, axis2=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = inner / np.sqrt(diag[:, :, None] * diag[:, None, :])
    regular = np.isfinite(scaled).all(axis=(1, 2)) & (diag > 0).all(axis=1)
    regular[regular] = np.linalg.eigvalsh(scaled[regular])[:, 0] > _SINGULAR
    move = np.full((cov.shape[0], n_etfs), np.nan)
    weights = np.linalg.solve(inner[regular], np.broadcast_to(s, (int(regular.sum()), len(s)))[..., None])
    move[regular] = (cov_at[regular] @ weights)[..., 0]
    return move[0] if single else move


def model_factor_move(etf_move: np.ndarray) -> np.ndarray:
    """The seven model-factor moves implied by an ETF move.

    Market = r_SPY, Rates = r_TLT and the spreads of `MODEL_SPREADS` (Growth_Value_Spread
    = r_VUG - r_VTV, Momentum/Size/Quality/Low_Vol_Spread = r_MTUM/IWM/QUAL/USMV - r_SPY).

    Parameters
    ----------
    etf_move : ndarray (..., 8)
        ETF returns in `FACTOR_ETFS` order.

    Returns
    -------
    ndarray (..., 7)
        Factor returns in `MODEL_FACTORS` order; NaN propagates.
    """
    move = np.asarray(etf_move, dtype=np.float64)
    if move.ndim < 1 or move.shape[-1] != len(FACTOR_ETFS):
        raise ValueError(f"etf_move must have a last axis of {len(FACTOR_ETFS)} ETFs, got shape {move.shape}")
    return move @ _MODEL_MAP.T


def position_pnl(
    market_value: np.ndarray,
    loadings: np.ndarray,
    factor_move: np.ndarray,
    option_delta_value: np.ndarray,
    option_gamma_value: np.ndarray,
    is_option: np.ndarray,
) -> np.ndarray:
    """Each position's scenario P&L from its model loadings and the model-factor move.

    With u = b'Δf the return the loadings imply (the position's own, or for an option its
    underlying's): a non-option makes market_value · u; an option makes the delta-gamma
    P&L option_delta_value · u + ½ option_gamma_value · u². The unused inputs of a
    position (option values of a stock, market value of an option) are ignored and may
    be NaN.

    Parameters
    ----------
    market_value : ndarray (T, N)
        Signed market value of each position (currency).
    loadings : ndarray (T, N, 7)
        Model-factor loadings (`MODEL_FACTORS` order); for an option, its underlying's.
    factor_move : ndarray (T, 7)
        Model-factor moves (fractions), e.g. `model_factor_move(conditional_etf_move(...))`.
    option_delta_value : ndarray (T, N)
        q · multiplier · delta · S: currency P&L per unit underlying return.
    option_gamma_value : ndarray (T, N)
        q · multiplier · gamma · S²: currency P&L per unit squared underlying return, ×2.
    is_option : ndarray (N,) of bool

    Returns
    -------
    ndarray (T, N)
        P&L in currency; NaN where the position's loadings (or a used input, or the
        factor move) are NaN, so the caller can count the positions left out.
    """
    mv = _checked(market_value, "market_value", (None, None))
    n_dates, n_positions = mv.shape
    n_factors = len(MODEL_FACTORS)
    b = _checked(loadings, "loadings", (n_dates, n_positions, n_factors))
    move = _checked(factor_move, "factor_move", (n_dates, n_factors))
    delta_value = _checked(option_delta_value, "option_delta_value", (n_dates, n_positions))
    gamma_value = _checked(option_gamma_value, "option_gamma_value", (n_dates, n_positions))
    option = np.asarray(is_option)
    if option.dtype != np.bool_ or option.shape != (n_positions,):
        raise ValueError(f"is_option must be bool of shape ({n_positions},), got {option.dtype} {option.shape}")
    return revalue(mv, np.einsum("tnk,tk->tn", b, move), delta_value, gamma_value, option)


def revalue(
    market_value: np.ndarray,
    moves: np.ndarray,
    option_delta_value: np.ndarray,
    option_gamma_value: np.ndarray,
    is_option: np.ndarray,
) -> np.ndarray:
    """(T, N) P&L of positions whose (underlying's) return is `moves` (T, N): market_value · u for a
    non-option, the delta-gamma option_delta_value · u + ½ option_gamma_value · u² for an option."""
    return np.where(is_option, option_delta_value * moves + 0.5 * option_gamma_value * moves**2, market_value * moves)
