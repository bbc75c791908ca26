"""The daily path's book and book-only analytics, valued from inception vs over the analytics' window.

In memory, no database or Dagster: N portfolios of M positions (about 10% options expiring 120–540
days after entry, 10% shorts, entries spread over the history) on random-walk closes over D days.
For the last day it times, alternately and `--repeats` times, (a) the book valued from the first
entry (`assemble_book`, the path before the window) and (b) the book over [day − BOOK_HISTORY, day]
with the state before it in closed form (`book_between`), each followed by the four assets that
read only the book (position values, snapshots, volatility, correlations). Prints the median CPU
seconds per history length (the process's own, so other jobs on a shared machine count little).

    .venv/bin/python benchmarks/book_window.py --portfolios 25 --histories 252,756,1512
"""

import argparse
import os
import statistics
import time
from datetime import date, timedelta

import numpy as np
import pandas as pd

from sigmasight_assets.analytics.correlation import rolling_correlation
from sigmasight_assets.analytics.returns import simple_returns
from sigmasight_assets.assets.correlations import correlations
from sigmasight_assets.assets.valuation import portfolio_snapshots, position_values
from sigmasight_assets.assets.volatility import portfolio_volatility
from sigmasight_assets.pipeline.book import assemble_book, book_between
from sigmasight_assets.pipeline.scope import RunScope
from sigmasight_resources import calendar
from sigmasight_resources.db.queries import POSITION_FIELDS
from sigmasight_resources.vocabulary import InvestmentClass

END = date(2025, 10, 31)
LOOKBACK_DAYS = 505


def closes_frame(symbols: list[str], days: pd.DatetimeIndex, rng: np.random.Generator) -> pd.DataFrame:
    returns = rng.normal(0.0003, 0.015, (len(days), len(symbols)))
    return pd.DataFrame(100.0 * np.cumprod(1.0 + returns, axis=0), index=days, columns=symbols)


def positions_frame(portfolios: int, per: int, symbols: list[str], held: pd.DatetimeIndex, closes, rng) -> pd.DataFrame:
    rows = []
    for pid in range(1, portfolios + 1):
        for _ in range(per):
            entry = held[int(rng.integers(0, len(held) - 1))]
            symbol = symbols[int(rng.integers(0, len(symbols)))]
            price = float(closes.at[entry, symbol])
            row = dict.fromkeys(POSITION_FIELDS)
            row.update(position_id=len(rows) + 1, portfolio_id=pid, entry_date=entry.date(), price_symbol=symbol)
            if rng.random() < 0.10:
                expiry = entry.date() + timedelta(days=int(rng.integers(120, 540)))
                row.update(
                    symbol=f"{symbol} option",
                    investment_class=InvestmentClass.OPTIONS.value,
                    quantity=float(rng.integers(1, 20)),
                    entry_price=round(price * 0.08, 2),
                    underlying=symbol,
                    option_type="C" if rng.random() < 0.5 else "P",
                    strike=max(1.0, round(price)),
                    expiry=expiry,
                )
            else:
                sign = -1.0 if rng.random() < 0.10 else 1.0
                row.update(
                    symbol=symbol,
                    investment_class=InvestmentClass.PUBLIC.value,
                    quantity=sign * float(rng.integers(10, 500)),
                    entry_price=round(price, 2),
                )
            rows.append(row)
    return pd.DataFrame(rows, columns=[*POSITION_FIELDS, "price_symbol"])


def timed(build, closes: pd.DataFrame, scope: RunScope) -> float:
    """CPU seconds of this process (on a shared machine wall time mostly measures the others)."""
    began = time.process_time()
    book = build()
    position_values(book, scope)
    portfolio_snapshots(book, scope)
    portfolio_volatility(book, scope)
    factor = rolling_correlation(simple_returns(closes.iloc[:, :8]), 90, 20)
    correlations(book, scope, factor)
    return time.process_time() - began


def measure(portfolios: int, per: int, universe: int, history: int, repeats: int) -> dict:
    rng = np.random.default_rng(7)
    sessions = pd.DatetimeIndex(pd.to_datetime(calendar.sessions(date(2010, 1, 4), END)))
    days = sessions[-(history + LOOKBACK_DAYS) :]
    symbols = [f"S{i:04d}" for i in range(universe)]
    closes = closes_frame(symbols, days, rng)
    positions = positions_frame(portfolios, per, symbols, days[LOOKBACK_DAYS:-1], closes, rng)
    marks = pd.DataFrame(columns=["position_id", "mark_date", "price"])
    last = days[-1].date()
    scope = RunScope([last], list(range(1, portfolios + 1)))

    def read(wanted, start: date, end: date) -> pd.DataFrame:
        return closes.loc[pd.Timestamp(start) : pd.Timestamp(end), sorted(set(wanted))]

    def full():
        return assemble_book(positions, marks, read(positions["price_symbol"], days[0].date(), last), {}, 0.04)

    def window():
        return book_between(positions, marks, read, {}, 0.04, None, None, last, last)

    inception, windowed = [], []
    for _ in range(repeats):  # alternate, so both see the same load
        inception.append(timed(full, closes, scope))
        windowed.append(timed(window, closes, scope))
    return {
        "days": history,
        "from_inception_cpu_s": round(statistics.median(inception), 3),
        "windowed_cpu_s": round(statistics.median(windowed), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portfolios", type=int, default=25)
    parser.add_argument("--positions", type=int, default=30)
    parser.add_argument("--universe", type=int, default=300)
    parser.add_argument("--histories", default="252,756,1512")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(
        f"{args.portfolios} portfolios × {args.positions} positions, {args.universe} symbols; medians of {args.repeats}"
    )
    rows = [
        measure(args.portfolios, args.positions, args.universe, int(h), args.repeats) for h in args.histories.split(",")
    ]
    print(f"{'days':>8} {'from_inception_cpu_s':>22} {'windowed_cpu_s':>16}")
    for row in rows:
        print(f"{row['days']:>8} {row['from_inception_cpu_s']:>22} {row['windowed_cpu_s']:>16}")
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
