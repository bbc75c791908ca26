"""The Polygon fault scenario: one universe fetched fault-free, then through seeded faults.

Shared by tests/market_data/test_polygon_resilience.py (which asserts on it) and
benchmarks/resilience.py (which prints its figures). The server is the local fake; time for
backoff and ``Retry-After`` is a `FakeClock` (every wait is recorded, none is slept), so the only
real waiting is the client's read timeout on each stalled request.
"""

import random
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date

import pandas as pd

from benchmarks.scenarios.fake_polygon import (
    API_KEY,
    FakeClock,
    FakePolygon,
    RandomFaults,
    Seen,
    running_fake_polygon,
)
from sigmasight_resources import calendar
from sigmasight_resources.market_data import PolygonMarketData
from sigmasight_resources.market_data.base import PriceBatch

START, END = date(2024, 1, 1), date(2024, 12, 31)
MAX_RETRIES = 6
READ_TIMEOUT = 0.5  # seconds; a stalled request costs this much real time


@dataclass
class FaultRun:
    """What one scenario run produced and what the server saw during the faulty fetch."""

    symbols: list[str]
    missing: list[str]  # the symbols the server answers 404
    served: pd.DataFrame  # the closes the server holds
    expected: PriceBatch  # the fault-free fetch
    batch: PriceBatch  # the fetch through faults
    requests: list[Seen]  # the faulty fetch's requests, in arrival order
    requests_sent: int  # as the client counted them
    retries: int  # as the client counted them
    waits: list[float]  # backoff and Retry-After waits, in (fake) seconds
    seconds: float  # wall time of the faulty fetch

    def faults(self) -> Counter:
        """Injected faults by kind."""
        return Counter(r.fault for r in self.requests if r.fault is not None)

    def for_symbol(self, symbol: str) -> list[Seen]:
        return [r for r in self.requests if r.symbol == symbol]

    def figures(self) -> dict[str, object]:
        faults = self.faults()
        return {
            "symbols": len(self.symbols),
            "requests": len(self.requests),
            **{f"faults_{kind}": faults[kind] for kind in sorted(faults)},
            "retries": self.retries,
            "max_requests_one_symbol": max(len(self.for_symbol(s)) for s in self.symbols),
            "symbols_404": len(self.missing),
            "symbols_404_unavailable": sum(s in self.batch.unavailable for s in self.missing),
            "backoff_seconds_waited": round(sum(self.waits), 1),
            "wall_seconds": round(self.seconds, 2),
            "data_identical": self.batch.closes.equals(self.expected.closes)
            and self.batch.unavailable == self.expected.unavailable,
        }


def run_fault_scenario(
    symbols: int = 100, fault_rate: float = 0.2, missing_share: float = 0.05, seed: int = 20240101
) -> FaultRun:
    """Fetch `symbols` tickers' daily closes for 2024 fault-free, then with `fault_rate` of
    requests answered 429 (``Retry-After: 2``), 500 or stalled, `missing_share` of symbols 404."""
    rng = random.Random(seed)
    universe = [f"S{i:03d}" for i in range(symbols)]
    missing = sorted(rng.sample(universe, round(symbols * missing_share)))
    clock = FakeClock()
    with running_fake_polygon(clock) as server:
        served = server.serve_simulated([s for s in universe if s not in missing], START, END)
        server.not_found.update(missing)
        with _client(server, clock, seed) as client:
            expected = client.daily_closes(universe, START, END)

        first = len(server.requests)
        waited = len(clock.sleeps)
        server.random_faults = RandomFaults(rate=fault_rate, seed=seed)
        began = time.perf_counter()
        with _client(server, clock, seed) as client:
            batch = client.daily_closes(universe, START, END)
        seconds = time.perf_counter() - began
        return FaultRun(
            symbols=universe,
            missing=missing,
            served=served,
            expected=expected,
            batch=batch,
            requests=server.requests[first:],
            requests_sent=client.requests_sent,
            retries=client.retries,
            waits=clock.sleeps[waited:],
            seconds=seconds,
        )


def _client(
    server: FakePolygon, clock: FakeClock, seed: int, requests_per_minute: int = 10_000, **options
) -> PolygonMarketData:
    return PolygonMarketData(
        API_KEY,
        base_url=server.url,
        requests_per_minute=requests_per_minute,
        max_retries=MAX_RETRIES,
        timeout=READ_TIMEOUT,
        clock=clock,
        sleep=clock.sleep,
        rng=random.Random(seed),
        **options,
    )


def grouped_daily_cost(
    symbols: int = 1200, sessions: int = 5, requests_per_minute: int = 5, fault_rate: float = 0.2, seed: int = 20240101
) -> dict[str, object]:
    """The daily close's correction window (`sessions` sessions) of a `symbols`-symbol universe, per symbol and
    through grouped daily, at `requests_per_minute` on a fake clock, the grouped fetch also through seeded faults:
    requests sent and the minutes the rate limit (and the faults' backoff) would take."""
    universe = [f"S{i:04d}" for i in range(symbols)]
    window = calendar.sessions(date(2024, 6, 3), date(2024, 6, 28))[:sessions]
    days = (window[0], window[-1])
    figures: dict[str, object] = {"symbols": symbols, "rate_limit_per_minute": requests_per_minute}
    with running_fake_polygon() as server:
        server.serve_simulated(universe, date(2024, 5, 1), date(2024, 6, 30))
        fetched = {}
        for label, threshold, faults in (
            ("per_symbol", symbols, None),
            ("grouped", 50, None),
            ("grouped_faults", 50, fault_rate),
        ):
            server.random_faults = None if faults is None else RandomFaults(rate=faults, seed=seed)
            clock = FakeClock()
            with _client(server, clock, seed, requests_per_minute, grouped_threshold=threshold) as client:
                began = clock()
                fetched[label] = client.daily_closes(universe, *days)
                figures[f"{label}_requests"] = client.requests_sent
                figures[f"{label}_minutes"] = round((clock() - began) / 60, 1)
        figures["sessions"] = fetched["grouped"].closes["date"].nunique()
        figures["data_identical"] = all(b.closes.equals(fetched["per_symbol"].closes) for b in fetched.values())
    return figures
