"""Portfolios, their cash flows and their onboarding status."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sigmasight_api.schemas.common import Timestamp
from sigmasight_resources.portfolio_import import MAX_SYMBOL_LENGTH

BENCHMARK_DESCRIPTION = "the symbol tracking error is measured against (SPY unless the portfolio names one)"


class PortfolioPublic(BaseModel):
    id: int
    name: str
    owner_id: int
    positions: int
    inception_equity: float | None = Field(description="the cash the portfolio started with; null: none given")
    benchmark: str = Field(description=BENCHMARK_DESCRIPTION)
    created_at: Timestamp


class PortfolioCreated(BaseModel):
    id: int
    name: str
    positions: int
    inception_equity: float | None = Field(description="the cash the portfolio started with; null: none given")
    benchmark: str = Field(description=BENCHMARK_DESCRIPTION)
    status_url: str


class PortfolioUpdate(BaseModel):
    """The settings PATCH changes; a field left out stays as it is."""

    model_config = ConfigDict(extra="forbid")

    benchmark: str | None = Field(
        default=None,
        max_length=MAX_SYMBOL_LENGTH,
        description="a ticker (1-6 letters, optionally a class suffix such as BRK.B); null: back to SPY",
    )


class CashFlowPublic(BaseModel):
    id: int
    date: date
    amount: float = Field(description="a deposit (> 0) or a withdrawal (< 0)")
    created_at: Timestamp


class CashFlowsCreated(BaseModel):
    portfolio_id: int
    count: int = Field(description="how many flows were recorded")
    items: list[CashFlowPublic]


class AssetProgress(BaseModel):
    asset: str
    materialized: int
    total: int


class RunBrief(BaseModel):
    run_id: str
    status: str
    tags: dict[str, str]
    created_at: Timestamp
    started_at: Timestamp | None
    ended_at: Timestamp | None


class StepError(BaseModel):
    run_id: str
    step: str | None
    message: str


class LogEntry(BaseModel):
    timestamp: Timestamp
    run_id: str
    step: str | None
    event: str | None
    level: str
    message: str


class OnboardingPublic(BaseModel):
    portfolio_id: int
    status: Literal["not_found", "pending", "running", "completed", "failed"]
    runs: list[RunBrief]
    progress: list[AssetProgress]
    elapsed_seconds: float | None
    error: StepError | None
    events: list[LogEntry]
