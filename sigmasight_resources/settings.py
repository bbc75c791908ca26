"""One settings object, read once and passed to resources.

Each value comes from, first to last: an explicit override (`load_settings(name=value)`), the
`SIGMASIGHT_*` environment variable, the home's settings file (`HOME/settings.env`, lines
`SIGMASIGHT_NAME=value`; `sigmasight demo` writes its market data and partition range there, so
the UI, the daemon and every command on that home load the same code location), the default.
"""

import os
from datetime import date, time
from functools import cached_property
from pathlib import Path

from dotenv import dotenv_values
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "SIGMASIGHT_"
HOME_VARIABLE = f"{ENV_PREFIX}HOME"
DEFAULT_HOME = Path(".sigmasight")
HOME_SETTINGS_FILE = "settings.env"
# The defaults, defined once: the Polygon provider and the market-data resource default to these too.
DEFAULT_POLYGON_BASE_URL = "https://api.polygon.io"
DEFAULT_POLYGON_REQUESTS_PER_MINUTE = 5  # Polygon's free plan
DEFAULT_POLYGON_GROUPED_THRESHOLD = 50  # more symbols than this for a few days: one grouped request per day
DEFAULT_RISK_FREE_RATE = 0.04  # continuously compounded, a fraction
RISK_FREE_RATE_BOUNDS = (-0.05, 0.5)
# Never echoed in an error: a key, or a URL that may embed a password or a token.
SECRET_FIELDS = frozenset({"polygon_api_key", "database_url", "alert_webhook_url"})


def _three_years_ago() -> date:
    today = date.today()
    return today.replace(year=today.year - 3, day=min(today.day, 28))


def variable(field: str) -> str:
    """The environment variable of a settings field: `partitions_end` -> `SIGMASIGHT_PARTITIONS_END`."""
    return f"{ENV_PREFIX}{field.upper()}"


class SettingsError(ValueError):
    """A setting has a bad value; the message names the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    home: Path = DEFAULT_HOME
    database_url: str | None = None
    market_data: str = "simulated"
    polygon_api_key: SecretStr | None = None
    polygon_base_url: str = DEFAULT_POLYGON_BASE_URL
    polygon_requests_per_minute: int = Field(default=DEFAULT_POLYGON_REQUESTS_PER_MINUTE, gt=0)
    partitions_start: date = Field(default_factory=_three_years_ago)
    partitions_end: date | None = None  # None: the partitions run on to the latest closed session
    risk_free_rate: float = Field(
        default=DEFAULT_RISK_FREE_RATE, ge=RISK_FREE_RATE_BOUNDS[0], le=RISK_FREE_RATE_BOUNDS[1]
    )
    alert_webhook_url: str | None = None
    # NYSE sessions after which a symbol recorded unavailable is asked of the vendor again.
    unavailable_cooloff_sessions: int = Field(default=5, ge=0)
    # Sessions of stored closes each market_prices run re-fetches to catch corrections and splits (0: none),
    # and the relative difference beyond which a re-fetched close replaces the stored one.
    correction_sessions: int = Field(default=5, ge=0)
    correction_tolerance: float = Field(default=1e-6, gt=0, lt=1)
    polygon_grouped_threshold: int = Field(default=DEFAULT_POLYGON_GROUPED_THRESHOLD, ge=0)
    # New York time by which every active portfolio should have the day's results, else one alert.
    completion_deadline: time = time(20, 0)
    # Disjoint groups the close sensor splits a day's portfolios into, run as that many runs at once.
    portfolio_groups: int = Field(default=1, ge=1, le=64)

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

    @model_validator(mode="after")
    def _end_not_before_start(self) -> "Settings":
        if self.partitions_end is not None and self.partitions_end < self.partitions_start:
            raise ValueError(
                f"{variable('partitions_end')} {self.partitions_end} is before "
                f"{variable('partitions_start')} {self.partitions_start}"
            )
        return self

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


def home_settings_path(home: Path) -> Path:
    """The settings file of a home."""
    return Path(home) / HOME_SETTINGS_FILE


def _environment() -> dict[str, str]:
    """The `SIGMASIGHT_*` variables, by upper-cased name (pydantic-settings matches them in any case)."""
    return {name.upper(): value for name, value in os.environ.items() if name.upper().startswith(ENV_PREFIX)}


def read_home_settings(path: Path) -> dict[str, str]:
    """The field values a home's settings file sets; an unknown or misplaced name is a `SettingsError`."""
    if not path.is_file():
        return {}
    values = {}
    for name, value in dotenv_values(path).items():
        field = name.upper().removeprefix(ENV_PREFIX).lower()
        if not name.upper().startswith(ENV_PREFIX) or field not in Settings.model_fields:
            raise SettingsError(f"{path}: {name} is not a SigmaSight setting")
        if field == "home":
            raise SettingsError(f"{path}: {HOME_VARIABLE} cannot be set inside the home it names")
        if value is None:
            raise SettingsError(f"{path}: {name} has no value (expected {name}=VALUE)")
        values[field] = value
    return values


def write_home_settings(home: Path, values: dict[str, str]) -> Path:
    """Set `values` (by field name) in the home's settings file, keeping its other lines; the file."""
    path = home_settings_path(home)
    names = {variable(field): str(value) for field, value in values.items()}
    kept = []
    if path.is_file():
        for line in path.read_text().splitlines():
            key = line.split("=", 1)[0].strip().upper()
            if key not in names:
                kept.append(line)
    if not kept:
        kept = ["# SigmaSight settings of this home; SIGMASIGHT_* environment variables override them."]
    lines = [*kept, *(f"{name}={value}" for name, value in names.items())]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def load_settings(**overrides: object) -> Settings:
    """Overrides, else the environment, else the home's settings file; a bad value raises one
    `SettingsError` naming its variable (and the file, when it came from there)."""
    environment = _environment()
    home = Path(str(overrides.get("home") or environment.get(HOME_VARIABLE) or DEFAULT_HOME))
    path = home_settings_path(home)
    from_file = {
        field: value
        for field, value in read_home_settings(path).items()
        if field not in overrides and variable(field) not in environment
    }
    try:
        return Settings(**from_file, **overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            message = error["msg"].removeprefix("Value error, ")
            if not error["loc"]:  # a check across fields names its variables itself
                named = [variable(f) for f in ("partitions_start", "partitions_end") if f in from_file]
                problems.append(f"{message} ({', '.join(named)} set in {path})" if named else message)
                continue
            field = str(error["loc"][0])
            where = f" (set in {path})" if field in from_file else ""
            got = "" if field in SECRET_FIELDS else f", got {error['input']!r}"
            problems.append(f"{variable(field)}{where}: {message}{got}")
        raise SettingsError("; ".join(problems)) from None
