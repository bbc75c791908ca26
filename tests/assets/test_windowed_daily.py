"""The daily path on a history longer than the analytics' window, through Dagster on a real results DB.

A day materialized alone values the book over [D − BOOK_HISTORY, D] only (the state before it in
closed form) and must store the rows that a short range ending on D, valued from the first entry,
stored for that day; and each run
loads each chunk's book once for its eight portfolio assets, and again in the next run.
"""

from datetime import date

from sqlalchemy import update

from benchmarks.scenarios.pipeline import RESULT_TABLES
from sigmasight_assets.pipeline import builder
from sigmasight_assets.pipeline.book import BOOK_HISTORY
from sigmasight_resources import calendar
from sigmasight_resources.cash_flows import record_cash_flows
from sigmasight_resources.db.models import InvestmentClass, Portfolio
from tests.support.rows import assert_same_rows

DAY = date(2025, 2, 14)
FIRST = calendar.previous_sessions(DAY, BOOK_HISTORY + 6)  # the first entry
RANGE_START = calendar.previous_sessions(DAY, 7)  # a range this short is still valued from the first entry
DAY_LEVEL = {"symbol_factor_exposures", "symbol_metrics", "symbol_risk_models", "factor_covariances"}
PORTFOLIO_TABLES = [t for t in RESULT_TABLES if t not in DAY_LEVEL]  # a day's universe is the range's held symbols
POSITIONS = [
    {"symbol": "AAPL", "quantity": 100, "entry_price": 185.0, "entry_date": FIRST},
    {
        "symbol": "XOM",
        "quantity": -80,
        "entry_price": 105.0,
        "entry_date": FIRST,
        "exit_date": date(2024, 6, 3),
        "exit_price": 112.0,
    },
    {"symbol": "MSFT", "quantity": 40, "entry_price": 400.0, "entry_date": date(2024, 2, 1)},
    {
        "symbol": "AAPL240621C00190000",
        "investment_class": InvestmentClass.OPTIONS,
        "quantity": 3,
        "entry_price": 9.0,
        "entry_date": FIRST,
        "underlying": "AAPL",
        "option_type": "C",
        "strike": 190.0,
        "expiry": date(2024, 6, 21),
    },
    {
        "symbol": "Private Credit Fund",
        "investment_class": InvestmentClass.PRIVATE,
        "quantity": 100,
        "entry_price": 100.0,
        "entry_date": FIRST,
        "marks": [(date(2024, 6, 28), 103.0)],
    },
]


def _day_rows(pipeline, day: date) -> dict[str, list]:
    return {t: pipeline.rows(t, f"WHERE date = '{day.isoformat()}'") for t in PORTFOLIO_TABLES}


def test_a_day_alone_on_a_long_history_stores_the_rows_of_a_run_from_the_first_entry(pipeline, monkeypatch):
    assert calendar.previous_sessions(DAY, BOOK_HISTORY + 1) > FIRST  # the day alone: over the window only
    assert calendar.previous_sessions(RANGE_START, BOOK_HISTORY + 1) <= FIRST  # the range: from the first entry
    pid = pipeline.add_portfolio("long history", [dict(p) for p in POSITIONS])
    with pipeline.db.transaction() as session:
        session.execute(update(Portfolio).where(Portfolio.id == pid).values(inception_equity=100_000.0))
    record_cash_flows(pipeline.db, pid, b"date,amount\n2024-03-15,25000\n2024-11-01,-5000\n", today=date(2025, 12, 1))
    assert all(o.success for o in pipeline.run(RANGE_START, DAY, [pid]))
    from_inception = _day_rows(pipeline, DAY)

    loads = []
    real = builder.load_book
    monkeypatch.setattr(builder, "load_book", lambda *args: loads.append(args[2:4]) or real(*args))
    assert all(o.success for o in pipeline.run(DAY, DAY, [pid]))
    assert loads == [(DAY, DAY)]  # one chunk, loaded once for the eight portfolio assets of the run
    alone = _day_rows(pipeline, DAY)
    for table in PORTFOLIO_TABLES:
        assert alone[table], table
        assert_same_rows(alone[table], from_inception[table], table)

    assert all(o.success for o in pipeline.run(DAY, DAY, [pid]))
    assert len(loads) == 2  # the next run loads it again: nothing cached outlives a run
