"""Turning result frames into rows for the database: NULL for not-computed, provenance on every row."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd


class NonFiniteResultError(ValueError):
    """A result held ±inf: a bug upstream, never stored."""


def to_records(frame: pd.DataFrame, run_id: str, computed_at: datetime | None = None) -> list[dict]:
    """Rows of `frame` as dicts, NaN → None, numpy scalars → Python, plus run_id and computed_at.

    Raises NonFiniteResultError naming the column if any numeric value is infinite.
    """
    numeric = frame.select_dtypes(include="number")
    infinite = np.isinf(numeric.to_numpy(dtype=float, na_value=np.nan))
    if infinite.any():
        column = numeric.columns[np.nonzero(infinite.any(axis=0))[0][0]]
        raise NonFiniteResultError(f"column {column!r} holds an infinite value")
    stamp = computed_at or datetime.now(UTC)
    clean = frame.astype(object).where(frame.notna(), None)
    records = clean.to_dict(orient="records")
    for record in records:
        for key, value in record.items():
            if isinstance(value, np.generic):
                record[key] = value.item()
            elif isinstance(value, pd.Timestamp):
                record[key] = value.date()
        record["run_id"] = run_id
        record["computed_at"] = stamp
    return records
