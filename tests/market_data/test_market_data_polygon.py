"""PolygonMarketData against a real local HTTP server that speaks Polygon's protocol and injects
faults. Time is a fake clock (sleeps advance it), so backoff and rate limiting cost no real time;
only the stalled-connection test waits (one client timeout)."""

import logging
import random
import time
from datetime import date

import pandas as pd
import pytest

from benchmarks.scenarios.fake_polygon import API_KEY, FakeClock, FakePolygon
from sigmasight_resources import calendar
from sigmasight_resources.market_data import (
    PermanentMarketDataError,
    PolygonMarketData,
    TransientMarketDataError,
)
from sigmasight_resources.market_data.polygon import SlidingWindowRateLimiter, _retry_after_seconds

START, END = date(2024, 1, 1), date(2024, 6, 30)  # spans the switch to daylight saving time


def make(server: FakePolygon, clock: FakeClock, **overrides) -> PolygonMarketData:
    options = dict(
        api_key=API_KEY,
        base_url=server.url,
        requests_per_minute=10_000,
        max_retries=3,
        timeout=2.0,
        clock=clock,
        sleep=clock.sleep,
        rng=random.Random(7),
    )
    options.update(overrides)
    return PolygonMarketData(**options)


@pytest.fixture
def provider(polygon_server: FakePolygon, clock: FakeClock):
    with make(polygon_server, clock) as p:
        yield p


def _closes_of(batch, symbol: str) -> pd.DataFrame:
    return batch.closes[batch.closes["symbol"] == symbol].reset_index(drop=True)


# ---- the happy path ------------------------------------------------------------------------


def test_closes_follow_next_url_pages_and_match_the_served_bars(polygon_server, provider):
    polygon_server.page_size = 50  # ~125 sessions -> 3 pages
    expected = polygon_server.serve_simulated(["AAPL", "SPY"], START, END)

    batch = provider.daily_closes(["AAPL", "SPY"], START, END)

    pd.testing.assert_frame_equal(batch.closes, expected)
    assert batch.unavailable == {}
    assert list(_closes_of(batch, "SPY")["date"]) == calendar.sessions(START, END)
    aapl = polygon_server.for_symbol("AAPL")
    assert len(aapl) == 3
    assert aapl[0].path == "/v2/aggs/ticker/AAPL/range/1/day/2024-01-01/2024-06-30"
    assert aapl[0].query == {"adjusted": ["true"], "sort": ["asc"], "limit": ["50000"]}
    assert all(set(r.query) == {"cursor"} for r in aapl[1:])  # next_url is followed verbatim
    assert all(r.authorization == f"Bearer {API_KEY}" for r in polygon_server.requests)
    assert all("apiKey" not in r.query for r in polygon_server.requests)  # key never in a URL
    assert provider.retries == 0


def test_dates_are_new_york_session_days(polygon_server, provider):
    # t is midnight New York time: 05:00 UTC in winter, 04:00 UTC in summer.
    polygon_server.bars["XYZ"] = [
        {"t": 1704862800000, "c": 10.0},  # 2024-01-10 00:00 EST
        {"t": 1720584000000, "c": 11.0},  # 2024-07-10 00:00 EDT
    ]
    batch = provider.daily_closes(["XYZ"], date(2024, 1, 1), date(2024, 12, 31))
    assert list(batch.closes["date"]) == [date(2024, 1, 10), date(2024, 7, 10)]
    assert list(batch.closes["close"]) == [10.0, 11.0]


def test_foreign_next_url_is_fetched_from_the_configured_base(polygon_server, provider):
    polygon_server.page_size = 40
    polygon_server.next_url_host = "https://polygon.invalid"  # must never be contacted
    expected = polygon_server.serve_simulated(["MSFT"], START, END)

    batch = provider.daily_closes(["MSFT"], START, END)

    pd.testing.assert_frame_equal(batch.closes, expected)
    assert len(polygon_server.for_symbol("MSFT")) == 4


def test_no_request_when_the_range_has_no_trading_day_or_the_ticker_is_malformed(polygon_server, provider):
    weekend = provider.daily_closes(["AAPL"], date(2024, 7, 6), date(2024, 7, 7))
    assert weekend.closes.empty and weekend.unavailable == {}
    bad = provider.daily_closes(["bad ticker", "ZZ$"], START, END)
    assert set(bad.unavailable) == {"bad ticker", "ZZ$"}
    assert polygon_server.requests == []


# ---- unavailable symbols -------------------------------------------------------------------


def test_404_makes_the_symbol_unavailable(polygon_server, provider):
    polygon_server.serve_simulated(["AAPL"], START, END)
    polygon_server.not_found.add("GONE")

    batch = provider.daily_closes(["AAPL", "GONE"], START, END)

    assert batch.symbols == ["AAPL"]
    assert "404" in batch.unavailable["GONE"] and "Ticker not found" in batch.unavailable["GONE"]
    assert len(polygon_server.for_symbol("GONE")) == 1  # not retried


def test_empty_result_makes_the_symbol_unavailable(polygon_server, provider):
    polygon_server.serve_simulated(["AAPL"], START, END)  # NOBARS has no bars: resultsCount 0

    batch = provider.daily_closes(["NOBARS", "AAPL"], START, END)

    assert batch.symbols == ["AAPL"]
    assert "no daily bars" in batch.unavailable["NOBARS"]
    assert len(polygon_server.for_symbol("NOBARS")) == 1


# ---- transient faults: retried, bounded ---------------------------------------------------


def test_429_honours_retry_after(polygon_server, provider, clock, caplog):
    expected = polygon_server.serve_simulated(["SPY"], START, END)
    polygon_server.fail("SPY", (429, {"Retry-After": "7"}), (429, {"Retry-After": "3"}))

    with caplog.at_level(logging.WARNING, logger="sigmasight_resources.market_data.polygon"):
        batch = provider.daily_closes(["SPY"], START, END)

    pd.testing.assert_frame_equal(batch.closes, expected)
    assert len(polygon_server.for_symbol("SPY")) == 3
    assert clock.sleeps == [7.0, 3.0]
    assert provider.retries == 2
    assert [r.getMessage().count("HTTP 429") for r in caplog.records] == [1, 1]


@pytest.mark.parametrize("statuses", [[500], [503, 502], [500, 503, 504]])
def test_5xx_is_retried_with_exponential_backoff_and_jitter(polygon_server, provider, clock, statuses):
    expected = polygon_server.serve_simulated(["SPY"], START, END)
    polygon_server.fail("SPY", *statuses)

    batch = provider.daily_closes(["SPY"], START, END)

    pd.testing.assert_frame_equal(batch.closes, expected)
    assert len(polygon_server.for_symbol("SPY")) == len(statuses) + 1
    assert len(clock.sleeps) == len(statuses)
    for n, slept in enumerate(clock.sleeps):  # equal jitter: [2^n / 2, 2^n] seconds
        assert 2**n / 2 <= slept <= 2**n


def test_retries_are_bounded_then_transient_error(polygon_server, provider, clock, caplog):
    polygon_server.serve_simulated(["SPY"], START, END)
    polygon_server.fail("SPY", *[500] * 50)

    with caplog.at_level(logging.DEBUG), pytest.raises(TransientMarketDataError) as raised:
        provider.daily_closes(["SPY"], START, END)

    assert len(polygon_server.for_symbol("SPY")) == 4  # 1 + max_retries
    assert len(clock.sleeps) == 3
    message = str(raised.value)
    assert "HTTP 500" in message and "4 attempts" in message and "SPY" in message
    assert API_KEY not in message and API_KEY not in caplog.text


def test_backoff_is_capped(polygon_server, clock):
    polygon_server.serve_simulated(["SPY"], START, END)
    polygon_server.fail("SPY", *[503] * 8)
    with make(polygon_server, clock, max_retries=8, backoff_base=1.0, backoff_max=10.0) as p:
        p.daily_closes(["SPY"], START, END)
    assert max(clock.sleeps) <= 10.0
    assert clock.sleeps[-1] >= 5.0


def test_too_long_retry_after_gives_up_at_once(polygon_server, provider, clock):
    polygon_server.fail("SPY", (429, {"Retry-After": "3600"}))
    with pytest.raises(TransientMarketDataError, match="Retry-After"):
        provider.daily_closes(["SPY"], START, END)
    assert len(polygon_server.for_symbol("SPY")) == 1
    assert clock.sleeps == []


def test_stalled_connection_times_out_and_is_retried(polygon_server, clock):
    expected = polygon_server.serve_simulated(["SPY"], START, END)
    polygon_server.fail("SPY", "stall")

    began = time.perf_counter()
    with make(polygon_server, clock, timeout=0.25) as p:
        batch = p.daily_closes(["SPY"], START, END)
        assert p.retries == 1
    elapsed = time.perf_counter() - began

    pd.testing.assert_frame_equal(batch.closes, expected)
    assert len(polygon_server.for_symbol("SPY")) == 2
    assert 0.2 <= elapsed < 1.2  # one client timeout, not the server's 1.5 s stall


@pytest.mark.parametrize("fault", ["drop", "truncate", "garbage"])
def test_dropped_connection_and_broken_body_are_retried(polygon_server, provider, fault):
    expected = polygon_server.serve_simulated(["SPY"], START, END)
    polygon_server.fail("SPY", fault, fault)

    batch = provider.daily_closes(["SPY"], START, END)

    pd.testing.assert_frame_equal(batch.closes, expected)
    assert len(polygon_server.for_symbol("SPY")) == 3
    assert provider.retries == 2


def test_fault_on_a_later_page_retries_only_that_page(polygon_server, provider):
    polygon_server.page_size = 50
    expected = polygon_server.serve_simulated(["SPY"], START, END)
    polygon_server.fail("SPY", "ok", 500, 500)  # page 1 answers, page 2 fails twice

    batch = provider.daily_closes(["SPY"], START, END)

    pd.testing.assert_frame_equal(batch.closes, expected)
    cursors = [r.query.get("cursor", [None])[0] for r in polygon_server.for_symbol("SPY")]
    assert len(cursors) == 5
    assert cursors[0] is None
    assert cursors[1] == cursors[2] == cursors[3] != cursors[4]  # page 2 retried, not page 1


# ---- permanent faults: never retried -------------------------------------------------------


def test_401_bad_key_is_permanent_and_not_retried(polygon_server, clock, caplog):
    wrong_key = "pk-WRONG-0000"
    with caplog.at_level(logging.DEBUG), make(polygon_server, clock, api_key=wrong_key) as p:
        with pytest.raises(PermanentMarketDataError) as raised:
            p.daily_closes(["SPY", "AAPL"], START, END)
        assert p.retries == 0
    assert len(polygon_server.requests) == 1
    assert clock.sleeps == []
    message = str(raised.value)
    assert "401" in message and "Unknown API Key" in message and "SIGMASIGHT_POLYGON_API_KEY" in message
    assert wrong_key not in message and wrong_key not in caplog.text
    assert not isinstance(raised.value, TransientMarketDataError)


def test_403_is_permanent_and_not_retried(polygon_server, provider, clock):
    polygon_server.serve_simulated(["SPY"], START, END)
    polygon_server.fail("SPY", 403, 403, 403)
    with pytest.raises(PermanentMarketDataError, match="403"):
        provider.daily_closes(["SPY"], START, END)
    assert len(polygon_server.for_symbol("SPY")) == 1
    assert clock.sleeps == [] and provider.retries == 0


def test_missing_key_fails_before_any_request():
    with pytest.raises(PermanentMarketDataError, match="SIGMASIGHT_POLYGON_API_KEY"):
        PolygonMarketData(None, base_url="http://127.0.0.1:9")
    with pytest.raises(PermanentMarketDataError):
        PolygonMarketData("  ", base_url="http://127.0.0.1:9")


def test_repr_hides_the_key(polygon_server, provider):
    assert API_KEY not in repr(provider)


def test_provider_is_usable_after_close(polygon_server, provider):
    expected = polygon_server.serve_simulated(["SPY"], START, END)
    with provider:
        provider.daily_closes(["SPY"], START, END)
    pd.testing.assert_frame_equal(provider.daily_closes(["SPY"], START, END).closes, expected)


# ---- rate limit ----------------------------------------------------------------------------


def test_rate_limit_is_respected(polygon_server, clock):
    symbols = [f"S{i:02d}" for i in range(12)]
    polygon_server.serve_simulated(symbols, START, END)

    with make(polygon_server, clock, requests_per_minute=5) as p:
        batch = p.daily_closes(symbols, START, END)

    assert batch.symbols == symbols
    arrivals = [r.clock for r in polygon_server.requests]
    assert len(arrivals) == 12
    for i in range(len(arrivals) - 5):  # any 6 consecutive requests span at least a minute
        assert arrivals[i + 5] - arrivals[i] >= 60.0
    # ...and the limiter does not over-throttle: 12 requests at 5/min take two waits.
    assert arrivals[-1] - arrivals[0] == pytest.approx(120.0)
    assert len(clock.sleeps) == 2


def test_retries_count_against_the_rate_limit(polygon_server, clock):
    polygon_server.serve_simulated(["SPY"], START, END)
    polygon_server.fail("SPY", 500, 500)

    with make(polygon_server, clock, requests_per_minute=2, backoff_base=0.5) as p:
        p.daily_closes(["SPY"], START, END)

    arrivals = [r.clock for r in polygon_server.requests]
    assert len(arrivals) == 3
    assert arrivals[2] - arrivals[0] >= 60.0


def test_sliding_window_limiter_unit():
    clock = FakeClock(0.0)
    limiter = SlidingWindowRateLimiter(3, 10.0, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        assert limiter.acquire() == 0.0
    clock.sleep(4.0)
    assert limiter.acquire() == pytest.approx(6.0)  # waits for the first stamp to leave
    assert clock.now == pytest.approx(10.0)
    with pytest.raises(ValueError):
        SlidingWindowRateLimiter(0)


def test_retry_after_parsing():
    assert _retry_after_seconds("12") == 12.0
    assert _retry_after_seconds("1.5") == 1.5
    assert _retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert _retry_after_seconds("soon") is None
    assert _retry_after_seconds(None) is None


# ---- company profiles ---------------------------------------------------------------------


def test_company_profiles_from_ticker_details(polygon_server, provider):
    polygon_server.details["AAPL"] = {
        "ticker": "AAPL",
        "name": "Apple Inc.",
        "market_cap": 3.2e12,
        "sic_code": "3571",
        "sic_description": "ELECTRONIC COMPUTERS",
    }
    polygon_server.details["SPY"] = {"ticker": "SPY", "name": "SPDR S&P 500 ETF Trust"}
    polygon_server.fail("AAPL", 502)

    profiles = provider.company_profiles(["AAPL", "SPY", "NOSUCH"])

    assert list(profiles.columns) == ["symbol", "name", "sector", "industry", "market_cap"]
    aapl = profiles.set_index("symbol").loc["AAPL"]
    assert aapl["name"] == "Apple Inc."
    assert aapl["industry"] == "ELECTRONIC COMPUTERS"
    assert aapl["sector"] == "Manufacturing"
    assert aapl["market_cap"] == 3.2e12
    spy = profiles.set_index("symbol").loc["SPY"]
    assert pd.isna(spy["sector"]) and pd.isna(spy["market_cap"])
    assert "NOSUCH" not in set(profiles["symbol"])
    assert polygon_server.for_symbol("AAPL")[0].path == "/v3/reference/tickers/AAPL"
    assert provider.retries == 1
