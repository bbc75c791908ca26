"""Turning result frames into rows for the database: NULL for not-computed, provenance on every row."""

from collections.abc import Iterator
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from sigmasight_assets.analytics.correlation import rounded_matrix
from sigmasight_resources.db import queries

BATCH = 5000


class NonFiniteResultError(ValueError):
    """A result held ±inf: a bug upstream, never stored."""


def insert_frame(session: Session, table: type, frame: pd.DataFrame, run_id: str, computed_at: datetime) -> int:
    """Insert a result frame's rows with provenance: on PostgreSQL by COPY of the whole frame, column by
    column; elsewhere as the rows of `to_records`. Refuses infinite values before writing anything."""
    if not queries.copies(session):
        return queries.insert_rows(session, table, to_records(frame, run_id, computed_at))
    _check_finite(frame)
    objects = [name for name in frame.columns if frame[name].dtype == object]
    prepared = frame.assign(
        **{name: frame[name].map(_python_value) for name in objects}, run_id=run_id, computed_at=computed_at
    )
    return queries.copy_frame(session, table, prepared)


def _check_finite(frame: pd.DataFrame) -> None:
    numeric = frame.select_dtypes(include="number")
    infinite = np.isinf(numeric.to_numpy(dtype=float, na_value=np.nan))
    if infinite.any():
        column = numeric.columns[np.nonzero(infinite.any(axis=0))[0][0]]
        raise NonFiniteResultError(f"column {column!r} holds an infinite value")


def to_records(frame: pd.DataFrame, run_id: str, computed_at: datetime | None = None) -> Iterator[dict]:
    """Rows of `frame` as dicts, NaN → None, numpy scalars → Python, a 2-D array value → nested
    lists (None where not finite), plus run_id and computed_at.

    A generator converting BATCH rows at a time, so a million-row frame never exists as a million
    dicts. Raises NonFiniteResultError naming the column if any numeric value is infinite, before
    the first row.
    """
    _check_finite(frame)
    stamp = computed_at or datetime.now(UTC)
    return _records(frame, run_id, stamp)


def _records(frame: pd.DataFrame, run_id: str, stamp: datetime) -> Iterator[dict]:
    names = [*frame.columns, "run_id", "computed_at"]
    for offset in range(0, len(frame), BATCH):
        part = frame.iloc[offset : offset + BATCH]
        columns = [_python_values(part[name]) for name in part.columns]
        provenance = [run_id] * len(part), [stamp] * len(part)
        for values in zip(*columns, *provenance, strict=True):
            yield dict(zip(names, values, strict=True))


def _python_values(column: pd.Series) -> list:
    """A column's values as Python objects, None where missing, converted a column at a time (numpy's
    `tolist` for numbers and booleans, dates from the datetime column); only object columns go value by value."""
    missing = column.isna().to_numpy()
    if isinstance(column.dtype, np.dtype) and column.dtype.kind in "biuf":
        values = column.to_numpy().tolist()
    elif pd.api.types.is_datetime64_any_dtype(column.dtype):
        values = [None if gone else day for day, gone in zip(column.dt.date, missing, strict=True)]
    else:
        values = [_python_value(value) for value in column.to_numpy(dtype=object)]
    if missing.any():
        return [None if gone else value for value, gone in zip(values, missing, strict=True)]
    return values


def _python_value(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, np.ndarray):  # a matrix kept compact until written
        return rounded_matrix(value, digits=None)
    return value
