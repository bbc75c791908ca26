"""Which closes `market_prices` must hold and which it still lacks: `price_windows` and `missing_spans`
on small position books and stored-date sets, against windows and spans worked out on the NYSE calendar.

LOOKBACK is 505 sessions: 505 sessions before 2025-03-03 is 2023-02-24, before 2025-09-02 is 2023-08-25
(checked below by counting sessions, the anchor included). Labor Day 2025-09-01 is not a session.
"""

from datetime import date

import numpy as np
import pandas as pd

from sigmasight_assets.analytics.factors import FACTOR_ETFS
from sigmasight_assets.analytics.parameters import LOOKBACK
from sigmasight_assets.assets.market import missing_spans, price_windows
from sigmasight_resources import calendar

START, END = date(2025, 9, 2), date(2025, 9, 30)
BEFORE_MARCH_3 = date(2023, 2, 24)  # LOOKBACK sessions before 2025-03-03
BEFORE_SEPTEMBER_2 = date(2023, 8, 25)  # LOOKBACK sessions before 2025-09-02


def book(*positions: tuple) -> pd.DataFrame:
    """Positions as queries.positions_frame has them: (symbol, price_symbol, entry_date, exit_date, expiry)."""
    return pd.DataFrame(positions, columns=["symbol", "price_symbol", "entry_date", "exit_date", "expiry"])


def test_the_lookback_dates_are_lookback_sessions_before_their_anchor():
    assert len(calendar.sessions(BEFORE_MARCH_3, date(2025, 3, 3))) == LOOKBACK + 1
    assert len(calendar.sessions(BEFORE_SEPTEMBER_2, date(2025, 9, 2))) == LOOKBACK + 1


def test_each_open_symbol_looks_back_from_its_first_entry_or_the_start_and_the_etfs_from_the_earliest():
    positions = book(
        ("AAPL", "AAPL", date(2025, 3, 3), None, None),
        ("AAPL260116C00200000", "AAPL", date(2025, 6, 2), None, date(2026, 1, 16)),  # later entry, same close
        ("NVDA", "NVDA", date(2025, 9, 15), None, None),  # entered after the start: the start anchors it
        ("XOM", "XOM", date(2025, 3, 3), date(2025, 8, 29), None),  # exited before the start
        ("MSFT", "MSFT", date(2025, 10, 1), None, None),  # entered after the end
        ("TSLA250815C00300000", "TSLA", date(2025, 3, 3), None, date(2025, 8, 15)),  # expired before the start
        ("Private Fund", None, date(2024, 1, 2), None, None),  # no close prices it
    )
    assert price_windows(positions, START, END) == {
        "AAPL": BEFORE_MARCH_3,
        "NVDA": BEFORE_SEPTEMBER_2,
        **{etf: BEFORE_MARCH_3 for etf in FACTOR_ETFS},  # the earliest anchor: AAPL's entry
    }


def test_a_held_etf_gets_the_factor_window_and_an_empty_book_only_the_etfs():
    held_spy = book(("SPY", "SPY", date(2025, 9, 15), None, None), ("KO", "KO", date(2025, 3, 3), None, None))
    windows = price_windows(held_spy, START, END)
    assert windows["SPY"] == BEFORE_MARCH_3  # its own entry would give BEFORE_SEPTEMBER_2; the factors need more
    assert windows == {"KO": BEFORE_MARCH_3, **{etf: BEFORE_MARCH_3 for etf in FACTOR_ETFS}}
    assert price_windows(book(), START, END) == {etf: BEFORE_SEPTEMBER_2 for etf in FACTOR_ETFS}


def test_missing_spans_group_symbols_by_first_and_last_unstored_session():
    stored = pd.DataFrame(
        [
            *(("AAPL", date(2025, 9, d)) for d in (2, 3, 4, 5)),  # complete
            ("MSFT", date(2025, 9, 2)),
            ("MSFT", date(2025, 9, 4)),  # lacks the 3rd and the 5th
            ("TLT", date(2025, 9, 4)),  # lacks the 5th
            *(("XLC", date(2025, 9, d)) for d in (2, 3, 4, 5)),  # complete: its window opens on Labor Day
            ("IBM", date(2025, 9, 3)),  # not in the windows
        ],
        columns=["symbol", "date"],
    )
    windows = {
        "TLT": date(2025, 9, 4),
        "SPY": date(2025, 9, 3),
        "MSFT": date(2025, 9, 2),
        "AAPL": date(2025, 9, 2),
        "XLC": date(2025, 9, 1),
    }
    assert missing_spans(stored, windows, date(2025, 9, 5)) == {
        (date(2025, 9, 3), date(2025, 9, 5)): ["MSFT", "SPY"],  # the span covers MSFT's stored 4th too
        (date(2025, 9, 5), date(2025, 9, 5)): ["TLT"],
    }


def test_missing_spans_is_empty_when_every_session_is_stored():
    stored = pd.DataFrame([("AAPL", date(2025, 8, 29)), ("AAPL", date(2025, 9, 2))], columns=["symbol", "date"])
    assert missing_spans(stored, {"AAPL": date(2025, 8, 29)}, date(2025, 9, 2)) == {}
    assert missing_spans(stored.iloc[:0], {}, date(2025, 9, 2)) == {}


def test_missing_spans_match_a_session_by_session_scan_on_random_holes():
    """The grid against the definition: per symbol, its window's sessions not stored, first and last."""
    rng = np.random.default_rng(7)
    end = date(2025, 10, 31)
    days = calendar.sessions(date(2024, 6, 3), end)
    for density in (0.9, 0.999, 1.0):
        symbols = [f"S{i}" for i in range(30)]
        windows = {s: days[rng.integers(0, len(days))] for s in symbols}
        rows = [(s, d) for s in [*symbols, "NOT_ASKED"] for d in days if rng.random() < density]
        stored = pd.DataFrame(rows, columns=["symbol", "date"])
        expected: dict[tuple[date, date], list[str]] = {}
        for symbol, first in sorted(windows.items()):
            have = set(stored.loc[stored["symbol"] == symbol, "date"])
            missing = [d for d in calendar.sessions(first, end) if d not in have]
            if missing:
                expected.setdefault((missing[0], missing[-1]), []).append(symbol)
        as_read = stored.assign(symbol=pd.Categorical(stored["symbol"]), date=pd.to_datetime(stored["date"]))
        assert dict(missing_spans(as_read, windows, end)) == expected
