"""Admin: audit log entries and symbols recorded unavailable."""

from typing import Any

from pydantic import BaseModel, Field

from sigmasight_api.schemas.common import Timestamp


class AuditEntryPublic(BaseModel):
    id: int
    at: Timestamp
    actor_id: int | None = Field(description="the SigmaSight user who asked; null for a CLI command run without --as")
    actor: str = Field(description="the user's email, or os:<login> for a CLI command run without --as")
    source: str = Field(description="api or cli")
    action: str = Field(description="run.launch, run.cancel, portfolio.amend, user.create, user.rotate_token, ...")
    target: str = Field(description="what it acted on: a backfill or run id, user:<id>, a symbol, ...")
    details: dict[str, Any]


class UnavailableSymbolEntry(BaseModel):
    symbol: str
    reason: str = Field(description="the vendor's answer, e.g. `not in prices.csv`")
    since: Timestamp = Field(description="the first empty answer of this spell")
    checked_at: Timestamp = Field(description="the latest empty answer")
    sessions_since_check: int = Field(description="NYSE sessions closed since `checked_at`")
    recheck_due: bool = Field(description="the cool-off has passed: the next market_prices run asks the vendor again")
