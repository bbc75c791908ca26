"""Filtered historical simulation (FHS) of the current book: VaR and ES per date.

Each date's book is replayed over the trailing `window` days of symbol returns (its
hypothetical P&L history), and that history is rescaled by an EWMA volatility filter
(Barone-Adesi et al. 1999) so that old returns count at today's volatility level.
"""

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .ex_ante import _checked
from .parameters import FHS_LAMBDA, FHS_WINDOW
from .validation import check_positive_int, check_window, frame_values
from .volatility import _sorted_quantile
from .windows import budget_slices, padded_windows

SEED_OBS = 20
"""Squared returns averaged to seed each EWMA variance recursion."""


def hypothetical_returns(
    symbol_returns: pd.DataFrame,
    linear: np.ndarray,
    quadratic: np.ndarray,
    window: int = FHS_WINDOW,
    start: int = 0,
) -> np.ndarray:
    """Daily returns each date's book would have made over the trailing `window` days.

    h_D(t) = sum_s linear[D, s] r_{t,s} + sum_s quadratic[D, s] r_{t,s}^2 for the rows
    t = D - window + 1 .. D: the book held on D (delta-adjusted, with its options'
    gamma), not the books held back then.

    Conventions: a missing return r_{t,s} counts as 0 (the symbol did not move), except
    on a row where every symbol's return is missing (such as the first row of simple
    returns), which gives NaN; rows before the frame start are NaN; a NaN in linear[D]
    or quadratic[D] (no book on D) makes D's whole row NaN.

    Parameters
    ----------
    symbol_returns : DataFrame (T, S)
        Daily simple returns of the symbols (stocks, ETFs, options' underlyings).
    linear : ndarray (T, S)
        The book's delta-adjusted weight in each symbol on each date (fraction of NAV).
    quadratic : ndarray (T, S)
        ½ Γ S² / NAV summed over the book's options on each symbol (0 where none).
    window : int
        Days of history replayed (default `FHS_WINDOW`).
    start : int
        First date to compute (earlier rows are NaN): each date's row depends only on its own
        window and book.

    Returns
    -------
    ndarray (T, window)
        Row D holds h_D over its window, oldest first, as fractions of NAV.
    """
    returns = frame_values(symbol_returns, "symbol_returns")
    check_positive_int(window, "window")
    lin = _checked(linear, "linear", returns.shape)
    quad = _checked(quadratic, "quadratic", returns.shape)
    present = np.isfinite(returns)
    filled = np.where(present, returns, 0.0)
    # 1 on rows with data, 0 on rows with none; NaN before the frame (the padding)
    row_ok = padded_windows(np.where(present.any(axis=1), 1.0, 0.0), window)  # (T, window)
    windows = padded_windows(filled, window)  # (T, S, window)
    book = np.concatenate([lin, quad], axis=1)[:, None, :]  # (T, 1, 2S)

    check_positive_int(start + 1, "start + 1")
    out = np.full((returns.shape[0], window), np.nan)
    for part in budget_slices(max(returns.shape[0] - start, 0), bytes_each=8 * 5 * returns.shape[1] * window):
        block = slice(part.start + start, part.stop + start)
        x = np.nan_to_num(windows[block], nan=0.0)  # padding zeroed here, masked below
        out[block] = (book[block] @ np.concatenate([x, x * x], axis=1))[:, 0, :]
    usable = (row_ok == 1.0) & np.isfinite(book[:, 0, :]).all(axis=1)[:, None]
    usable[:start] = False
    out[~usable] = np.nan
    return out


def filtered_var_es(
    hypothetical: np.ndarray,
    lam: float = FHS_LAMBDA,
    levels: Sequence[float] = (0.95, 0.99),
    min_obs: int = 60,
    index: pd.Index | None = None,
) -> pd.DataFrame:
    """1-day filtered-historical VaR and ES of each date's hypothetical return history.

    Per date D, over the finite values of its own series h (oldest first; NaNs are
    skipped and do not advance the recursion): the first value's variance is the seed,
    the mean of the first `SEED_OBS` (20) squared finite values (all of them if fewer),
    and then sigma2_t = lam sigma2_prev + (1 - lam) h_prev^2, the variance known before
    t. Today's sigma2_D = lam sigma2_last + (1 - lam) h_last^2 uses all values. Each
    value is rescaled to today's level, h~_t = h_t sigma_D / sigma_t (a value whose
    sigma_t is 0, possible only after a run of zero returns, is kept as is).

    VaR = -q, q the (1 - level) quantile of the h~ with numpy's default linear
    interpolation, and ES = -mean of the h~ <= q.

    Parameters
    ----------
    hypothetical : ndarray (T, W)
        `hypothetical_returns` output, fractions of NAV, NaN where missing.
    lam : float
        EWMA decay in (0, 1) (default `FHS_LAMBDA`, 0.97).
    levels : sequence of float
        Confidence levels in (0, 1) (default 0.95 and 0.99).
    min_obs : int
        Minimum finite values in a row (default 60); fewer gives NaN.
    index : Index of length T, optional
        Index of the result (e.g. the dates of `symbol_returns`); default a RangeIndex.

    Returns
    -------
    DataFrame (T, 2 × len(levels))
        var_95, var_99, ..., then es_95, es_99, ... (the level in percent, e.g. var_97.5),
        as positive loss fractions of NAV.
    """
    h = _checked(hypothetical, "hypothetical", (None, None))
    n_dates, width = h.shape
    check_window(width, min_obs)
    if isinstance(lam, bool) or not isinstance(lam, (int, float)) or not 0 < lam < 1:
        raise ValueError(f"lam must be a number in (0, 1), got {lam!r}")
    levels = tuple(levels)
    if not levels or any(isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v < 1 for v in levels):
        raise ValueError(f"levels must be numbers in (0, 1), got {levels!r}")
    labels = [f"{100 * level:g}" for level in levels]
    if len(set(labels)) != len(labels):
        raise ValueError(f"levels must be distinct, got {levels!r}")
    if index is not None and len(index) != n_dates:
        raise ValueError(f"index must have length {n_dates} (rows of hypothetical), got {len(index)}")

    finite = np.isfinite(h)
    count = finite.sum(axis=1)
    squares = np.where(finite, h * h, 0.0)
    first = finite & (np.cumsum(finite, axis=1) <= SEED_OBS)
    with np.errstate(invalid="ignore", divide="ignore"):
        seed = (squares * first).sum(axis=1) / first.sum(axis=1)

    # One step per window position, all dates at once: `prior` is the variance known before t.
    prior = np.full(h.shape, np.nan)
    variance = np.full(n_dates, np.nan)  # sigma2 at each row's last finite value so far
    last = np.zeros(n_dates)  # that value
    for t in range(width):
        step = np.where(np.isnan(variance), seed, lam * variance + (1 - lam) * last * last)
        here = finite[:, t]
        prior[here, t] = step[here]
        variance = np.where(here, step, variance)
        last = np.where(here, h[:, t], last)
    today = lam * variance + (1 - lam) * last * last

    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(prior > 0, np.sqrt(today[:, None] / prior), 1.0)
    ordered = np.sort(np.where(finite, h * scale, np.nan), axis=1)  # NaN sorts last
    enough = count >= min_obs
    columns = {}
    for level, label in zip(levels, labels, strict=True):
        quantile = _sorted_quantile(ordered, count, 1 - level)
        with np.errstate(invalid="ignore"):
            tail = ordered <= quantile[:, None]
            shortfall = np.where(tail, ordered, 0.0).sum(axis=1) / tail.sum(axis=1)
        columns[f"var_{label}"] = np.where(enough, 0.0 - quantile, np.nan)  # 0.0 - x: no -0.0
        columns[f"es_{label}"] = np.where(enough, 0.0 - shortfall, np.nan)
    order = [f"var_{label}" for label in labels] + [f"es_{label}" for label in labels]
    return pd.DataFrame({name: columns[name] for name in order}, index=index)
