"""The cash account, NAV, P&L and return of a book with capital, against a per-position loop by hand."""

from datetime import date

import pandas as pd
import pytest

from sigmasight_assets.assets.valuation import portfolio_snapshots
from sigmasight_resources.db.results import PortfolioSnapshot
from tests.support.books import random_closes, scope_of, synthetic_book

SYMBOLS = ["AAA", "BBB", "CCC"]
EQUITY = 50_000.0
DEPOSIT = (date(2025, 3, 7), 10_000.0)
SPECS = [  # portfolio 1 has an inception equity: a long, a short that is covered, and a late entry
    {"portfolio_id": 1, "symbol": "AAA", "quantity": 200, "entry_price": 99.0, "entry_date": date(2025, 3, 3)},
    {
        "portfolio_id": 1,
        "symbol": "BBB",
        "quantity": -150,
        "entry_price": 101.0,
        "entry_date": date(2025, 3, 3),
        "exit_date": date(2025, 3, 11),
        "exit_price": 97.5,
    },
    {"portfolio_id": 1, "symbol": "CCC", "quantity": 80, "entry_price": 102.0, "entry_date": date(2025, 3, 6)},
    # portfolio 2: long-only without equity, with an exit
    {"portfolio_id": 2, "symbol": "AAA", "quantity": 10, "entry_price": 98.0, "entry_date": date(2025, 3, 3)},
    {
        "portfolio_id": 2,
        "symbol": "CCC",
        "quantity": 30,
        "entry_price": 100.0,
        "entry_date": date(2025, 3, 3),
        "exit_date": date(2025, 3, 10),
        "exit_price": 104.0,
    },
]
START, END = date(2025, 3, 3), date(2025, 3, 14)


@pytest.fixture(scope="module")
def closes():
    return random_closes(SYMBOLS, seed=5)


@pytest.fixture(scope="module")
def table(closes):
    flows = pd.DataFrame({"portfolio_id": [1], "date": [pd.Timestamp(DEPOSIT[0])], "amount": [DEPOSIT[1]]})
    book = synthetic_book(SPECS, closes, equity={1: EQUITY}, flows=flows)
    computed = portfolio_snapshots(book, scope_of(book, START, END))
    return computed.tables[PortfolioSnapshot].set_index(["date", "portfolio_id"])


def by_hand(closes: pd.DataFrame, portfolio: int, equity: float, flows: dict[date, float]) -> pd.DataFrame:
    """cash, NAV, P&L and return per day from each position's trades, one day and one position at a time."""
    days = [d.date() for d in closes.loc[pd.Timestamp(START) : pd.Timestamp(END)].index]
    rows, nav_before, funded = [], equity if equity else None, not equity
    cash = equity
    for i, day in enumerate(days):
        flow = flows.get(day, 0.0)
        value = pnl = 0.0
        for spec in (s for s in SPECS if s["portfolio_id"] == portfolio):
            q, entry, last = spec["quantity"], spec["entry_date"], spec.get("exit_date")
            cost = q * spec["entry_price"]
            if day == entry:
                cash -= cost
                if funded:
                    flow += abs(cost)
            if last is not None and i > 0 and days[i - 1] == last:  # proceeds after the exit day's close
                proceeds = q * spec["exit_price"]
                cash += proceeds
                if funded:
                    flow -= abs(cost) - cost + proceeds
            if entry <= day and (last is None or day <= last):
                price = spec["exit_price"] if day == last else closes.at[pd.Timestamp(day), spec["symbol"]]
                before = spec["entry_price"] if day == entry else closes.at[pd.Timestamp(days[i - 1]), spec["symbol"]]
                value += q * price
                pnl += q * (price - before)
        cash += flow
        nav = cash + value
        rows.append(
            {
                "date": pd.Timestamp(day),
                "cash": cash,
                "nav": nav,
                "daily_pnl": pnl,
                "external_flow": flow,
                "daily_return": pnl / nav_before if nav_before else float("nan"),
            }
        )
        nav_before = nav
    return pd.DataFrame(rows).set_index("date")


def test_book_with_equity_shorts_exits_and_a_deposit_matches_the_hand_computation(table, closes):
    expected = by_hand(closes, 1, EQUITY, {DEPOSIT[0]: DEPOSIT[1]})
    got = table.xs(1, level="portfolio_id")
    for column in ("cash", "nav", "daily_pnl", "daily_return", "external_flow"):
        assert got[column].to_numpy() == pytest.approx(expected[column].to_numpy(), rel=1e-12), column
    assert got.at[pd.Timestamp("2025-03-03"), "cash"] == pytest.approx(EQUITY - 200 * 99.0 + 150 * 101.0)
    assert got.at[pd.Timestamp("2025-03-12"), "cash"] == pytest.approx(
        EQUITY + DEPOSIT[1] - 200 * 99.0 + 150 * 101.0 - 80 * 102.0 - 150 * 97.5
    )


def test_the_deposit_day_return_excludes_the_deposit(table):
    day = pd.Timestamp(DEPOSIT[0])
    previous = table.xs(1, level="portfolio_id")["nav"].shift(1).at[day]
    row = table.loc[(day, 1)]
    assert row["external_flow"] == DEPOSIT[1]
    assert row["daily_return"] == pytest.approx(row["daily_pnl"] / previous)
    assert row["daily_pnl"] == pytest.approx(row["nav"] - previous - DEPOSIT[1])


def test_leverage_is_exposure_over_nav(table):
    for (_, _), row in table.iterrows():
        assert row["gross_leverage"] == pytest.approx(row["gross_exposure"] / row["nav"])
        assert row["net_leverage"] == pytest.approx(row["net_exposure"] / row["nav"])


def test_a_long_only_book_without_equity_keeps_nav_equal_to_its_market_value(table, closes):
    expected = by_hand(closes, 2, 0.0, {})
    got = table.xs(2, level="portfolio_id")
    assert (got["cash"] == 0.0).all()
    assert got["nav"].to_numpy() == pytest.approx(expected["nav"].to_numpy(), rel=1e-12)
    assert got["daily_pnl"].to_numpy() == pytest.approx(expected["daily_pnl"].to_numpy(), rel=1e-12)
