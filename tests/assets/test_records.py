"""Result frames as database rows (`to_records`, sigmasight_assets/pipeline/records.py): NaN becomes NULL,
numpy scalars become Python values, every row carries its provenance, and an infinite value is refused
before any row is produced, naming its column."""

from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest

from sigmasight_assets.pipeline.records import BATCH, NonFiniteResultError, to_records

STAMP = datetime(2025, 9, 30, 21, 5, tzinfo=UTC)


def test_nan_becomes_none_numpy_scalars_python_values_and_provenance_is_added():
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(["2025-09-02", "2025-09-03"]),
            "portfolio_id": np.array([7, 8], dtype=np.int64),
            "nav": [1250.5, np.nan],
            "flag": ["full_history", None],
            "positions_count": np.array([3, 0], dtype=np.int32),
            "hedged": np.array([True, False]),
        }
    )
    records = list(to_records(frame, "run-1", STAMP))
    assert records == [
        {
            "date": date(2025, 9, 2),
            "portfolio_id": 7,
            "nav": 1250.5,
            "flag": "full_history",
            "positions_count": 3,
            "hedged": True,
            "run_id": "run-1",
            "computed_at": STAMP,
        },
        {
            "date": date(2025, 9, 3),
            "portfolio_id": 8,
            "nav": None,
            "flag": None,
            "positions_count": 0,
            "hedged": False,
            "run_id": "run-1",
            "computed_at": STAMP,
        },
    ]
    first = records[0]
    assert type(first["date"]) is date  # a Timestamp would be a datetime
    assert type(first["portfolio_id"]) is int and type(first["positions_count"]) is int
    assert type(first["nav"]) is float and type(first["hedged"]) is bool


def test_an_all_nan_float_column_is_all_none():
    records = list(to_records(pd.DataFrame({"beta": [np.nan, np.nan]}), "run-2", STAMP))
    assert [r["beta"] for r in records] == [None, None]


@pytest.mark.parametrize("infinite", [np.inf, -np.inf])
def test_an_infinite_value_raises_naming_its_column_before_any_row(infinite):
    frame = pd.DataFrame(
        {
            "portfolio_id": [1, 2, 3],
            "nav": [1.0, 2.0, 3.0],
            "beta": [0.5, infinite, np.nan],
            "vol": [infinite, 0.1, 0.2],
        }
    )
    with pytest.raises(NonFiniteResultError, match="column 'beta' holds an infinite value"):
        to_records(frame, "run-3", STAMP)  # raised by the call itself, not on the first row drawn


def test_computed_at_defaults_to_now_in_utc_and_is_one_stamp_for_every_row():
    before = datetime.now(UTC)
    records = list(to_records(pd.DataFrame({"x": [1.0, 2.0]}), "run-4"))
    after = datetime.now(UTC)
    stamps = {r["computed_at"] for r in records}
    assert len(stamps) == 1
    [stamp] = stamps
    assert stamp.tzinfo is not None and before <= stamp <= after


def test_rows_past_one_batch_keep_their_order_and_their_conversion():
    frame = pd.DataFrame({"n": np.arange(BATCH + 3, dtype=np.int64), "v": [np.nan] * (BATCH + 3)})
    records = list(to_records(frame, "run-5", STAMP))
    assert [r["n"] for r in records] == list(range(BATCH + 3))
    assert all(type(r["n"]) is int and r["v"] is None for r in records)
