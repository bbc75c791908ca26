"""A long history valued over the analytics' window only gives the same rows as valued from inception.

The book of a portfolio with three years of history (a short covered long before the window, an
expired option, an exit without an exit price on the session before the window, a position whose
symbol has no close for weeks before the window, a stale close on the last days, a private fund,
an inception equity, deposits and a withdrawal, and a portfolio funded without equity) is built
twice: from the first entry (`assemble_book`) and over [start − BOOK_HISTORY, end] with the state
before it in closed form (`book_between`). Every book-only portfolio asset gives the same rows.
"""

from dataclasses import fields
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from sigmasight_assets.analytics.correlation import rolling_correlation
from sigmasight_assets.analytics.parameters import CORRELATION_MIN_OBS, CORRELATION_WINDOW
from sigmasight_assets.analytics.returns import simple_returns
from sigmasight_assets.assets.correlations import correlations
from sigmasight_assets.assets.valuation import portfolio_snapshots, position_values
from sigmasight_assets.assets.volatility import portfolio_volatility
from sigmasight_assets.pipeline.book import BOOK_HISTORY, assemble_book, book_between
from sigmasight_assets.pipeline.scope import RunScope
from sigmasight_resources import calendar
from sigmasight_resources.vocabulary import InvestmentClass
from tests.support.books import positions_frame, random_closes

LAST = date(2025, 3, 31)
SYMBOLS = ["AAA", "BBB", "CCC", "DDD", "EEE", "FFF", "GGG", "HHH"]
FIRST_VALUED = calendar.previous_sessions(LAST, BOOK_HISTORY + 1)  # the windowed book's first valued day
BEFORE = calendar.previous_sessions(FIRST_VALUED, 1)


def option(portfolio: int, underlying: str, kind: str, strike: float, entry: date, expiry: date, **extra) -> dict:
    return {
        "portfolio_id": portfolio,
        "symbol": f"{underlying} {kind}{strike:g} {expiry}",
        "investment_class": InvestmentClass.OPTIONS.value,
        "quantity": 4.0,
        "entry_price": 6.0,
        "entry_date": entry,
        "underlying": underlying,
        "option_type": kind,
        "strike": strike,
        "expiry": expiry,
        **extra,
    }


def stock(portfolio: int, symbol: str, quantity: float, entry: date, **extra) -> dict:
    return {
        "portfolio_id": portfolio,
        "symbol": symbol,
        "quantity": quantity,
        "entry_price": 100.0,
        "entry_date": entry,
        **extra,
    }


SPECS = [
    stock(1, "AAA", 500, date(2022, 3, 1)),
    stock(1, "BBB", -300, date(2022, 6, 1), exit_date=date(2024, 2, 15), exit_price=95.0),  # short, covered before
    option(1, "AAA", "C", 110.0, date(2022, 4, 1), date(2023, 1, 20)),  # expired before the window
    option(1, "BBB", "P", 90.0, date(2024, 9, 3), date(2025, 6, 20)),  # entered inside the window
    option(1, "AAA", "P", 95.0, date(2023, 11, 1), date(2024, 12, 20)),  # open at the window start, expires in it
    stock(1, "CCC", 200, date(2022, 5, 2)),  # stale closes on the last days
    stock(1, "DDD", 150, date(2022, 8, 1), exit_date=date(2024, 6, 3)),  # exits inside the window, no exit price
    stock(1, "EEE", 120, date(2022, 2, 1), exit_date=BEFORE),  # exits on the session before the window
    stock(1, "FFF", 80, date(2023, 1, 3)),  # no close for weeks before the window: its P&L is from further back
    {
        "portfolio_id": 1,
        "symbol": "Private Fund",
        "investment_class": InvestmentClass.PRIVATE.value,
        "quantity": 10.0,
        "entry_price": 1000.0,
        "entry_date": date(2022, 1, 10),
    },
    stock(2, "GGG", 100, date(2022, 3, 1)),  # portfolio 2: no inception equity
    stock(2, "HHH", -60, date(2022, 7, 1), exit_date=date(2023, 5, 1), exit_price=104.0),
    option(2, "GGG", "C", 100.0, date(2022, 9, 1), date(2023, 3, 17)),
]
EQUITY = {1: 1_000_000.0}
FLOWS = pd.DataFrame(
    {
        "portfolio_id": [1, 1, 1, 2],
        "date": pd.to_datetime(
            [date(2023, 3, 15), FIRST_VALUED - timedelta(days=1), date(2024, 10, 15), date(2022, 12, 1)]
        ),
        "amount": [100_000.0, 5_000.0, -50_000.0, 20_000.0],
    }
)


@pytest.fixture(scope="module")
def closes() -> pd.DataFrame:
    frame = random_closes(SYMBOLS, seed=11, start=date(2019, 6, 3), end=LAST)
    sessions = frame.index
    last = len(sessions) - 1
    frame.iloc[last - 2 :, SYMBOLS.index("CCC")] = np.nan  # carried: stale on the last two days
    frame.iloc[last - 400 : last - 390, SYMBOLS.index("CCC")] = np.nan  # unpriced for a while, long ago
    first = sessions.get_loc(pd.Timestamp(FIRST_VALUED))
    frame.iloc[first - 30 : first + 3, SYMBOLS.index("FFF")] = np.nan  # no close across the window start
    frame.iloc[first - 2 : first + 1, SYMBOLS.index("EEE")] = np.nan  # exits unpriced the day before the window
    return frame


@pytest.fixture(scope="module")
def marks() -> pd.DataFrame:
    return pd.DataFrame(
        {"position_id": [10, 10], "mark_date": [date(2022, 9, 30), date(2024, 3, 29)], "price": [1040.0, 990.0]}
    )


def reader(closes: pd.DataFrame):
    def read(symbols, start: date, end: date) -> pd.DataFrame:
        return closes.loc[pd.Timestamp(start) : pd.Timestamp(end), sorted(set(symbols))]

    return read


def books(closes: pd.DataFrame, marks: pd.DataFrame, start: date):
    positions = positions_frame(SPECS)
    full = assemble_book(positions, marks, closes, {}, 0.04, EQUITY, FLOWS)
    windowed = book_between(positions, marks, reader(closes), {}, 0.04, EQUITY, FLOWS, start, LAST)
    assert len(windowed.valuation.open) < len(full.valuation.open) / 2  # the window applies
    return full, windowed


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as objects with None for missing (pandas infers str for a column holding a flag)."""
    frame = frame.reset_index(drop=True)
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]) and not pd.api.types.is_datetime64_any_dtype(frame[column]):
            values = frame[column].astype(object)
            frame[column] = values.where(values.notna(), None)
    return frame


def assert_frames(actual: pd.DataFrame, expected: pd.DataFrame, label: str) -> None:
    pd.testing.assert_frame_equal(
        _plain(actual),
        _plain(expected),
        check_exact=False,
        check_dtype=False,
        rtol=1e-10,
        atol=1e-9,
        obj=label,
    )


def factor_correlation(closes: pd.DataFrame):
    return rolling_correlation(simple_returns(closes[["AAA", "GGG"]]), CORRELATION_WINDOW, CORRELATION_MIN_OBS)


@pytest.mark.parametrize("start", [LAST, calendar.previous_sessions(LAST, 9)], ids=["last day", "ten days"])
def test_window_gives_the_rows_of_a_valuation_from_inception(closes, marks, start):
    full, windowed = books(closes, marks, start)
    scope = RunScope(calendar.sessions(start, LAST), [1, 2])
    for f in fields(full.valuation):
        assert_frames(
            scope.window(getattr(windowed.valuation, f.name)), scope.window(getattr(full.valuation, f.name)), f.name
        )
    assert_frames(scope.window(windowed.snapshots), scope.window(full.snapshots), "snapshots")
    assert_frames(scope.window(windowed.weights()), scope.window(full.weights()), "weights")
    assert_frames(scope.window(windowed.position_flags()), scope.window(full.position_flags()), "flags")
    history = pd.DataFrame({"days": full.history_days()})
    assert_frames(scope.window(pd.DataFrame({"days": windowed.history_days()})), scope.window(history), "history")
    computes = {
        "position_values": lambda book: position_values(book, scope),
        "portfolio_snapshots": lambda book: portfolio_snapshots(book, scope),
        "portfolio_volatility": lambda book: portfolio_volatility(book, scope),
        "correlations": lambda book: correlations(book, scope, factor_correlation(closes)),
    }
    for name, compute in computes.items():
        expected, actual = compute(full), compute(windowed)
        for table, frame in expected.tables.items():
            assert len(scope.keep(frame)), (name, table)
            assert_frames(scope.keep(actual.tables[table]), scope.keep(frame), f"{name} {table.__tablename__}")
        assert_frames(scope.keep(actual.quality), scope.keep(expected.quality), f"{name} data_quality")


def test_the_window_holds_what_it_is_for(closes, marks):
    """The cases the closed form carries are present: cash moved by trades and flows before the window,
    a cumulative P&L carried across missing closes, a stale close, and portfolio 2 funded by contributions."""
    full, windowed = books(closes, marks, LAST)
    last = windowed.snapshots.xs(pd.Timestamp(LAST), level="date")
    assert last.loc[1, "cash"] != pytest.approx(EQUITY[1])
    first_day = windowed.valuation.open.index[0]
    fff = windowed.valuation.price[9].loc[first_day]
    assert np.isnan(fff) and windowed.valuation.cumulative_pnl[9].loc[first_day] != 0.0
    assert windowed.stale[6].loc[pd.Timestamp(LAST)]
    assert not windowed.valuation.open[3].any() and windowed.valuation.cumulative_pnl[3].iloc[-1] != 0.0
    assert full.snapshots.xs(pd.Timestamp(LAST), level="date").loc[2, "cash"] != 0.0  # the short's collateral


def test_a_private_only_history_gives_the_same_rows(closes):
    """A block of pre-window positions without a price symbol reads no closes and still carries its state;
    flows as the DB hands back none (object columns) keep the cash numeric."""
    fund = {"portfolio_id": 5, "symbol": "Fund", "investment_class": InvestmentClass.PRIVATE.value}
    positions = positions_frame([{**fund, "quantity": 2.0, "entry_price": 500.0, "entry_date": date(2022, 1, 10)}])
    marks = pd.DataFrame({"position_id": [1], "mark_date": [date(2023, 1, 3)], "price": [510.0]})
    no_flows = pd.DataFrame(columns=["portfolio_id", "date", "amount"])  # as the DB hands back none: object columns
    full = assemble_book(positions, marks, closes, {}, 0.04, {5: 2000.0}, no_flows)
    windowed = book_between(positions, marks, reader(closes), {}, 0.04, {5: 2000.0}, no_flows, LAST, LAST)
    scope = RunScope([LAST], [5])
    for compute in (position_values, portfolio_snapshots, portfolio_volatility):
        expected, actual = compute(full, scope), compute(windowed, scope)
        for table, frame in expected.tables.items():
            assert_frames(scope.keep(actual.tables[table]), scope.keep(frame), table.__tablename__)
        assert_frames(scope.keep(actual.quality), scope.keep(expected.quality), "data_quality")
