"""The `market_data` Dagster resource and a settings-driven factory for non-Dagster callers.

`SIGMASIGHT_MARKET_DATA` picks the provider:

- ``simulated`` (default): `SimulatedMarketData`, deterministic, no network.
- ``csv:PATH``: `CsvMarketData` over a long-format ``date,symbol,close`` file.
- ``polygon``: `PolygonMarketData` with ``SIGMASIGHT_POLYGON_API_KEY``.
"""

import os
from collections.abc import Sequence
from datetime import date

import dagster as dg
import pandas as pd
from pydantic import Field, PrivateAttr, SecretStr

from sigmasight_resources.market_data.base import MarketDataProvider, PermanentMarketDataError, PriceBatch
from sigmasight_resources.market_data.csv_provider import CsvMarketData
from sigmasight_resources.market_data.polygon import PolygonMarketData
from sigmasight_resources.market_data.simulator import SimulatedMarketData
from sigmasight_resources.settings import (
    DEFAULT_POLYGON_BASE_URL,
    DEFAULT_POLYGON_GROUPED_THRESHOLD,
    DEFAULT_POLYGON_REQUESTS_PER_MINUTE,
    ENV_PREFIX,
    Settings,
)

API_KEY_ENV = f"{ENV_PREFIX}POLYGON_API_KEY"
SPEC_HELP = "'simulated', 'csv:PATH' or 'polygon'"


def build_provider(
    spec: str,
    *,
    polygon_api_key: str | SecretStr | None = None,
    polygon_base_url: str = DEFAULT_POLYGON_BASE_URL,
    polygon_requests_per_minute: int = DEFAULT_POLYGON_REQUESTS_PER_MINUTE,
    polygon_grouped_threshold: int = DEFAULT_POLYGON_GROUPED_THRESHOLD,
) -> MarketDataProvider:
    """A provider for a `SIGMASIGHT_MARKET_DATA` value; a bad spec raises PermanentMarketDataError."""
    spec = (spec or "").strip()
    if spec == "simulated":
        return SimulatedMarketData()
    if spec.startswith("csv:") and len(spec) > 4:
        return CsvMarketData(spec[4:])
    if spec == "polygon":
        return PolygonMarketData(
            polygon_api_key,
            base_url=polygon_base_url,
            requests_per_minute=polygon_requests_per_minute,
            grouped_threshold=polygon_grouped_threshold,
        )
    raise PermanentMarketDataError(f"market data spec {spec!r} is not {SPEC_HELP}")


def provider_from_settings(settings: Settings) -> MarketDataProvider:
    """The configured provider, for callers outside Dagster (CLI, API, scripts)."""
    return build_provider(
        settings.market_data,
        polygon_api_key=settings.polygon_api_key,
        polygon_base_url=settings.polygon_base_url,
        polygon_requests_per_minute=settings.polygon_requests_per_minute,
        polygon_grouped_threshold=settings.polygon_grouped_threshold,
    )


class MarketDataResource(dg.ConfigurableResource):
    """Market data for assets (resource key ``market_data``).

    The provider is created in `setup_for_execution` (or on first use outside a run) and closed
    in `teardown_after_execution`; nothing is kept at module level.
    """

    spec: str = Field(default="simulated", description=f"Market data source: {SPEC_HELP}")
    polygon_api_key: str | None = Field(
        default=None, description=f"Polygon API key; pass dg.EnvVar('{API_KEY_ENV}') so it is not shown"
    )
    polygon_base_url: str = Field(default=DEFAULT_POLYGON_BASE_URL, description="Polygon REST base URL")
    polygon_requests_per_minute: int = Field(
        default=DEFAULT_POLYGON_REQUESTS_PER_MINUTE, gt=0, description="Client-side request limit"
    )
    unavailable_cooloff_sessions: int = Field(
        default=5, ge=0, description="NYSE sessions before a symbol recorded unavailable is asked again"
    )
    polygon_grouped_threshold: int = Field(
        default=DEFAULT_POLYGON_GROUPED_THRESHOLD,
        ge=0,
        description="More symbols than this over fewer sessions than symbols: one grouped daily request per day",
    )
    correction_sessions: int = Field(
        default=5, ge=0, description="Sessions of stored closes of held symbols each run re-fetches (0: none)"
    )
    correction_tolerance: float = Field(
        default=1e-6, gt=0, lt=1, description="Relative difference beyond which a re-fetched close is a correction"
    )

    _provider: MarketDataProvider | None = PrivateAttr(default=None)

    @classmethod
    def from_settings(cls, settings: Settings) -> "MarketDataResource":
        """The resource for `settings`. When the key came from the environment it is passed as
        `dg.EnvVar`, so Dagster shows the variable's name, never the key."""
        key: str | None = None
        if settings.polygon_api_key is not None:
            value = settings.polygon_api_key.get_secret_value()
            key = dg.EnvVar(API_KEY_ENV) if os.environ.get(API_KEY_ENV) == value else value
        return cls(
            spec=settings.market_data,
            polygon_api_key=key,
            polygon_base_url=settings.polygon_base_url,
            polygon_requests_per_minute=settings.polygon_requests_per_minute,
            unavailable_cooloff_sessions=settings.unavailable_cooloff_sessions,
            polygon_grouped_threshold=settings.polygon_grouped_threshold,
            correction_sessions=settings.correction_sessions,
            correction_tolerance=settings.correction_tolerance,
        )

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._provider = self._build()

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._provider is not None:
            self._provider.close()
            self._provider = None

    def provider(self) -> MarketDataProvider:
        """The configured provider (created on first use outside a Dagster run)."""
        if self._provider is None:
            self._provider = self._build()
        return self._provider

    @property
    def source(self) -> str:
        """The provider's name, stored in the `source` column of price rows."""
        return self.provider().name

    def daily_closes(self, symbols: Sequence[str], start: date, end: date) -> PriceBatch:
        return self.provider().daily_closes(symbols, start, end)

    def company_profiles(self, symbols: Sequence[str]) -> pd.DataFrame:
        return self.provider().company_profiles(symbols)

    def _build(self) -> MarketDataProvider:
        return build_provider(
            self.spec,
            polygon_api_key=self.polygon_api_key,
            polygon_base_url=self.polygon_base_url,
            polygon_requests_per_minute=self.polygon_requests_per_minute,
            polygon_grouped_threshold=self.polygon_grouped_threshold,
        )
