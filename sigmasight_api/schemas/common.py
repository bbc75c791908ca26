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


class FactorContribution(BaseModel):
    """One model factor's share of the portfolio's ex-ante risk."""

    exposure: float | None = Field(description="the portfolio's loading on the factor (NAV-weighted beta)")
    contribution: float | None = Field(description="its contribution to `ex_ante_vol` (annualized fraction)")
    pct: float | None = Field(description="its share of the ex-ante risk: contribution / ex_ante_vol (fraction)")


class RiskFields(BaseModel):
    """Ex-ante risk from the factor model, shared by the report and the read (fractions of NAV; vol annualized)."""

    ex_ante_vol: float | None = Field(description="ex-ante volatility of the book (annualized fraction)")
    factor_vol: float | None = Field(description="the part explained by the model factors (annualized fraction)")
    specific_vol: float | None = Field(description="the stock-specific part (annualized fraction)")
    benchmark: str | None = Field(description="the symbol `tracking_error` was measured against (null: not computed)")
    tracking_error: float | None = Field(description="ex-ante volatility of book minus benchmark (annualized fraction)")
    factor_contributions: dict[str, FactorContribution] = Field(
        description="one object per model factor: Market, Rates, Growth_Value_Spread, Momentum_Spread, "
        "Size_Spread, Quality_Spread, Low_Vol_Spread"
    )
    parametric_var_95: float | None = Field(description="1-day parametric VaR at 95 %, a loss as a positive fraction")
    parametric_var_99: float | None = Field(description="1-day parametric VaR at 99 %, a loss as a positive fraction")
    parametric_es_95: float | None = Field(description="1-day parametric expected shortfall at 95 % (fraction)")
    parametric_es_99: float | None = Field(description="1-day parametric expected shortfall at 99 % (fraction)")
    position_contributions_count: int | None = Field(description="how many positions contribute (null: not computed)")
