"""Corrections (SQLite and PostgreSQL), from the local fake Polygon through the close sensor: a corrected close and
a split each replace the stored closes, are recorded, and re-materialize exactly the affected days for the
portfolios holding the symbol, tagged with the reason; the other portfolios keep every row."""

from datetime import date

import pytest
from sqlalchemy import select

from benchmarks.scenarios.corrections import (
    CORRECTED,
    CORRECTION_DAY,
    FIRST,
    ONBOARDED,
    SPLIT_DAY,
    Requested,
    corrections_scenario,
    sensor_tick,
)
from benchmarks.scenarios.fake_polygon import bar_day
from sigmasight_assets.automation.alerts import summarize_run
from sigmasight_assets.automation.corrections import REASON_TAG
from sigmasight_assets.pipeline.tags import DAY_LEVEL, LEVEL_TAG, run_dates
from sigmasight_resources.db.models import MarketPrice, PriceCorrection


@pytest.fixture
def scenario(db_url, tmp_path):
    (tmp_path / "dagster").mkdir()
    with corrections_scenario(db_url, tmp_path / "dagster") as scenario:
        yield scenario


def rows_until(scenario, portfolio: int, last: date, table: str = "position_values") -> list[dict]:
    return scenario.pipeline.rows(table, f"WHERE portfolio_id = {portfolio} AND date <= '{last.isoformat()}'")


def stored_close(scenario, symbol: str, day: date) -> float:
    with scenario.pipeline.db.transaction() as session:
        return session.scalar(select(MarketPrice.close).where(MarketPrice.symbol == symbol, MarketPrice.date == day))


def records(scenario) -> list[tuple]:
    with scenario.pipeline.db.transaction() as session:
        rows = session.scalars(select(PriceCorrection).order_by(PriceCorrection.id))
        return [(r.symbol, r.reason, r.first_date, r.last_date, r.handled, r.portfolio_ids) for r in rows]


def test_a_corrected_close_rematerializes_its_days_for_the_holders_only(scenario):
    aapl, msft, xom = (scenario.portfolios[n] for n in ("aapl", "msft", "xom"))
    assert sensor_tick(scenario.pipeline).run_requests == []  # onboarded and current
    before = {p: rows_until(scenario, p, ONBOARDED) for p in (aapl, msft, xom)}
    served = stored_close(scenario, "AAPL", CORRECTED)

    step = scenario.correction()

    assert stored_close(scenario, "AAPL", CORRECTED) == pytest.approx(served * 1.03)  # replaced
    assert records(scenario) == [("AAPL", "correction", CORRECTED, CORRECTION_DAY, True, [aapl])]
    reason = "correction:AAPL"
    every = tuple(str(p) for p in (aapl, msft, xom))
    assert step.ticks == [
        [  # the correction's day-level run, and the daily close of the new day for everyone
            Requested("day", CORRECTED.isoformat(), CORRECTION_DAY.isoformat(), None, reason),
            Requested("portfolio", CORRECTION_DAY.isoformat(), CORRECTION_DAY.isoformat(), every, None),
        ],
        [Requested("portfolio", CORRECTED.isoformat(), CORRECTION_DAY.isoformat(), (str(aapl),), reason)],
    ]
    # the other portfolios keep every row; AAPL's holder keeps the days before the corrected close
    assert rows_until(scenario, msft, ONBOARDED) == before[msft]
    assert rows_until(scenario, xom, ONBOARDED) == before[xom]
    kept = date(2025, 3, 10)
    assert rows_until(scenario, aapl, kept) == [r for r in before[aapl] if r["date"] <= kept.isoformat()]
    [value] = scenario.pipeline.rows("position_values", f"WHERE portfolio_id = {aapl} AND date = '2025-03-11'")
    assert value["price"] == pytest.approx(served * 1.03)
    assert sensor_tick(scenario.pipeline).run_requests == []
    # the daily run's summary names its vendor cost and the rate limit
    instance = scenario.pipeline.instance
    [daily] = [
        r
        for r in instance.get_runs()
        if r.tags.get(LEVEL_TAG) == DAY_LEVEL and REASON_TAG not in r.tags and run_dates(r.tags)[0] == "2025-03-13"
    ]
    summary = summarize_run(instance, daily, scenario.pipeline.defs.resources["db"]).text()
    assert "market data vendor: " in summary and "requests, rate limit 1000000/min" in summary
    # re-running the daily run changes nothing: no new record, no new request
    scenario.daily(CORRECTION_DAY)
    assert len(records(scenario)) == 1 and sensor_tick(scenario.pipeline).run_requests == []


def test_a_split_replaces_the_history_and_rematerializes_the_holder_from_its_first_day(scenario):
    aapl, msft, xom = (scenario.portfolios[n] for n in ("aapl", "msft", "xom"))
    scenario.correction()
    before = {p: rows_until(scenario, p, CORRECTION_DAY) for p in (aapl, msft, xom)}
    unadjusted = stored_close(scenario, "MSFT", FIRST)

    step = scenario.split()

    assert stored_close(scenario, "MSFT", FIRST) == pytest.approx(unadjusted / 2)
    [split] = [r for r in records(scenario) if r[1] == "split"]
    first_stored = split[2]
    assert split == ("MSFT", "split", first_stored, SPLIT_DAY, True, [msft]) and first_stored < FIRST
    with scenario.pipeline.db.transaction() as session:  # the whole stored history is the vendor's adjusted one
        stored = dict(
            session.execute(select(MarketPrice.date, MarketPrice.close).where(MarketPrice.symbol == "MSFT")).all()
        )
    served = {date.fromisoformat(bar_day(b)): b["c"] for b in scenario.server.bars["MSFT"]}
    assert len(stored) > 500 and min(stored) == first_stored
    assert all(close == pytest.approx(served[day], rel=1e-12) for day, close in stored.items())
    reason = "split:MSFT"
    every = tuple(str(p) for p in (aapl, msft, xom))
    assert step.ticks == [
        [
            Requested("day", FIRST.isoformat(), SPLIT_DAY.isoformat(), None, reason),
            Requested("portfolio", SPLIT_DAY.isoformat(), SPLIT_DAY.isoformat(), every, None),
        ],
        [Requested("portfolio", FIRST.isoformat(), SPLIT_DAY.isoformat(), (str(msft),), reason)],
    ]
    assert rows_until(scenario, aapl, CORRECTION_DAY) == before[aapl]
    assert rows_until(scenario, xom, CORRECTION_DAY) == before[xom]
    values = scenario.pipeline.rows("position_values", f"WHERE portfolio_id = {msft}")
    assert {r["date"] for r in values} == {d["date"] for d in before[msft]} | {SPLIT_DAY.isoformat()}
    first_value = next(r for r in values if r["date"] == FIRST.isoformat())
    assert first_value["price"] == pytest.approx(unadjusted / 2)
    assert sensor_tick(scenario.pipeline).run_requests == []
