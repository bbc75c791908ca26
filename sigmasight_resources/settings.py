"""One settings object, read once from `SIGMASIGHT_*` variables and passed to resources."""

import os
from datetime import date
from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "SIGMASIGHT_"
# The defaults, defined once: the Polygon provider and the market-data resource default to these too.
DEFAULT_POLYGON_BASE_URL = "https://api.polygon.io"
DEFAULT_POLYGON_REQUESTS_PER_MINUTE = 5  # Polygon's free plan
DEFAULT_RISK_FREE_RATE = 0.04  # continuously compounded, a fraction


def _three_years_ago() -> date:
    today = date.today()
    return today.replace(year=today.year - 3, day=min(today.day, 28))


class SettingsError(ValueError):
    """A setting has a bad value; the message names the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    home: Path = Path(".sigmasight")
    database_url: str | None = None
    market_data: str = "simulated"
    polygon_api_key: SecretStr | None = None
    polygon_base_url: str = DEFAULT_POLYGON_BASE_URL
    polygon_requests_per_minute: int = Field(default=DEFAULT_POLYGON_REQUESTS_PER_MINUTE, gt=0)
    partitions_start: date = Field(default_factory=_three_years_ago)
    risk_free_rate: float = Field(default=DEFAULT_RISK_FREE_RATE, ge=-0.05, le=0.5)
    alert_webhook_url: str | None = None
    # NYSE sessions after which a symbol recorded unavailable is asked of the vendor again.
    unavailable_cooloff_sessions: int = Field(default=5, ge=0)

    @field_validator("market_data")
    @classmethod
    def _market_data_kind(cls, value: str) -> str:
        if value in ("simulated", "polygon"):
            return value
        if value.startswith("csv:") and len(value) > 4:
            return value
        raise ValueError("must be 'simulated', 'polygon' or 'csv:PATH'")

    @field_validator("polygon_api_key")
    @classmethod
    def _no_placeholder_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value().strip().lower() in ("", "changeme", "your-key"):
            raise ValueError("is a placeholder, not an API key")
        return value

    @cached_property
    def results_url(self) -> str:
        """The results DB URL: the configured one, else SQLite under HOME."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'results.db').resolve()}"

    @cached_property
    def dagster_home(self) -> Path:
        """`DAGSTER_HOME` when set, else `HOME/dagster`."""
        explicit = os.environ.get("DAGSTER_HOME")
        return Path(explicit) if explicit else (self.home / "dagster").resolve()


def load_settings(**overrides: object) -> Settings:
    """Read the environment once; a bad value raises one `SettingsError` naming its variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "?"
            problems.append(f"{ENV_PREFIX}{field.upper()}: {error['msg']}")
        raise SettingsError("; ".join(problems)) from None
