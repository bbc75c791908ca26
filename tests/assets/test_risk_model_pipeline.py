"""The risk model through the pipeline on real closes: an SPY-only book, a Market-only shock on a diversified book."""

import json
from datetime import date

import pytest

START, END = date(2025, 9, 2), date(2025, 9, 12)
ENTRY = date(2025, 3, 3)
STOCKS = {
    "AAPL": 40,
    "MSFT": 25,
    "JPM": 40,
    "XOM": 90,
    "JNJ": 60,
    "KO": 140,
    "PG": 60,
    "NVDA": 90,
    "WMT": 100,
    "HD": 25,
}


def test_a_book_holding_only_spy_has_market_exposure_one_and_no_tracking_error(real_pipeline):
    pipeline = real_pipeline
    pid = pipeline.add_portfolio(
        "spy only",
        [
            {"symbol": "SPY", "quantity": 100, "entry_price": 573.94, "entry_date": ENTRY},
        ],
    )
    assert all(o.success for o in pipeline.run(START, END, [pid]))
    rows = pipeline.rows("portfolio_risk")
    assert len(rows) == 9
    for row in rows:
        market = json.loads(row["factor_contributions"])["Market"]
        assert market["exposure"] == pytest.approx(1.0, abs=0.02)
        assert row["benchmark"] == "SPY" and row["tracking_error"] < 0.005
        assert row["ex_ante_vol"] == pytest.approx(row["factor_vol"], rel=1e-6)  # SPY is its own factor
        contributions = json.loads(row["position_contributions"])
        assert sum(c["contribution"] for c in contributions) == pytest.approx(row["ex_ante_vol"], abs=1e-10)


def test_a_market_only_shock_on_a_diversified_book_moves_it_by_about_its_beta(real_pipeline):
    pipeline = real_pipeline
    pid = pipeline.add_portfolio(
        "diversified",
        [{"symbol": s, "quantity": q, "entry_price": 100.0, "entry_date": ENTRY} for s, q in STOCKS.items()],
    )
    assert all(o.success for o in pipeline.run(START, END, [pid]))
    snapshots = {r["date"]: r for r in pipeline.rows("portfolio_snapshots")}
    betas = {r["date"]: r for r in pipeline.rows("portfolio_betas")}
    stress = [r for r in pipeline.rows("stress_tests") if r["scenario_id"] == "market_down_10"]
    assert len(stress) == 9
    for row in stress:
        direct = betas[row["date"]]["market_beta"] * -0.10 * snapshots[row["date"]]["nav"]
        assert row["direct_pnl"] == pytest.approx(direct, rel=1e-9)
        assert row["correlated_pnl"] == pytest.approx(direct, rel=0.15)
    risk = pipeline.rows("portfolio_risk")
    for row in risk:
        total = sum(c["contribution"] for c in json.loads(row["position_contributions"]))
        assert total == pytest.approx(row["ex_ante_vol"], abs=1e-10)
        assert row["factor_vol"] ** 2 + row["specific_vol"] ** 2 == pytest.approx(row["ex_ante_vol"] ** 2, rel=1e-9)
