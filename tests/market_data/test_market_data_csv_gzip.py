"""CsvMarketData on gzip files: the same answers as the plain CSV, corrupt archives refused by
name, and the profile sidecar named after the uncompressed stem."""

import gzip
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from sigmasight_resources.market_data import CsvMarketData, PermanentMarketDataError
from sigmasight_resources.market_data.csv_provider import profiles_path_for

RANGE = (date(2018, 6, 11), date(2018, 7, 13))


def _gzip(source: Path, target: Path) -> Path:
    target.write_bytes(gzip.compress(source.read_bytes()))
    return target


def test_a_gzip_file_reads_like_the_plain_file(prices_csv, tmp_path):
    packed = _gzip(prices_csv, tmp_path / "prices.csv.gz")
    symbols = ["AAPL", "SPY", "TLT", "BRK.B", "NVDA"]
    plain = CsvMarketData(prices_csv).daily_closes(symbols, *RANGE)
    zipped = CsvMarketData(packed).daily_closes(symbols, *RANGE)
    pd.testing.assert_frame_equal(zipped.closes, plain.closes)
    assert zipped.unavailable == {"NVDA": "not in prices.csv.gz"}
    assert CsvMarketData(packed).name == "csv:prices.csv.gz"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"date,symbol,close\n2024-01-02,SPY,470\n", "Not a gzipped file"),  # plain text named .gz
        (gzip.compress(b"date,symbol,close\n" + b"2024-01-02,SPY,470\n" * 500)[:60], "ended before"),  # truncated
    ],
)
def test_a_corrupt_gzip_file_is_a_permanent_error_naming_it(tmp_path, content, problem):
    path = tmp_path / "broken.csv.gz"
    path.write_bytes(content)
    with pytest.raises(PermanentMarketDataError, match=rf"broken\.csv\.gz: unreadable gzip file: .*{problem}"):
        CsvMarketData(path).daily_closes(["SPY"], date(2024, 1, 2), date(2024, 1, 5))


def test_a_malformed_row_inside_a_gzip_file_names_its_line(tmp_path):
    path = tmp_path / "prices.csv.gz"
    path.write_bytes(gzip.compress(b"date,symbol,close\n2024-01-02,SPY,470\n2024-01-03,SPY,-1\n"))
    with pytest.raises(PermanentMarketDataError, match=r"prices\.csv\.gz, line 3: close is not a positive"):
        CsvMarketData(path).daily_closes(["SPY"], date(2024, 1, 2), date(2024, 1, 5))


def test_profile_sidecar_is_named_after_the_uncompressed_stem(tmp_path):
    assert profiles_path_for(tmp_path / "prices.csv.gz") == tmp_path / "prices_profiles.csv"
    assert profiles_path_for(tmp_path / "prices.csv") == tmp_path / "prices_profiles.csv"
    (tmp_path / "prices_profiles.csv").write_text("symbol,name,sector\nSPY,SPDR S&P 500 ETF Trust,\n")
    path = tmp_path / "prices.csv.gz"
    path.write_bytes(gzip.compress(b"date,symbol,close\n2024-01-02,SPY,470\n"))
    assert CsvMarketData(path).company_profiles(["SPY"])["name"].tolist() == ["SPDR S&P 500 ETF Trust"]
