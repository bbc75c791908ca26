"""Day-level assets computed one symbol chunk at a time store the rows the whole universe gives at once.

Every day-level kernel is per symbol (its own closes and the factor ETFs'), so with chunks of two
symbols the three day-level tables and the per-date covariances must hold exactly the rows of one
chunk holding the universe, the factor ETFs' rows once, and nothing twice.
"""

import statistics
from datetime import date

import dagster as dg
import pandas as pd
import pytest

from sigmasight_assets.assets import symbols
from tests.support.rows import assert_same_rows

START, END = date(2024, 6, 3), date(2024, 6, 14)
TABLES = ("symbol_factor_exposures", "symbol_metrics", "symbol_risk_models", "factor_covariances")
HELD = ["AAPL", "MSFT", "XOM", "JPM", "NVDA"]  # five symbols: chunks of 2, 2 and 1 besides the ETFs


def _stored(pipeline) -> dict[str, list]:
    return {table: pipeline.rows(table) for table in TABLES}


def test_chunked_day_level_rows_equal_the_whole_universe(pipeline, monkeypatch):
    portfolio = pipeline.add_portfolio(
        "chunks", [{"symbol": s, "quantity": 10, "entry_price": 100.0, "entry_date": START} for s in HELD]
    )
    assert all(o.success for o in pipeline.run(START, END, [portfolio]))
    whole = _stored(pipeline)
    assert {row["symbol"] for row in whole["symbol_metrics"]} >= set(HELD) | {"SPY", "TLT", "USMV"}

    monkeypatch.setattr(symbols, "SYMBOL_CHUNK", 2)
    assert all(o.success for o in pipeline.run(START, END, [portfolio]))
    chunked = _stored(pipeline)
    for table in TABLES:
        assert_same_rows(chunked[table], whole[table], table)


def test_chunks_write_each_symbol_once_and_compute_with_the_factor_etfs(monkeypatch):
    monkeypatch.setattr(symbols, "SYMBOL_CHUNK", 2)
    chunks = symbols.symbol_chunks(pd.Index(["AAPL", "SPY", "MSFT", "TLT", "XOM", "VUG", "JPM", "NVDA"]))
    assert [owned for _, owned in chunks] == [["SPY", "TLT", "VUG", "AAPL", "MSFT"], ["XOM", "JPM"], ["NVDA"]]
    assert all(used[:3] == ["SPY", "TLT", "VUG"] for used, _ in chunks)  # the ETFs present, in every chunk
    assert symbols.symbol_chunks(pd.Index(["SPY", "TLT"])) == [(["SPY", "TLT"], ["SPY", "TLT"])]


def test_risk_model_metadata_counts_each_modelled_symbol_day_once(pipeline, monkeypatch):
    """With the factor ETFs in every chunk, the materialization's figures still count each modelled
    (date, symbol) once: as the stored rows give them."""
    portfolio = pipeline.add_portfolio(
        "chunks", [{"symbol": s, "quantity": 10, "entry_price": 100.0, "entry_date": START} for s in HELD]
    )
    monkeypatch.setattr(symbols, "SYMBOL_CHUNK", 2)
    assert all(o.success for o in pipeline.run(START, END, [portfolio]))
    fitted = [row for row in pipeline.rows("symbol_risk_models") if row["market"] is not None]
    event = pipeline.instance.get_latest_materialization_event(dg.AssetKey("risk_model"))
    metadata = event.asset_materialization.metadata
    assert metadata["symbols_modelled"].value == len({row["symbol"] for row in fitted}) > len(HELD)
    r2 = [row["r2"] for row in fitted if row["r2"] is not None]
    assert metadata["median_r2"].value == pytest.approx(statistics.median(r2), rel=1e-12)
