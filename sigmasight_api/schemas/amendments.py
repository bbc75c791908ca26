"""What `POST /portfolios/{id}/amendments` answers."""

from datetime import date

from pydantic import BaseModel, Field


class AmendedPositionPublic(BaseModel):
    line: int = Field(description="the CSV line (the header is line 1)")
    action: str = Field(description="add, exit, mark or exit+mark")
    position_id: int
    symbol: str


class DayRunPublic(BaseModel):
    """The day-level run queued for the closes of symbols new to the portfolio's history."""

    run_id: str
    start: date
    end: date


class AmendmentAccepted(BaseModel):
    portfolio_id: int
    added: int
    exited: int
    marked: int
    changes: list[AmendedPositionPublic]
    recompute_from: date = Field(description="results from this day on were deleted; the close sensor recomputes them")
    rows_deleted: int
    day_run: DayRunPublic | None = Field(description="queued first when new symbols need closes, else null")
    status_url: str = Field(description="follow the recomputation here (status completed once every day is back)")
