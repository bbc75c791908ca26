"""The asset graph end to end on a real results DB: identity, idempotence, atomicity, degradation, checks."""

import copy
from datetime import date

import pytest

from benchmarks.scenarios.pipeline import RESULT_TABLES, STOCKS
from sigmasight_assets.assets import factors
from sigmasight_assets.pipeline import writer as portfolio_io
from sigmasight_resources.db.models import InvestmentClass
from tests.support.rows import assert_same_rows

START, END = date(2025, 9, 2), date(2025, 9, 30)
PROBES = (date(2025, 9, 2), date(2025, 9, 16), date(2025, 9, 30))


def _snapshot(pipeline, day: date) -> dict[str, list]:
    return {t: pipeline.rows(t, f"WHERE date = '{day.isoformat()}'") for t in RESULT_TABLES}


def test_range_and_single_day_give_identical_rows(pipeline):
    pid = pipeline.add_portfolio("mixed", copy.deepcopy(STOCKS))
    outcomes = pipeline.run(START, END, [pid])
    assert all(o.success for o in outcomes), [o.failures for o in outcomes]
    in_range = {day: _snapshot(pipeline, day) for day in PROBES}
    for day in PROBES:
        assert all(o.success for o in pipeline.run(day, day, [pid]))
        alone = _snapshot(pipeline, day)
        for table in RESULT_TABLES:
            assert_same_rows(alone[table], in_range[day][table], (table, day))
            assert alone[table], f"{table} has no rows for {day}"


def test_rematerializing_gives_identical_rows_and_no_duplicates(pipeline):
    pid = pipeline.add_portfolio("mixed", copy.deepcopy(STOCKS))
    pipeline.run(START, END, [pid])
    first = {t: pipeline.rows(t) for t in RESULT_TABLES}
    pipeline.run(START, END, [pid])
    second = {t: pipeline.rows(t) for t in RESULT_TABLES}
    for table in RESULT_TABLES:
        assert_same_rows(second[table], first[table], table)
    assert len(pipeline.rows("portfolio_snapshots")) == 21  # trading days in September 2025
    assert len(pipeline.rows("factor_exposures")) == 21 * 12


def test_failure_mid_write_leaves_previous_rows(pipeline, monkeypatch):
    pid = pipeline.add_portfolio("mixed", copy.deepcopy(STOCKS))
    pipeline.run(START, END, [pid])
    before = {t: pipeline.rows(t) for t in ("factor_exposures", "position_factor_exposures", "data_quality")}
    real = portfolio_io.insert_frame
    calls = {"n": 0}

    def fail_on_second_table(session, table, frame, run_id, computed_at):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("injected failure after the first table was rewritten")
        return real(session, table, frame, run_id, computed_at)

    monkeypatch.setattr(portfolio_io, "insert_frame", fail_on_second_table)
    outcome = pipeline.run(START, END, [pid])[1]
    assert not outcome.success
    assert any(asset == "position_values" for asset, _ in outcome.failures)
    monkeypatch.undo()
    after = {t: pipeline.rows(t) for t in before}
    assert after == before  # the failed run's transaction rolled back: not even the last bits changed


def test_private_only_portfolio_gets_a_row_in_every_asset(pipeline):
    pid = pipeline.add_portfolio(
        "private",
        [
            {
                "symbol": "Family Office Real Estate",
                "investment_class": InvestmentClass.PRIVATE,
                "quantity": 1,
                "entry_price": 2_500_000.0,
                "entry_date": date(2025, 1, 2),
                "marks": [(date(2025, 9, 10), 2_600_000.0)],
            },
        ],
    )
    outcomes = pipeline.run(START, END, [pid])
    assert all(o.success for o in outcomes), [o.failures for o in outcomes]
    for table in ("portfolio_snapshots", "portfolio_betas", "portfolio_volatility", "correlations"):
        assert len(pipeline.rows(table)) == 21, table
    assert len(pipeline.rows("factor_exposures")) == 21 * 12
    assert len(pipeline.rows("stress_tests")) == 21 * (18 + 3)  # 18 factor shocks and 3 historical replays
    flags = {row["flag"] for row in pipeline.rows("data_quality")}
    assert flags == {"no_public_positions"}
    nav = {row["date"]: row["nav"] for row in pipeline.rows("portfolio_snapshots")}
    assert nav["2025-09-09"] == pytest.approx(2_500_000.0)
    assert nav["2025-09-10"] == pytest.approx(2_600_000.0)


def test_unavailable_symbol_is_skipped_and_counted(pipeline):
    pid = pipeline.add_portfolio(
        "with-delisted",
        [
            *copy.deepcopy(STOCKS[:2]),
            {"symbol": "DELISTEDX", "quantity": 10, "entry_price": 5.0, "entry_date": date(2025, 3, 3)},
        ],
    )
    other = pipeline.add_portfolio("clean", copy.deepcopy(STOCKS[:2]))
    outcomes = pipeline.run(START, END, [pid, other])
    assert all(o.success for o in outcomes), [o.failures for o in outcomes]
    assert [r["symbol"] for r in pipeline.rows("unavailable_symbols")] == ["DELISTEDX"]
    quality = pipeline.rows("data_quality", f"WHERE portfolio_id = {pid} AND asset = 'factor_exposures'")
    assert {row["flag"] for row in quality} == {"partial_coverage"}
    assert all("unavailable_symbol" in row["positions_skipped"] for row in quality)
    clean = pipeline.rows("data_quality", f"WHERE portfolio_id = {other} AND asset = 'factor_exposures'")
    assert {row["flag"] for row in clean} == {"full_history"}


def test_blocking_factor_check_stops_stress_tests(pipeline, monkeypatch):
    pid = pipeline.add_portfolio("mixed", copy.deepcopy(STOCKS))
    mismatched = dict(factors.FACTOR_COLUMNS)
    mismatched["QualitySpread"] = mismatched.pop("Quality_Spread")  # the historical dict-key mismatch
    monkeypatch.setattr(factors, "FACTOR_COLUMNS", mismatched)
    outcomes = pipeline.run(START, END, [pid])
    portfolio_run = outcomes[1]
    assert "factor_exposures_have_all_factors" in portfolio_run.assets["factor_exposures"].checks_failed
    assert portfolio_run.assets["stress_tests"].partitions == 0
    assert pipeline.rows("stress_tests") == []


def test_option_without_underlying_price_is_flagged_not_fatal(pipeline):
    pid = pipeline.add_portfolio(
        "orphan-option",
        [
            *copy.deepcopy(STOCKS[:1]),
            {
                "symbol": "DELISTEDY260116C00010000",
                "investment_class": InvestmentClass.OPTIONS,
                "quantity": 3,
                "entry_price": 1.5,
                "entry_date": date(2025, 3, 3),
                "underlying": "DELISTEDY",
                "option_type": "C",
                "strike": 10.0,
                "expiry": date(2026, 1, 16),
            },
        ],
    )
    outcomes = pipeline.run(START, END, [pid])
    assert all(o.success for o in outcomes), [o.failures for o in outcomes]
    option_rows = pipeline.rows("position_values", "WHERE symbol = 'DELISTEDY260116C00010000'")
    assert len(option_rows) == 21 and all(row["market_value"] is None for row in option_rows)
    assert {row["flag"] for row in option_rows} == {"unavailable_symbol"}
    quality = pipeline.rows("data_quality", "WHERE asset = 'position_values'")
    assert {row["flag"] for row in quality} == {"partial_coverage"}


def test_short_return_history_is_flagged(pipeline):
    pid = pipeline.add_portfolio(
        "new",
        [
            {"symbol": "AAPL", "quantity": 100, "entry_price": 200.0, "entry_date": date(2025, 8, 18)},
            {"symbol": "MSFT", "quantity": 40, "entry_price": 500.0, "entry_date": date(2025, 8, 18)},
        ],
    )
    outcomes = pipeline.run(START, END, [pid])
    assert all(o.success for o in outcomes), [o.failures for o in outcomes]
    vol = {row["date"]: row["flag"] for row in pipeline.rows("data_quality", "WHERE asset = 'portfolio_volatility'")}
    assert vol["2025-09-02"] == "insufficient_history"
    assert vol["2025-09-30"] == "limited_history"  # 30 returns: 21-day vol computed, 252-day not
    realized = {
        row["date"]: (row["realized_21d"], row["realized_252d"]) for row in pipeline.rows("portfolio_volatility")
    }
    assert realized["2025-09-02"] == (None, None)
    assert realized["2025-09-30"][0] > 0 and realized["2025-09-30"][1] is None
    betas = {row["flag"] for row in pipeline.rows("data_quality", "WHERE asset = 'position_betas'")}
    assert betas == {"full_history"}  # symbol betas use the price lookback, so they exist from day one
