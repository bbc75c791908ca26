"""Trailing-window building blocks: windowed sums, padded sliding windows, memory chunks.

Every kernel reduces "for each date D, a statistic over the `window` rows ending at D" to
these helpers so that no kernel loops over dates. Working arrays are bounded by
`WORKING_BYTES` by slicing symbols (or dates) into chunks.
"""

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

WORKING_BYTES = 64 * 2**20
"""Target size of the temporary arrays of one chunk (about 64 MB)."""


def budget_slices(n: int, bytes_each: int, budget: int = WORKING_BYTES) -> Iterator[slice]:
    """Split range(n) into consecutive slices of about `budget // bytes_each` items (>= 1)."""
    step = max(1, budget // max(1, bytes_each))
    for start in range(0, n, step):
        yield slice(start, min(n, start + step))


def trailing_sums(values: np.ndarray, window: int) -> np.ndarray:
    """Sum over the trailing `window` rows ending at each row (fewer at the start).

    Parameters
    ----------
    values : ndarray (T, ...)
        Finite values; missing observations must already be zeroed.
    window : int
        Window length in rows.

    Returns
    -------
    ndarray (T, ...)
        Row t holds values[max(0, t - window + 1) : t + 1].sum(axis=0).

    Notes
    -----
    O(T) via cumulative sums restarted every `window` rows: a window is the suffix sum
    of one block plus the prefix sum of the next. Unlike a single running cumsum, whose
    differences lose precision after large early values, the rounding error stays
    relative to the window's own data. Row t depends only on rows <= t.
    """
    n_rows = values.shape[0]
    n_blocks = -(-n_rows // window)
    blocks = np.zeros((n_blocks * window, *values.shape[1:]))
    blocks[:n_rows] = values
    blocks = blocks.reshape(n_blocks, window, *values.shape[1:])
    prefix = np.cumsum(blocks, axis=1).reshape(n_blocks * window, *values.shape[1:])[:n_rows]
    suffix = np.cumsum(blocks[:, ::-1], axis=1)[:, ::-1].reshape(n_blocks * window, *values.shape[1:])
    suffix[::window] = 0.0  # a window starting on a block boundary is one whole prefix
    if n_rows > window:
        prefix[window:] += suffix[1 : n_rows - window + 1]
    return prefix


def padded_windows(values: np.ndarray, window: int) -> np.ndarray:
    """Read-only view (T, ..., window) of the `window` rows ending at each row.

    The rows before the first one are NaN, so early dates see a full-length window whose
    missing part counts as missing data.
    """
    pad = np.full((window, *values.shape[1:]), np.nan)
    return np.lib.stride_tricks.sliding_window_view(np.concatenate([pad, values]), window, axis=0)[1:]


@dataclass(frozen=True)
class PairMoments:
    """Pairwise-complete window sums for a block of dates, each (B, S, S).

    Entry [b, i, j] sums over the window rows where both symbol i and symbol j are
    present: `n` counts them, `sum_i` sums x_i, `sum_ii` sums x_i**2, `sum_ij` sums
    x_i * x_j. The sums for x_j are the transposes of `sum_i` and `sum_ii`.
    """

    n: np.ndarray
    sum_i: np.ndarray
    sum_ii: np.ndarray
    sum_ij: np.ndarray

    def covariance_terms(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Centered co-moment and the two centered second moments (B, S, S), unscaled.

        Returns (s_ij, s_ii, s_jj) with s_ij = sum (x_i - mean_i)(x_j - mean_j) over the
        pair's common rows; divide by n - 1 for sample (co)variances. NaN where n == 0.
        """
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_i = self.sum_i / self.n
        mean_j = np.swapaxes(mean_i, 1, 2)
        s_ij = self.sum_ij - self.n * mean_i * mean_j
        s_ii = np.maximum(self.sum_ii - self.n * mean_i**2, 0.0)
        return s_ij, s_ii, np.swapaxes(s_ii, 1, 2)


def pair_moments(values: np.ndarray, window: int, start: int = 0) -> Iterator[tuple[slice, PairMoments]]:
    """Pairwise-complete trailing-window sums of the columns of `values`, by date block.

    Parameters
    ----------
    values : ndarray (T, S)
        Returns with NaN for missing observations.
    window : int
        Trailing window length in rows.
    start : int
        First date to compute: earlier rows only fill the windows of later ones.

    Yields
    ------
    (slice of dates, PairMoments)
        Blocks cover dates start..T-1 in order (the slices index `values`' rows); each block is
        computed with batched matrix products over the block's windows, so memory stays near
        `WORKING_BYTES`.
    """
    n_dates, n_symbols = values.shape
    windows = padded_windows(values, window)  # (T, S, window)
    bytes_per_date = 8 * (3 * n_symbols * window + 6 * n_symbols * n_symbols)
    for part in budget_slices(max(n_dates - start, 0), bytes_per_date):
        block = slice(part.start + start, part.stop + start)
        x = windows[block]
        present = np.isfinite(x).astype(np.float64)
        x = np.where(present > 0, x, 0.0)
        present_t = np.swapaxes(present, 1, 2)
        yield (
            block,
            PairMoments(
                n=present @ present_t,
                sum_i=x @ present_t,
                sum_ii=(x * x) @ present_t,
                sum_ij=x @ np.swapaxes(x, 1, 2),
            ),
        )
