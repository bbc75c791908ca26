"""The report object of `sigmasight_resources.db.report.build_report`, described for the OpenAPI document.

The endpoint returns that object verbatim (so it is byte-for-byte what `sigmasight report --json`
prints); this model only documents it, and the schemathesis test checks the two agree.
"""

from pydantic import BaseModel, Field

from sigmasight_api.schemas.common import CapitalFields, DataQualityPublic, RiskFields, VolatilityFields

Num = float | None


class ReportPortfolio(BaseModel):
    id: int
    name: str


class ReportSector(BaseModel):
    sector: str
    exposure: Num
    weight: Num


class ReportSnapshot(CapitalFields):
    long_exposure: Num
    short_exposure: Num
    gross_exposure: Num
    net_exposure: Num
    daily_pnl: Num
    daily_return: Num
    cumulative_pnl: Num
    positions_count: int | None
    data_quality: DataQualityPublic | None
    sector_exposure: list[ReportSector] | None = None  # present only once company profiles exist


class ReportGreeks(BaseModel):
    delta: Num
    gamma: Num
    vega: Num
    theta: Num


class ReportPosition(BaseModel):
    symbol: str
    investment_class: str
    quantity: Num
    price: Num
    market_value: Num
    weight: Num
    market_beta: Num
    ir_beta: Num
    beta_n_obs: int | None
    greeks: ReportGreeks | None


class ReportBetas(BaseModel):
    market_beta: Num
    ir_beta: Num
    data_quality: DataQualityPublic | None


class ReportFactor(BaseModel):
    beta: Num
    dollar_exposure: Num


class ReportFactors(BaseModel):
    factors: dict[str, ReportFactor]
    data_quality: DataQualityPublic | None


class ReportVolatility(VolatilityFields):
    data_quality: DataQualityPublic | None


class ReportCorrelations(BaseModel):
    average: Num
    weighted: Num
    clusters: list[list[str]]
    excluded_positions: int | None
    data_quality: DataQualityPublic | None


class ReportScenario(BaseModel):
    id: str
    name: str
    category: str
    direct_pnl: Num
    direct_pct: Num
    correlated_pnl: Num
    correlated_pct: Num


class ReportStress(BaseModel):
    scenarios: list[ReportScenario]
    data_quality: DataQualityPublic | None


class ReportPositionContribution(BaseModel):
    symbol: str
    weight: Num = Field(description="the position's weight (fraction of NAV)")
    contribution: Num = Field(description="its contribution to `ex_ante_vol` (annualized fraction)")
    pct: Num = Field(description="contribution / ex_ante_vol (fraction)")


class ReportRisk(RiskFields):
    """The risk section: every value null and `data_quality` null until `portfolio_risk` computed the day."""

    position_contributions: list[ReportPositionContribution] = Field(
        description="the 10 largest |contribution| first; `position_contributions_count` says how many there are "
        "and GET .../risk pages through all"
    )
    data_quality: DataQualityPublic | None


class ReportProvenance(BaseModel):
    run_id: str
    materialized_at: str


class ReportPublic(BaseModel):
    portfolio: ReportPortfolio
    as_of: str
    snapshot: ReportSnapshot
    positions: list[ReportPosition]
    betas: ReportBetas
    factor_exposures: ReportFactors
    volatility: ReportVolatility
    correlations: ReportCorrelations
    stress_tests: ReportStress
    risk: ReportRisk
    sector_exposure: list[ReportSector] | None = None  # present only once company profiles exist
    provenance: dict[str, ReportProvenance]
