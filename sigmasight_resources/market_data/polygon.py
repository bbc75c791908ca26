"""Polygon.io REST client for daily closes and ticker details, over httpx.

- Aggregates: ``GET /v2/aggs/ticker/{T}/range/1/day/{from}/{to}?adjusted=true&sort=asc&limit=50000``,
  following ``next_url`` pages. A bar's ``t`` (ms since the epoch, the start of the session day in
  America/New_York) gives the date, ``c`` the split/dividend adjusted close.
- Grouped daily: ``GET /v2/aggs/grouped/locale/us/market/stocks/{date}?adjusted=true``, one request
  per session for the whole market, used instead of per-symbol aggregates when more than
  ``grouped_threshold`` symbols are asked over fewer sessions than symbols (the daily close and the
  re-fetched correction window of a large universe); a symbol absent from every grouped answer is
  then asked alone, so an unknown symbol still gets its own reason.
- Splits: ``GET /v3/reference/splits?execution_date.gte=…&execution_date.lte=…``, the whole market's
  splits in a date range (paginated), filtered to the symbols asked.
- Ticker details: ``GET /v3/reference/tickers/{T}``.
- Authentication: ``Authorization: Bearer <key>`` (as Polygon's own client does), so the key is
  never part of a URL, an exception message or a log line. ``next_url`` pages are always fetched
  from the configured base URL, so the key is never sent to another host.
- A client-side sliding-window rate limit (requests per minute) covers every HTTP request,
  retries included.
- Transient faults (429, 408, 5xx, timeouts, connection errors, dropped connections, truncated
  or non-JSON bodies) are retried with exponential backoff and jitter, honouring ``Retry-After``
  on 429/503, at most ``max_retries`` times; then `TransientMarketDataError`.
- 401/403 raise `PermanentMarketDataError` at once. 404 or an empty result make the symbol
  unavailable with the reason.
"""

import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import httpx
import numpy as np
import pandas as pd
from pydantic import SecretStr

from sigmasight_resources import calendar
from sigmasight_resources.market_data.base import (
    MarketDataError,
    MarketDataProvider,
    PermanentMarketDataError,
    PriceBatch,
    TransientMarketDataError,
    check_range,
    closes_frame,
    empty_closes,
    empty_profiles,
    ticker_problem,
    unique_symbols,
)
from sigmasight_resources.settings import (
    DEFAULT_POLYGON_BASE_URL,
    DEFAULT_POLYGON_GROUPED_THRESHOLD,
    DEFAULT_POLYGON_REQUESTS_PER_MINUTE,
)

log = logging.getLogger(__name__)

NEW_YORK = "America/New_York"
PAGE_LIMIT = 50_000
SPLITS_PAGE_LIMIT = 1000
MAX_PAGES = 10_000  # guards against a next_url loop
TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})

# SIC division by the first two digits of the code (Polygon has SIC, not GICS, sectors).
_SIC_DIVISIONS: tuple[tuple[int, int, str], ...] = (
    (1, 9, "Agriculture, Forestry and Fishing"),
    (10, 14, "Mining"),
    (15, 17, "Construction"),
    (20, 39, "Manufacturing"),
    (40, 49, "Transportation, Communications and Utilities"),
    (50, 51, "Wholesale Trade"),
    (52, 59, "Retail Trade"),
    (60, 67, "Finance, Insurance and Real Estate"),
    (70, 89, "Services"),
    (91, 99, "Public Administration"),
)


def sic_division(sic_code: object) -> str | None:
    """The SIC division name of a 4-digit SIC code, or None."""
    try:
        major = int(str(sic_code)[:2])
    except (TypeError, ValueError):
        return None
    for low, high, name in _SIC_DIVISIONS:
        if low <= major <= high:
            return name
    return None


class SlidingWindowRateLimiter:
    """At most `limit` acquisitions in any `window` seconds of `clock` time (thread-safe).

    `clock` and `sleep` are injectable so tests run on a fake clock.
    """

    def __init__(
        self,
        limit: int,
        window: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if limit <= 0:
            raise ValueError(f"limit must be positive, got {limit}")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._sleep = sleep
        self._stamps: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Block until a request may be sent; returns the seconds waited."""
        waited = 0.0
        with self._lock:
            while True:
                now = self._clock()
                while self._stamps and self._stamps[0] <= now - self.window:
                    self._stamps.popleft()
                if len(self._stamps) < self.limit:
                    self._stamps.append(now)
                    return waited
                delay = self._stamps[0] + self.window - now
                log.debug("rate limit: %d requests in the last %.0fs, waiting %.2fs", self.limit, self.window, delay)
                self._sleep(delay)
                waited += delay


@dataclass(frozen=True)
class _Outcome:
    status: int
    body: dict[str, Any]


class _Transient(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class PolygonMarketData(MarketDataProvider):
    """Daily closes and ticker details from Polygon.io.

    Parameters
    ----------
    api_key : Polygon API key (str or pydantic SecretStr); never logged.
    base_url : e.g. ``https://api.polygon.io`` (a local fake in tests).
    requests_per_minute : client-side limit on HTTP requests, retries included.
    max_retries : retries per request after the first attempt (so at most max_retries + 1 sends).
    timeout : seconds for connect, read, write and pool waits of each request.
    backoff_base, backoff_max : the n-th retry waits about backoff_base * 2**n seconds (capped at
        backoff_max), with "equal jitter": half fixed, half uniform random.
    grouped_threshold : more symbols than this, over fewer sessions than symbols, are fetched with
        one grouped daily request per session instead of one aggregates request per symbol.
    max_retry_after : the longest ``Retry-After`` honoured; a longer one ends the retries with
        `TransientMarketDataError` (the Dagster RetryPolicy retries later).
    clock, sleep, rng : injectable time source, sleeper and jitter source (tests use fakes).
    """

    name = "polygon"

    def __init__(
        self,
        api_key: str | SecretStr | None,
        base_url: str = DEFAULT_POLYGON_BASE_URL,
        requests_per_minute: int = DEFAULT_POLYGON_REQUESTS_PER_MINUTE,
        max_retries: int = 6,
        timeout: float = 30.0,
        *,
        grouped_threshold: int = DEFAULT_POLYGON_GROUPED_THRESHOLD,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        max_retry_after: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        key = api_key.get_secret_value() if isinstance(api_key, SecretStr) else api_key
        if not key or not key.strip():
            raise PermanentMarketDataError("polygon market data needs an API key: set SIGMASIGHT_POLYGON_API_KEY")
        if max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {max_retries}")
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, got {timeout}")
        parts = urlsplit(base_url.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise PermanentMarketDataError(f"polygon base URL {base_url!r} is not an http(s) URL")
        self.base_url = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        self.max_retries = max_retries
        self.timeout = timeout
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_retry_after = max_retry_after
        self.grouped_threshold = grouped_threshold
        self.requests_per_minute = requests_per_minute
        self._key = key.strip()
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.rate_limiter = SlidingWindowRateLimiter(requests_per_minute, 60.0, clock=clock, sleep=sleep)
        self._client_lock = threading.Lock()
        self._http: httpx.Client | None = None
        self.requests_sent = 0  # every HTTP request attempted, retries included
        self.retries = 0  # every retry performed

    @property
    def _client(self) -> httpx.Client:
        """The HTTP client, (re)opened on demand: `close()` releases connections, and a later
        call simply opens new ones (a shared provider may be used as a context manager)."""
        with self._client_lock:
            if self._http is None or self._http.is_closed:
                self._http = httpx.Client(
                    headers={"Authorization": f"Bearer {self._key}", "User-Agent": "sigmasight-market-data"},
                    timeout=httpx.Timeout(self.timeout),
                    follow_redirects=False,
                )
            return self._http

    def close(self) -> None:
        with self._client_lock:
            if self._http is not None:
                self._http.close()

    def __repr__(self) -> str:  # never shows the key
        return f"PolygonMarketData(base_url={self.base_url!r})"

    # ---- provider interface ----------------------------------------------------------------

    def daily_closes(self, symbols: Sequence[str], start: date, end: date) -> PriceBatch:
        check_range(start, end)
        requested = unique_symbols(symbols)
        unavailable: dict[str, str] = {}
        valid: list[str] = []
        for symbol in requested:
            problem = ticker_problem(symbol)
            if problem is None:
                valid.append(symbol)
            else:
                unavailable[symbol] = problem
        days = calendar.sessions(start, end)
        if not days or not valid:  # nothing to ask: no trading day in the range
            return PriceBatch(closes=empty_closes(), unavailable=unavailable)

        sessions = np.array(days, dtype="datetime64[D]")
        parts: list[pd.DataFrame] = []
        if len(valid) > self.grouped_threshold and len(days) < len(valid):
            grouped = self._grouped_closes(valid, days)
            parts.append(grouped)
            valid = [s for s in valid if s not in set(grouped["symbol"])]  # absent every day: asked alone
        for symbol in valid:
            bars, reason = self._aggregates(symbol, start, end)
            if reason is not None:
                unavailable[symbol] = reason
                continue
            frame = self._bars_to_closes(symbol, bars, sessions)
            if frame.empty:
                unavailable[symbol] = f"polygon returned no daily bars for {symbol} on NYSE sessions {start} to {end}"
                continue
            parts.append(frame)
        parts = [p for p in parts if not p.empty]
        if not parts:
            return PriceBatch(closes=empty_closes(), unavailable=unavailable)
        closes = pd.concat(parts, ignore_index=True).sort_values(["symbol", "date"], kind="stable")
        return PriceBatch(closes=closes.reset_index(drop=True), unavailable=unavailable)

    def company_profiles(self, symbols: Sequence[str]) -> pd.DataFrame:
        rows = []
        for symbol in unique_symbols(symbols):
            if ticker_problem(symbol) is not None:
                continue
            what = f"ticker details {symbol}"
            outcome = self._get(self._url(f"/v3/reference/tickers/{_path_ticker(symbol)}"), None, what)
            if outcome.status == 404:
                continue
            details = outcome.body.get("results") or {}
            if not details:
                continue
            cap = details.get("market_cap")
            rows.append(
                {
                    "symbol": symbol,
                    "name": details.get("name"),
                    "sector": sic_division(details.get("sic_code")),
                    "industry": details.get("sic_description"),
                    "market_cap": float(cap) if isinstance(cap, (int, float)) else float("nan"),
                }
            )
        if not rows:
            return empty_profiles()
        frame = pd.DataFrame(rows, columns=list(empty_profiles().columns))
        frame["market_cap"] = frame["market_cap"].astype("float64")
        return frame

    def splits(self, symbols: Sequence[str], start: date, end: date) -> dict[str, list[date]]:
        check_range(start, end)
        wanted: dict[str, list[str]] = {}
        for symbol in unique_symbols(symbols):
            if ticker_problem(symbol) is None:
                wanted.setdefault(_polygon_spelling(symbol), []).append(symbol)
        if not wanted:
            return {}
        url = self._url("/v3/reference/splits")
        params: dict[str, str] | None = {
            "execution_date.gte": start.isoformat(),
            "execution_date.lte": end.isoformat(),
            "limit": str(SPLITS_PAGE_LIMIT),
        }
        found: dict[str, list[date]] = {}
        for page in range(1, MAX_PAGES + 1):
            outcome = self._get(url, params, f"splits {start}..{end} page {page}")
            results = (outcome.body.get("results") or []) if outcome.status == 200 else []
            if not isinstance(results, list):
                raise MarketDataError("polygon splits: 'results' is not a list")
            for split in results:
                try:
                    names, day = wanted.get(split["ticker"], []), date.fromisoformat(split["execution_date"])
                except (KeyError, TypeError, ValueError) as exc:
                    raise MarketDataError(f"polygon splits: malformed split ({exc!r})") from None
                for symbol in names:
                    found.setdefault(symbol, []).append(day)
            next_url = outcome.body.get("next_url")
            if not next_url:
                break
            url, params = self._rebase(next_url), None
        else:
            raise MarketDataError(f"polygon splits: more than {MAX_PAGES} pages")
        return {s: sorted(set(days)) for s, days in found.items()}

    # ---- aggregates ----------------------------------------------------------------------

    def _grouped_closes(self, symbols: list[str], days: list[date]) -> pd.DataFrame:
        """The closes of `symbols` on `days` from one grouped daily request per day (split/dividend adjusted)."""
        wanted: dict[str, list[str]] = {}
        for symbol in symbols:  # BRK.B and BRK-B are one Polygon ticker
            wanted.setdefault(_polygon_spelling(symbol), []).append(symbol)
        rows: list[tuple[str, date, float]] = []
        for day in days:
            url = self._url(f"/v2/aggs/grouped/locale/us/market/stocks/{day.isoformat()}")
            outcome = self._get(url, {"adjusted": "true"}, f"grouped daily {day}")
            results = (outcome.body.get("results") or []) if outcome.status == 200 else []
            if not isinstance(results, list):
                raise MarketDataError(f"polygon grouped daily {day}: 'results' is not a list")
            for bar in results:
                if not isinstance(bar, dict):
                    raise MarketDataError(f"polygon grouped daily {day}: malformed bar {bar!r}")
                close = bar.get("c")
                if isinstance(close, (int, float)) and np.isfinite(close) and close > 0:
                    rows.extend((symbol, day, float(close)) for symbol in wanted.get(bar.get("T"), ()))
        if not rows:
            return empty_closes()
        frame = pd.DataFrame(rows, columns=["symbol", "date", "close"]).drop_duplicates(["symbol", "date"], keep="last")
        return closes_frame(frame["symbol"].to_numpy(), frame["date"].to_numpy(), frame["close"].to_numpy())

    def _aggregates(self, symbol: str, start: date, end: date) -> tuple[list[dict[str, Any]], str | None]:
        """All daily bars of one symbol over [start, end] across pages, or a reason it has none."""
        url = self._url(f"/v2/aggs/ticker/{_path_ticker(symbol)}/range/1/day/{start.isoformat()}/{end.isoformat()}")
        params: dict[str, str] | None = {"adjusted": "true", "sort": "asc", "limit": str(PAGE_LIMIT)}
        bars: list[dict[str, Any]] = []
        seen: set[str] = set()
        for page in range(1, MAX_PAGES + 1):
            outcome = self._get(url, params, f"aggregates {symbol} page {page}")
            if outcome.status == 404:
                message = self._redact(_message(outcome.body)) or "not found"
                return [], f"unknown to polygon (404: {message})"
            results = outcome.body.get("results") or []
            if not isinstance(results, list):
                raise MarketDataError(f"polygon aggregates {symbol}: 'results' is not a list")
            bars.extend(results)
            next_url = outcome.body.get("next_url")
            if not next_url:
                break
            url, params = self._rebase(next_url), None
            if url in seen:
                raise MarketDataError(f"polygon aggregates {symbol}: next_url repeats, stopping pagination")
            seen.add(url)
        else:
            raise MarketDataError(f"polygon aggregates {symbol}: more than {MAX_PAGES} pages")
        if not bars:
            return [], f"polygon has no daily bars for {symbol} between {start} and {end} (resultsCount 0)"
        return bars, None

    @staticmethod
    def _bars_to_closes(symbol: str, bars: list[dict[str, Any]], sessions: np.ndarray) -> pd.DataFrame:
        try:
            stamps = np.array([bar["t"] for bar in bars], dtype="int64")
            closes = np.array([bar["c"] for bar in bars], dtype="float64")
        except (KeyError, TypeError, ValueError) as exc:
            raise MarketDataError(f"polygon aggregates {symbol}: malformed bar ({exc!r})") from None
        local = pd.to_datetime(stamps, unit="ms", utc=True).tz_convert(NEW_YORK)
        days = local.tz_localize(None).normalize().to_numpy().astype("datetime64[D]")
        keep = np.isin(days, sessions) & np.isfinite(closes) & (closes > 0)
        frame = pd.DataFrame({"day": days[keep], "close": closes[keep]})
        frame = frame.drop_duplicates("day", keep="last").sort_values("day")
        dates = np.array([d.date() for d in pd.DatetimeIndex(frame["day"])], dtype=object)
        return closes_frame(np.full(len(frame), symbol, dtype=object), dates, frame["close"].to_numpy())

    # ---- HTTP ----------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def _rebase(self, next_url: str) -> str:
        """`next_url` on the configured base: the bearer key only ever goes to that host."""
        base, nxt = urlsplit(self.base_url), urlsplit(next_url)
        if (nxt.scheme, nxt.netloc) != (base.scheme, base.netloc):
            log.debug("polygon next_url points at %s; fetching it from %s", nxt.netloc, base.netloc)
        path = nxt.path
        if base.path and not path.startswith(base.path):
            path = base.path.rstrip("/") + path
        return urlunsplit((base.scheme, base.netloc, path, nxt.query, ""))

    def _get(self, url: str, params: dict[str, str] | None, what: str) -> _Outcome:
        """GET with rate limiting and bounded retries of transient faults.

        Returns 200 and 404 outcomes; raises for everything else.
        """
        attempts = self.max_retries + 1
        for attempt in range(attempts):
            try:
                return self._send(url, params, what)
            except _Transient as fault:
                if attempt == attempts - 1:
                    raise TransientMarketDataError(
                        f"polygon {what}: {fault.reason}; gave up after {attempts} attempts"
                    ) from None
                delay = self._backoff(attempt)
                if fault.retry_after is not None:
                    if fault.retry_after > self.max_retry_after:
                        raise TransientMarketDataError(
                            f"polygon {what}: {fault.reason}; Retry-After {fault.retry_after:.0f}s exceeds "
                            f"{self.max_retry_after:.0f}s"
                        ) from None
                    delay = fault.retry_after
                self.retries += 1
                log.warning(
                    "polygon %s: %s; retry %d/%d in %.2fs", what, fault.reason, attempt + 1, self.max_retries, delay
                )
                self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _backoff(self, retry_number: int) -> float:
        ceiling = min(self.backoff_max, self.backoff_base * (2**retry_number))
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def _send(self, url: str, params: dict[str, str] | None, what: str) -> _Outcome:
        self.rate_limiter.acquire()
        self.requests_sent += 1
        try:
            response = self._client.get(url, params=params)
        except httpx.TimeoutException as exc:
            raise _Transient(f"timed out ({type(exc).__name__})") from None
        except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            raise _Transient(f"connection failed ({type(exc).__name__}: {self._redact(str(exc))})") from None
        except httpx.HTTPError as exc:  # e.g. an unsupported protocol: configuration, not a fault
            raise PermanentMarketDataError(f"polygon {what}: {type(exc).__name__}: {self._redact(str(exc))}") from None

        status = response.status_code
        if status == 200:
            try:
                body = response.json()
            except ValueError:
                raise _Transient("200 with a body that is not JSON") from None
            if not isinstance(body, dict):
                raise _Transient("200 with a JSON body that is not an object")
            return _Outcome(status, body)

        body = _json_or_empty(response)
        message = self._redact(_message(body) or response.reason_phrase or "")
        if status in (401, 403):
            hint = "check SIGMASIGHT_POLYGON_API_KEY" if status == 401 else "the plan may not include this data"
            raise PermanentMarketDataError(f"polygon {what}: {status} {message} ({hint}); not retried")
        if status == 404:
            return _Outcome(status, body)
        if status in TRANSIENT_STATUSES:
            retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
            raise _Transient(f"HTTP {status} {message}".strip(), retry_after)
        raise PermanentMarketDataError(f"polygon {what}: unexpected HTTP {status} {message}".strip())

    def _redact(self, text: str) -> str:
        return text.replace(self._key, "***") if self._key else text


def _polygon_spelling(symbol: str) -> str:
    # Polygon spells share classes with a dot (BRK.B); accept the Yahoo spelling (BRK-B) too.
    return symbol.replace("-", ".")


def _path_ticker(symbol: str) -> str:
    return quote(_polygon_spelling(symbol), safe=".")


def _json_or_empty(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _message(body: dict[str, Any]) -> str:
    for key in ("error", "message", "status"):
        value = body.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def _retry_after_seconds(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
