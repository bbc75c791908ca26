"""Capital end to end: an inception equity and a recorded deposit reach the stored snapshots and the report."""

import copy
from datetime import date

import pytest
from sqlalchemy import update

from benchmarks.scenarios.pipeline import STOCKS
from sigmasight_resources.cash_flows import record_cash_flows
from sigmasight_resources.db.models import Portfolio
from sigmasight_resources.db.report import build_report

START, END = date(2025, 9, 2), date(2025, 9, 12)
EQUITY = 250_000.0


def test_equity_and_a_deposit_are_in_cash_nav_leverage_and_the_report(pipeline):
    pid = pipeline.add_portfolio("capital", copy.deepcopy(STOCKS[:3]))  # AAPL, MSFT long; XOM short
    with pipeline.db.transaction() as session:
        session.execute(update(Portfolio).where(Portfolio.id == pid).values(inception_equity=EQUITY))
    record_cash_flows(pipeline.db, pid, b"date,amount\n2025-09-08,20000\n", today=date(2025, 12, 1))
    assert all(o.success for o in pipeline.run(START, END, [pid]))

    snapshots = {r["date"]: r for r in pipeline.rows("portfolio_snapshots")}
    values = pipeline.rows("position_values", "WHERE date = '2025-09-05'")
    cost = 100 * 180.0 + 50 * 400.0 - 80 * 110.0  # entries in March and April, none exited
    first = snapshots["2025-09-05"]
    assert first["cash"] == pytest.approx(EQUITY - cost)
    assert first["nav"] == pytest.approx(EQUITY - cost + sum(v["market_value"] for v in values))
    assert first["gross_leverage"] == pytest.approx(first["gross_exposure"] / first["nav"])
    deposit = snapshots["2025-09-08"]
    assert deposit["external_flow"] == 20_000.0 and deposit["cash"] == pytest.approx(first["cash"] + 20_000.0)
    assert deposit["daily_return"] == pytest.approx(deposit["daily_pnl"] / first["nav"])
    weights = pipeline.rows("position_values", "WHERE date = '2025-09-08'")
    assert all(w["weight"] == pytest.approx(w["exposure"] / deposit["nav"]) for w in weights)

    with pipeline.db.transaction() as session:
        report = build_report(session, pid)
    assert report["snapshot"]["cash"] == pytest.approx(snapshots[END.isoformat()]["cash"])
    assert report["snapshot"]["gross_leverage"] == pytest.approx(snapshots[END.isoformat()]["gross_leverage"])
