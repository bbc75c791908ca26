"""`queries.read_frame` of per-symbol rows (on PostgreSQL a row per symbol holding arrays, elsewhere a
row per stored row) returns what SQLAlchemy's own row-by-row read returns: NULL floats as NaN,
integers as integers, dates as datetime64, symbols categorical over the requested ones."""

from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from sigmasight_resources import calendar
from sigmasight_resources.db import portfolio_reads, queries
from sigmasight_resources.db.resource import ResultsDatabase
from sigmasight_resources.db.results import SymbolFactorExposure

COLUMNS = ["market_beta", "market_n_obs", "value", "style_r2"]
DAYS = calendar.sessions(date(2024, 3, 1), date(2024, 3, 29))


@pytest.fixture
def database(db_url):
    rng = np.random.default_rng(11)
    rows = [
        {
            "date": day,
            "symbol": symbol,
            "market_beta": None if rng.uniform() < 0.2 else float(rng.normal()),
            "market_n_obs": int(rng.integers(0, 252)),
            "ir_n_obs": 0,
            "style_n_obs": 0,
            "spread_n_obs": 0,
            "value": None if rng.uniform() < 0.5 else float(rng.normal()),
            "style_r2": float(rng.uniform()),
            "run_id": "test",
            "computed_at": datetime(2024, 4, 1, tzinfo=UTC),
        }
        for symbol in ("AAA", "BBB", "CCC")
        for day in DAYS
        if rng.uniform() > 0.1
    ]
    database = ResultsDatabase(url=db_url)
    with database.transaction() as session:
        queries.insert_rows(session, SymbolFactorExposure, rows)
    return database


def test_per_symbol_rows_equal_a_row_by_row_read(database):
    symbols, start, end = ["CCC", "AAA", "ZZZ"], DAYS[2], DAYS[-3]  # ZZZ has no rows
    with database.transaction() as session:
        got = portfolio_reads.symbol_factor_exposures(session, symbols, COLUMNS, start, end)
        query = select(
            SymbolFactorExposure.date, SymbolFactorExposure.symbol, *(getattr(SymbolFactorExposure, c) for c in COLUMNS)
        )
        rows = session.execute(
            query.where(SymbolFactorExposure.symbol.in_(["AAA", "CCC"]), SymbolFactorExposure.date.between(start, end))
        ).all()
    expected = pd.DataFrame([tuple(r) for r in rows], columns=["date", "symbol", *COLUMNS])
    expected["date"] = pd.to_datetime(expected["date"])
    expected["symbol"] = pd.Categorical(expected["symbol"], categories=symbols)
    assert got["value"].isna().any() and got["market_beta"].isna().any()
    assert got["market_n_obs"].dtype == np.int64
    order = ["symbol", "date"]
    pd.testing.assert_frame_equal(
        got.sort_values(order).reset_index(drop=True), expected.sort_values(order).reset_index(drop=True)
    )


def test_no_stored_rows_give_an_empty_frame_of_the_columns(database):
    with database.transaction() as session:
        got = portfolio_reads.symbol_factor_exposures(session, ["ZZZ"], COLUMNS, DAYS[0], DAYS[-1])
    assert list(got.columns) == ["date", "symbol", *COLUMNS] and got.empty
