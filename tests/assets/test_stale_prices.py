"""A close missing from the results DB inside a range: carried 5 sessions (stale), then the position is unpriced."""

import copy
import json
from datetime import date

import pytest
from sqlalchemy import text

from benchmarks.scenarios.pipeline import STOCKS
from sigmasight_assets.assets import PORTFOLIO_ASSETS
from sigmasight_assets.assets.valuation import PRICED_CHECK
from sigmasight_assets.pipeline.tags import portfolio_range_tags
from sigmasight_assets.runs.in_process import PlannedRun, execute
from sigmasight_resources import calendar

START, END = date(2025, 9, 2), date(2025, 9, 19)
MISSING = calendar.sessions(date(2025, 9, 8), date(2025, 9, 16))  # 7 sessions without an MSFT close


def test_a_missing_close_is_carried_then_counted_unpriced(pipeline):
    pid = pipeline.add_portfolio("gappy", copy.deepcopy(STOCKS[:2]))
    assert all(o.success for o in pipeline.run(START, END, [pid]))
    last_close = pipeline.rows("market_prices", "WHERE symbol = 'MSFT' AND date = '2025-09-05'")[0]["close"]
    with pipeline.db.engine.begin() as conn:
        conn.execute(
            text("DELETE FROM market_prices WHERE symbol = 'MSFT' AND date BETWEEN :a AND :b"),
            {"a": MISSING[0], "b": MISSING[-1]},
        )
    run = PlannedRun("portfolio level", PORTFOLIO_ASSETS, portfolio_range_tags(START, END, [pid]))
    outcome = execute(pipeline.defs, pipeline.instance, run)
    assert outcome.success, outcome.failures
    assert PRICED_CHECK in outcome.assets["position_values"].checks_failed

    values = {r["date"]: r for r in pipeline.rows("position_values", "WHERE symbol = 'MSFT'")}
    quality = {r["date"]: r for r in pipeline.rows("data_quality", "WHERE asset = 'position_values'")}
    snapshots = {r["date"]: r for r in pipeline.rows("portfolio_snapshots")}
    aapl = {r["date"]: r for r in pipeline.rows("position_values", "WHERE symbol = 'AAPL'")}
    for day in (d.isoformat() for d in MISSING[:5]):
        assert values[day]["flag"] == "stale_price" and values[day]["price"] == pytest.approx(last_close)
        assert values[day]["market_value"] == pytest.approx(50 * last_close)
        assert quality[day]["positions_stale"] == 1 and json.loads(quality[day]["positions_skipped"]) == {}
    for day in (d.isoformat() for d in MISSING[5:]):
        assert values[day]["flag"] == "unpriced" and values[day]["market_value"] is None
        assert json.loads(quality[day]["positions_skipped"]) == {"unpriced": 1}
        assert quality[day]["flag"] == "partial_coverage"
        assert snapshots[day]["nav"] == pytest.approx(aapl[day]["market_value"])  # left NAV: no silent zero
    after = calendar.sessions(date(2025, 9, 17), END)[0].isoformat()
    assert values[after]["flag"] is None and quality[after]["positions_stale"] == 0
