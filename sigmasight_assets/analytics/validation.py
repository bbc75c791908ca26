"""Input checks shared by the kernels; each error names the offending argument."""

import numbers

import numpy as np
import pandas as pd


def frame_values(frame: object, name: str) -> np.ndarray:
    """Return a date-indexed numeric DataFrame as a float64 array (T, S), NaN for missing.

    Raises ValueError unless `frame` is a DataFrame with a sorted, unique DatetimeIndex,
    numeric columns and no infinite values.
    """
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}")
    check_date_index(frame.index, name)
    for column, dtype in frame.dtypes.items():
        if not (pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)):
            raise ValueError(f"{name} must be numeric; column {column!r} has dtype {dtype}")
    values = frame.to_numpy(dtype=np.float64, na_value=np.nan)
    if np.isinf(values).any():
        raise ValueError(f"{name} contains infinite values")
    return values


def series_values(series: object, name: str) -> np.ndarray:
    """Return a date-indexed numeric Series as a float64 array (T,), NaN for missing."""
    if not isinstance(series, pd.Series):
        raise ValueError(f"{name} must be a pandas Series, got {type(series).__name__}")
    return frame_values(series.to_frame(), name)[:, 0]


def columns_values(data: object, name: str) -> np.ndarray:
    """Return a date-indexed Series (as one column) or DataFrame as a float64 array (T, S)."""
    if isinstance(data, pd.Series):
        return series_values(data, name)[:, None]
    if isinstance(data, pd.DataFrame):
        return frame_values(data, name)
    raise ValueError(f"{name} must be a pandas Series or DataFrame, got {type(data).__name__}")


def check_date_index(index: pd.Index, name: str) -> None:
    """Require a DatetimeIndex that is strictly increasing (sorted, no duplicates)."""
    if not isinstance(index, pd.DatetimeIndex):
        raise ValueError(f"{name} must have a DatetimeIndex, got {type(index).__name__}")
    if not (index.is_monotonic_increasing and index.is_unique):
        raise ValueError(f"{name} index must be sorted by date without duplicates")


def check_same_index(index: pd.Index, other: pd.Index, name: str, other_name: str) -> None:
    """Require two inputs to share exactly the same dates (no silent alignment)."""
    if not index.equals(other):
        raise ValueError(f"{name} and {other_name} must have the same index")


def check_window(window: object, min_obs: object, *, least: int = 1) -> None:
    """Require integers with least <= min_obs <= window."""
    if not _is_int(window) or window < 1:
        raise ValueError(f"window must be a positive integer, got {window!r}")
    if not _is_int(min_obs) or not least <= min_obs <= window:
        raise ValueError(f"min_obs must be an integer in [{least}, window={window}], got {min_obs!r}")


def check_positive_int(value: object, name: str) -> None:
    """Require a positive integer (bools rejected)."""
    if not _is_int(value) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)
