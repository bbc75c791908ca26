"""Market data from a long-format CSV file (`date,symbol,close`), e.g. a vendor export.

The file is read once, on first use, and validated completely: a malformed file raises
`PermanentMarketDataError` naming the file and the first offending line. Symbols absent from the
file are unavailable ("not in <file>"). A share-class ticker is matched in either spelling
(`BRK.B` finds `BRK-B` and vice versa) and reported under the spelling requested.

The file may be gzip-compressed (a name ending `.gz`, e.g. the demo's packaged `prices.csv.gz`).
Company profiles come from an optional sidecar `<stem>_profiles.csv` next to the file
(columns `symbol,name,sector,industry,market_cap`; the stem drops `.csv.gz` too).
"""

import gzip
import logging
import threading
import zlib
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from sigmasight_resources import calendar
from sigmasight_resources.market_data.base import (
    PROFILE_COLUMNS,
    MarketDataProvider,
    PermanentMarketDataError,
    PriceBatch,
    check_range,
    closes_frame,
    empty_closes,
    empty_profiles,
    unique_symbols,
)

log = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("date", "symbol", "close")


def profiles_path_for(path: Path) -> Path:
    """The sidecar profile file of a price file: `<dir>/<stem>_profiles.csv` (`p.csv.gz` -> `p_profiles.csv`)."""
    return path.with_name(f"{Path(path.name.removesuffix('.gz')).stem}_profiles.csv")


def _share_class_variants(symbol: str) -> list[str]:
    variants = []
    if "." in symbol:
        variants.append(symbol.replace(".", "-"))
    if "-" in symbol:
        variants.append(symbol.replace("-", "."))
    return variants


class CsvMarketData(MarketDataProvider):
    """Daily closes read from a long-format CSV file with columns `date,symbol,close`.

    Parameters
    ----------
    path : the price file. Dates ISO (YYYY-MM-DD), closes positive numbers, one row per
        (symbol, date). Extra columns are ignored. Rows on days NYSE did not trade are dropped
        with a warning.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.name = f"csv:{self.path.name}"
        self._lock = threading.Lock()
        self._data: pd.DataFrame | None = None  # validated rows, sorted by (symbol, date)
        self._spans: dict[str, tuple[int, int]] = {}  # symbol -> [first row, stop row)

    # ---- provider interface --------------------------------------------------------------

    def daily_closes(self, symbols: Sequence[str], start: date, end: date) -> PriceBatch:
        check_range(start, end)
        requested = unique_symbols(symbols)
        data = self._load()
        has_sessions = bool(calendar.sessions(start, end))
        lo, hi = np.datetime64(start, "D"), np.datetime64(end, "D")
        days = data["day"].to_numpy()

        parts: list[pd.DataFrame] = []
        unavailable: dict[str, str] = {}
        for symbol in requested:
            stored = self._resolve(symbol)
            if stored is None:
                unavailable[symbol] = f"not in {self.path.name}"
                continue
            first, stop = self._spans[stored]
            a = first + int(np.searchsorted(days[first:stop], lo, side="left"))
            b = first + int(np.searchsorted(days[first:stop], hi, side="right"))
            if a >= b:
                if has_sessions:
                    unavailable[symbol] = (
                        f"no closes in {self.path.name} between {start} and {end} "
                        f"({stored} has {data['date'].iat[first]} to {data['date'].iat[stop - 1]})"
                    )
                continue
            parts.append(
                closes_frame(
                    np.full(b - a, symbol, dtype=object),
                    data["date"].to_numpy()[a:b],
                    data["close"].to_numpy()[a:b],
                )
            )
        if not parts:
            return PriceBatch(closes=empty_closes(), unavailable=unavailable)
        closes = pd.concat(parts, ignore_index=True)
        closes = closes.sort_values(["symbol", "date"], kind="stable").reset_index(drop=True)
        return PriceBatch(closes=closes, unavailable=unavailable)

    def company_profiles(self, symbols: Sequence[str]) -> pd.DataFrame:
        requested = unique_symbols(symbols)
        sidecar = profiles_path_for(self.path)
        if not sidecar.is_file():
            raise PermanentMarketDataError(
                f"no company profiles for {self.path.name}: expected a sidecar file {sidecar} "
                f"with columns {','.join(PROFILE_COLUMNS)}"
            )
        try:
            raw = pd.read_csv(sidecar, dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise PermanentMarketDataError(f"{sidecar}: malformed CSV: {exc}") from None
        missing = [c for c in ("symbol", "name") if c not in raw.columns]
        if missing:
            raise PermanentMarketDataError(
                f"{sidecar}, line 1: missing column(s) {', '.join(missing)}; expected {','.join(PROFILE_COLUMNS)}"
            )
        for column in PROFILE_COLUMNS:
            if column not in raw.columns:
                raw[column] = ""
        frame = raw.loc[:, list(PROFILE_COLUMNS)].copy()
        for column in ("symbol", "name", "sector", "industry"):
            frame[column] = frame[column].str.strip().replace("", None)
        caps = pd.to_numeric(frame["market_cap"].str.strip().replace("", None), errors="coerce")
        bad = frame["market_cap"].str.strip().ne("") & caps.isna()
        if bad.any():
            line = int(np.flatnonzero(bad.to_numpy())[0]) + 2
            raise PermanentMarketDataError(f"{sidecar}, line {line}: market_cap is not a number")
        frame["market_cap"] = caps.astype("float64")
        frame = frame.drop_duplicates("symbol", keep="last").set_index("symbol", drop=False)

        rows = []
        for symbol in requested:
            stored = next((s for s in [symbol, *_share_class_variants(symbol)] if s in frame.index), None)
            if stored is not None:
                row = frame.loc[stored].copy()
                row["symbol"] = symbol
                rows.append(row)
        if not rows:
            return empty_profiles()
        out = pd.DataFrame(rows).reset_index(drop=True)
        out["market_cap"] = out["market_cap"].astype("float64")
        return out

    def symbols(self) -> list[str]:
        """Every symbol in the file, sorted."""
        self._load()
        return sorted(self._spans)

    # ---- loading ---------------------------------------------------------------------------

    def _resolve(self, symbol: str) -> str | None:
        if symbol in self._spans:
            return symbol
        if isinstance(symbol, str):
            for variant in _share_class_variants(symbol):
                if variant in self._spans:
                    return variant
        return None

    def _load(self) -> pd.DataFrame:
        with self._lock:
            if self._data is None:
                self._data = self._read()
                symbols = self._data["symbol"].to_numpy()
                boundaries = np.flatnonzero(symbols[1:] != symbols[:-1]) + 1
                starts = np.concatenate([[0], boundaries])
                stops = np.concatenate([boundaries, [len(symbols)]])
                self._spans = {symbols[a]: (int(a), int(b)) for a, b in zip(starts, stops, strict=True) if b > a}
            return self._data

    def _read(self) -> pd.DataFrame:
        if not self.path.is_file():
            raise PermanentMarketDataError(f"market data file {self.path} does not exist")
        try:
            raw = pd.read_csv(
                self.path,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,  # keeps row index = file line - 2, so errors name the line
            )
        except pd.errors.EmptyDataError:
            raise PermanentMarketDataError(f"{self.path}: empty file, expected a header date,symbol,close") from None
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise PermanentMarketDataError(f"{self.path}: malformed CSV: {str(exc).strip()}") from None
        except (gzip.BadGzipFile, EOFError, zlib.error) as exc:  # a corrupt or truncated .gz
            raise PermanentMarketDataError(f"{self.path}: unreadable gzip file: {exc}") from None

        raw.columns = [str(c).strip().lower() for c in raw.columns]
        missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
        if missing:
            raise PermanentMarketDataError(
                f"{self.path}, line 1: missing column(s) {', '.join(missing)}; "
                f"expected a header with {','.join(REQUIRED_COLUMNS)}"
            )

        # Parse the distinct values only (a price file has few symbols and dates, many rows).
        blank = raw[list(REQUIRED_COLUMNS)].eq("").all(axis=1).to_numpy()
        if blank.any():  # blank lines at the end of the file are harmless; inside it they are not
            content = np.flatnonzero(~blank)
            raw = raw.iloc[: int(content[-1]) + 1 if content.size else 0]

        symbol = _map_unique(raw["symbol"], lambda u: np.array([v.strip() for v in u], dtype=object))
        day = _map_unique(
            raw["date"],
            lambda u: pd.to_datetime(pd.Index(u).str.strip(), format="%Y-%m-%d", errors="coerce").to_numpy(),
        )
        day = pd.Series(day)
        close = pd.to_numeric(raw["close"].str.strip(), errors="coerce")
        symbol = pd.Series(symbol)

        def fail(mask: pd.Series | np.ndarray, problem: str) -> None:
            mask = np.asarray(mask, dtype=bool)
            if mask.any():
                row = int(np.flatnonzero(mask)[0])
                values = ",".join(str(raw[c].iat[row]) for c in REQUIRED_COLUMNS)
                raise PermanentMarketDataError(
                    f"{self.path}, line {row + 2}: {problem} (date,symbol,close = {values!r})"
                )

        fail(raw[list(REQUIRED_COLUMNS)].eq("").all(axis=1), "blank line")
        fail(symbol.eq(""), "empty symbol")
        fail(day.isna(), "date is not an ISO date YYYY-MM-DD")
        fail(close.isna(), "close is not a number")
        fail(~np.isfinite(close.to_numpy()) | (close.to_numpy() <= 0), "close is not a positive finite number")
        fail(pd.DataFrame({"s": symbol, "d": day}).duplicated().to_numpy(), "duplicate (symbol, date) row")

        data = pd.DataFrame(
            {"symbol": symbol.astype(object), "day": day.to_numpy().astype("datetime64[D]"), "close": close}
        )
        if not data.empty:
            trading = pd.DatetimeIndex(
                pd.to_datetime(calendar.sessions(data["day"].min().date(), data["day"].max().date()))
            )
            on_session = pd.DatetimeIndex(data["day"]).isin(trading)
            if not on_session.all():
                dropped = data.loc[~on_session, "day"]
                log.warning(
                    "%s: dropped %d row(s) on days NYSE did not trade (first %s)",
                    self.path.name,
                    len(dropped),
                    dropped.min().date(),
                )
                data = data.loc[on_session]
        data = data.sort_values(["symbol", "day"], kind="stable").reset_index(drop=True)
        data["date"] = _map_unique(
            data["day"], lambda u: np.array([d.date() for d in pd.DatetimeIndex(u)], dtype=object)
        )
        return data


def _map_unique(values: pd.Series, convert) -> np.ndarray:
    """`convert` applied to the distinct values of `values`, broadcast back to every row."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return np.asarray(convert(np.asarray(uniques)))[codes]
