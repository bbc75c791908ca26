"""The daily close of a large universe through Polygon grouped daily (SQLite and PostgreSQL): `market_prices` for one
new session asks one grouped request per session of the correction window plus one splits request, through 429, 5xx
stores the same closes as per-symbol requests would, and its metadata names the cost and the limit."""

from datetime import date

import dagster as dg
import pytest
from sqlalchemy import select

from benchmarks.scenarios.fake_polygon import API_KEY, running_fake_polygon
from benchmarks.scenarios.pipeline import Pipeline
from sigmasight_assets.analytics.factors import FACTOR_ETFS
from sigmasight_assets.definitions import build_definitions
from sigmasight_resources.db.models import MarketPrice
from sigmasight_resources.db.session import ResultsDB
from sigmasight_resources.settings import load_settings
from tests.support.bench import PARTITIONS_START

HELD = [f"S{i:03d}" for i in range(60)]  # above the grouped threshold of 50
ONBOARDED, DAY = "2025-03-12", "2025-03-13"


@pytest.fixture
def market(db_url, tmp_path):
    with running_fake_polygon() as server:
        server.serve_simulated([*HELD, *FACTOR_ETFS], date(2020, 1, 2), date(2025, 4, 30))  # replays included
        settings = load_settings(
            database_url=db_url,
            partitions_start=PARTITIONS_START,
            market_data="polygon",
            polygon_api_key=API_KEY,
            polygon_base_url=server.url,
            polygon_requests_per_minute=1_000_000,
        )
        defs = build_definitions(settings)
        (tmp_path / "dagster").mkdir()
        with dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:
            db = ResultsDB(db_url)
            pipeline = Pipeline(db, defs, instance)
            entry = {"quantity": 10, "entry_price": 50.0, "entry_date": PARTITIONS_START}
            positions = [{"symbol": s, **entry} for s in HELD]
            pipeline.add_portfolio("wide", positions)

            def materialize(**tags) -> dict:
                result = dg.materialize(
                    list(defs.assets), selection=["market_prices"], instance=instance, resources=defs.resources, **tags
                )
                assert result.success
                [event] = result.asset_materializations_for_node("market_prices")[-1:]
                return {k: v.value for k, v in event.metadata.items()}

            yield server, pipeline, materialize
            db.dispose()


def test_the_daily_close_of_a_large_universe_costs_one_grouped_request_per_window_session(market):
    server, pipeline, materialize = market
    materialize(
        tags={"dagster/asset_partition_range_start": "2025-03-03", "dagster/asset_partition_range_end": ONBOARDED}
    )
    first = len(server.requests)
    server.fail("grouped:2025-03-10", (429, {"Retry-After": "0"}), 502)
    server.fail("grouped:2025-03-13", 503)  # timeouts: tests/market_data/test_polygon_grouped.py (a fake clock)

    metadata = materialize(partition_key=DAY)

    daily = server.requests[first:]
    grouped = sorted({r.path.rsplit("/", 1)[-1] for r in daily if r.path.startswith("/v2/aggs/grouped/")})
    assert grouped == ["2025-03-07", "2025-03-10", "2025-03-11", "2025-03-12", "2025-03-13"]
    assert [r.path for r in daily if r.path.startswith("/v2/aggs/ticker/")] == []  # no per-symbol request
    assert sum(r.path == "/v3/reference/splits" for r in daily) == 1
    assert metadata["vendor_requests"] == len(daily) == 5 + 1 + 3  # three faulted attempts retried
    assert metadata["vendor_rate_limit_per_minute"] == 1_000_000
    assert metadata["corrections"] == []
    with pipeline.db.transaction() as session:
        stored = dict(
            session.execute(
                select(MarketPrice.symbol, MarketPrice.close).where(MarketPrice.date == date.fromisoformat(DAY))
            ).all()
        )
    served = server.serve_simulated([*HELD, *FACTOR_ETFS], date(2025, 3, 13), date(2025, 3, 13))
    assert set(stored) == {*HELD, *FACTOR_ETFS}
    assert all(stored[s] == pytest.approx(c, rel=1e-12) for s, c in zip(served["symbol"], served["close"], strict=True))
