"""Polygon grouped daily and the splits reference, against the local fault-injecting server: a large universe's
few sessions cost one request per session (429, 5xx and timeouts retried, the rate limit honoured), answer the
same closes as per-symbol requests, and a symbol absent from the grouped answer is asked alone."""

from datetime import date

import pandas as pd

from sigmasight_resources import calendar
from tests.market_data.test_market_data_polygon import make

DAYS = (date(2024, 6, 3), date(2024, 6, 7))  # five sessions
UNIVERSE = [f"S{i:03d}" for i in range(60)]  # above the default threshold of 50


def grouped(server) -> list:
    return [r for r in server.requests if r.path.startswith("/v2/aggs/grouped/")]


def test_many_symbols_over_few_sessions_cost_one_grouped_request_per_session(polygon_server, clock):
    expected = polygon_server.serve_simulated(UNIVERSE, date(2024, 5, 1), date(2024, 6, 30))
    expected = expected[expected["date"].between(*DAYS)].reset_index(drop=True)
    with make(polygon_server, clock) as provider:
        batch = provider.daily_closes(UNIVERSE, *DAYS)
        sent = provider.requests_sent

    pd.testing.assert_frame_equal(batch.closes, expected)
    assert batch.unavailable == {}
    assert sent == len(polygon_server.requests) == 5
    assert [r.path for r in grouped(polygon_server)] == [
        f"/v2/aggs/grouped/locale/us/market/stocks/{d}" for d in calendar.sessions(*DAYS)
    ]
    assert all(r.query == {"adjusted": ["true"]} for r in polygon_server.requests)


def test_below_the_threshold_or_over_a_long_history_each_symbol_is_asked(polygon_server, clock):
    polygon_server.serve_simulated(UNIVERSE, date(2024, 1, 1), date(2024, 6, 30))
    with make(polygon_server, clock, grouped_threshold=60) as provider:
        provider.daily_closes(UNIVERSE, *DAYS)  # 60 symbols: not more than the threshold
    with make(polygon_server, clock) as provider:
        provider.daily_closes(UNIVERSE, date(2024, 1, 2), date(2024, 6, 28))  # more sessions than symbols
    assert grouped(polygon_server) == []
    assert len(polygon_server.requests) == 120


def test_grouped_and_per_symbol_answers_agree_for_share_classes_and_unknown_symbols(polygon_server, clock):
    symbols = [*UNIVERSE, "BRK.B", "NOPE"]
    polygon_server.serve_simulated([*UNIVERSE, "BRK.B"], date(2024, 5, 1), date(2024, 6, 30))
    polygon_server.not_found.add("NOPE")
    with make(polygon_server, clock, grouped_threshold=10_000) as provider:
        alone = provider.daily_closes([*symbols, "BRK-B"], *DAYS)
    first = len(polygon_server.requests)
    with make(polygon_server, clock) as provider:
        together = provider.daily_closes([*symbols, "BRK-B"], *DAYS)

    pd.testing.assert_frame_equal(together.closes, alone.closes)
    assert together.unavailable == alone.unavailable and set(together.unavailable) == {"NOPE"}
    later = polygon_server.requests[first:]
    assert sum(r.symbol == "NOPE" for r in later) == 1  # absent from every grouped day: asked alone (404)
    assert len(later) == 5 + 1


def test_grouped_requests_retry_429_5xx_and_timeouts_and_honour_the_rate_limit(polygon_server, clock):
    polygon_server.serve_simulated(UNIVERSE, date(2024, 5, 1), date(2024, 6, 30))
    with make(polygon_server, clock) as provider:
        expected = provider.daily_closes(UNIVERSE, *DAYS)
    polygon_server.requests.clear()
    polygon_server.stall_seconds = 1.0
    polygon_server.fail("grouped:2024-06-04", (429, {"Retry-After": "7"}), 503)
    polygon_server.fail("grouped:2024-06-06", "stall", 500)
    began = clock()
    with make(polygon_server, clock, requests_per_minute=3, timeout=0.3) as provider:
        batch = provider.daily_closes(UNIVERSE, *DAYS)
        retries, sent = provider.retries, provider.requests_sent

    pd.testing.assert_frame_equal(batch.closes, expected.closes)
    assert (retries, sent) == (4, 9) and len(polygon_server.requests) == 9
    assert 7.0 in clock.sleeps  # Retry-After honoured
    # at most 3 requests in any 60 s of the (fake) clock, retries included
    stamps = [r.clock for r in polygon_server.requests]
    assert all(sum(a <= t < a + 60 for t in stamps) <= 3 for a in stamps)
    assert clock() - began >= 120


def test_the_splits_reference_is_one_market_wide_request_filtered_to_the_symbols(polygon_server, clock):
    polygon_server.serve_simulated(["AAPL", "NVDA", "TSLA"], date(2024, 5, 1), date(2024, 6, 30))
    polygon_server.split("NVDA", date(2024, 6, 10), 10)
    polygon_server.split("TSLA", date(2024, 6, 12), 3)
    polygon_server.split("AAPL", date(2024, 5, 2), 4)  # before the range
    polygon_server.fail("splits", 502)
    with make(polygon_server, clock) as provider:
        found = provider.splits(["AAPL", "NVDA"], date(2024, 6, 3), date(2024, 6, 14))
        assert provider.requests_sent == 2
    assert found == {"NVDA": [date(2024, 6, 10)]}
    [request] = [r for r in polygon_server.requests if r.fault is None][-1:]
    assert request.query["execution_date.gte"] == ["2024-06-03"]
    assert request.query["execution_date.lte"] == ["2024-06-14"]
