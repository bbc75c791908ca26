"""A fake clock and a local fake Polygon server, for the market-data tests and the resilience benchmark.

The fake server is a real HTTP server on 127.0.0.1 (random free port, one thread per
connection) speaking Polygon's aggregates, grouped daily, splits and ticker-details protocol, with
bearer-key checks, ``next_url`` pagination, scripted faults per symbol and seeded random faults
(`RandomFaults`). Grouped daily requests are faulted under the key ``grouped:<date>``, splits
requests under ``splits``. `FakePolygon.correct` and `FakePolygon.split` revise served closes as a
vendor would.
Nothing here touches the internet.
"""

import base64
import json
import random
import socket
import threading
from collections import Counter, defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pandas as pd

from sigmasight_resources.market_data.simulator import SimulatedMarketData

API_KEY = "pk-TEST-9f8e7d6c5b4a"
NEW_YORK = "America/New_York"


class FakeClock:
    """A monotonic clock that only moves when `sleep` is called; records every sleep."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, f"negative sleep {seconds}"
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds


@dataclass
class Seen:
    """One request as the server saw it."""

    path: str
    query: dict[str, list[str]]
    authorization: str | None
    symbol: str | None
    clock: float  # the fake clock when the request arrived
    fault: str | None = None  # the name of the random fault injected into it, if any


@dataclass
class RandomFaults:
    """Faults on a seeded share of requests: `kinds` maps a name to a fault as `FakePolygon.fail`
    takes it.

    Whether the n-th request about a symbol fails, and how, depends only on (seed, symbol, n), so
    a run is reproducible whatever the thread timing and however often the client retries.
    """

    rate: float
    seed: int = 0
    kinds: dict[str, object] = field(
        default_factory=lambda: {"429": (429, {"Retry-After": "2"}), "500": 500, "stall": "stall"}
    )
    _arrivals: Counter = field(default_factory=Counter, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def draw(self, symbol: str) -> str | None:
        """The name of the fault for this request about `symbol`, or None to answer it."""
        with self._lock:
            self._arrivals[symbol] += 1
            n = self._arrivals[symbol]
        rng = random.Random(f"{self.seed}:{symbol}:{n}")
        if rng.random() >= self.rate:
            return None
        return rng.choice(sorted(self.kinds))


@dataclass
class FakePolygon:
    """State and scripted behaviour of the fake server (edit it from a test)."""

    url: str = ""
    clock: FakeClock | None = None
    bars: dict[str, list[dict]] = field(default_factory=dict)
    details: dict[str, dict] = field(default_factory=dict)
    splits: list[dict] = field(default_factory=list)  # Polygon split records: ticker, execution_date, split_from/to
    not_found: set[str] = field(default_factory=set)
    faults: dict[str, deque] = field(default_factory=lambda: defaultdict(deque))
    random_faults: RandomFaults | None = None  # applied after the scripted `faults`
    page_size: int = 50_000
    next_url_host: str | None = None  # e.g. "https://polygon.invalid" to emit foreign next_urls
    stall_seconds: float = 1.5
    requests: list[Seen] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def fail(self, symbol: str, *faults: object) -> None:
        """Queue faults for the next requests about `symbol`: an int status, (status, headers),
        or "ok", "stall", "drop", "truncate", "garbage"."""
        self.faults[symbol].extend(faults)

    def serve_simulated(self, symbols: list[str], start: date, end: date) -> pd.DataFrame:
        """Serve the simulator's closes for `symbols` as Polygon bars; returns the closes."""
        closes = _simulator().daily_closes(symbols, start, end).closes
        for symbol, group in closes.groupby("symbol"):
            self.bars[symbol] = bars_for(group["date"], group["close"])
        return closes

    def correct(self, symbol: str, day: date, close: float) -> None:
        """The vendor corrects one close: the served bar of `day` now closes at `close`."""
        for bar in self.bars[symbol]:
            if bar_day(bar) == day.isoformat():
                bar.update(c=close, o=close, vw=close, h=close * 1.01, l=close * 0.99)
                return
        raise KeyError(f"no bar of {symbol} on {day}")

    def split(self, symbol: str, execution_date: date, split_to: int, split_from: int = 1) -> None:
        """A `split_to`-for-`split_from` split executed on `execution_date`: the adjusted closes before it
        are divided by the ratio, and the splits reference reports it."""
        ratio = split_to / split_from
        for bar in self.bars[symbol]:
            if bar_day(bar) < execution_date.isoformat():
                for key in ("c", "o", "vw", "h", "l"):
                    bar[key] = bar[key] / ratio
        self.splits.append(
            {
                "ticker": symbol,
                "execution_date": execution_date.isoformat(),
                "split_from": split_from,
                "split_to": split_to,
                "id": f"E{len(self.splits)}",
            }
        )

    def for_symbol(self, symbol: str) -> list[Seen]:
        return [r for r in self.requests if r.symbol == symbol]


@cache
def _simulator() -> SimulatedMarketData:
    return SimulatedMarketData()


def bars_for(dates, closes) -> list[dict]:
    """Polygon daily bars: `t` is the session day's midnight in New York, in ms since the epoch."""
    stamps = pd.DatetimeIndex(pd.to_datetime(list(dates))).tz_localize(NEW_YORK)
    bars = []
    for ts, close in zip(stamps, closes, strict=True):
        c = float(close)
        bars.append(
            {
                "v": 1_000_000.0,
                "vw": c,
                "o": c,
                "c": c,
                "h": c * 1.01,
                "l": c * 0.99,
                "t": int(ts.value // 1_000_000),
                "n": 1000,
            }
        )
    return bars


def bar_day(bar: dict) -> str:
    return datetime.fromtimestamp(bar["t"] / 1000, ZoneInfo(NEW_YORK)).date().isoformat()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go in two writes; Nagle would hold the body ~40 ms
    server: "_Server"

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        fake = self.server.fake
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        segments = [s for s in parts.path.split("/") if s]
        symbol = None
        if (
            segments[:3] == ["v2", "aggs", "ticker"]
            and len(segments) == 9
            or segments[:3] == ["v3", "reference", "tickers"]
            and len(segments) == 4
        ):
            symbol = segments[3]
        elif segments[:6] == ["v2", "aggs", "grouped", "locale", "us", "market"] and len(segments) == 8:
            symbol = f"grouped:{segments[7]}"
        elif segments == ["v3", "reference", "splits"]:
            symbol = "splits"
        seen = Seen(parts.path, query, self.headers.get("Authorization"), symbol, fake.clock() if fake.clock else 0.0)
        fake.requests.append(seen)

        if self.headers.get("Authorization") != f"Bearer {API_KEY}" and query.get("apiKey") != [API_KEY]:
            return self._json(401, {"status": "ERROR", "request_id": "r1", "error": "Unknown API Key"})
        if symbol is None:
            return self._json(404, {"status": "NOT_FOUND", "message": "Route not found"})

        queue = fake.faults.get(symbol)
        if queue:
            fault = queue.popleft()
            if self._inject(fault):
                return
        chaos = fake.random_faults
        if chaos is not None:
            seen.fault = chaos.draw(symbol)
            if seen.fault is not None and self._inject(chaos.kinds[seen.fault]):
                return

        if symbol.startswith("grouped:"):
            return self._grouped(symbol.removeprefix("grouped:"))
        if symbol == "splits":
            return self._splits(query)
        if symbol in fake.not_found:
            return self._json(404, {"status": "NOT_FOUND", "request_id": "r2", "message": "Ticker not found."})
        if segments[0] == "v3":
            details = fake.details.get(symbol)
            if details is None:
                return self._json(404, {"status": "NOT_FOUND", "request_id": "r3", "message": "Ticker not found."})
            return self._json(200, {"status": "OK", "request_id": "r4", "results": details})
        self._aggregates(symbol, segments[7], segments[8], query)

    def _aggregates(self, symbol: str, start: str, end: str, query: dict[str, list[str]]) -> None:
        fake = self.server.fake
        if "cursor" in query:
            offset, limit = json.loads(base64.urlsafe_b64decode(query["cursor"][0]))
        else:
            offset, limit = 0, int(query.get("limit", ["5000"])[0])
        bars = [b for b in fake.bars.get(symbol, []) if start <= bar_day(b) <= end]
        page_len = min(limit, fake.page_size)
        page = bars[offset : offset + page_len]
        body: dict = {
            "ticker": symbol,
            "queryCount": len(page),
            "resultsCount": len(page),
            "adjusted": True,
            "status": "OK",
            "request_id": "r5",
        }
        if page:
            body["results"] = page
            body["count"] = len(page)
        if offset + page_len < len(bars):
            cursor = base64.urlsafe_b64encode(json.dumps([offset + page_len, limit]).encode()).decode()
            host = fake.next_url_host or fake.url
            body["next_url"] = f"{host}/v2/aggs/ticker/{symbol}/range/1/day/{start}/{end}?cursor={cursor}"
        self._json(200, body)

    def _grouped(self, day: str) -> None:
        """Every served symbol's bar of `day` (none 404s here: an unknown symbol is simply absent)."""
        fake = self.server.fake
        results = [
            {"T": symbol, **bar}
            for symbol, bars in sorted(fake.bars.items())
            if symbol not in fake.not_found
            for bar in bars
            if bar_day(bar) == day
        ]
        body = {"queryCount": len(results), "resultsCount": len(results), "adjusted": True, "status": "OK"}
        self._json(200, {**body, "request_id": "r9", **({"results": results} if results else {})})

    def _splits(self, query: dict[str, list[str]]) -> None:
        fake = self.server.fake
        low, high = query.get("execution_date.gte", [""])[0], query.get("execution_date.lte", ["9999"])[0]
        tickers = query.get("ticker")
        results = [
            s for s in fake.splits if low <= s["execution_date"] <= high and (tickers is None or s["ticker"] in tickers)
        ]
        self._json(200, {"status": "OK", "request_id": "r10", "results": results})

    def _inject(self, fault: object) -> bool:
        """Apply one scripted fault; False means 'answer normally'."""
        fake = self.server.fake
        if fault == "ok":  # answer this one normally
            return False
        if isinstance(fault, int):
            fault = (fault, {})
        if isinstance(fault, tuple):
            status, headers = fault
            messages = {
                403: {"status": "NOT_AUTHORIZED", "request_id": "r6", "message": "You are not entitled to this data."},
                429: {
                    "status": "ERROR",
                    "request_id": "r7",
                    "error": "You've exceeded the maximum requests per minute.",
                },
            }
            self._json(
                status,
                messages.get(status, {"status": "ERROR", "request_id": "r8", "error": f"fault {status}"}),
                headers,
            )
            return True
        if fault == "stall":  # hold the request past the client's timeout, then answer late
            fake.release.wait(fake.stall_seconds)
            return False
        if fault == "drop":  # close the connection without a response
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return True
        if fault == "truncate":  # headers promise more body than is sent
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "5000")
            self.end_headers()
            self.wfile.write(b'{"ticker": "X", "results": [')
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return True
        if fault == "garbage":
            payload = b"<html>502 Bad Gateway</html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return True
        raise AssertionError(f"unknown fault {fault!r}")

    def _json(self, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
        payload = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (stall test)
            self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakePolygon


@contextmanager
def running_fake_polygon(clock: FakeClock | None = None) -> Iterator[FakePolygon]:
    """Serve a FakePolygon on 127.0.0.1 at a free port until the block ends."""
    server = _Server(("127.0.0.1", 0), _Handler)
    fake = FakePolygon(clock=clock)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    server.fake = fake
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
