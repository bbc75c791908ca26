"""Market-data providers behind one interface, chosen by `SIGMASIGHT_MARKET_DATA`."""

from sigmasight_resources.market_data.base import (
    MarketDataError,
    MarketDataProvider,
    PermanentMarketDataError,
    PriceBatch,
    TransientMarketDataError,
)
from sigmasight_resources.market_data.csv_provider import CsvMarketData
from sigmasight_resources.market_data.polygon import PolygonMarketData
from sigmasight_resources.market_data.resource import MarketDataResource, build_provider, provider_from_settings
from sigmasight_resources.market_data.simulator import SimulatedMarketData

__all__ = [
    "CsvMarketData",
    "MarketDataError",
    "MarketDataProvider",
    "MarketDataResource",
    "PermanentMarketDataError",
    "PolygonMarketData",
    "PriceBatch",
    "SimulatedMarketData",
    "TransientMarketDataError",
    "build_provider",
    "provider_from_settings",
]
