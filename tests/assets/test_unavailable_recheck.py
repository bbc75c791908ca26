"""An unavailable symbol is asked again after the cool-off, through `market_prices` and the CSV provider
(SQLite and PostgreSQL): NEWCO is missing from the vendor's file at first and present later; GONE never is.

The cool-off counts NYSE sessions closed since the vendor's last empty answer (`checked_at`), so the
tests age that answer by whole sessions instead of waiting for them.
"""

from datetime import UTC, date, datetime, time

import dagster as dg
import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select, update

from benchmarks.scenarios.pipeline import Pipeline
from sigmasight_assets.analytics.factors import FACTOR_ETFS
from sigmasight_assets.definitions import build_definitions
from sigmasight_assets.pipeline.vendor import due_for_recheck, sessions_since
from sigmasight_resources import calendar
from sigmasight_resources.db.models import MarketPrice, UnavailableSymbol
from sigmasight_resources.db.session import ResultsDB
from sigmasight_resources.settings import load_settings
from tests.support.cli import cli

DAY = "2025-09-05"
COOLOFF = 5  # the default of SIGMASIGHT_UNAVAILABLE_COOLOFF_SESSIONS


def write_prices(path, symbols: list[str]) -> None:
    """A `date,symbol,close` file with a random walk per symbol over every session the windows need."""
    days = calendar.sessions(date(2022, 6, 1), date(2025, 9, 5))
    rng = np.random.default_rng(7)
    frames = [
        pd.DataFrame({"date": days, "symbol": s, "close": 100 * np.exp(np.cumsum(rng.normal(0, 0.01, len(days))))})
        for s in symbols
    ]
    pd.concat(frames).to_csv(path, index=False)


def answered_sessions_ago(sessions: int) -> datetime:
    """A time after the close of the session `sessions` sessions before the latest closed one."""
    latest = calendar.latest_closed_session(datetime.now(UTC))
    return datetime.combine(calendar.previous_sessions(latest, sessions), time(22, 0), UTC)


@pytest.fixture
def market(db_url, tmp_path):
    """(pipeline, prices file, materialize market_prices for DAY → its metadata) over a book of AAA, NEWCO, GONE."""
    prices = tmp_path / "prices.csv"
    write_prices(prices, ["AAA", *FACTOR_ETFS])
    settings = load_settings(database_url=db_url, partitions_start=date(2024, 1, 2), market_data=f"csv:{prices}")
    defs = build_definitions(settings)
    (tmp_path / "dagster").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:
        db = ResultsDB(db_url)
        pipeline = Pipeline(db, defs, instance)
        entry = date(2025, 3, 3)
        pipeline.add_portfolio(
            "book",
            [{"symbol": s, "quantity": 10, "entry_price": 50.0, "entry_date": entry} for s in ("AAA", "NEWCO", "GONE")],
        )

        def materialize() -> dict:
            result = dg.materialize(
                list(defs.assets),
                selection=["market_prices"],
                instance=instance,
                resources=defs.resources,
                partition_key=DAY,
            )
            assert result.success
            return {k: v.value for k, v in result.asset_materializations_for_node("market_prices")[0].metadata.items()}

        yield pipeline, prices, materialize
        db.dispose()


def records(pipeline) -> dict[str, UnavailableSymbol]:
    with pipeline.db.transaction() as session:
        rows = {r.symbol: r for r in session.scalars(select(UnavailableSymbol))}
        session.expunge_all()
    return rows


def stored_closes(pipeline, symbol: str) -> int:
    with pipeline.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(MarketPrice).where(MarketPrice.symbol == symbol))


def age(pipeline, sessions: int) -> datetime:
    checked = answered_sessions_ago(sessions)
    with pipeline.db.transaction() as session:
        session.execute(update(UnavailableSymbol).values(checked_at=checked))
    return checked


def utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def test_an_unavailable_symbol_is_asked_again_after_the_cool_off_and_not_before(market):
    pipeline, prices, materialize = market
    first = materialize()
    assert set(records(pipeline)) == {"NEWCO", "GONE"} and first["unavailable_rechecked"] == []
    assert records(pipeline)["NEWCO"].reason == "not in prices.csv" and stored_closes(pipeline, "NEWCO") == 0
    since = utc(records(pipeline)["NEWCO"].since)

    write_prices(prices, ["AAA", "NEWCO", *FACTOR_ETFS])  # the vendor now has NEWCO
    checked = age(pipeline, COOLOFF - 1)
    assert sessions_since(checked, datetime.now(UTC)) == COOLOFF - 1
    early = materialize()
    assert early["unavailable_rechecked"] == [] and stored_closes(pipeline, "NEWCO") == 0
    assert utc(records(pipeline)["NEWCO"].checked_at) == checked  # not asked, so not re-recorded

    age(pipeline, COOLOFF)
    due = materialize()
    assert due["unavailable_rechecked"] == ["GONE", "NEWCO"] and due["unavailable_recovered"] == ["NEWCO"]
    assert stored_closes(pipeline, "NEWCO") > 500  # its whole window, lookback included
    left = records(pipeline)
    assert set(left) == {"GONE"}  # NEWCO forgotten; GONE asked, still missing, recorded again
    assert utc(left["GONE"].checked_at) > answered_sessions_ago(1) and utc(left["GONE"].since) == since
    assert set(due["unavailable_symbols"]) == {"GONE"}


def test_symbols_unavailable_clear_makes_it_asked_on_the_next_run(market, db_url, tmp_path, monkeypatch):
    pipeline, prices, materialize = market
    materialize()
    write_prices(prices, ["AAA", "NEWCO", *FACTOR_ETFS])
    assert materialize()["unavailable_rechecked"] == []  # just recorded: cooling off
    monkeypatch.setenv("SIGMASIGHT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SIGMASIGHT_DATABASE_URL", db_url)
    assert "cleared NEWCO" in cli("symbols", "unavailable", "--clear", "NEWCO").stdout
    assert set(records(pipeline)) == {"GONE"}
    after = materialize()
    assert stored_closes(pipeline, "NEWCO") > 500 and "NEWCO" not in records(pipeline)
    assert "NEWCO" not in after["unavailable_symbols"] and after["unavailable_rechecked"] == []


def test_due_for_recheck_counts_sessions_closed_since_the_last_empty_answer():
    # Fri 2025-08-29 after the close; Labor Day (Mon 2025-09-01) is no session.
    answered = datetime(2025, 8, 29, 21, 30, tzinfo=UTC)
    sept_5_close = datetime(2025, 9, 5, 20, 0, tzinfo=UTC)  # 16:00 New York (EDT)
    assert sessions_since(answered, datetime(2025, 9, 2, 19, 59, tzinfo=UTC)) == 0  # Tue not closed yet
    assert sessions_since(answered, datetime(2025, 9, 2, 20, 0, tzinfo=UTC)) == 1
    assert sessions_since(answered, sept_5_close) == 4  # Tue..Fri
    assert sessions_since(datetime(2025, 8, 29, 12, 0), sept_5_close) == 5  # naive is UTC; before Fri's close
    checked = {"A": answered, "B": datetime(2025, 9, 3, 21, 0, tzinfo=UTC)}
    assert due_for_recheck(checked, sept_5_close, 4) == {"A"}
    assert due_for_recheck(checked, sept_5_close, 5) == set()
    assert due_for_recheck(checked, sept_5_close, 0) == {"A", "B"}
    assert due_for_recheck(checked, datetime(2025, 9, 8, 20, 0, tzinfo=UTC), 5) == {"A"}
