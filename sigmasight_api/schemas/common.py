"""Models shared by every resource: the error shape, provenance, data quality and pages."""

from datetime import UTC, date, datetime
from typing import Annotated, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, Field

T = TypeVar("T")

# SQLite hands back naive datetimes; every stored time is UTC, so answers always carry the offset.
Timestamp = Annotated[datetime, AfterValidator(lambda v: v if v.tzinfo else v.replace(tzinfo=UTC))]


class ErrorDetail(BaseModel):
    """One problem: `field` it concerns, and for an uploaded file the `line` (1 = header, 0 = whole file)."""

    field: str | None = None
    line: int | None = None
    message: str


class ErrorBody(BaseModel):
    code: str = Field(description="stable machine-readable code, e.g. `portfolio_not_found`")
    message: str
    details: list[ErrorDetail] = []


class ErrorPublic(BaseModel):
    error: ErrorBody


class Provenance(BaseModel):
    """Which Dagster run wrote the result, and when."""

    as_of: date
    run_id: str
    materialized_at: Timestamp


class DataQualityPublic(BaseModel):
    """The data-quality verdict of one asset for one portfolio and date (docs/ANALYTICS.md)."""

    flag: str
    message: str
    positions_total: int
    positions_analyzed: int
    positions_skipped: dict[str, int]
    data_days: int


class ResultPublic(BaseModel):
    """Fields every result read carries."""

    portfolio_id: int
    as_of: date
    provenance: Provenance
    data_quality: DataQualityPublic | None


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")


class CapitalFields(BaseModel):
    """NAV, cash, leverage and the day's external flow of a snapshot; the capital fields are null until stored."""

    nav: float | None = Field(description="net asset value: cash + the positions' market value")
    cash: float | None = Field(description="cash: inception equity + cash flows − entry costs + exit proceeds")
    gross_leverage: float | None = Field(description="gross exposure / NAV (null when not stored or not defined)")
    net_leverage: float | None = Field(description="net exposure / NAV (null when not stored or not defined)")
    external_flow: float | None = Field(
        description="the day's deposits (> 0) and withdrawals (< 0); excluded from the daily return"
    )


class VolatilityFields(BaseModel):
    """Realized vol, HAR forecasts, VaR and ES (fractions; vol annualized), shared by the report and the read."""

    realized_21d: float | None
    realized_63d: float | None
    realized_252d: float | None
    har_forecast_1d: float | None
    har_forecast_21d: float | None
    var_95: float | None
    var_99: float | None
    es_95: float | None
    es_99: float | None
