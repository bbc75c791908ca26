"""CsvMarketData on a committed 3 KB slice of the real price file, and on malformed files."""

import logging
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigmasight_resources import calendar
from sigmasight_resources.demo import DEMO_PRICES
from sigmasight_resources.market_data import CsvMarketData, PermanentMarketDataError

RANGE = (date(2018, 6, 11), date(2018, 7, 13))
HEADER = "date,symbol,close\n"


def _raw(path: Path) -> pd.DataFrame:
    raw = pd.read_csv(path)
    raw["date"] = pd.to_datetime(raw["date"]).dt.date
    return raw


def _write(tmp_path: Path, text: str, name: str = "prices.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_reads_the_slice_exactly(prices_csv):
    provider = CsvMarketData(prices_csv)
    batch = provider.daily_closes(["AAPL", "SPY", "TLT"], *RANGE)

    raw = _raw(prices_csv)
    expected = raw[raw["symbol"].isin(["AAPL", "SPY", "TLT"])].sort_values(["symbol", "date"])
    expected = expected[["symbol", "date", "close"]].reset_index(drop=True)
    np.testing.assert_array_equal(batch.closes["close"].to_numpy(), expected["close"].to_numpy())
    assert list(batch.closes["date"]) == list(expected["date"])
    assert list(batch.closes["symbol"]) == list(expected["symbol"])
    assert all(type(d) is date for d in batch.closes["date"])
    assert batch.closes["close"].dtype == np.float64
    assert batch.unavailable == {}
    assert provider.name == "csv:prices_slice.csv"
    assert batch.closes.loc[batch.closes["symbol"] == "AAPL", "date"].tolist() == calendar.sessions(*RANGE)


def test_sub_range_filters_inclusively(prices_csv):
    batch = CsvMarketData(prices_csv).daily_closes(["SPY"], date(2018, 7, 2), date(2018, 7, 6))
    assert list(batch.closes["date"]) == [date(2018, 7, 2), date(2018, 7, 3), date(2018, 7, 5), date(2018, 7, 6)]


def test_absent_symbol_is_unavailable(prices_csv):
    batch = CsvMarketData(prices_csv).daily_closes(["AAPL", "NVDA"], *RANGE)
    assert batch.unavailable == {"NVDA": "not in prices_slice.csv"}
    assert batch.symbols == ["AAPL"]


def test_symbol_without_rows_in_the_range_is_unavailable_with_its_span(prices_csv):
    batch = CsvMarketData(prices_csv).daily_closes(["XLC", "SPY"], date(2018, 6, 11), date(2018, 6, 15))
    assert "no closes in prices_slice.csv" in batch.unavailable["XLC"]
    assert "2018-06-19" in batch.unavailable["XLC"]  # XLC started trading on 2018-06-19
    partial = CsvMarketData(prices_csv).daily_closes(["XLC"], *RANGE)
    assert partial.closes["date"].iloc[0] == date(2018, 6, 19)


def test_share_class_spelling_is_matched_and_reported_as_requested(prices_csv):
    batch = CsvMarketData(prices_csv).daily_closes(["BRK.B", "BRK-B"], *RANGE)
    assert batch.symbols == ["BRK-B", "BRK.B"]
    dots = batch.closes[batch.closes["symbol"] == "BRK.B"]["close"].to_numpy()
    dashes = batch.closes[batch.closes["symbol"] == "BRK-B"]["close"].to_numpy()
    np.testing.assert_array_equal(dots, dashes)


def test_weekend_range_is_empty_without_unavailable(prices_csv):
    batch = CsvMarketData(prices_csv).daily_closes(["SPY"], date(2018, 6, 16), date(2018, 6, 17))
    assert batch.closes.empty and batch.unavailable == {}


def test_rows_on_non_trading_days_are_dropped_with_a_warning(tmp_path, caplog):
    path = _write(tmp_path, HEADER + "2024-07-03,SPY,500\n2024-07-04,SPY,501\n2024-07-05,SPY,502\n")
    with caplog.at_level(logging.WARNING):
        batch = CsvMarketData(path).daily_closes(["SPY"], date(2024, 7, 1), date(2024, 7, 31))
    assert list(batch.closes["date"]) == [date(2024, 7, 3), date(2024, 7, 5)]
    assert "1 row(s) on days NYSE did not trade" in caplog.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            HEADER + "2024-01-02,SPY,470.1\n2024-01-03,SPY,469.0\n2024-13-04,SPY,468.2\n",
            r"line 4: date is not an ISO date",
        ),
        (HEADER + "2024-01-02,SPY,470.1\n2024-01-03,SPY,abc\n", r"line 3: close is not a number"),
        (HEADER + "2024-01-02,SPY,470.1\n2024-01-03,SPY,\n", r"line 3: close is not a number"),
        (HEADER + "2024-01-02,SPY,-1\n", r"line 2: close is not a positive"),
        (HEADER + "2024-01-02,,470.1\n", r"line 2: empty symbol"),
        (HEADER + "2024-01-02,SPY,470.1\n2024-01-02,SPY,470.1\n", r"line 3: duplicate \(symbol, date\)"),
        (HEADER + "2024-01-02,SPY,470.1\n\n2024-01-04,SPY,470.1\n", r"line 3: blank line"),
        (HEADER + "2024-01-02,SPY,470.1\n2024-01-03,SPY,470.1,9\n", r"malformed CSV: .*line 3"),
        ("day,ticker,price\n2024-01-02,SPY,470.1\n", r"line 1: missing column\(s\) date, symbol, close"),
        ("", r"empty file"),
    ],
    ids=[
        "bad-date",
        "bad-close",
        "missing-close",
        "negative",
        "no-symbol",
        "duplicate",
        "blank-line",
        "extra-field",
        "header",
        "empty",
    ],
)
def test_malformed_file_names_the_line(tmp_path, text, expected):
    provider = CsvMarketData(_write(tmp_path, text))
    with pytest.raises(PermanentMarketDataError, match=expected) as raised:
        provider.daily_closes(["SPY"], date(2024, 1, 1), date(2024, 1, 31))
    assert "prices.csv" in str(raised.value)


def test_trailing_blank_lines_are_fine(tmp_path):
    path = _write(tmp_path, HEADER + "2024-01-02,SPY,470.1\n2024-01-03,SPY,471.5\n\n\n")
    batch = CsvMarketData(path).daily_closes(["SPY"], date(2024, 1, 1), date(2024, 1, 31))
    assert list(batch.closes["close"]) == [470.1, 471.5]


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(PermanentMarketDataError, match="does not exist"):
        CsvMarketData(tmp_path / "nope.csv").daily_closes(["SPY"], date(2024, 1, 1), date(2024, 1, 31))


def test_profiles_from_the_sidecar(prices_csv):
    profiles = CsvMarketData(prices_csv).company_profiles(["AAPL", "SPY", "BRK.B", "TLT"])
    assert list(profiles.columns) == ["symbol", "name", "sector", "industry", "market_cap"]
    assert list(profiles["symbol"]) == ["AAPL", "SPY", "BRK.B"]  # TLT has no profile row
    by_symbol = profiles.set_index("symbol")
    assert by_symbol.loc["AAPL", "name"] == "Apple Inc."
    assert by_symbol.loc["AAPL", "market_cap"] == 3e12
    assert by_symbol.loc["BRK.B", "sector"] == "Financials"
    assert pd.isna(by_symbol.loc["SPY", "sector"]) and pd.isna(by_symbol.loc["SPY", "market_cap"])


def test_profiles_without_a_sidecar_raise_a_clear_error(tmp_path):
    path = _write(tmp_path, HEADER + "2024-01-02,SPY,470.1\n")
    with pytest.raises(PermanentMarketDataError, match=r"prices_profiles\.csv"):
        CsvMarketData(path).company_profiles(["SPY"])


def test_the_packaged_real_closes_load():
    provider = CsvMarketData(DEMO_PRICES)
    batch = provider.daily_closes(["SPY", "UNH"], date(2024, 1, 1), date(2024, 12, 31))
    assert len(batch.closes) == 252
    assert batch.unavailable == {"UNH": f"not in {DEMO_PRICES.name}"}
    assert len(provider.symbols()) == 40
