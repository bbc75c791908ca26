"""Rolling pairwise-complete correlations, their portfolio summaries and correlation clusters."""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

from .validation import check_window, frame_values
from .windows import pair_moments, trailing_sums


@dataclass(frozen=True)
class RollingCorrelation:
    """Correlation matrices per date.

    matrices : ndarray (T, S, S), Pearson correlations, symmetric, diagonal 1 for
        included symbols; NaN for pairs with too few common observations and for the
        whole row and column of an excluded symbol.
    n_obs : DataFrame (T, S), each symbol's own non-missing returns in the window (int).
    dates : DatetimeIndex (T,), symbols : Index (S,), labelling the axes of `matrices`.
    """

    matrices: np.ndarray
    n_obs: pd.DataFrame
    dates: pd.DatetimeIndex
    symbols: pd.Index


def rolling_correlation(
    returns: pd.DataFrame, window: int = 90, min_obs: int = 20, start: int = 0
) -> RollingCorrelation:
    """Pairwise-complete Pearson correlations over the trailing `window` rows at each date from row `start` on.

    Each pair uses the window rows where both symbols have a return (as
    `DataFrame.corr(min_periods=min_obs)`), so NaN gaps cost only the affected pairs.
    A symbol with fewer than `min_obs` returns in the window is excluded (NaN row and
    column, including the diagonal), as is a symbol with zero variance; a pair with fewer
    than `min_obs` common returns is NaN.

    Parameters
    ----------
    returns : DataFrame (T, S)
        Daily returns of positions (symbols as columns).
    window : int
        Rows in the trailing window (default 90).
    min_obs : int
        Minimum observations per symbol and per pair (default 20, >= 2).
    start : int
        First row to compute (default 0): the rows before it only fill later windows, so a
        caller that needs the last few dates passes their window's history and no more work.

    Returns
    -------
    RollingCorrelation
        On the dates from row `start` on; `matrices` is (T - start, S, S) float64: memory grows
        with S^2, so pass the symbols of one portfolio, not a whole universe.
    """
    values = frame_values(returns, "returns")
    check_window(window, min_obs, least=2)
    n_dates, n_symbols = values.shape
    if not 0 <= start <= n_dates:
        raise ValueError(f"start must be in [0, {n_dates}] (the rows of returns), got {start!r}")
    own_count = np.rint(trailing_sums(np.isfinite(values).astype(np.float64), window)).astype(np.int64)[start:]

    matrices = np.empty((n_dates - start, n_symbols, n_symbols))
    eye = np.eye(n_symbols, dtype=bool)
    for block, moments in pair_moments(values, window, start):
        s_ij, s_ii, s_jj = moments.covariance_terms()
        with np.errstate(invalid="ignore", divide="ignore"):
            rho = np.clip(s_ij / np.sqrt(s_ii * s_jj), -1.0, 1.0)
        rho[(moments.n < min_obs) | ~(s_ii > 0) | ~(s_jj > 0)] = np.nan
        included = np.isfinite(np.diagonal(rho, axis1=1, axis2=2))  # own count >= min_obs, variance > 0
        rho[~(included[:, :, None] & included[:, None, :])] = np.nan
        rho[:, eye] = np.where(included, 1.0, np.nan)
        matrices[block.start - start : block.stop - start] = rho

    return RollingCorrelation(
        matrices=matrices,
        n_obs=pd.DataFrame(own_count, index=returns.index[start:], columns=returns.columns, copy=False),
        dates=returns.index[start:],
        symbols=returns.columns,
    )


def average_correlation(matrices: np.ndarray) -> np.ndarray:
    """Mean of the finite off-diagonal correlations per date.

    Parameters
    ----------
    matrices : ndarray (T, S, S)

    Returns
    -------
    ndarray (T,)
        NaN where no off-diagonal entry is finite.
    """
    rho = _off_diagonal(_check_matrices(matrices))
    finite = np.isfinite(rho)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(finite, rho, 0.0).sum(axis=(1, 2)) / finite.sum(axis=(1, 2))


def weighted_correlation(matrices: np.ndarray, weights: np.ndarray | pd.DataFrame) -> np.ndarray:
    """Portfolio correlation sum_{i!=j} |w_i||w_j| rho_ij / sum_{i!=j} |w_i||w_j| per date.

    Both sums run over the pairs whose correlation and weights are finite, so an excluded
    position drops out of numerator and denominator alike.

    Parameters
    ----------
    matrices : ndarray (T, S, S)
    weights : ndarray or DataFrame (T, S)
        Position weights (signed; only magnitudes matter), same symbol order.

    Returns
    -------
    ndarray (T,)
        NaN where no finite pair has non-zero weight.
    """
    rho = _off_diagonal(_check_matrices(matrices))
    w = np.abs(np.asarray(weights, dtype=np.float64))
    if w.shape != rho.shape[:2]:
        raise ValueError(f"weights must have shape {rho.shape[:2]} (dates, symbols), got {w.shape}")
    pair_weight = w[:, :, None] * w[:, None, :]
    finite = np.isfinite(rho) & np.isfinite(pair_weight)
    pair_weight = np.where(finite, pair_weight, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (pair_weight * np.where(finite, rho, 0.0)).sum(axis=(1, 2)) / pair_weight.sum(axis=(1, 2))


def correlation_clusters(matrix: np.ndarray, symbols: list[str] | pd.Index, threshold: float = 0.3) -> list[list[str]]:
    """Groups of co-moving symbols: average-linkage clustering on distance 1 - rho.

    Symbols with a NaN diagonal (excluded by `rolling_correlation`) are left out. A NaN
    correlation between two included symbols (too few common returns) is taken as 0,
    distance 1. The dendrogram is cut at `threshold` with scipy's
    `fcluster(criterion="distance")`. This clusters one date's matrix: callers that need
    clusters for a range of dates call it once per date (scipy's linkage has no batched
    form; it is O(S^2 log S) per date for a portfolio's S positions).

    Parameters
    ----------
    matrix : ndarray (S, S)
        Correlation matrix of one date.
    symbols : sequence of str (S,)
        Labels of the rows of `matrix`.
    threshold : float
        Cut height in distance units, in (0, 2] (default 0.3, i.e. correlation 0.7).

    Returns
    -------
    list of lists of str
        Clusters (singletons included), members sorted; clusters ordered by size
        descending, then by first member.
    """
    rho = np.asarray(matrix, dtype=np.float64)
    labels = [str(s) for s in symbols]
    if rho.ndim != 2 or rho.shape[0] != rho.shape[1]:
        raise ValueError(f"matrix must be square (S, S), got shape {rho.shape}")
    if len(labels) != rho.shape[0]:
        raise ValueError(f"symbols has {len(labels)} labels for a {rho.shape[0]}x{rho.shape[0]} matrix")
    if not 0 < threshold <= 2:
        raise ValueError(f"threshold must be in (0, 2], got {threshold!r}")

    keep = np.flatnonzero(np.isfinite(np.diagonal(rho)))
    if len(keep) < 2:
        return [[labels[i]] for i in keep]
    sub = rho[np.ix_(keep, keep)]
    distance = np.clip(1.0 - np.where(np.isfinite(sub), sub, 0.0), 0.0, 2.0)
    distance = (distance + distance.T) / 2.0
    np.fill_diagonal(distance, 0.0)
    assignment = fcluster(
        linkage(squareform(distance, checks=False), method="average"), t=threshold, criterion="distance"
    )
    groups: dict[int, list[str]] = {}
    for index, cluster in zip(keep, assignment, strict=True):
        groups.setdefault(int(cluster), []).append(labels[index])
    return sorted((sorted(members) for members in groups.values()), key=lambda members: (-len(members), members[0]))


@dataclass(frozen=True)
class CorrelationRows:
    """One portfolio's correlation results per date on which it holds any of its symbols.

    rows : DataFrame indexed by date with columns average, weighted, symbols (the included
        symbols), matrix (their correlations rounded to `digits`, an ndarray until written), clusters,
        excluded_positions and data_days.
    excluded : ndarray (T, S) bool, symbols held that day but without enough history.
    """

    rows: pd.DataFrame
    excluded: np.ndarray


def portfolio_correlation_rows(
    matrices: np.ndarray,
    n_obs: np.ndarray,
    symbols: list[str],
    open_counts: np.ndarray,
    weights: np.ndarray,
    dates: pd.DatetimeIndex,
    threshold: float = 0.3,
    digits: int = 6,
) -> CorrelationRows:
    """A portfolio's daily correlation rows from its symbols' rolling correlation matrices.

    Symbols not held on a date (no open position) drop out of that date's matrix; a held symbol
    whose row is all NaN (fewer observations than the correlation needs) is excluded and its open
    positions counted. Averages and weights are computed for all dates at once; the matrices,
    their JSON-ready lists and the clusters are per date (scipy's linkage has no batched form).

    Parameters
    ----------
    matrices : ndarray (T, S, S), rolling correlations on each of `dates`.
    n_obs : ndarray (T, S), each symbol's observations in the window.
    symbols : list of str (S,), labels of the matrices' axes.
    open_counts : ndarray (T, S) int, open positions of the portfolio in each symbol.
    weights : ndarray (T, S), the portfolio's summed position weights per symbol (0 when unknown).
    dates : DatetimeIndex (T,).
    threshold : float, the cluster cut (distance 1 - rho).
    digits : int, rounding of the stored matrix entries.
    """
    held = np.asarray(open_counts) > 0
    masked = np.array(matrices, dtype=np.float64, copy=True)
    masked[~held] = np.nan
    masked.transpose(0, 2, 1)[~held] = np.nan
    empty_rows = np.all(np.isnan(masked), axis=2)
    excluded = held & empty_rows
    average = average_correlation(masked)
    weighted = weighted_correlation(masked, weights)
    excluded_positions = (np.asarray(open_counts) * excluded).sum(axis=1).astype(int)
    data_days = np.asarray(n_obs).max(axis=1, initial=0).astype(int)
    days = np.flatnonzero(held.any(axis=1))
    names, matrices_out, clusters = [], [], []
    for t in days:
        included = np.flatnonzero(~empty_rows[t])
        symbols_t = [symbols[i] for i in included]
        sub = masked[t][np.ix_(included, included)]
        names.append(symbols_t)
        matrices_out.append(np.round(sub, digits))  # made JSON-ready row by row as it is written
        clusters.append(correlation_clusters(sub, symbols_t, threshold) if symbols_t else [])
    rows = pd.DataFrame(
        {
            "average": average[days],
            "weighted": weighted[days],
            "symbols": names,
            "matrix": matrices_out,
            "clusters": clusters,
            "excluded_positions": excluded_positions[days],
            "data_days": data_days[days],
        },
        index=pd.DatetimeIndex(dates[days], name="date"),
    )
    return CorrelationRows(rows, excluded)


def rounded_matrix(matrix: np.ndarray, digits: int | None = 6) -> list[list[float | None]]:
    """A matrix as nested lists for JSON: entries rounded to `digits` (None: full precision), None
    where not finite (JSON has no NaN)."""
    values = np.asarray(matrix, dtype=float)
    if digits is None:  # an object array of Python floats and None, listed by numpy
        return np.where(np.isfinite(values), values, None).tolist()
    return [[None if not np.isfinite(v) else round(float(v), digits) for v in row] for row in values]


def _check_matrices(matrices: np.ndarray) -> np.ndarray:
    rho = np.asarray(matrices, dtype=np.float64)
    if rho.ndim != 3 or rho.shape[1] != rho.shape[2]:
        raise ValueError(f"matrices must have shape (T, S, S), got {rho.shape}")
    return rho


def _off_diagonal(rho: np.ndarray) -> np.ndarray:
    out = rho.copy()
    out[:, np.eye(rho.shape[1], dtype=bool)] = np.nan
    return out
