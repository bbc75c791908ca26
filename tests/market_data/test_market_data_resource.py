"""MarketDataResource and the settings-driven factory, including runs through Dagster."""

from datetime import date

import dagster as dg
import pytest

from benchmarks.scenarios.fake_polygon import API_KEY, FakePolygon
from sigmasight_resources.market_data import (
    CsvMarketData,
    MarketDataResource,
    PermanentMarketDataError,
    PolygonMarketData,
    SimulatedMarketData,
    build_provider,
    provider_from_settings,
)
from sigmasight_resources.market_data.resource import API_KEY_ENV
from sigmasight_resources.settings import load_settings

START, END = date(2024, 3, 1), date(2024, 3, 28)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in ("SIGMASIGHT_MARKET_DATA", API_KEY_ENV, "SIGMASIGHT_POLYGON_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_default_resource_is_the_simulator_and_reuses_its_provider():
    resource = MarketDataResource()
    assert isinstance(resource.provider(), SimulatedMarketData)
    assert resource.provider() is resource.provider()
    assert resource.source == "simulated"
    assert len(resource.daily_closes(["SPY"], START, END).closes) == 20


def test_provider_from_settings_picks_each_kind(prices_csv, monkeypatch):
    assert isinstance(provider_from_settings(load_settings()), SimulatedMarketData)
    csv = provider_from_settings(load_settings(market_data=f"csv:{prices_csv}"))
    assert isinstance(csv, CsvMarketData) and csv.name == "csv:prices_slice.csv"
    monkeypatch.setenv(API_KEY_ENV, API_KEY)
    with provider_from_settings(load_settings(market_data="polygon")) as polygon:
        assert isinstance(polygon, PolygonMarketData)
        assert polygon.rate_limiter.limit == 5


def test_polygon_without_a_key_and_bad_specs_fail_clearly():
    with pytest.raises(PermanentMarketDataError, match=API_KEY_ENV):
        provider_from_settings(load_settings(market_data="polygon"))
    with pytest.raises(PermanentMarketDataError, match="'simulated', 'csv:PATH' or 'polygon'"):
        build_provider("yahoo")


def test_from_settings_passes_an_environment_key_as_envvar(monkeypatch):
    monkeypatch.setenv(API_KEY_ENV, API_KEY)
    resource = MarketDataResource.from_settings(load_settings(market_data="polygon"))
    assert isinstance(resource.polygon_api_key, dg.EnvVar)
    assert API_KEY not in repr(resource)
    assert resource.spec == "polygon"


def test_asset_reads_simulated_closes_through_the_resource():
    @dg.asset
    def closes(market_data: MarketDataResource) -> dg.MaterializeResult:
        batch = market_data.daily_closes(["SPY", "AAPL", "ZZZZ-DELISTED"], START, END)
        return dg.MaterializeResult(
            metadata={"rows": len(batch.closes), "unavailable": len(batch.unavailable), "source": market_data.source}
        )

    result = dg.materialize([closes], resources={"market_data": MarketDataResource()})
    assert result.success
    metadata = result.asset_materializations_for_node("closes")[0].metadata
    assert metadata["rows"].value == 40
    assert metadata["unavailable"].value == 1
    assert metadata["source"].value == "simulated"


def test_asset_reads_polygon_through_the_resource_with_an_envvar_key(polygon_server: FakePolygon, monkeypatch):
    expected = polygon_server.serve_simulated(["SPY", "AAPL"], START, END)
    monkeypatch.setenv(API_KEY_ENV, API_KEY)
    resource = MarketDataResource(
        spec="polygon", polygon_api_key=dg.EnvVar(API_KEY_ENV), polygon_base_url=polygon_server.url
    )
    seen: dict[str, object] = {}

    @dg.asset
    def closes(market_data: MarketDataResource) -> None:
        seen["closes"] = market_data.daily_closes(["SPY", "AAPL", "NOBARS"], START, END)
        seen["provider"] = market_data.provider()

    assert dg.materialize([closes], resources={"market_data": resource}).success
    batch = seen["closes"]
    assert batch.closes.equals(expected)
    assert "no daily bars" in batch.unavailable["NOBARS"]
    assert all(r.authorization == f"Bearer {API_KEY}" for r in polygon_server.requests)
    assert seen["provider"]._http.is_closed  # torn down after the run


def test_a_bad_key_fails_the_run_without_retrying(polygon_server: FakePolygon):
    resource = MarketDataResource(spec="polygon", polygon_api_key="pk-WRONG", polygon_base_url=polygon_server.url)

    @dg.asset
    def closes(market_data: MarketDataResource) -> None:
        market_data.daily_closes(["SPY"], START, END)

    result = dg.materialize([closes], resources={"market_data": resource}, raise_on_error=False)
    assert not result.success
    assert len(polygon_server.requests) == 1
