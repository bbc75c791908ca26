"""Portfolios, their cash flows and their onboarding status."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from sigmasight_api.schemas.common import Timestamp


class PortfolioPublic(BaseModel):
    id: int
    name: str
    owner_id: int
    positions: int
    inception_equity: float | None = Field(description="the cash the portfolio started with; null: none given")
    created_at: Timestamp


class PortfolioCreated(BaseModel):
    id: int
    name: str
    positions: int
    inception_equity: float | None = Field(description="the cash the portfolio started with; null: none given")
    status_url: str


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
