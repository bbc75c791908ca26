"""Turning result frames into rows for the database: NULL for not-computed, provenance on every row."""

from collections.abc import Iterator
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from sigmasight_assets.analytics.correlation import rounded_matrix

BATCH = 5000


class NonFiniteResultError(ValueError):
    """A result held ±inf: a bug upstream, never stored."""


def to_records(frame: pd.DataFrame, run_id: str, computed_at: datetime | None = None) -> Iterator[dict]:
    """Rows of `frame` as dicts, NaN → None, numpy scalars → Python, a 2-D array value → nested
    lists (None where not finite), plus run_id and computed_at.

    A generator converting BATCH rows at a time, so a million-row frame never exists as a million
    dicts. Raises NonFiniteResultError naming the column if any numeric value is infinite, before
    the first row.
    """
    numeric = frame.select_dtypes(include="number")
    infinite = np.isinf(numeric.to_numpy(dtype=float, na_value=np.nan))
    if infinite.any():
        column = numeric.columns[np.nonzero(infinite.any(axis=0))[0][0]]
        raise NonFiniteResultError(f"column {column!r} holds an infinite value")
    stamp = computed_at or datetime.now(UTC)
    return _records(frame, run_id, stamp)


def _records(frame: pd.DataFrame, run_id: str, stamp: datetime) -> Iterator[dict]:
    for offset in range(0, len(frame), BATCH):
        part = frame.iloc[offset : offset + BATCH]
        clean = part.astype(object).where(part.notna(), None)
        for record in clean.to_dict(orient="records"):
            for key, value in record.items():
                if isinstance(value, np.generic):
                    record[key] = value.item()
                elif isinstance(value, pd.Timestamp):
                    record[key] = value.date()
                elif isinstance(value, np.ndarray):  # a matrix kept compact until written
                    record[key] = rounded_matrix(value, digits=None)
            record["run_id"] = run_id
            record["computed_at"] = stamp
            yield record
