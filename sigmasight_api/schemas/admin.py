"""Admin: run launches, run and backfill details, asset summaries, the data-quality roll-up, freshness."""

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from sigmasight_api.schemas.common import Timestamp
from sigmasight_api.schemas.portfolios import RunBrief, StepError


class DailyLaunch(BaseModel):
    """Every asset for one trading day, for every active portfolio."""

    kind: Literal["daily"]
    date: date


class PortfolioRerun(BaseModel):
    """Every asset for one portfolio over [start, end]; `force` recomputes the days it already has results for."""

    kind: Literal["portfolio"]
    portfolio_id: int = Field(ge=1, le=2**31 - 1)
    start: date
    end: date
    force: bool = False


LaunchCreate = Annotated[DailyLaunch | PortfolioRerun, Field(discriminator="kind")]


class LaunchPublic(BaseModel):
    status: Literal["launched", "up_to_date"]
    backfill_id: str | None
    request_key: str
    partitions: int = Field(description="asset partitions (asset × trading day) requested")


class CheckResult(BaseModel):
    check: str
    status: str
    passed: bool | None
    run_id: str | None
    partition: str | None
    evaluated_at: Timestamp | None


class AssetOutcome(BaseModel):
    asset: str
    status: Literal["succeeded", "failed", "running", "skipped"]
    started_at: Timestamp | None
    ended_at: Timestamp | None
    seconds: float | None
    materialized: list[str]
    failed: list[str]
    error: str | None
    checks: list[CheckResult]


class RunDetailPublic(BaseModel):
    kind: Literal["run", "backfill"]
    id: str
    status: str
    tags: dict[str, str]
    created_at: Timestamp
    started_at: Timestamp | None
    ended_at: Timestamp | None
    assets: list[AssetOutcome]
    runs: list[RunBrief] = Field(description="for a backfill: the runs it launched")
    error: StepError | None


class CancelPublic(BaseModel):
    id: str
    kind: Literal["run", "backfill"]
    status: str


class LastMaterialization(BaseModel):
    run_id: str
    partition: str | None
    at: Timestamp


class AssetSummary(BaseModel):
    asset: str
    partitions_total: int
    materialized: int
    failed: int
    in_progress: int
    missing: int
    last_materialization: LastMaterialization | None
    checks: list[CheckResult]


class FlagCount(BaseModel):
    asset: str
    flag: str
    count: int


class SkippedPositions(BaseModel):
    portfolio_id: int
    asset: str
    positions_total: int
    positions_analyzed: int
    positions_skipped: dict[str, int]


class UnavailableSymbolPublic(BaseModel):
    symbol: str
    reason: str
    checked_at: Timestamp


class DataQualityRollup(BaseModel):
    as_of: date | None
    flags: list[FlagCount]
    skipped: list[SkippedPositions]
    next_cursor: str | None
    unavailable_symbols: list[UnavailableSymbolPublic]


class Hole(BaseModel):
    """Consecutive trading days a portfolio lacks some portfolio-level result for."""

    first: date
    last: date
    days: int


class StalePortfolio(BaseModel):
    portfolio_id: int
    name: str
    latest_result: date | None
    trading_days_behind: int | None = Field(description="null when the portfolio has no result yet")
    missing_days: int = Field(0, description="trading days since its first entry without every result")
    holes: list[Hole] = Field(default_factory=list, description="every gap in its history, oldest first")


class FreshnessPublic(BaseModel):
    latest_trading_day: date
    items: list[StalePortfolio]
    next_cursor: str | None
