"""Fixtures for the market-data tests: a fake clock, a local fake Polygon server, a price slice."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.scenarios.fake_polygon import FakeClock, FakePolygon, running_fake_polygon

DATA = Path(__file__).parent / "data"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def polygon_server(clock: FakeClock) -> Iterator[FakePolygon]:
    """A fake Polygon on 127.0.0.1 at a free port; `.url` is its base URL."""
    with running_fake_polygon(clock) as fake:
        yield fake


@pytest.fixture
def prices_csv() -> Path:
    """A 3 KB slice of the real price file: AAPL, SPY, TLT, BRK-B, XLC (from 2018-06-19),
    2018-06-11 to 2018-07-13, with a profiles sidecar."""
    return DATA / "prices_slice.csv"
