"""Result reads: each carries `as_of`, `provenance` and `data_quality`; lists are pages.

Floats are null when a result is missing or not finite (too little data), never NaN.
"""

from datetime import date

from pydantic import BaseModel, Field

from sigmasight_api.schemas.common import (
    CapitalFields,
    DataQualityPublic,
    Provenance,
    ResultPublic,
    RiskFields,
    VolatilityFields,
)

Num = float | None


class Greeks(BaseModel):
    delta: Num
    gamma: Num
    vega: Num
    theta: Num


class PositionValuePublic(BaseModel):
    position_id: int
    symbol: str
    investment_class: str
    quantity: Num
    price: Num
    market_value: Num
    exposure: Num
    weight: Num
    daily_pnl: Num
    underlying_price: Num
    greeks: Greeks | None
    flag: str | None


class PositionsPublic(ResultPublic):
    items: list[PositionValuePublic]
    next_cursor: str | None


class SnapshotPoint(CapitalFields):
    long_exposure: Num
    short_exposure: Num
    gross_exposure: Num
    net_exposure: Num
    daily_pnl: Num
    daily_return: Num
    cumulative_pnl: Num
    positions_count: int
    provenance: Provenance
    data_quality: DataQualityPublic | None


class SnapshotsPublic(BaseModel):
    portfolio_id: int
    items: list[SnapshotPoint]
    next_cursor: str | None


class PositionBetaPublic(BaseModel):
    position_id: int
    symbol: str
    market_beta: Num
    ir_beta: Num
    n_obs: int


class BetasPublic(ResultPublic):
    market_beta: Num
    ir_beta: Num
    items: list[PositionBetaPublic]
    next_cursor: str | None


class FactorPublic(BaseModel):
    factor: str
    beta: Num
    dollar_exposure: Num


class FactorExposuresPublic(ResultPublic):
    factors: list[FactorPublic]


class PositionFactorPublic(BaseModel):
    position_id: int
    symbol: str
    exposure: Num
    market_beta: Num
    ir_beta: Num
    value: Num
    growth: Num
    momentum: Num
    quality: Num
    size: Num
    low_volatility: Num
    growth_value_spread: Num
    momentum_spread: Num
    size_spread: Num
    quality_spread: Num


class PositionFactorsPublic(ResultPublic):
    items: list[PositionFactorPublic]
    next_cursor: str | None


class VolatilityPublic(VolatilityFields, ResultPublic):
    pass


class CorrelationsPublic(ResultPublic):
    average: Num
    weighted: Num
    symbols: list[str]
    matrix: list[list[Num]]
    clusters: list[list[str]]
    excluded_positions: int


class ScenarioPublic(BaseModel):
    scenario_id: str
    name: str
    category: str
    direct_pnl: Num
    direct_pct: Num
    correlated_pnl: Num
    correlated_pct: Num


class StressTestsPublic(ResultPublic):
    items: list[ScenarioPublic]
    next_cursor: str | None


class PositionContributionPublic(BaseModel):
    position_id: int
    symbol: str
    weight: Num = Field(description="the position's weight (fraction of NAV)")
    contribution: Num = Field(description="its contribution to `ex_ante_vol` (annualized fraction)")
    pct: Num = Field(description="contribution / ex_ante_vol (fraction)")


class RiskPublic(RiskFields, ResultPublic):
    position_contributions: list[PositionContributionPublic] = Field(
        description="a page of the positions' contributions, largest |contribution| first"
    )
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")


class AssetQuality(DataQualityPublic):
    asset: str
    run_id: str


class DataQualityListPublic(BaseModel):
    portfolio_id: int
    as_of: date
    provenance: Provenance
    items: list[AssetQuality]
