"""`insert_frame` (PostgreSQL: COPY of the frame as CSV; SQLite: INSERT of `to_records`) stores the same
values on both: NaN as NULL, compact matrices as nested lists with None, whole floats in integer
columns as integers, text with commas, quotes and newlines verbatim, provenance on every row; an
infinite value is refused before anything is written."""

from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from sigmasight_assets.pipeline.records import NonFiniteResultError, insert_frame
from sigmasight_resources.db.resource import ResultsDatabase
from sigmasight_resources.db.results import DataQuality, PortfolioCorrelation

STAMP = datetime(2025, 11, 3, 21, 5, tzinfo=UTC)


def correlation_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": pd.to_datetime(["2025-11-03", "2025-11-04"]),
            "portfolio_id": [1, 1],
            "average": [0.25, np.nan],
            "weighted": [0.1 + 0.2, np.nan],
            "symbols": [["AAA", "BBB"], []],
            "matrix": [np.array([[1.0, 0.123456789012345], [np.nan, 1.0]]), []],
            "clusters": [[["AAA", "BBB"]], []],
            "excluded_positions": [0.0, 2.0],
            "factor_matrix": [{"symbols": ["SPY"], "matrix": [[1.0]]}, {}],
        }
    )


def stored(database: ResultsDatabase, table) -> list[dict]:
    columns = [c for c in table.__table__.columns]
    with database.transaction() as session:
        rows = session.execute(select(*columns).order_by(table.date)).all()
    return [dict(zip([c.name for c in columns], row, strict=True)) for row in rows]


def test_rows_are_stored_with_nulls_lists_integers_and_provenance(db_url):
    database = ResultsDatabase(url=db_url)
    with database.transaction() as session:
        assert insert_frame(session, PortfolioCorrelation, correlation_frame(), "run-1", STAMP) == 2
    first, second = stored(database, PortfolioCorrelation)
    assert first["date"] == date(2025, 11, 3) and first["portfolio_id"] == 1
    assert first["average"] == 0.25 and first["weighted"] == 0.1 + 0.2
    assert first["matrix"] == [[1.0, 0.123456789012345], [None, 1.0]]
    assert first["symbols"] == ["AAA", "BBB"] and first["clusters"] == [["AAA", "BBB"]]
    assert first["factor_matrix"] == {"symbols": ["SPY"], "matrix": [[1.0]]}
    assert second["average"] is None and second["weighted"] is None and second["factor_matrix"] == {}
    assert (first["excluded_positions"], second["excluded_positions"]) == (0, 2)
    assert type(second["excluded_positions"]) is int
    assert {r["run_id"] for r in (first, second)} == {"run-1"}
    assert all(r["computed_at"].replace(tzinfo=UTC) == STAMP for r in (first, second))


def test_text_with_separators_is_stored_verbatim(db_url):
    message = 'closes missing, "stale" since\n2025-10-31\tfor AAA \\N'
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(["2025-11-03"]),
            "portfolio_id": [4],
            "asset": ["portfolio_risk"],
            "flag": ["partial"],
            "message": [message],
            "positions_total": [3],
            "positions_analyzed": [2],
            "positions_skipped": [{"no_risk_model": ["AAA"]}],
            "data_days": [252.0],
            "positions_stale": [0],
        }
    )
    database = ResultsDatabase(url=db_url)
    with database.transaction() as session:
        insert_frame(session, DataQuality, frame, "run-2", STAMP)
    (row,) = stored(database, DataQuality)
    assert row["message"] == message and row["positions_skipped"] == {"no_risk_model": ["AAA"]}
    assert row["data_days"] == 252 and row["flag"] == "partial"


def test_an_infinite_value_is_refused_and_nothing_is_written(db_url):
    frame = correlation_frame().assign(weighted=[0.5, np.inf])
    database = ResultsDatabase(url=db_url)
    with pytest.raises(NonFiniteResultError, match="column 'weighted'"), database.transaction() as session:
        insert_frame(session, PortfolioCorrelation, frame, "run-3", STAMP)
    assert stored(database, PortfolioCorrelation) == []
