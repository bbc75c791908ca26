"""PolygonMarketData fetching 100 symbols × 2024 through seeded faults (20% of requests 429 with
Retry-After, 500 or stalled past the read timeout; 5% of symbols 404) returns exactly the data
of a fault-free fetch, with bounded retries and each 404 symbol asked once.

The scenario runs once per module (benchmarks/scenarios/polygon_faults.py; benchmarks/resilience.py
prints its figures). That `market_prices` turns a recorded unavailable symbol into the
`unavailable_symbol` flag downstream is tests/assets/test_pipeline.py
`test_unavailable_symbol_is_skipped_and_counted`; here the batch is recorded with the same query.
"""

from datetime import UTC, datetime
from itertools import pairwise

import pandas as pd
import pytest

from benchmarks.scenarios.fake_polygon import RandomFaults
from benchmarks.scenarios.polygon_faults import MAX_RETRIES, FaultRun, run_fault_scenario
from sigmasight_resources.db import queries
from sigmasight_resources.db.session import ResultsDB

pytestmark = pytest.mark.timeout(60)  # includes the module fixture's run (~15 s on 2 cores)


@pytest.fixture(scope="module")
def run() -> FaultRun:
    return run_fault_scenario(symbols=100, fault_rate=0.2, missing_share=0.05)


def test_faults_depend_only_on_the_seed_the_symbol_and_the_attempt():
    def fates(seed: int, order: list[str]) -> dict[str, list]:
        faults = RandomFaults(rate=0.2, seed=seed)
        drawn: dict[str, list] = {s: [] for s in order}
        for symbol in order * 50:
            drawn[symbol].append(faults.draw(symbol))
        return drawn

    assert fates(1, ["A", "B"]) == fates(1, ["B", "A"])  # arrival order does not matter
    assert fates(1, ["A", "B"]) != fates(2, ["A", "B"])
    share = sum(f is not None for f in fates(1, ["A", "B"])["A"]) / 50
    assert 0.05 < share < 0.4


def test_the_fetch_through_faults_returns_exactly_the_fault_free_data(run):
    pd.testing.assert_frame_equal(run.batch.closes, run.expected.closes)
    assert run.batch.unavailable == run.expected.unavailable
    # ...and the fault-free fetch is the data the server holds: 95 symbols × 252 sessions.
    pd.testing.assert_frame_equal(run.expected.closes, run.served.reset_index(drop=True))
    assert len(run.batch.closes) == 95 * 252


def test_every_fault_kind_was_injected_and_each_cost_exactly_one_retry(run):
    faults = run.faults()
    assert set(faults) == {"429", "500", "stall"} and all(n >= 5 for n in faults.values()), faults
    injected = sum(faults.values())
    assert 0.1 < injected / len(run.requests) < 0.3  # about the 20% asked for
    assert run.retries == injected
    assert len(run.requests) == run.requests_sent == len(run.symbols) + injected
    assert max(len(run.for_symbol(s)) for s in run.symbols) <= 1 + MAX_RETRIES


def test_429_waits_exactly_retry_after_and_other_faults_back_off(run):
    for symbol in run.symbols:
        seen = run.for_symbol(symbol)
        for this, following in pairwise(seen):  # the fake clock only moves when the client waits
            waited = following.clock - this.clock
            if this.fault == "429":
                assert waited == 2.0, (symbol, waited)
            else:
                assert 0.5 <= waited <= 2 ** (MAX_RETRIES - 1), (symbol, this.fault, waited)
    assert len(run.waits) == run.retries


def test_404_symbols_are_unavailable_and_asked_once_past_the_faults(run):
    assert len(run.missing) == 5
    for symbol in run.missing:
        assert "404" in run.batch.unavailable[symbol]
        faults = [r.fault for r in run.for_symbol(symbol)]
        assert faults[-1] is None and all(faults[:-1]), (symbol, faults)  # one answered request: the 404
    assert set(run.batch.unavailable) == set(run.missing)


def test_unavailable_symbols_are_recorded_as_market_prices_records_them(run, db_url):
    db = ResultsDB(db_url)
    try:
        with db.transaction() as session:
            queries.record_unavailable(session, run.batch.unavailable, datetime.now(UTC))
        with db.transaction() as session:
            recorded = queries.unavailable_symbols(session)
    finally:
        db.dispose()
    assert recorded == run.batch.unavailable
